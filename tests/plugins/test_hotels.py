"""The hotels plugin: golden cases by hand from the published factors, presets, bad input.

Factors (kg CO2e): DESNZ 2025 hotel stay per room-night China 53.5, Japan 39.0, France 6.7;
class ratios (ADEME France 2020, ÷ 9.91, 4 decimals) 4★ 11.43/9.91 = 1.1534, 5★ 17.11/9.91 =
1.7265; in hotels 2025.2, 2★ and 3★ share their mean (8.53 + 8.47)/2 = 8.50/9.91 = 0.8577
and an unclassified hotel counts as the country average (1); in 2025.1 unclassified
4.73/9.91 = 0.4773, 2★ 8.53/9.91 = 0.8607, 3★ 8.47/9.91 = 0.8547; breakfasts (NGC)
continental 0.32, cooked 1.08; red-meat meal 5.01; linen change (estimate) 4 kg × 1.13 kWh/kg
× (0.18296 + 0.03021) = 0.9635284; Chinese high-speed rail 30.48 g CO2 = 0.03048
/passenger-km (China Environment News 2024); petrol car 0.16272 + 0.04599 = 0.20871
/vehicle-km. Grams are rounded once, half up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from scenario_venues import assert_rejected, count_estimates, make_entry_point, post_form

import neutralpoint_plugins.hotels as hotels
from neutralpoint.plugin_api import FormErrors
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry

CHONGQING = (29.5630, 106.5516)


@pytest.fixture(scope="module")
def scenario(registry: ScenarioRegistry) -> LoadedScenario:
    loaded = registry.get("hotels")
    assert loaded is not None, [s.as_dict() for s in registry.statuses]
    return loaded


def grams(
    scenario: LoadedScenario, registry: ScenarioRegistry, presets: dict[str, Any] | None = None, **raw: str
) -> dict[str, int]:
    form = scenario.form.with_presets(presets or {})
    inputs = scenario.form.validate(raw, presets or {})
    assert set(form.names) <= set(scenario.form.names)
    lines = scenario.calculate(inputs, scenario.factors, registry.context(venue_location=CHONGQING))
    return {line.key: line.grams for line in lines}


def test_factor_set_cites_every_source(scenario: LoadedScenario) -> None:
    factors = scenario.factors
    assert factors.version == "2025.2"
    assert [fs.version for fs in scenario.factor_sets] == ["2025.1", "2025.2"]
    assert factors["hotel.CN"].value == Decimal("53.5")
    assert "29_600_4009_13_1" in factors["hotel.CN"].source.table
    assert len([k for k in factors.factors if k.startswith("hotel.") and k != "hotel.linen_change"]) == 39
    assert factors["hotel_class.4"].value == Decimal("1.1534")
    assert factors["hotel_class.4"].source.estimate
    assert factors["hotel.linen_change"].value == Decimal("0.9635284")
    assert factors["hotel.linen_change"].source.estimate
    for factor in factors.factors.values():
        assert factor.source.publisher
        assert factor.source.document
        assert factor.source.year
    assert all(f.source.url for f in factors.factors.values() if f.key.startswith(("hotel.", "meal.", "breakfast.")))


def test_one_scenario_object_carries_form_factors_and_calculation() -> None:
    (declared,) = hotels.neutralpoint_scenarios()
    assert declared.id == "hotels"
    assert declared.problems() == []
    assert [n for n in dir(hotels) if n.startswith("neutralpoint_")] == ["neutralpoint_scenarios"]


def test_golden_couple_in_china_with_breakfast_by_train(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert grams(
        scenario,
        registry,
        nights="3",
        guests_per_room="2",
        breakfast="continental",
        travel_mode="rail_high_speed",
        travel_distance_km="300",
        travel_return="true",
    ) == {
        "stay": 160500,  # 3 room-nights × 53.5 = 160.5 kg (average class: ratio 1)
        "breakfast": 1920,  # 3 nights × 2 guests = 6 × 0.32 = 1.92 kg
        "linen": 2891,  # daily: 3 changes × 0.9635284 = 2.8905852 kg → 2890.5852 g → 2891
        "travel": 36576,  # 300 km × 2 (return) × 2 travellers = 1200 pkm × 0.03048 = 36.576 kg
    }


def test_golden_my_share_of_a_four_star_room_in_japan(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert grams(
        scenario,
        registry,
        country="JP",
        hotel_class="4",
        nights="2",
        guests_per_room="2",
        offset_for="me",
        breakfast="cooked",
        other_meals="2",
        meal_type="red_meat",
        linen="on_request",
        travel_mode="car_petrol",
        travel_distance_km="50",
        travel_return="false",
        travel_car_occupants="2",
    ) == {
        "stay": 44983,  # 2 room-nights × 1.1534 × 39.0 = 89.9652 kg ÷ 2 guests = 44.9826 kg → 44983
        "breakfast": 2160,  # 2 nights × 1 guest × 1.08 = 2.16 kg
        "meals": 10020,  # 2 meals × 1 guest × 5.01 = 10.02 kg
        "linen": 482,  # on request: 1 wash × 1 room ÷ 2 guests = 0.4817642 kg → 482
        "travel": 5218,  # 50 km × 0.20871 ÷ 2 in the car = 5.21775 kg → 5217.75 → 5218
    }


def test_golden_preset_five_star_in_france_two_rooms(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    presets = {"country": "FR", "hotel_class": "5"}
    visible = scenario.form.with_presets(presets)
    assert "country" not in visible.names
    assert "hotel_class" not in visible.names
    assert grams(
        scenario,
        registry,
        presets,
        country="CN",  # ignored: the entry point's preset wins
        nights="1",
        rooms="2",
        guests_per_room="3",
        travel_mode="bicycle_walk",
    ) == {
        "stay": 23135,  # 1 night × 2 rooms × 1.7265 = 3.453 × 6.7 = 23.1351 kg → 23135
        "linen": 1927,  # daily: 1 × 2 rooms × 0.9635284 = 1.9270568 kg → 1927
        "travel": 0,  # cycling or walking counts zero
    }


@pytest.mark.parametrize(
    ("hotel_class", "grams"),
    [
        ("2", 45887),  # 1 room-night × 0.8577 × 53.5 = 45.88695 kg → 45887
        ("3", 45887),  # the same ratio: 2★ and 3★ share their mean
        ("average", 53500),  # 1 × 53.5
        ("unclassified", 53500),  # the country average: 1 × 53.5
        ("4", 61707),  # 1 × 1.1534 × 53.5 = 61.7069 kg → 61707
        ("5", 92368),  # 1 × 1.7265 × 53.5 = 92.36775 kg → 92368
    ],
)
def test_golden_one_night_in_china_by_class(
    scenario: LoadedScenario, registry: ScenarioRegistry, hotel_class: str, grams: int
) -> None:
    lines = grams_by_class(scenario, registry, hotel_class)
    assert lines["stay"] == grams


def grams_by_class(scenario: LoadedScenario, registry: ScenarioRegistry, hotel_class: str) -> dict[str, int]:
    return grams(scenario, registry, hotel_class=hotel_class, nights="1", travel_mode="bicycle_walk")


def test_classes_are_in_order(scenario: LoadedScenario) -> None:
    ratios = {code: scenario.factors[f"hotel_class.{code}"].value for code in ("2", "3", "4", "5")}
    assert list(ratios.values()) == sorted(ratios.values())
    assert ratios["2"] <= ratios["3"] < 1 < ratios["4"] < ratios["5"]
    assert scenario.factors["hotel_class.unclassified"].value == 1
    assert not scenario.factors["hotel_class.unclassified"].source.estimate
    assert "ratio 0.4773 in edition 2025.1" in scenario.factors["hotel_class.unclassified"].note


def test_2025_1_keeps_its_class_ratios(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    old = scenario.factor_set("2025.1")
    assert old is not None
    assert {code: old[f"hotel_class.{code}"].value for code in ("unclassified", "2", "3", "4", "5")} == {
        "unclassified": Decimal("0.4773"),
        "2": Decimal("0.8607"),
        "3": Decimal("0.8547"),
        "4": Decimal("1.1534"),
        "5": Decimal("1.7265"),
    }
    inputs = scenario.form.validate({"hotel_class": "unclassified", "nights": "1", "travel_mode": "bicycle_walk"})
    lines = scenario.calculate(inputs, old, registry.context(venue_location=CHONGQING))
    assert {line.key: line.grams for line in lines}["stay"] == 25536  # 0.4773 × 53.5 = 25.53555 kg → 25536


def test_travel_needs_a_city_or_a_distance(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    with pytest.raises(FormErrors) as caught:
        grams(scenario, registry, nights="1", travel_mode="plane_economy")
    assert "travel_distance_km" in caught.value.errors


VALID = {"nights": "2", "rooms": "1", "guests_per_room": "1", "travel_mode": "coach", "travel_distance_km": "80"}


@pytest.mark.parametrize(
    ("field", "bad", "en", "zh"),
    [
        ("nights", "", "This field is required.", "此项为必填项。"),
        ("nights", "-1", "Must be at least 1", "不能小于 1"),
        ("nights", "1000000", "Must be at most 365", "不能大于 365"),
        ("rooms", "two", "Enter a whole number.", "请输入整数。"),
        ("travel_distance_km", "12 km", "Enter a number in km.", "请输入以公里为单位的数字。"),
        ("country", "XX", "Choose one of the options.", "请从选项中选择。"),
        ("travel_origin", "x" * 500, "Use at most 80 characters.", "最多 80 个字符。"),
    ],
)
async def test_bad_input_is_shown_beside_the_field(
    client: Any, db: Any, field: str, bad: str, en: str, zh: str
) -> None:
    entry_point = await make_entry_point(db, "hotels")
    await assert_rejected(client, db, entry_point, VALID, field, bad, en, zh)


async def test_a_guest_computes_through_the_qr_page(client: Any, db: Any) -> None:
    entry_point = await make_entry_point(db, "hotels", presets={"country": "CN", "hotel_class": "4"})
    page = await client.get(entry_point.url, headers={"accept": "text/html"})
    assert 'name="country"' not in page.text
    assert 'name="nights"' in page.text
    response = await post_form(client, entry_point, VALID)
    assert response.status_code == 303, response.text
    assert await count_estimates(db, entry_point.tenant_id) == 1
