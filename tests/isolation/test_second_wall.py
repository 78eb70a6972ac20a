"""The second wall, tried with raw SQL as the web role inside venue A's transaction.

Whatever SQL an attacker gets to run in A's request — a hand-written ``set_config`` of
``app.scopes_disabled``, of another venue's ``app.tenant_id``, of the scope and its seal,
or ``app.enter_scope`` with a forged signature — it reveals and changes no row of venue
B, on every venue-owned table (walked from the models' metadata, so a new table is tried
without being named here), on the venues themselves and on the mail outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from cross_venue_world import World
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from neutralpoint.database.base import Base
from neutralpoint.database.models import import_all_models
from neutralpoint.database.rls import POLICY_NAME
from neutralpoint.database.tenancy import scope_parameters
from tests.conftest import TEST_SCOPE_KEY
from tests.database_scope import enter_scope

pytestmark = pytest.mark.pg


def venue_owned_tables() -> list[str]:
    """Every table of the models with a ``tenant_id`` column: the rows a venue owns."""
    import_all_models()
    return sorted(name for name, table in Base.metadata.tables.items() if "tenant_id" in table.c)


#: Platform tables naming a venue that another venue's transaction changes by design.
CHANGED_ACROSS_VENUES = {
    # A purchase at one venue releases another venue's expired hold of the same lot.
    "credit_holds",
}


def venue_named_tables() -> list[str]:
    """Every platform table whose rows name a venue (a ``venue_id`` that refers to ``tenants``):
    readable by all, changed only by their venue or platform work."""
    import_all_models()
    return sorted(
        name
        for name, table in Base.metadata.tables.items()
        if "venue_id" in table.c
        and any(fk.column.table.name == "tenants" for fk in table.c.venue_id.foreign_keys)
        and name not in CHANGED_ACROSS_VENUES
    )


#: Hand-written widenings tried inside A's signed scope: each must leave B out of sight.
SETTINGS_FORGERIES = {
    "scopes disabled": "select set_config('app.scopes_disabled', 'on', true)",
    "B's tenant id": "select set_config('app.tenant_id', :b, true)",
    "B's claim": "select set_config('app.scope', 'venue:' || :b, true)",
    "every venue, A's seal kept": "select set_config('app.scope', 'all-venues', true)",
}
WRONG_KEY = hashlib.sha256(b"not the application's key").digest()
#: Calls of the definer function that must be refused, with the signature each sends for B.
SIGNATURE_FORGERIES: dict[str, tuple[str, Callable[[uuid.UUID, uuid.UUID], str]]] = {
    "B with a signature of another key": (
        "select app.enter_scope(cast(:b as uuid), false, :sig)",
        lambda a, b: hmac.new(WRONG_KEY, f"venue:{b}".encode(), hashlib.sha256).hexdigest(),
    ),
    "B with A's signature, as sent": (
        "select app.enter_scope(cast(:b as uuid), false, :sig)",
        lambda a, b: str(scope_parameters(TEST_SCOPE_KEY, a)["signature"]),
    ),
    "every venue with A's signature": (
        "select app.enter_scope(null, true, :sig)",
        lambda a, b: str(scope_parameters(TEST_SCOPE_KEY, a)["signature"]),
    ),
    "every venue unsigned": ("select app.enter_scope(null, true, null)", lambda a, b: ""),
}
#: What only the definer functions may read or run.
SECRETS = (
    "select inner_pad from app.scope_keys",
    "select app.hmac('venue:' || :b)",
    "select app.seal('all-venues')",
    "select app.owner_enters_every_venue()",
)


@pytest.fixture
async def web(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_urls["app"], poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def owner(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_urls["owner"], poolclass=NullPool)
    yield engine
    await engine.dispose()


async def _b_rows(conn: AsyncConnection, world: World) -> dict[str, int]:
    """How many of B's rows each walled table shows on ``conn`` (as it is scoped)."""
    b = world.b.tenant_id
    counts = {}
    for table in venue_owned_tables():
        counts[table] = (
            await conn.execute(text(f'select count(*) from "{table}" where tenant_id = :b'), {"b": b})
        ).scalar_one()
    counts["mail_outbox"] = (
        await conn.execute(text("select count(*) from mail_outbox where recipient = :e"), {"e": world.b.owner_email})
    ).scalar_one()
    return counts


async def _b_changes(conn: AsyncConnection, world: World, *, deleting: bool = True) -> dict[str, int]:
    """How many of B's rows an UPDATE and (``deleting``) a DELETE reach on each walled table,
    each undone at once."""
    b, email = world.b.tenant_id, world.b.owner_email
    targets = [(f'"{table}"', "tenant_id = :b", "tenant_id = tenant_id") for table in venue_owned_tables()]
    targets += [(f'"{table}"', "venue_id = :b", "venue_id = venue_id") for table in venue_named_tables()]
    targets += [("tenants", "id = :b", "name = name"), ("mail_outbox", "recipient = :e", "subject = 'x'")]
    reached = {}
    for table, where, change in targets:
        parameters = {"b": b, "e": email}
        savepoint = await conn.begin_nested()
        updated = (await conn.execute(text(f"update {table} set {change} where {where}"), parameters)).rowcount
        deleted = 0
        if deleting:
            deleted = (await conn.execute(text(f"delete from {table} where {where}"), parameters)).rowcount
        await savepoint.rollback()
        reached[table.strip('"')] = updated + deleted
    return reached


async def test_venue_b_has_rows_to_find_and_its_own_signed_scope_finds_them(
    world: World, owner: AsyncEngine, web: AsyncEngine
) -> None:
    """The probes below can fail: B owns rows in the walled tables, and the web role inside
    B's own signed scope sees and reaches them."""
    async with owner.connect() as conn:
        owned = await _b_rows(conn, world)
    assert owned["mail_outbox"] >= 1
    missing = sorted(table for table, count in owned.items() if count == 0)
    # The cross-venue world gives B one of everything a URL can name; what a sale leaves
    # behind only on failure (refunds) or for a while (reservations) may be absent.
    assert set(missing) <= {"payment_refunds", "credit_reservations"}, missing
    async with web.begin() as conn:
        await enter_scope(conn, world.b.tenant_id)
        seen = await _b_rows(conn, world)
        reached = await _b_changes(conn, world, deleting=False)  # B's sales hold its reservations
    assert all(seen[table] == owned[table] for table in owned if table != "mail_outbox"), seen
    # The audit log is append-only (no policy lets anyone change an entry); the outbox is the platform's.
    changeable = [table for table in owned if owned[table] and table not in ("mail_outbox", "audit_entries")]
    assert all(reached[table] > 0 for table in changeable), reached
    assert reached["tenants"] == 1  # B's own venue
    # B's sale's certificate, the allocation offered to it: its own scope reaches each.
    assert all(reached[table] for table in venue_named_tables()), reached


async def test_raw_sql_in_a_s_transaction_reveals_and_changes_nothing_of_b(world: World, web: AsyncEngine) -> None:
    """Each forgery in a transaction of its own, begun in A's signed scope as a request's is."""
    a, b = world.a.tenant_id, world.b.tenant_id
    found: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    for forgery, statement in SETTINGS_FORGERIES.items():
        async with web.connect() as conn, conn.begin() as transaction:
            await enter_scope(conn, a)
            assert (await conn.execute(text("select count(*) from memberships"))).scalar_one() == 1  # A's owner
            await conn.execute(text(statement), {"b": str(b)})
            found[forgery] = (await _b_rows(conn, world), await _b_changes(conn, world))
            a_after = (await conn.execute(text("select count(*) from memberships"))).scalar_one()
            await transaction.rollback()
        # Settings the policies never read change nothing; a scope without its seal shows nothing at all.
        assert a_after == (0 if "claim" in forgery or "seal" in forgery else 1), forgery
    for forgery, (statement, signature_of) in SIGNATURE_FORGERIES.items():
        async with web.connect() as conn, conn.begin() as transaction:
            await enter_scope(conn, a)
            savepoint = await conn.begin_nested()
            with pytest.raises(DBAPIError, match="refused"):
                await conn.execute(text(statement), {"b": str(b), "sig": signature_of(a, b)})
            await savepoint.rollback()
            found[forgery] = (await _b_rows(conn, world), await _b_changes(conn, world))
            await transaction.rollback()
    leaks = {
        forgery: (seen, reached)
        for forgery, (seen, reached) in found.items()
        if any(seen.values()) or any(reached.values())
    }
    assert not leaks, leaks


async def test_the_key_and_the_seal_are_out_of_the_web_roles_reach(world: World, web: AsyncEngine) -> None:
    for statement in SECRETS:
        async with web.connect() as conn, conn.begin() as transaction:
            await enter_scope(conn, world.a.tenant_id)
            with pytest.raises(DBAPIError, match="permission denied"):
                await conn.execute(text(statement), {"b": str(world.b.tenant_id)})
            await transaction.rollback()


async def test_every_venue_owned_table_reads_only_the_sealed_scope(owner: AsyncEngine) -> None:
    """Each table with a ``tenant_id`` forces row-level security, has the venue policy, and no
    policy anywhere reads a setting the web role could write (``current_setting``) itself."""
    async with owner.connect() as conn:
        forced = {
            r[0]
            for r in await conn.execute(
                text(
                    "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = 'public' and c.relrowsecurity and c.relforcerowsecurity"
                )
            )
        }
        policies = [
            (r[0], r[1], f"{r[2] or ''} {r[3] or ''}")
            for r in await conn.execute(
                text("select tablename, policyname, qual, with_check from pg_policies where schemaname = 'public'")
            )
        ]
    venue_policies = {table for table, name, _ in policies if name == POLICY_NAME}
    for table in [*venue_owned_tables(), *venue_named_tables(), "tenants", "mail_outbox"]:
        assert table in forced, f"{table}: row-level security is not enabled and forced"
    changes_walled = {table for table, name, _ in policies if name == "venue_rows_change"}
    assert set(venue_named_tables()) <= changes_walled
    for table in venue_owned_tables():
        assert table in venue_policies, f"{table}: no {POLICY_NAME} policy"
    unsealed = [(table, name) for table, name, expression in policies if "current_setting" in expression]
    assert not unsealed, f"policies reading a setting the web role may write: {unsealed}"
    sealed = {table for table, name, expression in policies if "app.current_tenant()" in expression}
    assert set(venue_owned_tables()) <= sealed
