"""The scenic-spot plugin: golden cases by hand from the published factors, a tour group, bad input.

Factors (kg CO2e): coach 0.02776 + 0.00656 = 0.03432 /passenger-km; chartered coach (estimate)
0.30 l/km × (2.57082 + 0.61101) = 0.954549 /vehicle-km; petrol car 0.16272 + 0.04599 =
0.20871 /vehicle-km; shuttle = average local bus 0.10385 + 0.02649 = 0.13034 /passenger-km;
boat = ferry foot passenger 0.01871 + 0.00424 = 0.02295 /passenger-km; cable car (E6) 1.0 kWh
× 0.5306 = 0.5306 /ride; hotel China 53.5 /room-night; campsite 1.4 /pitch-night; site waste
(E5) 0.5 × 0.52053 = 0.260265 /visit; site operations 0 until a venue measures it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from scenario_venues import assert_rejected, count_estimates, make_entry_point, post_form

import neutralpoint_plugins.scenic as scenic
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry

CHONGQING = (29.5630, 106.5516)


@pytest.fixture(scope="module")
def scenario(registry: ScenarioRegistry) -> LoadedScenario:
    loaded = registry.get("scenic")
    assert loaded is not None, [s.as_dict() for s in registry.statuses]
    return loaded


def breakdown(scenario: LoadedScenario, registry: ScenarioRegistry, **raw: str) -> dict[str, int]:
    inputs = scenario.form.validate(raw)
    lines = scenario.calculate(inputs, scenario.factors, registry.context(venue_location=CHONGQING))
    return {line.key: line.grams for line in lines}


def test_factor_set_cites_every_source(scenario: LoadedScenario) -> None:
    factors = scenario.factors
    assert [fs.version for fs in scenario.factor_sets] == ["2025.1", "2025.2"]
    assert factors.version == "2025.2"
    assert factors["travel.coach_charter"].value == Decimal("0.954549")
    assert factors["travel.coach_charter"].source.estimate
    assert factors["site.cable_car"].source.estimate
    assert factors["site.waste"].value == Decimal("0.260265")
    assert factors["site.operations"].value == 0
    for factor in factors.factors.values():
        assert factor.source.publisher
        assert factor.source.document
        assert factor.source.year


def test_one_scenario_object_carries_form_factors_and_calculation() -> None:
    (declared,) = scenic.neutralpoint_scenarios()
    assert declared.id == "scenic"
    assert declared.problems() == []
    assert [n for n in dir(scenic) if n.startswith("neutralpoint_")] == ["neutralpoint_scenarios"]


def test_golden_family_by_high_speed_train(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    lines = breakdown(
        scenario,
        registry,
        group_size="4",
        travel_mode="rail_high_speed",
        travel_distance_km="500",
        travel_return="true",
    )
    # 500 km × 2 (return) × 4 people = 4000 pkm × 0.03048 (Chinese high-speed rail, travel
    # edition 2025.2) = 121.92 kg; in scenic 2025.1 it was × 0.04443 (UK national rail) = 177.72 kg
    assert lines["travel"] == 121920
    old = scenario.factor_set("2025.1")
    assert old is not None
    inputs = scenario.form.validate(
        {"group_size": "4", "travel_mode": "rail_high_speed", "travel_distance_km": "500", "travel_return": "true"}
    )
    old_lines = scenario.calculate(inputs, old, registry.context(venue_location=CHONGQING))
    assert {line.key: line.grams for line in old_lines}["travel"] == 177720


def test_golden_day_trip_by_coach_with_rides(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert breakdown(
        scenario,
        registry,
        group_size="1",
        travel_mode="coach",
        travel_distance_km="200",
        travel_return="true",
        shuttle_km="10",
        cable_car_rides="2",
    ) == {
        "travel": 13728,  # 200 km × 2 = 400 pkm × 0.03432 = 13.728 kg
        "shuttle": 1303,  # 10 km × 1 × 0.13034 = 1.3034 kg → 1303
        "cable_car": 1061,  # 2 rides × 0.5306 = 1.0612 kg → 1061
        "site_waste": 260,  # 1 visit × 0.260265 kg = 260.265 g → 260 (no operations line: factor is 0)
    }


def test_golden_tour_group_shares_its_chartered_coach(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert breakdown(
        scenario,
        registry,
        group_size="30",
        travel_mode="coach_charter",
        travel_distance_km="150",
        travel_return="true",
        boat_km="5",
        nights="1",
        people_per_room="2",
    ) == {
        "travel": 286365,  # one coach: 150 × 2 = 300 vehicle-km × 0.954549 = 286.3647 kg (30 × 300 ÷ 30)
        "boat": 3443,  # 5 km × 30 = 150 pkm × 0.02295 = 3.4425 kg → 3442.5 → 3443 (half up)
        "nights": 802500,  # 1 night × 30 people ÷ 2 per room = 15 room-nights × 53.5 = 802.5 kg
        "site_waste": 7808,  # 30 × 0.260265 = 7.80795 kg → 7808
    }
    per_passenger = breakdown(
        scenario, registry, group_size="30", travel_mode="coach", travel_distance_km="150", travel_return="true"
    )
    assert per_passenger["travel"] == 308880  # 30 × 300 pkm × 0.03432 = 308.88 kg at DESNZ's average load


def test_golden_family_camping_by_car(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert breakdown(
        scenario,
        registry,
        group_size="3",
        travel_mode="car_petrol",
        travel_distance_km="120",
        travel_return="true",
        travel_car_occupants="3",
        nights="2",
        lodging="camping",
        people_per_room="2",
    ) == {
        "travel": 50090,  # 240 km × 3 travellers × 0.20871 ÷ 3 in the car = 50.0904 kg → 50090
        "nights": 4200,  # 2 nights × 3 people ÷ 2 per tent = 3 pitch-nights × 1.4 = 4.2 kg
        "site_waste": 781,  # 3 × 0.260265 = 0.780795 kg → 781
    }


@pytest.mark.parametrize("lodging", ["camping", "hotel"])
def test_a_visitor_alone_takes_a_whole_room_or_tent(
    scenario: LoadedScenario, registry: ScenarioRegistry, lodging: str
) -> None:
    """ "2 per tent" is how a party shares; one person still needs the whole tent."""
    alone = breakdown(
        scenario, registry, group_size="1", travel_mode="bicycle_walk", nights="1", lodging=lodging, people_per_room="2"
    )
    one_per_room = breakdown(
        scenario, registry, group_size="1", travel_mode="bicycle_walk", nights="1", lodging=lodging, people_per_room="1"
    )
    assert alone["nights"] == one_per_room["nights"]
    assert alone["nights"] > 0


VALID = {"group_size": "1", "travel_mode": "bus", "travel_distance_km": "20"}


@pytest.mark.parametrize(
    ("field", "bad", "en", "zh"),
    [
        ("group_size", "", "This field is required.", "此项为必填项。"),
        ("shuttle_km", "-2", "Must be at least 0", "不能小于 0"),
        ("nights", "1000000", "Must be at most 60", "不能大于 60"),
        ("cable_car_rides", "2.5", "Enter a whole number.", "请输入整数。"),
        ("boat_km", "3 km", "Enter a number in km.", "请输入以公里为单位的数字。"),
        ("lodging", "palace", "Choose one of the options.", "请从选项中选择。"),
        ("travel_origin", "z" * 1000, "Use at most 80 characters.", "最多 80 个字符。"),
    ],
)
async def test_bad_input_is_shown_beside_the_field(
    client: Any, db: Any, field: str, bad: str, en: str, zh: str
) -> None:
    entry_point = await make_entry_point(db, "scenic")
    await assert_rejected(client, db, entry_point, VALID, field, bad, en, zh)


async def test_a_group_computes_through_the_qr_page(client: Any, db: Any) -> None:
    entry_point = await make_entry_point(db, "scenic")
    response = await post_form(client, entry_point, {**VALID, "group_size": "12", "cable_car_rides": "2"})
    assert response.status_code == 303, response.text
    assert await count_estimates(db, entry_point.tenant_id) == 1
