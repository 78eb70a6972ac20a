"""Projects, lots and allocations: what is accepted, what is refused (naming the field,
writing nothing), and how a lot is corrected once grams of it were sold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from neutralpoint.credits import services
from neutralpoint.credits.models import Allocation, LedgerEntry, Lot, Piece, Project, ProjectOwner
from neutralpoint.credits.schemas import EvidenceFile
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.refusals import FormErrors

TONNE = 1_000_000
ADMIN = "admin@platform.test"


async def row_counts(db: Database) -> tuple[int, ...]:
    async with db.platform_session() as session:
        counts = []
        for model in (ProjectOwner, Project, Lot, Allocation, LedgerEntry):
            counts.append((await session.execute(select(func.count()).select_from(model))).scalar_one())
        return tuple(counts)


async def refused(db: Database, call: Any) -> dict[str, str]:
    """Run ``call(session)``; it must raise ``FormErrors`` and leave every table as it was."""
    before = await row_counts(db)
    async with db.platform_session() as session:
        with pytest.raises(FormErrors) as caught:
            await call(session)
    assert await row_counts(db) == before
    return caught.value.messages("en")


async def test_a_project_with_its_owner(db: Database, factory: Any) -> None:
    project = await factory.project(methodology="CDCER-FOR-001", retirement_jurisdiction="Chengdu")
    assert project.registry_code == "CDCER"
    assert project.name["zh-Hans"].startswith("四川")
    assert project.sdgs == [13, 15]
    assert project.status.value == "active"
    assert project.retirement_beneficiary == "Visitors of NeutralPoint venues"
    async with db.platform_session() as session:
        assert (await services.get_project_by_slug(session, project.slug)).id == project.id  # type: ignore[union-attr]
        updated = await services.update_project(
            session, project.id, description={"en": "Planted forest.", "zh-Hans": "人工林。"}, sdgs=[15, 13, 15]
        )
        assert updated.sdgs == [13, 15]
        assert updated.description == {"en": "Planted forest.", "zh-Hans": "人工林。"}


async def test_bad_project_input_names_each_field(db: Database, factory: Any) -> None:
    existing = await factory.project()

    async def call(session: Any) -> None:
        await services.create_project(
            session,
            owner_id=existing.owner_id,
            slug=existing.slug,
            name={"en": ""},
            registry_code="c d",
            registry_project_id=existing.registry_project_id,
            project_type="forestry",
            country="XX",
            latitude="91",
            longitude="east",
            registry_url="ftp://example.org",
            sdgs=[18],
        )

    errors = await refused(db, call)
    assert set(errors) == {"slug", "name", "registry_code", "country", "latitude", "longitude", "registry_url", "sdgs"}
    assert "already uses" in errors["slug"]

    async def duplicate(session: Any) -> None:
        await services.create_project(
            session,
            owner_id=existing.owner_id,
            slug=f"dup-{factory.unique}",
            name={"en": "Duplicate"},
            registry_code="CDCER",
            registry_project_id=existing.registry_project_id,
            project_type="forestry",
            country="CN",
        )

    assert "registry_project_id" in await refused(db, duplicate)


async def test_lot_parses_and_counts_its_serials(db: Database, factory: Any) -> None:
    project = await factory.project(registry_code="VCS", project_type="renewable_energy")
    issuance = int(factory.unique, 16)
    serial = f"{issuance}-56789012-56789021-VCS-VCU-263-VER-CN-1-1234-01012020-31122020-0"
    async with db.platform_session() as session:
        lot = await services.create_lot(
            session,
            project_id=project.id,
            vintage_year=2020,
            serial_first=serial,
            serial_last=None,
            quantity_tonnes=10,
            unit_cost_minor=450,
            cost_currency="usd",
            acquired_on=date(2024, 3, 1),
            actor=ADMIN,
            evidence=EvidenceFile(b"%PDF-1.4 purchase", "application/pdf", "C:\\docs\\purchase.pdf"),
        )
        assert (lot.quantity_grams, lot.serial_block_notation, lot.cost_currency) == (10 * TONNE, True, "USD")
        assert lot.evidence_filename == "purchase.pdf"
        acquired = (await session.execute(select(LedgerEntry).where(LedgerEntry.lot_id == lot.id))).scalar_one()
        assert (acquired.kind.value, acquired.grams, acquired.amount_minor, acquired.currency) == (
            "acquire",
            10 * TONNE,
            4_500,
            "USD",
        )


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"serial_first": "CN-CDCER-??"}, "serial_first", "no number block"),
        ({"serial_last": "CN-CDCER-OTHER-000005"}, "serial_last", "outside the number block"),
        ({"quantity_tonnes": 4}, "quantity_tonnes", "holds 5 tonnes"),
        ({"quantity_tonnes": 0}, "quantity_tonnes", "at least 1"),
        ({"cost_currency": "ZZZ"}, "cost_currency", "not a currency"),
        ({"unit_cost_minor": -1}, "unit_cost_minor", "at least 0"),
        ({"vintage_year": 1850}, "vintage_year", "at least 1990"),
        ({"acquired_on": "2024-01-01"}, "acquired_on", "date"),
        ({"acquired_on": date(2099, 1, 1)}, "acquired_on", "cannot be in the future"),
        ({"actor": ""}, "actor", "who does this"),
    ],
)
async def test_bad_lot_input_is_refused(
    db: Database, factory: Any, changes: dict[str, Any], field: str, words: str
) -> None:
    project = await factory.project()
    prefix = f"CN-CDCER-{factory.unique}-"
    values: dict[str, Any] = {
        "project_id": project.id,
        "vintage_year": 2022,
        "serial_first": f"{prefix}000001",
        "serial_last": f"{prefix}000005",
        "quantity_tonnes": 5,
        "unit_cost_minor": 100,
        "cost_currency": "CNY",
        "acquired_on": date(2024, 1, 1),
        "actor": ADMIN,
    } | changes

    async def call(session: Any) -> None:
        await services.create_lot(session, **values)

    errors = await refused(db, call)
    assert field in errors
    assert words in errors[field]


async def test_a_lot_is_not_acquired_after_today(db: Database, factory: Any) -> None:
    """Today is the latest date anywhere (UTC+14): at 20:00 UTC it is already tomorrow in Chengdu."""
    project = await factory.project()
    evening = datetime(2024, 6, 1, 20, 0, tzinfo=UTC)

    def values(day: date) -> dict[str, Any]:
        prefix = f"CN-CDCER-{factory.unique}-{day.isoformat()}-"
        return {
            "project_id": project.id,
            "vintage_year": 2022,
            "serial_first": f"{prefix}000001",
            "serial_last": f"{prefix}000005",
            "quantity_tonnes": 5,
            "unit_cost_minor": 100,
            "cost_currency": "CNY",
            "actor": ADMIN,
            "now": evening,
            "acquired_on": day,
        }

    async def day_after_tomorrow(session: Any) -> None:
        await services.create_lot(session, **values(date(2024, 6, 3)))

    errors = await refused(db, day_after_tomorrow)
    assert errors == {"acquired_on": "The acquisition date cannot be in the future."}
    async with db.platform_session() as session:
        lot = await services.create_lot(session, **values(date(2024, 6, 2)))
    assert lot.acquired_on == date(2024, 6, 2)

    async def corrected_to_the_future(session: Any) -> None:
        await services.correct_lot(
            session, lot.id, field="acquired_on", value=date(2099, 1, 1), reason="typo", actor=ADMIN
        )

    errors = await refused(db, corrected_to_the_future)
    assert errors == {"value": "The acquisition date cannot be in the future."}
    async with db.platform_session() as session:
        assert (await session.get(Lot, lot.id)).acquired_on == date(2024, 6, 2)  # type: ignore[union-attr]


async def test_overlapping_serials_are_refused(db: Database, factory: Any) -> None:
    project = await factory.project()
    lot = await factory.lot(project, 10)
    prefix = lot.serial_first[:-6]

    async def call(session: Any) -> None:
        await services.create_lot(
            session,
            project_id=project.id,
            vintage_year=2022,
            serial_first=f"{prefix}000010",
            serial_last=f"{prefix}000019",
            quantity_tonnes=10,
            unit_cost_minor=100,
            cost_currency="CNY",
            acquired_on=date(2024, 1, 1),
            actor=ADMIN,
        )

    errors = await refused(db, call)
    assert "overlap" in errors["serial_first"]
    async with db.platform_session() as session:
        following = await services.create_lot(
            session,
            project_id=project.id,
            vintage_year=2022,
            serial_first=f"{prefix}000011",
            serial_last=f"{prefix}000020",
            quantity_tonnes=10,
            unit_cost_minor=100,
            cost_currency="CNY",
            acquired_on=date(2024, 1, 1),
            actor=ADMIN,
        )
        assert following.serial_first_number == 11


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"price_per_tonne_minor": 0}, "price_per_tonne_minor", "at least 1"),
        ({"price_per_tonne_minor": -100}, "price_per_tonne_minor", "at least 1"),
        ({"grams": 2 * TONNE + 1}, "grams", "Only 2000000 g"),
        ({"grams": 0}, "grams", "at least 1"),
        ({"currency": "XYZ"}, "currency", "not a currency"),
        ({"owner_bp": 9000}, "owner_bp", "add up to 10000"),
        ({"venue_ids": []}, "venue_ids", "at least one venue"),
        ({"valid_until_offset": -1}, "valid_until", "end after it starts"),
    ],
)
async def test_bad_allocation_input_is_refused(
    db: Database, factory: Any, changes: dict[str, Any], field: str, words: str
) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 2)
    start = utcnow()
    values: dict[str, Any] = {
        "lot_id": lot.id,
        "grams": TONNE,
        "price_per_tonne_minor": 12_000,
        "currency": "CNY",
        "owner_bp": 7000,
        "platform_bp": 2000,
        "venue_bp": 1000,
        "venue_ids": [venue],
        "valid_from": start,
        "actor": ADMIN,
    } | changes
    offset = values.pop("valid_until_offset", None)
    if offset is not None:
        values["valid_until"] = start + timedelta(days=offset)

    async def call(session: Any) -> None:
        await services.create_allocation(session, **values)

    errors = await refused(db, call)
    assert field in errors
    assert words in errors[field]


async def test_allocations_partition_the_lot(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 3)
    first = await factory.allocation(lot, 2 * TONNE, venues=[venue])
    await factory.allocation(lot, TONNE, venues=[venue])

    async def too_much(session: Any) -> None:
        await services.create_allocation(
            session,
            lot_id=lot.id,
            grams=1,
            price_per_tonne_minor=100,
            currency="CNY",
            owner_bp=10000,
            platform_bp=0,
            venue_bp=0,
            all_venues=True,
            actor=ADMIN,
        )

    assert "Only 0 g" in (await refused(db, too_much))["grams"]
    await factory.buy(venue, first.id, 500_000)
    async with db.platform_session() as session:
        with pytest.raises(FormErrors) as caught:
            await services.update_allocation(session, first.id, actor=ADMIN, grams=400_000)
        assert "already reserved or sold" in caught.value.messages("en")["grams"]
    async with db.platform_session() as session:
        smaller = await services.update_allocation(
            session, first.id, actor=ADMIN, grams=TONNE, price_per_tonne_minor=9_000
        )
        assert (smaller.grams_offered, smaller.price_per_tonne_minor) == (TONNE, 9_000)
        withdrawn = await services.withdraw_allocation(session, first.id, actor=ADMIN, reason="season over")
        assert (withdrawn.status.value, withdrawn.grams_offered, withdrawn.sold_grams) == (
            "withdrawn",
            500_000,
            500_000,
        )
        status = await services.lot_status(session, lot.id)
        assert (status.allocated_grams, status.sold_grams, status.available_grams) == (1_500_000, 500_000, 2_500_000)
        assert status.locked
    async with db.session() as session:
        use_tenant(session, venue)
        assert first.id not in [o.allocation_id for o in await services.offers_for_venue(session, venue)]


async def test_a_sold_lot_is_changed_only_by_corrections(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    lot = await factory.lot(project, 3)
    offer = await factory.allocation(lot, 3 * TONNE, venues=[venue])
    sale = await factory.buy(venue, offer.id, 1_200_000)
    prefix = lot.serial_first[:-6]
    async with db.platform_session() as session:
        with pytest.raises(FormErrors) as caught:
            await services.correct_lot(session, lot.id, field="quantity_tonnes", value=5, reason="typo", actor=ADMIN)
        assert list(caught.value.errors) == ["field"]
        with pytest.raises(FormErrors) as caught:
            await services.correct_lot(session, lot.id, field="vintage_year", value=2021, reason="", actor=ADMIN)
        assert list(caught.value.errors) == ["reason"]
        with pytest.raises(FormErrors) as caught:
            await services.correct_lot(
                session,
                lot.id,
                field="serial_range",
                value=(f"{prefix}000101", f"{prefix}000101"),
                reason="fewer tonnes",
                actor=ADMIN,
            )
        assert "smaller than what is already allocated" in caught.value.messages("en")["value"]
    async with db.platform_session() as session:
        await services.correct_lot(
            session, lot.id, field="vintage_year", value=2021, reason="registry says 2021", actor=ADMIN
        )
        corrected = await services.correct_lot(
            session,
            lot.id,
            field="serial_range",
            value=(f"{prefix}000101", f"{prefix}000104"),
            reason="the registry's statement starts at 101 and holds 4 tonnes",
            actor=ADMIN,
        )
        assert (corrected.vintage_year, corrected.quantity_tonnes, corrected.serial_first_number) == (2021, 4, 101)
        pieces = await session.execute(select(Piece).where(Piece.sale_id == sale.id).order_by(Piece.tonne_index))
        assert [p.serial for p in pieces.scalars()] == [f"{prefix}000101", f"{prefix}000102"]
        corrections = (
            (
                await session.execute(
                    select(LedgerEntry)
                    .where(LedgerEntry.lot_id == lot.id, LedgerEntry.kind == "correction")
                    .order_by(LedgerEntry.seq)
                )
            )
            .scalars()
            .all()
        )
        assert [(c.grams, c.details["field"]) for c in corrections] == [(0, "vintage_year"), (TONNE, "serial_range")]
        assert corrections[1].reason.startswith("the registry's statement")
