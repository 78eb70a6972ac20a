"""The supermarket plugin passes NeutralPoint's conformance kit and computes baskets by hand.

Run against the installed distribution: ``pip install neutralpoint-supermarket[test]`` (or
the wheel), then ``pytest`` in this folder.
"""

from __future__ import annotations

import pytest
from neutralpoint.plugin_api import FormErrors, total_grams
from neutralpoint.testing import assert_conformant, compute, load_scenario

import neutralpoint_supermarket

SAMPLES = [
    # A weekly shop in Chengdu, walked home.
    {"pork_kg": "1.2", "rice_kg": "5", "vegetables_kg": "2.5", "eggs_kg": "0.6", "bags_plastic": "2",
     "travel_mode": "bicycle_walk"},
    # A US shopper who knows only the receipt, driving with a friend.
    {"spend_meat_usd": "18.50", "spend_fruit_usd": "7.25", "spend_soft_drinks_usd": "4.99", "bags_paper_virgin": "1",
     "travel_mode": "car_petrol", "travel_distance_km": "8", "travel_car_occupants": "2"},
    # Everything by weight, by bus from a typed distance, one way.
    {"beef_kg": "0.4", "lamb_kg": "0.3", "poultry_kg": "1", "fish_kg": "0.5", "prawns_kg": "0.25", "cheese_kg": "0.2",
     "milk_kg": "2", "tomatoes_kg": "1", "potatoes_kg": "2", "bananas_kg": "1", "apples_citrus_kg": "1.5",
     "wheat_kg": "1", "pulses_kg": "0.5", "frozen_kg": "1", "other_food_kg": "0.75", "household_plastic_kg": "0.3",
     "household_paper_kg": "1", "bags_reusable": "1", "travel_mode": "bus", "travel_distance_km": "3.5",
     "travel_return": "false"},
]  # fmt: skip


def test_conformance() -> None:
    assert_conformant(neutralpoint_supermarket, samples=SAMPLES)


def test_golden_weighed_basket_walked_home() -> None:
    raw = {
        "beef_kg": "0.5",
        "poultry_kg": "1.2",
        "milk_kg": "2",
        "rice_kg": "5",
        "tomatoes_kg": "0.75",
        "bags_plastic": "2",
        "travel_mode": "bicycle_walk",
    }
    lines = {line.key: line.grams for line in compute(neutralpoint_supermarket, "supermarket", raw)}
    # Poore & Nemecek via OWID, kg CO2e per kg (mean incl. losses); Berners-Lee 10 g per plastic bag.
    assert lines == {
        "beef": 49740,  # 0.5 kg × 99.48 = 49.74 kg
        "poultry": 11844,  # 1.2 kg × 9.87 = 11.844 kg
        "milk": 6300,  # 2 kg × 3.15 = 6.3 kg
        "tomatoes": 1568,  # 0.75 kg × 2.09 = 1.5675 kg = 1567.5 g, rounded half up
        "rice": 22250,  # 5 kg × 4.45 = 22.25 kg
        "bags_plastic": 20,  # 2 bags × 0.010 kg
        "travel": 0,  # on foot: 0 kg CO2e per km
    }
    assert sum(lines.values()) == 91722


def test_golden_us_receipt_by_spend() -> None:
    raw = {
        "spend_meat_usd": "25.00",
        "spend_vegetables_usd": "12.40",
        "spend_bakery_usd": "6.99",
        "bags_reusable": "1",
        "bags_paper_virgin": "1",
    }
    lines = compute(neutralpoint_supermarket, "supermarket", raw)
    # US EPA supply-chain factors v1.2, kg CO2e per 2021 USD; no trip answered, so no travel line.
    assert {line.key: line.grams for line in lines} == {
        "spend_meat": 31975,  # 25.00 × 1.279 = 31.975 kg
        "spend_vegetables": 7291,  # 12.40 × 0.588 = 7.2912 kg = 7291.2 g
        "spend_bakery": 2195,  # 6.99 × 0.314 = 2.19486 kg = 2194.86 g
        "bags_reusable": 50,  # Berners-Lee: 50 g per heavyweight reusable bag
        "bags_paper_virgin": 80,  # 80 g per elaborate virgin-paper bag
    }
    assert total_grams(lines) == 41591
    spend = [line for line in lines if line.per == "USD"]
    assert all(line.detail and "estimate outside the US" in line.detail["en"] for line in spend)
    assert all(line.detail and "估算" in line.detail["zh-Hans"] for line in spend)


def test_golden_shared_car_other_groceries_and_paper_goods() -> None:
    raw = {
        "other_food_kg": "3",
        "household_paper_kg": "1.5",
        "travel_mode": "car_petrol",
        "travel_distance_km": "6",
        "travel_car_occupants": "2",
        "travel_return": "true",
    }
    lines = {line.key: line.grams for line in compute(neutralpoint_supermarket, "supermarket", raw)}
    assert lines == {
        "other_food": 11104,  # 3 kg × 3.7014 (DESNZ food and drink, 3,701.40 kg/t) = 11.1042 kg
        "household_paper": 2018,  # 1.5 kg × 1.34508 (DESNZ paper, 1,345.08 kg/t) = 2.01762 kg
        # Petrol car, DESNZ 2025: 0.16272 + 0.04599 WTT = 0.20871 kg per vehicle-km;
        # 6 km × 2 (return) = 12 vehicle-km × 0.20871 = 2.50452 kg ÷ 2 people = 1.25226 kg
        "travel": 1252,
    }
    assert sum(lines.values()) == 14374


def test_empty_basket_is_zero() -> None:
    assert compute(neutralpoint_supermarket, "supermarket", {}) == []


def test_trip_needs_a_distance_or_a_city() -> None:
    with pytest.raises(FormErrors) as excinfo:
        compute(neutralpoint_supermarket, "supermarket", {"rice_kg": "1", "travel_mode": "taxi"})
    assert list(excinfo.value.errors) == ["travel_distance_km"]


def test_absurd_basket_is_refused_beside_the_field() -> None:
    scenario = load_scenario(neutralpoint_supermarket, "supermarket")
    with pytest.raises(FormErrors) as excinfo:
        scenario.form.validate({"beef_kg": "1000000", "bags_plastic": "-1", "spend_meat_usd": "12.345"})
    errors = excinfo.value.as_dict()
    assert set(errors) == {"beef_kg", "bags_plastic", "spend_meat_usd"}
    assert errors["beef_kg"]["message"] == {"en": "Must be at most 20 kg.", "zh-Hans": "不能大于 20 千克。"}


def test_every_factor_cites_its_source() -> None:
    scenario = load_scenario(neutralpoint_supermarket, "supermarket")
    assert [fs.version for fs in scenario.factor_sets] == ["2025.1"]
    for factor in scenario.factors.factors.values():
        assert factor.source.publisher
        assert factor.source.document
        assert factor.source.year
        assert factor.source.table
