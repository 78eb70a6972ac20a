"""Changes to the supply read the clock after taking their locks: a change that waited for
another writes the time it was written, not the time it started waiting, so a lot's
chain carries its entries' times in order (PostgreSQL, where a change really waits)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text

from neutralpoint.credits import ledger, services
from neutralpoint.credits.models import LedgerEntry
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database

pytestmark = pytest.mark.pg

ADMIN = "admin@platform.test"
TONNE = 1_000_000

Change = Callable[[Any, Any, Any], Awaitable[uuid.UUID]]


async def _new_lot(db: Database, factory: Any, lot: Any, offer: Any) -> uuid.UUID:
    return (await factory.lot(await factory.project(), 1)).id


async def _new_offer(db: Database, factory: Any, lot: Any, offer: Any) -> uuid.UUID:
    return (await factory.allocation(lot, 100_000, venues=[await factory.venue()])).lot_id


async def _correction(db: Database, factory: Any, lot: Any, offer: Any) -> uuid.UUID:
    async with db.platform_session() as session:
        await services.correct_lot(
            session, lot.id, field="acquired_on", value=date(2024, 5, 2), reason="typo", actor=ADMIN
        )
    return lot.id


async def _offer_change(db: Database, factory: Any, lot: Any, offer: Any) -> uuid.UUID:
    async with db.platform_session() as session:
        await services.update_allocation(session, offer.id, actor=ADMIN, price_per_tonne_minor=13_000)
    return lot.id


async def _withdrawal(db: Database, factory: Any, lot: Any, offer: Any) -> uuid.UUID:
    async with db.platform_session() as session:
        await services.withdraw_allocation(session, offer.id, actor=ADMIN, reason="offered by mistake")
    return lot.id


CHANGES = {
    "create_lot": _new_lot,
    "create_allocation": _new_offer,
    "correct_lot": _correction,
    "update_allocation": _offer_change,
    "withdraw_allocation": _withdrawal,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_a_change_that_waited_for_the_books_writes_the_time_it_was_written(
    db: Database, factory: Any, change: str
) -> None:
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, 200_000, venues=[await factory.venue()])
    async with db.platform_session() as holding:
        # What every change to the supply waits for: the books lock, and this lot's row.
        await ledger.lock_supply(holding)
        await ledger.lock_lots(holding, [lot.id])
        holder = await holding.scalar(text("SELECT pg_backend_pid()"))
        waiting = asyncio.create_task(CHANGES[change](db, factory, lot, offer))
        deadline = time.monotonic() + 30
        while True:
            async with db.platform_session() as probe:
                blocked = await probe.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"),
                    {"holder": holder},
                )
            if blocked or waiting.done() or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        assert blocked, "the change did not wait for the books"
        released_at = utcnow()
    chain = await waiting
    async with db.platform_session() as session:
        last = (
            await session.execute(
                select(LedgerEntry).where(LedgerEntry.chain_id == chain).order_by(LedgerEntry.seq.desc()).limit(1)
            )
        ).scalar_one()
    assert last.created_at >= released_at, f"{change} read the clock before its lock"
