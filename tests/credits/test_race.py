"""100 buyers race for the last 10 tonnes: nothing is oversold, the rest hear "sold out";
and purchases of different lots do not wait for each other.

On PostgreSQL the 100 buyers start at once, each in its own session, through a pool of
24 real connections of the application's role (the server's ``max_connections`` is
shared with other test runs), so at any moment 24 transactions interleave; on SQLite
(one writer at a time) the same purchases run one after another.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from neutralpoint.credits import services
from neutralpoint.credits.models import LedgerEntry, Lot, Piece
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant

TONNE = 1_000_000
#: Four times the pool's connections, so that every connection always has a buyer waiting for it;
#: together they want half as much again as the stock (as 500 buyers of up to 60 kg did, at a
#: fifth of the CPU), and their purchases span tonnes and both lots.
BUYERS = 100


@pytest.fixture
async def race_db(database_urls: dict[str, str]) -> AsyncIterator[Database]:
    if database_urls["kind"] == "postgres":
        database = Database(database_urls["app"], pool_size=24, max_overflow=0, pool_timeout=300)
    else:
        database = Database(database_urls["app"])
    yield database
    await database.dispose()


async def test_no_oversell_when_100_buyers_race_for_the_last_10_tonnes(
    db: Database, race_db: Database, factory: Any, database_urls: dict[str, str]
) -> None:
    venue = await factory.venue()
    project = await factory.project()
    older = await factory.lot(project, 6, vintage=2021)
    newer = await factory.lot(project, 5, vintage=2022)
    first = await factory.allocation(older, 6 * TONNE, venues=[venue])
    await factory.allocation(newer, 5 * TONNE, venues=[venue])
    await factory.buy(venue, first.id, TONNE)  # one tonne went before the race: 10 are left
    stock = 10 * TONNE
    rng = random.Random(20261126)
    wants = [rng.randint(1, 300_000) for _ in range(BUYERS)]
    assert sum(wants) > stock

    async def buyer(index: int, grams: int) -> tuple[int, str | None]:
        """Buy ``grams``; return them with the refusal's message, or None when it sold."""
        order_ref = f"race-{factory.unique}-{index}"
        try:
            async with race_db.session() as session:
                use_tenant(session, venue)
                await services.reserve(
                    session,
                    tenant_id=venue,
                    allocation_id=first.id,
                    grams=grams,
                    order_ref=order_ref,
                    round_up_to_minimum=True,
                )
        except services.SoldOut as exc:
            return grams, str(exc)
        async with race_db.platform_session() as session:
            sale = await services.confirm_sale(session, order_ref=order_ref)
        assert sale.grams == grams
        return grams, None

    if database_urls["kind"] == "postgres":
        results = await asyncio.gather(*(buyer(i, g) for i, g in enumerate(wants)))
    else:
        results = [await buyer(i, g) for i, g in enumerate(wants)]

    sold = sum(grams for grams, refusal in results if refusal is None)
    refused = [grams for grams, refusal in results if refusal is not None]
    assert all(refusal.startswith("Sold out") for _, refusal in results if refusal is not None)
    left = stock - sold
    assert refused, "the buyers wanted more than the stock: some must be refused"
    assert left >= 0
    assert sold == stock or all(grams > left for grams in refused)
    async with db.platform_session() as session:
        lots = {
            lot.id: lot for lot in (await session.execute(select(Lot).where(Lot.project_id == project.id))).scalars()
        }
        assert sum(lot.sold_grams for lot in lots.values()) == TONNE + sold
        assert sum(lot.reserved_grams for lot in lots.values()) == 0
        assert all(lot.sold_grams <= lot.quantity_grams for lot in lots.values())
        pieces = (
            (await session.execute(select(Piece).where(Piece.lot_id.in_(list(lots)), Piece.status == "active")))
            .scalars()
            .all()
        )
        assert sum(p.grams for p in pieces) == TONNE + sold
        grams_of_tonne: dict[tuple[uuid.UUID, int], int] = {}
        for piece in pieces:
            key = (piece.lot_id, piece.tonne_index)
            grams_of_tonne[key] = grams_of_tonne.get(key, 0) + piece.grams
        assert max(grams_of_tonne.values()) <= TONNE
        # Each lot's chain carries its entries' times in the order they were written: the
        # clock is read after the lot's lock.
        for lot_id in lots:
            times = (
                (
                    await session.execute(
                        select(LedgerEntry.created_at).where(LedgerEntry.chain_id == lot_id).order_by(LedgerEntry.seq)
                    )
                )
                .scalars()
                .all()
            )
            assert times == sorted(times)


async def impatient_reserve(database: Database, venue: uuid.UUID, offer: uuid.UUID) -> None:
    async with database.session() as session:
        await session.execute(text("SET LOCAL lock_timeout = '50ms'"))
        use_tenant(session, venue)
        await services.reserve(session, tenant_id=venue, allocation_id=offer, grams=1_000, round_up_to_minimum=True)


async def test_purchases_of_two_lots_proceed_side_by_side(
    db: Database, race_db: Database, factory: Any, database_urls: dict[str, str]
) -> None:
    """While one buyer's transaction holds lot A (reserved, not committed yet), a buyer of
    lot B at another venue reserves and pays, and a buyer of lot A waits for A."""
    if database_urls["kind"] != "postgres":
        pytest.skip("SQLite has one writer at a time by design")
    here, there = await factory.venue(), await factory.venue()
    project = await factory.project()
    lot_a, lot_b = await factory.lot(project, 1), await factory.lot(project, 1)
    offer_a = await factory.allocation(lot_a, TONNE, venues=[here])
    offer_b = await factory.allocation(lot_b, TONNE, venues=[there])
    async with race_db.session() as holding:
        use_tenant(holding, here)
        first = await services.reserve(
            holding, tenant_id=here, allocation_id=offer_a.id, grams=100_000, round_up_to_minimum=True
        )
        # Lot A's row stays locked until this transaction ends. Lot B does not wait for it:
        async with race_db.session() as session:
            await session.execute(text("SET LOCAL lock_timeout = '30s'"))
            use_tenant(session, there)
            other = await services.reserve(
                session, tenant_id=there, allocation_id=offer_b.id, grams=200_000, round_up_to_minimum=True
            )
        async with race_db.platform_session() as session:
            await session.execute(text("SET LOCAL lock_timeout = '30s'"))
            sale = await services.confirm_sale(session, order_ref=other.order_ref)
        assert sale.pieces[0].lot_id == lot_b.id
        # A second buyer of lot A does wait for it (here: gives up after 50 ms of waiting).
        with pytest.raises(DBAPIError, match="lock timeout"):
            await impatient_reserve(race_db, here, offer_a.id)
    async with race_db.platform_session() as session:
        assert (await services.confirm_sale(session, order_ref=first.order_ref)).grams == 100_000
    async with db.platform_session() as session:
        sold = {
            lot.id: lot.sold_grams
            for lot in (await session.execute(select(Lot).where(Lot.project_id == project.id))).scalars()
        }
    assert sold == {lot_a.id: 100_000, lot_b.id: 200_000}
