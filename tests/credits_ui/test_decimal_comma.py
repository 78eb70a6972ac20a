"""A decimal comma on the credit forms and the credits API is refused beside its field, never
read as ten times the value: "1,5" t is not 15 t, and ¥60,5 is not ¥605. A comma in full
thousands groups ("1,500") is still a thousands separator, as on the visitors' forms."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from supply_flows import SupplyBuilder, counts, field_error, post_form

from neutralpoint.credits.models import Allocation, Lot
from neutralpoint.database.engine import Database
from neutralpoint.numbers import DecimalCommaError, parse_decimal

POINT = "Write decimals with a point, for example 1.5."
POINT_ZH = "小数请用小数点，例如 1.5。"


def _allocation_form(**overrides: str) -> dict[str, Any]:
    form = {
        "offered_tonnes": "1",
        "price_per_tonne": "60",
        "currency": "CNY",
        "split_unit": "percent",
        "owner_share": "80",
        "platform_share": "15",
        "venue_share": "5",
        "audience": "all",
        "valid_from": "",
        "valid_until": "",
    }
    return form | overrides


def _lot_form(prefix: str, **overrides: str) -> dict[str, Any]:
    form = {
        "serial_first": f"{prefix}000001",
        "serial_last": f"{prefix}000040",
        "quantity_tonnes": "40",
        "vintage_year": "2022",
        "acquired_on": "2024-06-01",
        "unit_cost": "32.50",
        "cost_currency": "CNY",
        "notes": "",
    }
    return form | overrides


@pytest.mark.parametrize("raw", ["1,5", "60,5", "1,50", "12,0000", ",5", "1,500,5", "1，5"])
def test_a_comma_outside_thousands_groups_is_a_decimal_comma(raw: str) -> None:
    with pytest.raises(DecimalCommaError):
        parse_decimal(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1,500", "1500"), ("12,000.5", "12000.5"), (" 60.50 ", "60.50"), (".5", "0.5")]
)
def test_numbers_with_thousands_groups_or_a_point_are_read(raw: str, expected: str) -> None:
    assert str(parse_decimal(raw)) == expected


@pytest.mark.parametrize("raw", ["", "1e3", "NaN", "Infinity", "1 500", "1.5.0", "--1"])
def test_what_is_not_a_plain_number_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="not a number") as caught:
        parse_decimal(raw)
    assert not isinstance(caught.value, DecimalCommaError)


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("offered_tonnes", "1,5"),
        ("price_per_tonne", "60,5"),
        ("owner_share", "79,5"),
        ("platform_share", "15,5"),
    ],
)
async def test_the_allocation_form_refuses_a_decimal_comma(
    admin_client: Any, db: Database, supply: SupplyBuilder, field: str, raw: str
) -> None:
    lot = await supply.lot(await supply.project(), 20)
    path = f"/platform/lots/{lot.id}/allocations/new"
    before = await counts(db)
    refused = await post_form(admin_client, path, _allocation_form(**{field: raw}))
    assert refused.status_code == 400
    assert field_error(refused.text, field) == POINT
    chinese = await post_form(admin_client, f"{path}?lang=zh-Hans", _allocation_form(**{field: raw}))
    assert field_error(chinese.text, field) == POINT_ZH
    assert await counts(db) == before


async def test_the_allocation_form_reads_thousands_separators(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    lot = await supply.lot(await supply.project(), 2000)
    path = f"/platform/lots/{lot.id}/allocations/new"
    # Offered to one venue of its own: an offer to all venues would be every later test's too.
    venue = await supply.venue()
    offered = await post_form(
        admin_client,
        path,
        _allocation_form(offered_tonnes="1,500", price_per_tonne="1,060.50", audience="chosen", venues=[str(venue.id)]),
    )
    assert offered.status_code == 303, field_error(offered.text, "offered_tonnes")
    async with db.platform_session() as session:
        stored = (await session.execute(select(Allocation).where(Allocation.lot_id == lot.id))).scalar_one()
    assert (stored.grams_offered, stored.price_per_tonne_minor) == (1_500_000_000, 106_050)


async def test_the_lot_form_refuses_a_decimal_comma(
    admin_client: Any, db: Database, supply: SupplyBuilder, unique: str
) -> None:
    project = await supply.project()
    path = f"/platform/projects/{project.id}/lots/new"
    before = await counts(db)
    cost = await post_form(admin_client, path, _lot_form(f"CN-DC-{unique}-", unit_cost="1,5"))
    assert cost.status_code == 400
    assert field_error(cost.text, "unit_cost") == POINT
    chinese = await post_form(admin_client, f"{path}?lang=zh-Hans", _lot_form(f"CN-DC-{unique}-", unit_cost="30,50"))
    assert field_error(chinese.text, "unit_cost") == POINT_ZH
    assert await counts(db) == before


@pytest.mark.parametrize(("field", "raw"), [("quantity_tonnes", "1,5"), ("vintage_year", "2022,5")])
async def test_whole_number_fields_ask_for_a_whole_number(
    admin_client: Any, db: Database, supply: SupplyBuilder, unique: str, field: str, raw: str
) -> None:
    project = await supply.project()
    path = f"/platform/projects/{project.id}/lots/new"
    before = await counts(db)
    refused = await post_form(admin_client, path, _lot_form(f"CN-DW-{unique}-", **{field: raw}))
    assert refused.status_code == 400
    assert field_error(refused.text, field) == "Enter a whole number."
    assert await counts(db) == before


async def test_the_lot_form_reads_thousands_separators(
    admin_client: Any, db: Database, supply: SupplyBuilder, unique: str
) -> None:
    project = await supply.project()
    path = f"/platform/projects/{project.id}/lots/new"
    created = await post_form(
        admin_client,
        path,
        _lot_form(
            f"CN-DT-{unique}-", serial_last=f"CN-DT-{unique}-001500", quantity_tonnes="1,500", unit_cost="1,030.5"
        ),
    )
    assert created.status_code == 303, created.text
    async with db.platform_session() as session:
        lot = (await session.execute(select(Lot).where(Lot.project_id == project.id))).scalar_one()
    assert (lot.quantity_tonnes, lot.unit_cost_minor) == (1500, 103_050)


async def test_the_project_form_and_api_refuse_decimal_comma_coordinates(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    project = await supply.project()
    before = await counts(db)
    refused = await admin_client.patch(f"/api/v1/credits/projects/{project.id}", json={"latitude": "30,6586"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["latitude"]["message"] == {"en": POINT, "zh-Hans": POINT_ZH}
    assert await counts(db) == before


async def test_the_api_takes_numbers_not_text_with_commas(
    admin_client: Any, db: Database, supply: SupplyBuilder, unique: str
) -> None:
    project = await supply.project()
    lot = await supply.lot(project, 20)
    before = await counts(db)
    lot_in = {
        "project_id": str(project.id),
        "vintage_year": 2023,
        "serial_first": f"CDCER-{unique}-000001",
        "serial_last": f"CDCER-{unique}-000020",
        "quantity_tonnes": 20,
        "unit_cost_minor": "1,5",
        "cost_currency": "CNY",
        "acquired_on": "2024-06-01",
    }
    assert (await admin_client.post("/api/v1/credits/lots", json=lot_in)).status_code == 400
    allocation_in = {
        "lot_id": str(lot.id),
        "grams": "1,5",
        "price_per_tonne_minor": 6000,
        "currency": "CNY",
        "owner_bp": 8000,
        "platform_bp": 1500,
        "venue_bp": 500,
        "all_venues": True,
    }
    refused = await admin_client.post("/api/v1/credits/allocations", json=allocation_in)
    assert refused.status_code == 400
    assert "grams" in refused.json()["errors"]
    assert await counts(db) == before
