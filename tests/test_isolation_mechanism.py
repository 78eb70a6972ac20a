"""The ORM's tenant scoping: the first wall, on SQLite and PostgreSQL alike.

Every ORM statement on a venue-owned model is filtered to the session's tenant, an
unscoped one raises, and writes are stamped with (and held to) the current tenant.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update

from neutralpoint.database import Database, UnscopedQueryError, disable_scopes, scopes_disabled, use_tenant
from neutralpoint.tenants.models import EntryPoint, Tenant


@pytest.fixture
async def venues(db: Database, unique: str) -> dict[str, Any]:
    """Venues A (entry points A1, A2) and B (B1), written as platform code."""
    ids: dict[str, Any] = {}
    async with db.platform_session() as session:
        for name in ("a", "b"):
            tenant = Tenant(
                slug=f"iso-{name}-{unique}",
                name=f"Isolation {name}",
                display_name=f"Isolation {name}",
                contact_email=f"iso-{name}-{unique}@example.org",
            )
            session.add(tenant)
            await session.flush()
            ids[name] = tenant.id
        for name, code in (("a", "A1"), ("a", "A2"), ("b", "B1")):
            entry = EntryPoint(tenant_id=ids[name], code=code, name=f"Door {code}", scenario="meetings")
            session.add(entry)
            await session.flush()
            ids[code] = entry.id
    return ids


def _entry(code: str, tenant_id: uuid.UUID | None = None) -> EntryPoint:
    entry = EntryPoint(code=code, name=f"Door {code}", scenario="meetings")
    if tenant_id is not None:
        entry.tenant_id = tenant_id
    return entry


async def test_unscoped_orm_query_raises(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        with pytest.raises(UnscopedQueryError):
            await session.execute(select(EntryPoint))


async def test_scoped_query_sees_only_its_tenant(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        use_tenant(session, venues["a"])
        rows = (await session.scalars(select(EntryPoint))).all()
        explicit_b = (await session.scalars(select(EntryPoint).where(EntryPoint.tenant_id == venues["b"]))).all()
    assert sorted(r.code for r in rows) == ["A1", "A2"]
    assert {r.tenant_id for r in rows} == {venues["a"]}
    assert explicit_b == []


async def test_disabled_scopes_see_every_tenant(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        disable_scopes(session)
        rows = (
            await session.scalars(select(EntryPoint).where(EntryPoint.tenant_id.in_([venues["a"], venues["b"]])))
        ).all()
    assert sorted(r.code for r in rows) == ["A1", "A2", "B1"]


async def test_scopes_disabled_lasts_for_its_block_only(db: Database, venues: dict[str, Any]) -> None:
    """A cross-venue lookup must not leave the rest of the request unscoped."""
    both = [venues["a"], venues["b"]]
    # What row-level security lets through on PostgreSQL, past the ORM's own scoping.
    raw = text("select count(*) from entry_points where tenant_id::text in (:a, :b)").bindparams(
        a=str(venues["a"]), b=str(venues["b"])
    )
    async with db.session() as session:
        with scopes_disabled(session):
            inside = (await session.scalars(select(EntryPoint).where(EntryPoint.tenant_id.in_(both)))).all()
        with pytest.raises(UnscopedQueryError):
            await session.execute(select(EntryPoint))
    assert sorted(r.code for r in inside) == ["A1", "A2", "B1"]

    async with db.session() as session:
        use_tenant(session, venues["a"])
        with scopes_disabled(session):
            assert len((await session.scalars(select(EntryPoint).where(EntryPoint.tenant_id.in_(both)))).all()) == 3
            if db.is_postgres:
                assert await session.scalar(raw) == 3
        after = (await session.scalars(select(EntryPoint).where(EntryPoint.tenant_id.in_(both)))).all()
        # On PostgreSQL the transaction's row-level security is back to venue A as well.
        raw_after = await session.scalar(raw) if db.is_postgres else 2
    assert sorted(r.code for r in after) == ["A1", "A2"]
    assert raw_after == 2


async def test_get_by_id_of_another_tenant_returns_none(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        use_tenant(session, venues["a"])
        assert await session.get(EntryPoint, venues["B1"]) is None
        own = await session.get(EntryPoint, venues["A1"])
    assert own is not None
    assert own.code == "A1"


async def test_bulk_update_and_delete_are_scoped(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        use_tenant(session, venues["a"])
        await session.execute(
            update(EntryPoint).where(EntryPoint.id == venues["B1"]).values(name_en="taken"),
            execution_options={"synchronize_session": False},
        )
        await session.execute(
            delete(EntryPoint).where(EntryPoint.id == venues["B1"]), execution_options={"synchronize_session": False}
        )
        renamed = await session.execute(
            update(EntryPoint).where(EntryPoint.code.in_(["A1", "B1"])).values(name_en="renamed"),
            execution_options={"synchronize_session": False},
        )
    assert renamed.rowcount == 1
    async with db.platform_session() as session:
        b1 = await session.get(EntryPoint, venues["B1"])
        a1 = await session.get(EntryPoint, venues["A1"])
    assert b1 is not None
    assert b1.name == "Door B1"
    assert a1 is not None
    assert a1.name == "renamed"


async def test_flush_stamps_the_current_tenant(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        use_tenant(session, venues["b"])
        entry = _entry("B2")
        session.add(entry)
        await session.flush()
        new_id = entry.id
    assert entry.tenant_id == venues["b"]
    async with db.platform_session() as session:
        stored = await session.get(EntryPoint, new_id)
    assert stored is not None
    assert stored.tenant_id == venues["b"]


async def test_new_row_without_a_tenant_raises(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        session.add(_entry("X1"))
        with pytest.raises(UnscopedQueryError):
            await session.flush()
        await session.rollback()


async def test_writing_a_row_of_another_tenant_raises(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        use_tenant(session, venues["a"])
        session.add(_entry("SNEAK", tenant_id=venues["b"]))
        with pytest.raises(UnscopedQueryError):
            await session.flush()
        await session.rollback()
    async with db.platform_session() as session:
        count = await session.scalar(
            select(func.count()).select_from(EntryPoint).where(EntryPoint.tenant_id == venues["b"])
        )
    assert count == 1


async def test_moving_a_loaded_row_to_another_tenant_raises(db: Database, venues: dict[str, Any]) -> None:
    async with db.session() as session:
        use_tenant(session, venues["a"])
        entry = await session.get(EntryPoint, venues["A2"])
        assert entry is not None
        entry.tenant_id = venues["b"]
        with pytest.raises(UnscopedQueryError):
            await session.flush()
        await session.rollback()


async def test_scope_set_after_a_query_in_the_same_transaction(db: Database, venues: dict[str, Any]) -> None:
    """Pages look the venue up by slug first, then scope the same transaction to it."""
    async with db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.id == venues["a"]))
        assert tenant is not None
        use_tenant(session, tenant.id)
        rows = (await session.scalars(select(EntryPoint))).all()
        session.add(_entry("A3"))
        await session.flush()
    assert sorted(r.code for r in rows) == ["A1", "A2"]
    async with db.platform_session() as session:
        stored = await session.scalar(
            select(EntryPoint).where(EntryPoint.tenant_id == venues["a"], EntryPoint.code == "A3")
        )
    assert stored is not None
