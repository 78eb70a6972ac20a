"""The organiser's whole-event footprint for meetings: golden cases by hand, bad input, the page.

Factors (kg CO2e): electricity MEE 2023 China 0.5306, Sichuan 0.1564 /kWh (CO2), Ember UK
215.79 g = 0.21579 /kWh; plane economy at 463–3,700 km one way (DESNZ short-haul, with RF)
0.12576 + 0.02249 = 0.14825 and Chinese high-speed rail 30.48 g CO2 = 0.03048 /passenger-km
(travel edition 2025.2); hotel China 53.5 /room-night;
NGC meals red meat 5.01, vegetarian 0.85; DESNZ 2025 paper 1345.07790, average plastics
3172.49932, clothing 22310, general waste to landfill 520.53270, food waste to landfill
700.30886 /tonne; hall energy without a meter 0.1 kWh/m²·h (estimate E4).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from neutralpoint.plugin_api import FormErrors
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.tenants.models import Role

CHENGDU = (30.5728, 104.0668)


@pytest.fixture(scope="module")
def scenario(registry: ScenarioRegistry) -> LoadedScenario:
    loaded = registry.get("meetings")
    assert loaded is not None
    assert loaded.organiser_form is not None
    return loaded


def event(
    scenario: LoadedScenario, registry: ScenarioRegistry, presets: dict[str, Any] | None = None, **raw: str
) -> dict[str, int]:
    assert scenario.organiser_form is not None
    inputs = scenario.organiser_form.validate(raw, presets or {})
    lines = scenario.calculate_organiser(inputs, scenario.factors, registry.context(venue_location=CHENGDU))
    return {line.key: line.grams for line in lines}


def test_golden_metered_venue_in_sichuan_with_travel_by_mode(
    scenario: LoadedScenario, registry: ScenarioRegistry
) -> None:
    assert event(
        scenario,
        registry,
        attendees="200",
        venue_kwh="5000",
        grid="CN-SC",
        air_attendees="50",
        air_distance_km="1000",
        rail_attendees="100",
        rail_distance_km="300",
        room_nights="150",
        meals_red_meat="200",
        meals_vegetarian="100",
        printed_kg="50",
        waste_kg="300",
    ) == {
        "venue.electricity": 782000,  # 5000 kWh × 0.1564 = 782 kg
        "travel.air": 14825000,  # 50 × 1000 km × 2 (return) = 100,000 pkm × 0.14825 = 14,825 kg
        "travel.rail": 1828800,  # 100 × 300 km × 2 = 60,000 pkm × 0.03048 = 1,828.8 kg
        "hotel": 8025000,  # 150 room-nights × 53.5 = 8,025 kg
        "meal.vegetarian": 85000,  # 100 × 0.85 = 85 kg
        "meal.red_meat": 1002000,  # 200 × 5.01 = 1,002 kg
        "material.paper": 67254,  # 50 kg × 1.3450779 = 67.253895 kg → 67254
        "waste.general": 156160,  # 300 kg × 0.5205327 = 156.15981 kg → 156160
    }


def test_golden_hall_area_without_a_meter(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert event(
        scenario,
        registry,
        attendees="80",
        hall_area_m2="2000",
        hall_hours="8",
        travel_source="none",
        merch_textile_kg="10",
        food_waste_kg="40",
    ) == {
        "venue.electricity": 848960,  # 2000 m² × 8 h × 0.1 = 1600 kWh × 0.5306 (China) = 848.96 kg
        "material.textile": 223100,  # 10 kg × 22.31 = 223.1 kg
        "waste.food": 28012,  # 40 kg × 0.70030886 = 28.0123544 kg → 28012
    }


def test_golden_from_the_attendees_own_estimates(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert event(
        scenario,
        registry,
        {"own_estimates_grams": 1234567, "own_estimates_count": 3},
        attendees="500",
        venue_kwh="1000",
        grid="GB",
        travel_source="own",
        room_nights="100",  # not counted: the attendees' own estimates include their nights
        merch_plastic_kg="2.5",
    ) == {
        "venue.electricity": 215790,  # 1000 kWh × 0.21579 = 215.79 kg
        "travel.own_estimates": 205761167,  # 1234.567 kg ÷ 3 estimates × 500 attendees = 205,761.1667 kg
        "material.plastic": 7931,  # 2.5 kg × 3.17249932 = 7.9312483 kg → 7931
    }


@pytest.mark.parametrize(
    ("raw", "presets", "field"),
    [
        ({"attendees": "10"}, {}, "venue_kwh"),
        ({"attendees": "10", "hall_area_m2": "500"}, {}, "hall_hours"),
        ({"attendees": "10", "hall_hours": "5"}, {}, "hall_area_m2"),
        (
            {
                "attendees": "10",
                "venue_kwh": "1",
                "air_attendees": "8",
                "rail_attendees": "5",
                "air_distance_km": "1",
                "rail_distance_km": "1",
            },
            {},
            "air_attendees",
        ),
        ({"attendees": "10", "venue_kwh": "1", "rail_attendees": "5"}, {}, "rail_distance_km"),
        (
            {"attendees": "10", "venue_kwh": "1", "travel_source": "own"},
            {"own_estimates_grams": 0, "own_estimates_count": 0},
            "travel_source",
        ),
    ],
)
def test_answers_that_do_not_fit_together_name_the_field(
    scenario: LoadedScenario, registry: ScenarioRegistry, raw: dict[str, str], presets: dict[str, Any], field: str
) -> None:
    with pytest.raises(FormErrors) as caught:
        event(scenario, registry, presets, **raw)
    error = caught.value.errors[field]
    assert error.message("en")
    assert error.message("zh-Hans")
    assert error.message("en") != error.message("zh-Hans")


# --- the organiser's page and its JSON twin ------------------------------------------------------

PAGE_INPUTS = {
    "attendees": "100",
    "venue_kwh": "2000",
    "grid": "CN-BJ",
    "travel_source": "own",
    "meals_white_meat": "100",
}


async def _event(db: Any) -> tuple[Any, Any]:
    from scenarios.signed_in import make_person, make_place

    place = await make_place(db, "meetings")
    manager = await make_person(db, place, Role.MANAGER)
    return place, manager


async def _visitor_estimate(client: Any, place: Any, km: str) -> int:
    response = await client.post(
        f"/api/v1/public/venues/{place.slug}/entry-points/{place.code}/estimates",
        json={
            "inputs": {
                "travel_mode": "rail_high_speed",
                "travel_distance_km": km,
                "travel_return": False,
                "hotel_nights": 1,
                "meals_vegan": 1,
            },
            "language": "en",
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["total_grams"])


async def test_the_organiser_computes_the_event_from_the_attendees_estimates(app: Any, settings: Any, db: Any) -> None:
    from scenarios.signed_in import client_as, csrf

    place, manager = await _event(db)
    url = f"/venue/{place.slug}/entry-points/{place.entry_point_id}/event-footprint"
    async with client_as(app, settings, None) as visitor:
        # Two attendees: 100 km and 300 km by high-speed train one way (× 0.03048), one hotel night
        # each (53.5), one vegan meal each (0.54 — their meals are not taken by the organiser).
        await _visitor_estimate(visitor, place, "100")
        await _visitor_estimate(visitor, place, "300")
    async with client_as(app, settings, manager) as client:
        page = await client.get(url, headers={"accept": "text/html"})
        assert page.status_code == 200
        assert 'name="own_estimates_grams"' not in page.text
        response = await client.post(
            url,
            data={**PAGE_INPUTS, "_csrf_token": csrf(client)},
            headers={"accept": "text/html"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        shown = (
            await client.get(f"/api/v1/venues/{place.slug}/entry-points/{place.entry_point_id}/event-footprint")
        ).json()
        assert shown["own_estimates"] == {"own_estimates_grams": 119192, "own_estimates_count": 2}
        result = shown["result"]
        assert {line["key"]: line["grams"] for line in result["lines"]} == {
            "venue.electricity": 1110800,  # 2000 kWh × 0.5554 (Beijing) = 1,110.8 kg
            # attendees' travel + hotel: (3.048 + 53.5) + (9.144 + 53.5) = 119.192 kg in 2 estimates,
            # ÷ 2 × 100 attendees = 5,959.6 kg
            "travel.own_estimates": 5959600,
            "meal.white_meat": 165000,  # 100 × 1.65 = 165 kg
        }
        assert result["kind"] == "organiser"
        assert result["total_grams"] == 1110800 + 5959600 + 165000
        html = (await client.get(url, headers={"accept": "text/html"})).text
        # Each source reads as a citation, and the page keeps the venue's navigation.
        sources = html.split('id="source-1"', 1)[1].split("</ol>", 1)[0]
        assert "bound method" not in sources
        assert "China Ministry of Ecology and Environment" in sources
        assert "/venue/" + place.slug + "/members" in html
        assert "GHG Protocol" in html
        assert "大型活动碳中和实施指南" in html
        assert "ISO 20121" in html
        assert "Scope 2" in html
        zh = (await client.get(url + "?lang=zh-Hans", headers={"accept": "text/html"})).text
        assert "范围二" in zh
        assert "活动碳足迹：" in zh


async def test_bad_event_input_is_shown_beside_the_field_and_nothing_is_stored(
    app: Any, settings: Any, db: Any
) -> None:
    from scenarios.signed_in import client_as, csrf

    place, manager = await _event(db)
    url = f"/venue/{place.slug}/entry-points/{place.entry_point_id}/event-footprint"
    api = f"/api/v1/venues/{place.slug}/entry-points/{place.entry_point_id}/event-footprint"
    cases = [
        ("attendees", "", "This field is required.", "此项为必填项。"),
        ("attendees", "-5", "Must be at least 1", "不能小于 1"),
        ("attendees", "1000000000", "Must be at most 200000", "不能大于 200000"),
        ("venue_kwh", "12 kWh", "Enter a number in kWh.", "请输入以千瓦时为单位的数字。"),
        ("grid", "MARS", "Choose one of the options.", "请从选项中选择。"),
        ("printed_kg", "x" * 300, "Use at most 80 characters.", "最多 80 个字符。"),
        ("travel_source", "own", "No attendee has made an estimate", "尚无参会者自行估算"),
    ]
    async with client_as(app, settings, manager) as client:
        await client.get(url, headers={"accept": "text/html"})
        for field, bad, en, zh in cases:
            for lang, expected in (("en", en), ("zh-Hans", zh)):
                response = await client.post(
                    f"{url}?lang={lang}",
                    data={**PAGE_INPUTS, "travel_source": "split", field: bad, "_csrf_token": csrf(client)},
                    headers={"accept": "text/html"},
                )
                assert response.status_code == 400, (field, bad)
                assert f'id="{field}-error"' in response.text
                assert expected in response.text, (field, lang)
        refused = await client.post(api, json={"inputs": {"attendees": "ten", "venue_kwh": "1"}, "language": "en"})
        assert refused.status_code == 400
        assert set(refused.json()["errors"]) == {"attendees"}
        forged = await client.post(
            api, json={"inputs": {"attendees": 5, "venue_kwh": 1, "own_estimates_count": 9}, "language": "en"}
        )
        assert forged.status_code == 400
        assert (await client.get(api)).json()["result"] is None


async def test_only_managers_of_the_venue_reach_the_event(app: Any, settings: Any, db: Any) -> None:
    from scenarios.signed_in import client_as, make_person, make_place

    place, manager = await _event(db)
    staff = await make_person(db, place, Role.STAFF)
    other = await make_person(db, await make_place(db, "meetings"), Role.OWNER)
    hotel = await make_place(db, "hotels")
    hotel_manager = await make_person(db, hotel, Role.MANAGER)
    api = f"/api/v1/venues/{place.slug}/entry-points/{place.entry_point_id}/event-footprint"
    for person in (staff, other):
        async with client_as(app, settings, person) as client:
            assert (await client.get(api)).status_code == 404
            assert (await client.post(api, json={"inputs": {"attendees": 5, "venue_kwh": 1}})).status_code == 404
    async with client_as(app, settings, hotel_manager) as client:
        no_organiser_form = f"/api/v1/venues/{hotel.slug}/entry-points/{hotel.entry_point_id}/event-footprint"
        assert (await client.get(no_organiser_form)).status_code == 404
    async with client_as(app, settings, manager) as client:
        created = await client.post(api, json={"inputs": {"attendees": 5, "venue_kwh": 100}, "language": "zh-Hans"})
        assert created.status_code == 201, created.text
        assert created.json()["total_grams"] == 53060  # 100 kWh × 0.5306 (China, the default grid) = 53.06 kg


async def test_the_venues_measured_grid_factor_is_used_and_named(app: Any, settings: Any, db: Any) -> None:
    from decimal import Decimal

    from scenarios.signed_in import client_as

    from neutralpoint.scenarios import overrides

    place, manager = await _event(db)
    async with db.session() as session:
        await overrides.save_override(
            session,
            place.tenant_id,
            manager.user_id,
            overrides.OverrideRequest(
                scenario="meetings",
                factor_key="grid.CN",
                value=Decimal("0.3"),
                note="2025 supply contract, 40 % hydro",
                evidence=b"%PDF-1.4\n%%EOF\n",
                evidence_content_type="application/pdf",
                evidence_filename="contract.pdf",
            ),
        )
    api = f"/api/v1/venues/{place.slug}/entry-points/{place.entry_point_id}/event-footprint"
    async with client_as(app, settings, manager) as client:
        created = await client.post(api, json={"inputs": {"attendees": 5, "venue_kwh": 100}, "language": "en"})
        assert created.status_code == 201, created.text
        result = created.json()
    assert result["total_grams"] == 30000  # 100 kWh × 0.3 measured by the venue = 30 kg (published 0.5306)
    assert result["measured_by_venue"] == ["grid.CN"]
    (source,) = result["sources"]
    assert source["publisher"] == overrides.MEASURED_PUBLISHER


async def test_the_organisers_footprint_is_no_visitors_and_stays_with_the_venue(
    app: Any, settings: Any, db: Any
) -> None:
    """A manager of two venues: the event footprint computed at one is in nobody's visitor
    history (at either venue), is not readable as a visitor's estimate, and is readable by
    the venue's managers only."""
    from scenarios.signed_in import client_as, make_place
    from sqlalchemy import select

    from neutralpoint.scenarios.models import Estimate
    from neutralpoint.tenants.models import Membership

    place, manager = await _event(db)
    elsewhere = await make_place(db, "meetings")
    async with db.platform_session() as session:
        session.add(Membership(tenant_id=elsewhere.tenant_id, user_id=manager.user_id, role=Role.MANAGER))
    api = f"/api/v1/venues/{place.slug}/entry-points/{place.entry_point_id}/event-footprint"
    async with client_as(app, settings, manager) as client:
        created = await client.post(api, json={"inputs": {"attendees": 5, "venue_kwh": 100}, "language": "en"})
        assert created.status_code == 201, created.text
        estimate_id = created.json()["id"]
        for slug in (place.slug, elsewhere.slug):
            history = await client.get(f"/api/v1/public/venues/{slug}/visitors/{manager.user_id}/estimates")
            assert history.status_code == 200
            assert history.json()["estimates"] == []
        assert (await client.get(f"/api/v1/estimates/{estimate_id}?venue={place.slug}")).status_code == 404
        assert (await client.get(f"/v/{place.slug}/r/{estimate_id}")).status_code == 404
        assert (await client.get(api)).json()["result"]["id"] == estimate_id
    async with client_as(app, settings, None) as stranger:
        assert (await stranger.get(api)).status_code == 401
        assert (await stranger.get(f"/api/v1/estimates/{estimate_id}?venue={place.slug}")).status_code == 404
    async with db.platform_session() as session:
        row = (await session.execute(select(Estimate).where(Estimate.id == uuid.UUID(estimate_id)))).scalar_one()
    assert row.visitor_id is None
    assert row.created_by == manager.user_id
    assert row.kind == "organiser"


async def test_the_event_order_is_refused_before_the_event_is_computed_and_without_offers(
    app: Any, settings: Any, db: Any
) -> None:
    """The console's "pay for the event" says why it cannot, in the reader's language."""
    from scenarios.signed_in import client_as, csrf

    place, manager = await _event(db)
    url = f"/venue/{place.slug}/entry-points/{place.entry_point_id}/event-footprint"
    async with client_as(app, settings, manager) as client:
        await client.get(url, headers={"accept": "text/html"})
        early = await client.post(
            url + "/order",
            data={"allocation_id": str(uuid.uuid4()), "_csrf_token": csrf(client)},
            headers={"accept": "text/html"},
            follow_redirects=False,
        )
        assert early.status_code == 409
        assert "Compute the event&#39;s footprint first." in early.text
        computed = await client.post(
            url,
            data={**PAGE_INPUTS, "travel_source": "none", "_csrf_token": csrf(client)},
            headers={"accept": "text/html"},
            follow_redirects=False,
        )
        assert computed.status_code == 303, computed.text[-3000:]
        page = await client.get(url + "?lang=zh-Hans", headers={"accept": "text/html"})
        assert "中和整场活动" in page.text
        assert "您的场所尚未提供碳信用" in page.text
        unknown = await client.post(
            url + "/order",
            data={"allocation_id": str(uuid.uuid4()), "_csrf_token": csrf(client)},
            headers={"accept": "text/html"},
            follow_redirects=False,
        )
        assert unknown.status_code == 400
        assert 'id="order-problems"' in unknown.text
