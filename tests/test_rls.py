"""PostgreSQL row-level security: the second wall behind the ORM's tenant scoping.

These tests talk SQL to the database directly, as the application role and as the owner,
so they check the policies themselves, not the ORM mechanism in front of them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from neutralpoint.database.base import new_id
from neutralpoint.database.rls import POLICY_NAME
from neutralpoint.tenants.models import EntryPoint, Tenant
from tests.database_scope import enter_scope

# Row-level security is PostgreSQL's.
pytestmark = pytest.mark.pg


@pytest.fixture
async def owner_engine(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_urls["owner"], poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def app_engine(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_urls["app"], poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def two_venues(owner_engine: AsyncEngine, unique: str) -> dict[str, Any]:
    """Venues A and B with two and one entry points, written by the owner (which bypasses RLS)."""
    a, b = new_id(), new_id()
    async with owner_engine.begin() as conn:
        for tenant_id, name in ((a, "a"), (b, "b")):
            await conn.execute(
                insert(Tenant.__table__).values(
                    id=tenant_id,
                    slug=f"rls-{name}-{unique}",
                    name=f"RLS {name}",
                    display_name_en=f"RLS {name}",
                    contact_email=f"rls-{name}-{unique}@example.org",
                )
            )
        for tenant_id, code in ((a, "A1"), (a, "A2"), (b, "B1")):
            await conn.execute(_entry_point(tenant_id, code))
    return {"a": a, "b": b}


def _entry_point(tenant_id: uuid.UUID, code: str) -> Any:
    return insert(EntryPoint.__table__).values(
        id=new_id(), tenant_id=tenant_id, code=code, name_en=f"Door {code}", scenario="meetings"
    )


async def _tenant_tables(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "select c.table_name from information_schema.columns c "
                "join information_schema.tables t using (table_schema, table_name) "
                "where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE' "
                "order by 1"
            )
        )
        return [r[0] for r in rows]


async def test_every_table_with_a_tenant_id_has_forced_rls_and_the_policy(owner_engine: AsyncEngine) -> None:
    tables = await _tenant_tables(owner_engine)
    assert "entry_points" in tables
    async with owner_engine.connect() as conn:
        flags = {
            r[0]: (r[1], r[2])
            for r in await conn.execute(
                text(
                    "select c.relname, c.relrowsecurity, c.relforcerowsecurity from pg_class c "
                    "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'"
                )
            )
        }
        policies = {
            r[0]
            for r in await conn.execute(
                text("select tablename from pg_policies where schemaname = 'public' and policyname = :p"),
                {"p": POLICY_NAME},
            )
        }
    problems = []
    for table in tables:
        enabled, forced = flags[table]
        if not enabled:
            problems.append(f"{table}: row-level security is not ENABLEd")
        if not forced:
            problems.append(f"{table}: row-level security is not FORCEd")
        if table not in policies:
            problems.append(f"{table}: no {POLICY_NAME} policy (call enable_tenant_rls in its migration)")
    assert not problems, "\n".join(problems)


async def test_application_role_cannot_bypass_rls(app_engine: AsyncEngine, database_urls: dict[str, str]) -> None:
    async with app_engine.connect() as conn:
        role, superuser, bypass = (
            await conn.execute(
                text("select rolname, rolsuper, rolbypassrls from pg_roles where rolname = current_user")
            )
        ).one()
        owned = (
            await conn.execute(
                text(
                    "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = 'public' and pg_get_userbyid(c.relowner) = current_user"
                )
            )
        ).scalar_one()
    assert role != "postgres"
    assert superuser is False
    assert bypass is False
    assert owned == 0, f"the application role {role} owns {owned} relations; table owners bypass RLS unless FORCEd"


async def test_no_tenant_set_sees_no_rows(
    app_engine: AsyncEngine, owner_engine: AsyncEngine, two_venues: dict[str, Any]
) -> None:
    async with owner_engine.connect() as conn:
        assert (await conn.execute(text("select count(*) from entry_points"))).scalar_one() >= 3
    async with app_engine.connect() as conn:
        for table in await _tenant_tables(owner_engine):
            count = (await conn.execute(text(f'select count(*) from "{table}"'))).scalar_one()
            assert count == 0, f"{table}: {count} rows visible without a tenant"


async def test_tenant_set_sees_only_its_rows(app_engine: AsyncEngine, two_venues: dict[str, Any]) -> None:
    async with app_engine.begin() as conn:
        await enter_scope(conn, str(two_venues["a"]))
        rows = (await conn.execute(text("select tenant_id, code from entry_points"))).all()
        by_id = (
            await conn.execute(text("select count(*) from entry_points where tenant_id = :b"), {"b": two_venues["b"]})
        ).scalar_one()
    assert sorted(code for _, code in rows) == ["A1", "A2"]
    assert {tenant for tenant, _ in rows} == {two_venues["a"]}
    assert by_id == 0


async def test_writing_another_tenants_row_is_refused(app_engine: AsyncEngine, two_venues: dict[str, Any]) -> None:
    a, b = str(two_venues["a"]), two_venues["b"]
    sneaky_insert = _entry_point(b, "SNEAK")
    sneaky_move = text("update entry_points set tenant_id = :b where code = 'A1'").bindparams(b=b)
    for statement in (sneaky_insert, sneaky_move):
        async with app_engine.connect() as conn, conn.begin():
            await enter_scope(conn, a)
            with pytest.raises(DBAPIError, match="row-level security"):
                await conn.execute(statement)
    async with app_engine.begin() as conn:
        await enter_scope(conn, str(b))
        assert (await conn.execute(text("select code from entry_points"))).scalars().all() == ["B1"]


async def test_the_tenant_setting_ends_with_the_transaction(
    app_engine: AsyncEngine, two_venues: dict[str, Any]
) -> None:
    async with app_engine.connect() as conn:
        async with conn.begin():
            await enter_scope(conn, str(two_venues["a"]))
            assert (await conn.execute(text("select count(*) from entry_points"))).scalar_one() == 2
        async with conn.begin():
            setting = (await conn.execute(text("select current_setting('app.scope', true)"))).scalar_one()
            count = (await conn.execute(text("select count(*) from entry_points"))).scalar_one()
    assert setting in (None, "")
    assert count == 0


async def test_changes_to_another_tenants_rows_touch_nothing(
    app_engine: AsyncEngine, owner_engine: AsyncEngine, two_venues: dict[str, Any]
) -> None:
    async with app_engine.begin() as conn:
        await enter_scope(conn, str(two_venues["a"]))
        updated = await conn.execute(
            text("update entry_points set name_en = 'taken' where tenant_id = :b"), {"b": two_venues["b"]}
        )
        deleted = await conn.execute(text("delete from entry_points where tenant_id = :b"), {"b": two_venues["b"]})
    assert updated.rowcount == 0
    assert deleted.rowcount == 0
    async with owner_engine.connect() as conn:
        name = (
            await conn.execute(text("select name_en from entry_points where tenant_id = :b"), {"b": two_venues["b"]})
        ).scalar_one()
    assert name == "Door B1"


async def test_a_visitors_footprint_crosses_venues_only_where_scopes_are_disabled(
    app_engine: AsyncEngine, owner_engine: AsyncEngine, two_venues: dict[str, Any]
) -> None:
    """The personal footprint's tables hold visitor ids, never a venue's rows (no ``tenant_id``,
    like the leaderboards'); the estimates they find stay behind the venues' policy: one
    visitor's estimates at two venues are read together only with scopes disabled, as
    ``neutralpoint.impact.footprints`` reads them."""
    footprint_tables = ("footprint_histories", "footprint_visitors", "footprint_sign_in_links")
    assert not set(footprint_tables) & set(await _tenant_tables(owner_engine))
    visitor = new_id()
    async with owner_engine.begin() as conn:
        for tenant in (two_venues["a"], two_venues["b"]):
            await conn.execute(
                text(
                    "insert into estimates (id, tenant_id, visitor_id, scenario, kind, scenario_name, "
                    "factor_set_version, factor_fingerprint, inputs, breakdown, total_grams, language, created_at) "
                    "values (:id, :t, :v, 'meetings', 'visitor', '{}', '1', 'f', '{}', '[]', 5, 'en', now())"
                ),
                {"id": new_id(), "t": tenant, "v": visitor},
            )
    mine = text("select count(*) from estimates where visitor_id = :v").bindparams(v=visitor)
    async with app_engine.begin() as conn:
        history = new_id()
        await conn.execute(text("insert into footprint_histories (id, created_at) values (:h, now())"), {"h": history})
        await conn.execute(
            text("insert into footprint_visitors (visitor_id, history_id, joined_at) values (:v, :h, now())"),
            {"v": visitor, "h": history},
        )
        assert (await conn.execute(mine)).scalar_one() == 0
        await enter_scope(conn, str(two_venues["a"]))
        assert (await conn.execute(mine)).scalar_one() == 1
    async with app_engine.begin() as conn:
        await enter_scope(conn, all_venues=True)
        assert (await conn.execute(mine)).scalar_one() == 2
