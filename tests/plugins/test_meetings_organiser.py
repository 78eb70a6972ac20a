"""The organiser's whole-event footprint for meetings: golden cases by hand, bad input, the page.

Factors (kg CO2e): electricity MEE 2023 China 0.5306, Sichuan 0.1564 /kWh (CO2), Ember UK
215.79 g = 0.21579 /kWh; plane economy 0.10916 + 0.01656 = 0.12572 and national rail
(high-speed proxy) 0.03546 + 0.00897 = 0.04443 /passenger-km; hotel China 53.5 /room-night;
NGC meals red meat 5.01, vegetarian 0.85; DESNZ 2025 paper 1345.07790, average plastics
3172.49932, clothing 22310, general waste to landfill 520.53270, food waste to landfill
700.30886 /tonne; hall energy without a meter 0.1 kWh/m²·h (estimate E4).
"""

from __future__ import annotations

from typing import Any

import pytest

from neutralpoint.scenarios import FormErrors
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry

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
        "travel.air": 12572000,  # 50 × 1000 km × 2 (return) = 100,000 pkm × 0.12572 = 12,572 kg
        "travel.rail": 2665800,  # 100 × 300 km × 2 = 60,000 pkm × 0.04443 = 2,665.8 kg
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
