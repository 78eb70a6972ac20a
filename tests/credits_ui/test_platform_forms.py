"""Supply through the platform pages' forms: what a good form creates, and that a bad one
comes back with the message beside the field and writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from supply_flows import SupplyBuilder, counts, field_error, post_form

from neutralpoint.credits import services
from neutralpoint.credits.models import Allocation, AllocationVenue, Lot, Project
from neutralpoint.database.engine import Database


def _project_form(owner_id: Any, unique: str, **overrides: Any) -> dict[str, Any]:
    form = {
        "owner_id": str(owner_id),
        "slug": f"biogas-{unique}",
        "name_en": "Rural household biogas, Yibin",
        "name_zh": "宜宾农村户用沼气",
        "description_en": "Household digesters replace coal and firewood.",
        "description_zh": "户用沼气池替代燃煤和薪柴。",
        "registry_code": "ccer",
        "registry_project_id": f"CCER-{unique}",
        "registry_url": "https://www.ccer.com.cn/",
        "project_type": "methane",
        "methodology": "CMS-026-V01",
        "country": "CN",
        "region": "Sichuan",
        "region_zh_hans": "四川省",
        "latitude": "28.7513",
        "longitude": "104.6417",
        "retirement_jurisdiction": "China",
        "retirement_beneficiary": "",
        "status": "active",
        "sdgs": ["7", "13"],
    }
    form.update(overrides)
    return form


def _lot_form(prefix: str, **overrides: Any) -> dict[str, Any]:
    form = {
        "serial_first": f"{prefix}000001",
        "serial_last": f"{prefix}000040",
        "quantity_tonnes": "40",
        "vintage_year": "2022",
        "acquired_on": "2024-06-01",
        "unit_cost": "32.50",
        "cost_currency": "CNY",
        "notes": "Bought from the owner directly.",
    }
    form.update(overrides)
    return form


def _allocation_form(**overrides: Any) -> dict[str, Any]:
    form = {
        "offered_tonnes": "10.5",
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
    form.update(overrides)
    return form


async def test_owner_project_lot_and_allocation_through_the_forms(
    admin_client: Any, db: Database, supply: SupplyBuilder, unique: str
) -> None:
    await admin_client.get("/platform/owners/new")
    response = await post_form(
        admin_client,
        "/platform/owners/new",
        {"name": f"Yibin Biogas Co-operative {unique}", "payout_currency": "cny", "contact_email": "pay@example.org"},
    )
    assert response.status_code == 303, response.text
    owner_id = uuid.UUID(response.headers["location"].split("/")[-1].split("?")[0])

    response = await post_form(admin_client, "/platform/projects/new", _project_form(owner_id, unique))
    assert response.status_code == 303, response.text
    project_id = uuid.UUID(response.headers["location"].split("/")[-1].split("?")[0])
    async with db.platform_session() as session:
        project = await session.get(Project, project_id)
        assert project is not None
        assert (project.registry_code, project.sdgs, project.name["zh-Hans"]) == ("CCER", [7, 13], "宜宾农村户用沼气")
        assert project.description["en"].startswith("Household digesters")

    evidence = {"evidence": ("contract.pdf", b"%PDF-1.4 purchase contract", "application/pdf")}
    prefix = f"CN-CCER-{unique}-"
    response = await post_form(admin_client, f"/platform/projects/{project_id}/lots/new", _lot_form(prefix), evidence)
    assert response.status_code == 303, response.text
    lot_id = uuid.UUID(response.headers["location"].split("/")[-1].split("?")[0])
    async with db.platform_session() as session:
        lot = await session.get(Lot, lot_id)
        assert lot is not None
        assert (lot.quantity_tonnes, lot.unit_cost_minor, lot.serial_last) == (40, 3250, f"{prefix}000040")
    page = await admin_client.get(f"/platform/lots/{lot_id}")
    assert "contract.pdf" in page.text
    download = await admin_client.get(f"/platform/lots/{lot_id}/evidence")
    assert download.content == b"%PDF-1.4 purchase contract"

    venues = [await supply.venue(), await supply.venue()]
    response = await post_form(
        admin_client,
        f"/platform/lots/{lot_id}/allocations/new",
        _allocation_form(
            audience="chosen",
            venues=[str(v.id) for v in venues],
            split_unit="bp",
            owner_share="7500",
            platform_share="1750",
            venue_share="750",
            valid_until="2099-12-31",
        ),
    )
    assert response.status_code == 303, response.text
    async with db.platform_session() as session:
        allocation = (await session.execute(select(Allocation).where(Allocation.lot_id == lot_id))).scalar_one()
        chosen = set(
            (
                await session.execute(
                    select(AllocationVenue.venue_id).where(AllocationVenue.allocation_id == allocation.id)
                )
            ).scalars()
        )
    assert (allocation.grams_offered, allocation.price_per_tonne_minor, allocation.currency) == (
        10_500_000,
        6000,
        "CNY",
    )
    assert (allocation.owner_bp, allocation.platform_bp, allocation.venue_bp) == (7500, 1750, 750)
    assert chosen == {v.id for v in venues}
    assert allocation.valid_until is not None
    assert allocation.valid_until.year == 2099

    response = await post_form(
        admin_client, f"/platform/allocations/{allocation.id}/withdraw", {"reason": "The owner asked to pause."}
    )
    assert response.status_code == 303
    async with db.platform_session() as session:
        withdrawn = await session.get(Allocation, allocation.id)
        assert withdrawn is not None
        assert withdrawn.status.value == "withdrawn"
        assert (await services.lot_status(session, lot_id)).allocated_grams == 0


async def test_bad_project_input_is_shown_beside_each_field(admin_client: Any, db: Database, unique: str) -> None:
    async with db.platform_session() as session:
        owner = await services.create_project_owner(session, name=f"Owner {unique}", payout_currency="CNY")
    before = await counts(db)
    response = await post_form(
        admin_client,
        "/platform/projects/new",
        _project_form(owner.id, unique, slug="No Spaces Allowed", name_en="", country="ZZ", latitude="north"),
    )
    assert response.status_code == 400
    assert "Use 3 to 40 lower-case letters" in field_error(response.text, "slug")
    assert field_error(response.text, "name_en") == "Give at least the English text."
    assert field_error(response.text, "latitude") == "Enter decimal degrees, such as 30.6586."
    assert 'value="north"' in response.text
    assert await counts(db) == before


async def test_an_empty_project_form_names_every_missing_field_at_once(
    admin_client: Any, db: Database, supply: SupplyBuilder, unique: str
) -> None:
    """What a browser posts when nothing was filled in: the selects keep their defaults."""
    empty = dict.fromkeys(_project_form("", unique), "") | {"status": "active", "country": "CN", "sdgs": []}
    before = await counts(db)
    response = await post_form(admin_client, "/platform/projects/new", empty)
    assert response.status_code == 400
    assert field_error(response.text, "owner_id") == "Choose the project owner."
    assert field_error(response.text, "name_en") == "Give at least the English text."
    assert field_error(response.text, "slug") == "This field is required."
    assert field_error(response.text, "project_type").startswith("A project type is a short code")
    assert field_error(response.text, "registry_code").startswith("A registry is a short code")
    assert field_error(response.text, "registry_project_id") == "This field is required."
    assert field_error(response.text, "country") == ""
    assert await counts(db) == before

    chinese = await post_form(admin_client, "/platform/projects/new?lang=zh-Hans", empty)
    assert field_error(chinese.text, "owner_id") == "请选择项目业主。"
    assert field_error(chinese.text, "name_en") == "请至少填写英文。"
    assert field_error(chinese.text, "registry_project_id") == "此项为必填项。"

    project = await supply.project()
    before = await counts(db)
    edited = await post_form(
        admin_client,
        f"/platform/projects/{project.id}?lang=en",
        _project_form("", unique, slug="Not A Slug", registry_project_id=""),
    )
    assert edited.status_code == 400
    assert field_error(edited.text, "owner_id") == "Choose the project owner."
    assert "Use 3 to 40 lower-case letters" in field_error(edited.text, "slug")
    assert field_error(edited.text, "registry_project_id") == "This field is required."
    async with db.platform_session() as session:
        unchanged = await session.get(Project, project.id)
        assert unchanged is not None
        assert unchanged.slug == project.slug
    assert await counts(db) == before


async def test_bad_owner_input(admin_client: Any, db: Database) -> None:
    before = await counts(db)
    response = await post_form(admin_client, "/platform/owners/new", {"name": "", "payout_currency": "XYZ"})
    assert response.status_code == 400
    assert field_error(response.text, "name") == "This field is required."
    assert field_error(response.text, "payout_currency") == "XYZ is not a currency we know (ISO 4217)."
    assert await counts(db) == before


async def test_bad_lot_input(admin_client: Any, db: Database, supply: SupplyBuilder, unique: str) -> None:
    project = await supply.project()
    existing = await supply.lot(project, 10)
    path = f"/platform/projects/{project.id}/lots/new"
    before = await counts(db)

    unparseable = await post_form(admin_client, path, _lot_form("", serial_first="no-digits-here", serial_last=""))
    assert unparseable.status_code == 400
    assert "only a Verra or Gold Standard block serial stands alone" in field_error(unparseable.text, "serial_last")

    shifted = await post_form(
        admin_client,
        path,
        _lot_form("", serial_first=f"AA-{unique}-0001", serial_last=f"BB-{unique}-0040", quantity_tonnes="40"),
    )
    assert "differs from the first outside the number block" in field_error(shifted.text, "serial_last")

    mismatch = await post_form(admin_client, path, _lot_form(f"CN-CDCER-{unique}-x-", quantity_tonnes="41"))
    assert mismatch.status_code == 400
    assert field_error(mismatch.text, "quantity_tonnes") == "The serial range holds 40 tonnes but the quantity says 41."

    prefix = existing.serial_first[: -len("000001")]
    overlap = await post_form(
        admin_client,
        path,
        _lot_form(prefix, serial_first=f"{prefix}000005", serial_last=f"{prefix}000014", quantity_tonnes="10"),
    )
    assert overlap.status_code == 400
    assert field_error(overlap.text, "serial_first").startswith("These serials overlap lot")

    money = await post_form(
        admin_client, path, _lot_form(f"CN-X-{unique}-", unit_cost="12.345", cost_currency="CNY", vintage_year="1980")
    )
    assert field_error(money.text, "unit_cost") == "This amount has more decimals than the currency allows."
    assert field_error(money.text, "vintage_year") == "Must be at least 1990."
    currency = await post_form(admin_client, path, _lot_form(f"CN-X-{unique}-", cost_currency="ABC"))
    assert field_error(currency.text, "cost_currency") == "ABC is not a currency we know (ISO 4217)."
    vintage = await post_form(admin_client, path, _lot_form(f"CN-X-{unique}-", vintage_year="1980"))
    assert field_error(vintage.text, "vintage_year") == "Must be at least 1990."
    everything = await post_form(
        admin_client,
        path,
        _lot_form(
            prefix,
            serial_first=f"{prefix}000005",
            serial_last=f"{prefix}000014",
            quantity_tonnes="10",
            unit_cost="12.345",
            acquired_on="2099-01-01",
            vintage_year="",
        ),
    )
    assert field_error(everything.text, "vintage_year") == "This field is required."
    assert field_error(everything.text, "unit_cost") == "This amount has more decimals than the currency allows."
    assert field_error(everything.text, "acquired_on") == "The acquisition date cannot be in the future."
    assert field_error(everything.text, "serial_first").startswith("These serials overlap lot")
    future = await post_form(admin_client, path, _lot_form(f"CN-X-{unique}-", acquired_on="2099-01-01"))
    assert future.status_code == 400
    assert field_error(future.text, "acquired_on") == "The acquisition date cannot be in the future."
    chinese = await post_form(
        admin_client, f"{path}?lang=zh-Hans", _lot_form(f"CN-X-{unique}-", acquired_on="2099-01-01")
    )
    assert field_error(chinese.text, "acquired_on") == "购入日期不能晚于今天。"
    assert await counts(db) == before


async def test_bad_allocation_input(admin_client: Any, db: Database, supply: SupplyBuilder) -> None:
    project = await supply.project()
    lot = await supply.lot(project, 10)
    await supply.allocation(lot, 6_000_000, venues=[(await supply.venue()).id])
    path = f"/platform/lots/{lot.id}/allocations/new"
    before = await counts(db)

    zero = await post_form(admin_client, path, _allocation_form(offered_tonnes="1", price_per_tonne="0"))
    assert zero.status_code == 400
    assert field_error(zero.text, "price_per_tonne") == "The price per tonne must be more than zero."

    negative = await post_form(admin_client, path, _allocation_form(offered_tonnes="1", price_per_tonne="-5"))
    assert field_error(negative.text, "price_per_tonne") == "The price per tonne must be more than zero."

    unknown = await post_form(admin_client, path, _allocation_form(offered_tonnes="1", currency="QQQ"))
    assert field_error(unknown.text, "currency") == "QQQ is not a currency we know (ISO 4217)."

    too_much = await post_form(admin_client, path, _allocation_form(offered_tonnes="4.5", price_per_tonne="0"))
    assert too_much.status_code == 400
    assert field_error(too_much.text, "offered_tonnes") == "Only 4 t of this lot are not offered yet."
    assert field_error(too_much.text, "price_per_tonne") == "The price per tonne must be more than zero."

    split = await post_form(admin_client, path, _allocation_form(offered_tonnes="1", venue_share="10"))
    assert field_error(split.text, "owner_share") == "The owner's, platform's and venue's shares must add up to 100%."

    nobody = await post_form(admin_client, path, _allocation_form(offered_tonnes="1", audience="chosen"))
    assert field_error(nobody.text, "venues") == "Choose at least one venue, or offer it to all venues."

    dates = await post_form(
        admin_client, path, _allocation_form(offered_tonnes="1", valid_from="2030-01-02", valid_until="2030-01-01")
    )
    assert field_error(dates.text, "valid_until") == "The offer must end after it starts."
    everything = await post_form(
        admin_client,
        path,
        _allocation_form(
            offered_tonnes="1",
            price_per_tonne="0",
            audience="chosen",
            valid_from="2030-01-02",
            valid_until="2030-01-01",
        ),
    )
    assert field_error(everything.text, "price_per_tonne") == "The price per tonne must be more than zero."
    assert field_error(everything.text, "venues") == "Choose at least one venue, or offer it to all venues."
    assert field_error(everything.text, "valid_until") == "The offer must end after it starts."
    chinese = await post_form(admin_client, f"{path}?lang=zh-Hans", _allocation_form(offered_tonnes="4.5"))
    assert field_error(chinese.text, "offered_tonnes") == "此批次尚未提供的只有 4 吨。"
    assert await counts(db) == before


async def test_messages_are_translated_where_the_catalogue_has_them(admin_client: Any, db: Database) -> None:
    before = await counts(db)
    response = await post_form(
        admin_client, "/platform/owners/new?lang=zh-Hans", {"name": "", "payout_currency": "CNY"}
    )
    assert response.status_code == 400
    assert field_error(response.text, "name") == "此项为必填项。"
    assert await counts(db) == before


async def test_lot_correction_is_appended_to_the_books(admin_client: Any, db: Database, supply: SupplyBuilder) -> None:
    venue = await supply.venue()
    project = await supply.project()
    lot = await supply.lot(project, 3)
    allocation = await supply.allocation(lot, 3_000_000, venues=[venue.id])
    await supply.buy(venue.id, allocation.id, 1_250_000)

    missing = await post_form(
        admin_client,
        f"/platform/lots/{lot.id}/corrections",
        {"field": "vintage_year", "vintage_year": "2021", "reason": ""},
    )
    assert missing.status_code == 400
    assert field_error(missing.text, "reason") == "This field is required."

    shrink = await post_form(
        admin_client,
        f"/platform/lots/{lot.id}/corrections",
        {"field": "serial_range", "serial_first": lot.serial_first, "serial_last": lot.serial_first, "reason": "Typo"},
    )
    assert shrink.status_code == 400
    assert "smaller than what is already allocated or sold" in field_error(shrink.text, "value")

    future = await post_form(
        admin_client,
        f"/platform/lots/{lot.id}/corrections",
        {"field": "acquired_on", "acquired_on": "2099-01-01", "reason": "Typo"},
    )
    assert future.status_code == 400
    assert field_error(future.text, "value") == "The acquisition date cannot be in the future."

    good = await post_form(
        admin_client,
        f"/platform/lots/{lot.id}/corrections",
        {"field": "vintage_year", "vintage_year": "2021", "reason": "The registry's statement says 2021."},
    )
    assert good.status_code == 303, good.text
    page = await admin_client.get(f"/platform/lots/{lot.id}")
    assert "The registry&#39;s statement says 2021." in page.text
    assert page.text.count("[0, 1,000,000)") == 1
    assert page.text.count("[0, 250,000)") == 1
    async with db.platform_session() as session:
        corrected = await session.get(Lot, lot.id)
        assert corrected is not None
        assert corrected.vintage_year == 2021
