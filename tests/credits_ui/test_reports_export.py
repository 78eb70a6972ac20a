"""The report pages' CSV downloads carry exactly the numbers of ``stock_totals`` and
``sales_totals``; the platform home's totals add them up."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from supply_flows import SupplyBuilder

from neutralpoint.credits import reports, services
from neutralpoint.credits.models import Project
from neutralpoint.database.engine import Database


async def _project_of(db: Database, project_id: Any) -> Project:
    async with db.platform_session() as session:
        project = await session.get(Project, project_id)
        assert project is not None
        return project


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {row["key"]: row for row in csv.DictReader(io.StringIO(text))}


async def _sold_supply(supply: SupplyBuilder) -> tuple[Any, Any, Any]:
    venue = await supply.venue()
    project = await supply.project()
    lot = await supply.lot(project, 4)
    allocation = await supply.allocation(lot, 3_500_000, venues=[venue.id], price=6_000)
    await supply.buy(venue.id, allocation.id, 1_234_567)
    await supply.buy(venue.id, allocation.id, 765_433)
    return venue, lot, allocation


async def test_stock_csv_equals_stock_totals(admin_client: Any, db: Database, supply: SupplyBuilder) -> None:
    _, lot, allocation = await _sold_supply(supply)
    await services.batch_retirements(db, actor="admin@platform.test")
    for by in ("project", "lot", "allocation", "venue"):
        response = await admin_client.get(f"/platform/reports/{by}/stock.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert f"stock-by-{by}.csv" in response.headers["content-disposition"]
        exported = _rows(response.text)
        async with db.platform_session() as session:
            totals = await reports.stock_totals(session, by=by)  # type: ignore[arg-type]
        assert set(exported) == {str(t.key) for t in totals}
        for total in totals:
            row = exported[str(total.key)]
            for name in ("held", "reserved", "sold", "retired", "due", "retiring"):
                assert int(row[f"{name}_grams"]) == getattr(total, f"{name}_grams"), (by, name)
    lot_row = _rows((await admin_client.get("/platform/reports/lot/stock.csv")).text)[str(lot.id)]
    assert (lot_row["held_tonnes"], lot_row["sold_tonnes"], lot_row["retiring_tonnes"]) == ("4", "2", "2")
    allocation_row = _rows((await admin_client.get("/platform/reports/allocation/stock.csv")).text)[str(allocation.id)]
    assert allocation_row["held_tonnes"] == "3.500000"


async def test_sales_csv_equals_sales_totals(admin_client: Any, db: Database, supply: SupplyBuilder) -> None:
    venue, _, _ = await _sold_supply(supply)
    for by in ("project", "lot", "allocation", "venue", "owner"):
        exported = list(csv.DictReader(io.StringIO((await admin_client.get(f"/platform/reports/{by}/sales.csv")).text)))
        async with db.platform_session() as session:
            totals = await reports.sales_totals(session, by=by)  # type: ignore[arg-type]
        assert exported
        by_key = {(r["key"], r["currency"]): r for r in exported}
        assert set(by_key) == {(str(t.key), t.currency) for t in totals}
        for total in totals:
            row = by_key[(str(total.key), total.currency)]
            for name in ("orders", "grams", "amount_minor", "owner_minor", "platform_minor", "venue_minor"):
                assert int(row[name]) == getattr(total, name), (by, name)
    venue_row = next(
        r
        for r in csv.DictReader(io.StringIO((await admin_client.get("/platform/reports/venue/sales.csv")).text))
        if r["key"] == str(venue.id)
    )
    # 1,234,567 g and 765,433 g at ¥60/t: ¥74.08 + ¥45.93 (each rounded up to the fen)
    assert (venue_row["grams"], venue_row["amount_minor"], venue_row["amount"]) == ("2000000", "12001", "120.01")
    assert int(venue_row["owner_minor"]) + int(venue_row["platform_minor"]) + int(venue_row["venue_minor"]) == 12001
    page = await admin_client.get("/platform/reports?by=allocation")
    assert "¥120.01" in page.text


async def test_lot_sales_csv_shares_a_spanning_sale_by_grams(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    venue, lot, allocation = await _sold_supply(supply)
    later = await supply.lot(await _project_of(db, lot.project_id), 2)
    await supply.allocation(later, 2_000_000, venues=[venue.id])
    await supply.buy(venue.id, allocation.id, 2_000_000)  # 1,500,000 g from the first lot, 500,000 from the later
    lot_rows = {
        r["key"]: r
        for r in csv.DictReader(io.StringIO((await admin_client.get("/platform/reports/lot/sales.csv")).text))
    }
    # 2,000,000 g at ¥60/t: ¥120.00, 3 : 1 between the lots; 8,000 + 1,500 + 500 bp
    assert (lot_rows[str(later.id)]["grams"], lot_rows[str(later.id)]["amount_minor"]) == ("500000", "3000")
    assert (lot_rows[str(later.id)]["owner_minor"], lot_rows[str(later.id)]["platform_minor"]) == ("2400", "450")
    assert (lot_rows[str(lot.id)]["grams"], lot_rows[str(lot.id)]["amount_minor"]) == ("3500000", "21001")
    page = await admin_client.get("/platform/reports?by=lot")
    assert page.status_code == 200
    assert "¥210.01" in page.text
    assert "¥30.00" in page.text
    api = (await admin_client.get("/api/v1/credits/reports/sales/lot")).json()
    assert {(r["key"], r["amount_minor"]) for r in api} >= {(str(later.id), 3000), (str(lot.id), 21001)}


async def test_platform_home_adds_up_every_lot(admin_client: Any, db: Database, supply: SupplyBuilder) -> None:
    await _sold_supply(supply)
    summary = (await admin_client.get("/api/v1/credits/summary")).json()
    async with db.platform_session() as session:
        stock = await reports.stock_totals(session, by="lot")
        sales = await reports.sales_totals(session, by="project")
    assert summary["held_grams"] == sum(t.held_grams for t in stock)
    assert summary["sold_grams"] == sum(t.sold_grams for t in stock)
    cny = next(m for m in summary["money"] if m["currency"] == "CNY")
    assert cny["amount_minor"] == sum(t.amount_minor for t in sales if t.currency == "CNY")
    assert cny["owner_minor"] == sum(t.owner_minor for t in sales if t.currency == "CNY")
    page = await admin_client.get("/platform?lang=en")
    assert f'<dd class="exact">{summary["sold_grams"]:,} g</dd>' in page.text


async def test_tiles_keep_a_quantity_or_an_amount_with_its_unit(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    """A quantity ("3,800.00 t") or an amount ("¥210.01") never breaks before its unit, in either language."""
    await _sold_supply(supply)
    for lang in ("en", "zh-Hans"):
        page = await admin_client.get(f"/platform?lang={lang}")
        tiles = re.findall(r'<dd class="stat nowrap">(.*?)</dd>', page.text, re.S)
        assert len(tiles) == 7
        for tile in tiles:
            assert re.fullmatch(r"[\d,.]+ (g|kg|t)", tile), tile
        revenue = page.text[page.text.index("<tbody>") : page.text.index("</tbody>")]
        amounts = re.findall(r'<td class="num">(?!\d+</td>)(.*?)</td>', revenue)
        assert amounts
        assert all(re.fullmatch(r'<span class="nowrap">[^<]+</span>', amount) for amount in amounts), amounts
