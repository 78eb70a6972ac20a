"""Report numbers per project, lot, allocation, venue and owner."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from neutralpoint.credits import reports, services
from neutralpoint.database.engine import Database

TONNE = 1_000_000


async def test_stock_and_money_per_group(db: Database, factory: Any) -> None:
    venue, other = await factory.venue(), await factory.venue()
    project = await factory.project()
    lot = await factory.lot(project, 3)
    offer = await factory.allocation(lot, 2 * TONNE, venues=[venue, other], split=(6000, 2500, 1500))
    kept = await factory.buy(venue, offer.id, 1_000_000)
    refunded = await factory.buy(other, offer.id, 500_000)
    await factory.buy(other, offer.id, 250_000)
    async with db.platform_session() as session:
        await services.refund_sale(session, order_ref=refunded.order_ref, actor="admin")
        await services.batch_retirements(session)
        by_lot = {t.key: t for t in await reports.stock_totals(session, by="lot")}
        by_project = {t.key: t for t in await reports.stock_totals(session, by="project")}
        by_allocation = {t.key: t for t in await reports.stock_totals(session, by="allocation")}
        by_venue = {t.key: t for t in await reports.stock_totals(session, by="venue")}
        money = {(t.key, t.currency): t for t in await reports.sales_totals(session, by="project")}
        per_venue = {t.key: t for t in await reports.sales_totals(session, by="venue")}
        per_owner = {t.key: t for t in await reports.sales_totals(session, by="owner")}
        with pytest.raises(services.CreditsInputError):
            await reports.sales_totals(session, by="colour")  # type: ignore[arg-type]
    stock = by_lot[lot.id]
    assert (stock.held_grams, stock.sold_grams, stock.reserved_grams) == (3 * TONNE, 1_250_000, 0)
    assert (stock.due_grams, stock.retiring_grams, stock.retired_grams) == (0, TONNE, 0)
    assert replace(by_project[project.id], key=lot.id) == stock
    assert (by_allocation[offer.id].held_grams, by_allocation[offer.id].sold_grams) == (2 * TONNE, 1_250_000)
    assert (by_venue[venue].sold_grams, by_venue[other].sold_grams) == (1_000_000, 250_000)
    row = money[(project.id, "CNY")]
    assert (row.orders, row.grams, row.amount_minor) == (2, 1_250_000, kept.amount_minor + 3_000)
    assert row.owner_minor + row.platform_minor + row.venue_minor == row.amount_minor
    assert (row.refunded_orders, row.refunded_minor) == (1, refunded.amount_minor)
    assert per_venue[venue].venue_minor == kept.venue_minor == 1_800
    assert per_owner[project.owner_id].owner_minor == row.owner_minor
