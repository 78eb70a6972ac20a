"""Run Alembic migrations from code (the CLI's ``db upgrade`` and the tests use this).

Each domain keeps its revisions in ``platform/<domain>/migrations/`` as its own Alembic
branch (``branch_labels`` = the domain), so domains evolve independently; cross-domain
foreign keys use ``depends_on``. ``upgrade`` always targets ``heads``.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from neutralpoint.database.engine import make_engine
from neutralpoint.database.models import DOMAINS
from neutralpoint.database.rls import WEB_ROLE_GRANTS


def version_locations() -> list[str]:
    locations = []
    for domain in DOMAINS:
        module = importlib.import_module(f"neutralpoint.{domain}")
        folder = Path(next(iter(module.__path__))) / "migrations"
        if folder.is_dir():
            locations.append(str(folder))
    return locations


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("version_locations", " ".join(version_locations()))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(migration_url: str, app_url: str | None = None, scope_key: bytes | None = None) -> None:
    """Bring the schema to the newest revision, store the key the web role signs its venue
    scopes with (``Settings.database_scope_key``) and grant the application role its rights."""
    command.upgrade(alembic_config(migration_url), "heads")
    if migration_url.startswith("postgresql") and scope_key is not None:
        asyncio.run(store_scope_key(migration_url, scope_key))
    if app_url and migration_url.startswith("postgresql"):
        asyncio.run(grant_app_role(migration_url, app_url))


def _hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys, as ``app.hmac`` takes them."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


async def store_scope_key(migration_url: str, key: bytes) -> None:
    """Put the application's scope key where ``app.enter_scope`` checks signatures (owner only)."""
    inner, outer = _hmac_pads(key)
    engine = make_engine(migration_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "insert into app.scope_keys (id, inner_pad, outer_pad) values (1, :inner, :outer) "
                    "on conflict (id) do update set inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad"
                ),
                {"inner": inner, "outer": outer},
            )
    finally:
        await engine.dispose()


def downgrade_all(migration_url: str) -> None:
    command.downgrade(alembic_config(migration_url), "base")


async def grant_app_role(migration_url: str, app_url: str) -> None:
    """Give the application's role data rights only: it owns nothing and cannot bypass RLS.

    The role is created (with the password in ``DATABASE_URL``) when it does not exist yet.
    """
    parts = urlsplit(app_url)
    owner = urlsplit(migration_url).username
    role = unquote(parts.username or "")
    if not role or role == owner:
        return
    password = unquote(parts.password or "")
    engine = make_engine(migration_url)
    try:
        async with engine.begin() as conn:
            exists = await conn.scalar(text("select 1 from pg_roles where rolname = :r"), {"r": role})
            quoted = '"' + role.replace('"', '""') + '"'
            if not exists:
                literal = "'" + password.replace("'", "''") + "'"
                await conn.execute(
                    text(
                        f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD {literal}"
                    )
                )
            await conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
            await conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"))
            await conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
            # The sealed scope's entry and readers; never its key or its HMAC.
            for grant in WEB_ROLE_GRANTS:
                await conn.execute(text(grant.format(role=quoted)))
            # The ledger and its anchors are append-only: the application may add rows, never change them.
            for table in ("ledger_entries", "ledger_anchors"):
                if await conn.scalar(text(f"select to_regclass('public.{table}')")) is not None:
                    await conn.execute(text(f"REVOKE UPDATE, DELETE ON {table} FROM {quoted}"))
    finally:
        await engine.dispose()
