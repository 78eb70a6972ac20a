"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from neutralpoint.database.base import Base
from neutralpoint.database.engine import make_engine
from neutralpoint.database.migrate import downgrade_all, upgrade
from neutralpoint.database.models import import_all_models


async def test_every_model_change_has_its_migration(database_urls: dict[str, str]) -> None:
    import_all_models()
    engine = make_engine(database_urls["owner"])

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert diff == []


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_every_migration_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    """A release can be rolled back: every domain's migrations undo what they did."""
    import_all_models()
    upgrade(empty_database_url)
    assert set(Base.metadata.tables) <= _tables(empty_database_url)
    downgrade_all(empty_database_url)
    assert _tables(empty_database_url) <= {"alembic_version"}
    upgrade(empty_database_url)
    assert set(Base.metadata.tables) <= _tables(empty_database_url)


def test_organiser_estimates_lose_the_user_id_they_had_as_visitor_id(empty_database_url: str) -> None:
    """Before scenarios_0004 an organiser's footprint had the manager's user id as visitor
    id; the migration moves it to ``created_by``."""
    import uuid
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy import select

    from neutralpoint.database.base import UTCDateTime
    from neutralpoint.database.migrate import alembic_config

    command.upgrade(alembic_config(empty_database_url), "scenarios_0003")
    ids = {name: uuid.uuid4() for name in ("tenant", "user", "organiser", "visitor", "visitor_id")}
    now = datetime.now(UTC)

    def tables(sync: Any) -> dict[str, Any]:
        """The three tables as they were at scenarios_0003 (only the columns written here)."""
        text_columns = {
            "tenants": ("slug", "name", "display_name", "contact_email", "status", "primary_color", "default_language"),
            "users": ("email", "name", "password_hash"),
            "estimates": ("scenario", "kind", "factor_set_version", "factor_fingerprint", "language"),
        }
        extra: dict[str, list[Any]] = {
            "tenants": [sa.column("logo_version", sa.Integer()), sa.column("is_demo", sa.Boolean())],
            "users": [sa.column("is_platform_admin", sa.Boolean())],
            "estimates": [
                sa.column("tenant_id", sa.Uuid()),
                sa.column("visitor_id", sa.Uuid()),
                sa.column("created_by", sa.Uuid()),
                sa.column("scenario_name", sa.JSON()),
                sa.column("inputs", sa.JSON()),
                sa.column("breakdown", sa.JSON()),
                sa.column("total_grams", sa.BigInteger()),
            ],
        }
        return {
            name: sa.table(
                name,
                sa.column("id", sa.Uuid()),
                sa.column("created_at", UTCDateTime()),
                *(sa.column(c, sa.String()) for c in columns),
                *extra[name],
            )
            for name, columns in text_columns.items()
        }

    def seed(sync: Any) -> None:
        t = tables(sync)
        sync.execute(t["tenants"].insert().values(
            id=ids["tenant"], slug="mig", name="Mig", display_name="Mig", contact_email="m@example.org",
            status="active", primary_color="#000000", default_language="en", logo_version=0, is_demo=False,
            created_at=now,
        ))
        sync.execute(t["users"].insert().values(
            id=ids["user"], email="u@example.org", name="", password_hash="x", is_platform_admin=False, created_at=now
        ))
        common = {
            "tenant_id": ids["tenant"], "scenario": "meetings", "scenario_name": {"en": "Meetings"},
            "factor_set_version": "1", "factor_fingerprint": "f" * 64, "inputs": {}, "breakdown": [],
            "total_grams": 1, "language": "en", "created_at": now,
        }
        estimates = t["estimates"]
        sync.execute(estimates.insert().values(id=ids["organiser"], visitor_id=ids["user"], kind="organiser", **common))
        sync.execute(
            estimates.insert().values(id=ids["visitor"], visitor_id=ids["visitor_id"], kind="visitor", **common)
        )

    def read(sync: Any) -> dict[uuid.UUID, tuple[Any, Any]]:
        estimates = tables(sync)["estimates"]
        rows = sync.execute(select(estimates.c.id, estimates.c.visitor_id, estimates.c.created_by))
        return {row[0]: (row[1], row[2]) for row in rows}

    async def run(step: Any) -> Any:
        engine = make_engine(empty_database_url)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(step)
        finally:
            await engine.dispose()

    asyncio.run(run(seed))
    upgrade(empty_database_url)
    after = asyncio.run(run(read))
    assert after[ids["organiser"]] == (None, ids["user"])
    assert after[ids["visitor"]] == (ids["visitor_id"], None)
