"""Report numbers per project, lot, allocation, venue and owner."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from neutralpoint.credits import reports, services
from neutralpoint.credits.pricing import apportion
from neutralpoint.database.engine import Database
from neutralpoint.refusals import FormErrors

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
    await services.batch_retirements(db)
    async with db.platform_session() as session:
        by_lot = {t.key: t for t in await reports.stock_totals(session, by="lot")}
        by_project = {t.key: t for t in await reports.stock_totals(session, by="project")}
        by_allocation = {t.key: t for t in await reports.stock_totals(session, by="allocation")}
        by_venue = {t.key: t for t in await reports.stock_totals(session, by="venue")}
        money = {(t.key, t.currency): t for t in await reports.sales_totals(session, by="project")}
        per_venue = {t.key: t for t in await reports.sales_totals(session, by="venue")}
        per_owner = {t.key: t for t in await reports.sales_totals(session, by="owner")}
        with pytest.raises(FormErrors):
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


async def test_a_sale_spanning_two_lots_is_shared_by_grams(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    old = await factory.lot(project, 1, vintage=2021)
    new = await factory.lot(project, 2, vintage=2022)
    first = await factory.allocation(old, TONNE, venues=[venue], price=12_345)
    await factory.allocation(new, 2 * TONNE, venues=[venue], price=12_345)
    whole = await factory.buy(venue, first.id, 666_667)
    spanning = await factory.buy(venue, first.id, 500_000)
    assert {p.lot_id: p.gram_to - p.gram_from for p in spanning.pieces} == {old.id: 333_333, new.id: 166_667}
    # 500,000 g at ¥123.45/t: ¥61.73, split 70/20/10 into 4,321 + 1,235 + 617 fen
    assert (spanning.amount_minor, spanning.owner_minor, spanning.platform_minor, spanning.venue_minor) == (
        6_173,
        4_321,
        1_235,
        617,
    )
    async with db.platform_session() as session:
        per_lot = {(t.key, t.currency): t for t in await reports.sales_totals(session, by="lot")}
        per_project = {(t.key, t.currency): t for t in await reports.sales_totals(session, by="project")}
    # each part by largest remainder over 333,333 : 166,667 g
    # owner 2,880.66 | 1,440.34 -> 2,881 | 1,440; platform 823.33 | 411.67 -> 823 | 412;
    # venue 411.33 | 205.67 -> 411 | 206
    later = per_lot[(new.id, "CNY")]
    assert (later.orders, later.grams, later.owner_minor, later.platform_minor, later.venue_minor) == (
        1,
        166_667,
        1_440,
        412,
        206,
    )
    assert later.amount_minor == 2_058
    earlier = per_lot[(old.id, "CNY")]
    assert (earlier.orders, earlier.grams) == (2, TONNE)
    assert (earlier.owner_minor, earlier.platform_minor, earlier.venue_minor) == (
        whole.owner_minor + 2_881,
        whole.platform_minor + 823,
        whole.venue_minor + 411,
    )
    assert earlier.amount_minor == whole.amount_minor + 4_115
    assert earlier.amount_minor + later.amount_minor == per_project[(project.id, "CNY")].amount_minor
    assert earlier.amount_minor + later.amount_minor == whole.amount_minor + spanning.amount_minor

    # over every sale in the books, the lots' numbers add up exactly to the projects'
    def money(rows: dict[Any, reports.SalesTotal]) -> dict[str, tuple[int, ...]]:
        sums: dict[str, list[int]] = {}
        for (_, currency), t in rows.items():
            total = sums.setdefault(currency, [0] * 6)
            parts = (t.grams, t.amount_minor, t.owner_minor, t.platform_minor, t.venue_minor, t.refunded_minor)
            for i, value in enumerate(parts):
                total[i] += value
        return {currency: tuple(values) for currency, values in sums.items()}

    assert money(per_lot) == money(per_project)
    for t in per_lot.values():
        assert t.owner_minor + t.platform_minor + t.venue_minor == t.amount_minor


def test_apportion_adds_up_exactly() -> None:
    assert apportion(6_173, [333_333, 166_667]) == [4_115, 2_058]
    assert apportion(1, [1, 1]) == [1, 0]
    assert apportion(0, [5, 0]) == [0, 0]
    for amount in (1, 7, 100, 12_345, 999_999):
        for weights in ([1, 2, 3], [333_333, 166_667], [0, 4, 0, 9], [10_000]):
            assert sum(apportion(amount, weights)) == amount
    with pytest.raises(FormErrors):
        apportion(10, [0, 0])
