"""credits_0003 re-chains the books: down into the single chain and up into lots' chains,
with data, on both databases; a broken single chain stops the upgrade."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text

from neutralpoint.credits import services
from neutralpoint.credits.models import LedgerAnchor, LedgerEntry, LedgerKind, Sale
from neutralpoint.database.engine import Database
from neutralpoint.database.migrate import alembic_config, upgrade
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.tenants.models import Tenant, TenantStatus

TONNE = 1_000_000


async def _books(url: str) -> dict[str, Any]:
    """Two lots, a sale spilling across both, a refunded sale: entries in both chains."""
    db = Database(url)
    try:
        async with db.platform_session() as session:
            venue = Tenant(
                slug="migration-venue",
                name="Migration venue",
                display_name="Migration venue",
                contact_email="venue@example.org",
                status=TenantStatus.ACTIVE,
            )
            session.add(venue)
            owner = await services.create_project_owner(session, name="Owner", payout_currency="CNY")
            project = await services.create_project(
                session,
                owner_id=owner.id,
                slug="migration-project",
                name={"en": "Forest"},
                registry_code="CCER",
                registry_project_id="M-1",
                project_type="forestry",
                country="CN",
            )
            offers = []
            for n in (1, 2):
                lot = await services.create_lot(
                    session,
                    project_id=project.id,
                    vintage_year=2020 + n,
                    serial_first=f"CN-M{n}-0001",
                    serial_last=f"CN-M{n}-0002",
                    quantity_tonnes=2,
                    unit_cost_minor=100,
                    cost_currency="CNY",
                    acquired_on=date(2024, 1, 1),
                    actor="test",
                )
                offers.append(
                    await services.create_allocation(
                        session,
                        lot_id=lot.id,
                        grams=2 * TONNE,
                        price_per_tonne_minor=12_000,
                        currency="CNY",
                        owner_bp=7000,
                        platform_bp=2000,
                        venue_bp=1000,
                        venue_ids=[venue.id],
                        all_venues=False,
                        actor="test",
                    )
                )
        refs = []
        for grams in (2_500_000, 300_000):
            async with db.session() as session:
                use_tenant(session, venue.id)
                held = await services.reserve(session, tenant_id=venue.id, allocation_id=offers[0].id, grams=grams)
            async with db.platform_session() as session:
                await services.confirm_sale(session, order_ref=held.order_ref)
            refs.append(held.order_ref)
        async with db.platform_session() as session:
            await services.refund_sale(session, order_ref=refs[1], actor="test")
            entries = (await session.execute(select(LedgerEntry.id))).scalars().all()
            sales = {s.order_ref: (s.chain_seq, s.chain_hash) for s in (await session.execute(select(Sale))).scalars()}
        return {"entries": set(entries), "sales": sales, "refs": refs}
    finally:
        await db.dispose()


async def _after_upgrade(url: str) -> tuple[Any, dict[str, Any], list[LedgerAnchor], set[Any]]:
    db = Database(url)
    try:
        async with db.platform_session() as session:
            report = await services.audit(session)
            sells = {
                e.order_ref: (e.chain_id, e.seq, e.hash)
                for e in (
                    await session.execute(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.SELL))
                ).scalars()
            }
            sales = {
                s.order_ref: (s.chain_lot_id, s.chain_seq, s.chain_hash)
                for s in (await session.execute(select(Sale))).scalars()
            }
            anchors = list((await session.execute(select(LedgerAnchor))).scalars())
            entries = set((await session.execute(select(LedgerEntry.id))).scalars())
        return report, {"sells": sells, "sales": sales}, anchors, entries
    finally:
        await db.dispose()


async def _single_chain(url: str) -> list[tuple[int, str, str]]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT seq, prev_hash, hash FROM ledger_entries ORDER BY seq"))).all()
            head = (await conn.execute(text("SELECT seq, hash FROM ledger_head"))).one()
        assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].hash)
        return [(r.seq, r.prev_hash, r.hash) for r in rows]
    finally:
        await db.dispose()


async def _execute(url: str, statement: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            if db.engine.dialect.name == "sqlite":
                await conn.execute(text("DROP TRIGGER ledger_entries_no_update"))
            await conn.execute(text(statement))
    finally:
        await db.dispose()


def test_the_books_survive_the_way_down_and_up(empty_database_url: str) -> None:
    url = empty_database_url
    upgrade(url)
    before = asyncio.run(_books(url))
    command.downgrade(alembic_config(url), "credits_0002")
    single = asyncio.run(_single_chain(url))
    assert [seq for seq, _, _ in single] == list(range(1, len(before["entries"]) + 1))
    assert all(prev == earlier for (_, prev, _), (_, _, earlier) in zip(single[1:], single, strict=False))
    upgrade(url)
    report, found, anchors, entries = asyncio.run(_after_upgrade(url))
    assert report.ok, report.summary()
    assert entries == before["entries"]
    for ref in before["refs"]:
        assert found["sales"][ref] == found["sells"][ref]
    # The first anchor binds every lot's head and the single chain's end it came from.
    assert [a.seq for a in anchors] == [1]
    assert anchors[0].details["single_chain_head"] == [single[-1][0], single[-1][2]]
    assert len(anchors[0].heads) == 2


def test_a_broken_single_chain_stops_the_upgrade(empty_database_url: str) -> None:
    url = empty_database_url
    upgrade(url)
    asyncio.run(_books(url))
    command.downgrade(alembic_config(url), "credits_0002")
    asyncio.run(_execute(url, "UPDATE ledger_entries SET grams = grams + 1 WHERE seq = 3"))
    with pytest.raises(RuntimeError, match="broken at entry 3"):
        upgrade(url)
