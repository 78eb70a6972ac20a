"""The restaurants plugin: golden cases by hand from the published factors, a table, bad input.

Factors (kg CO2e): NGC meals red meat 5.01 (beef and lamb), white meat 1.65 (pork and
poultry), vegan 0.54; drinks coffee 8.4 × 0.012 = 0.1008 /cup, tea 0.04 × (1 − 0.336) × 0.25
= 0.00664 /cup, beer 1.35, wine 1.5, soft drink 0.493 /litre (servings 0.33, 0.15, 0.33 l);
packaging DESNZ 2025 average plastics 3172.49932, board 1199.72542 /tonne (containers 25 g
plastic, 20 g board, estimates); taxi 0.14861 + 0.03697 = 0.18558 /passenger-km.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from scenario_venues import assert_rejected, count_estimates, make_entry_point, post_form

import neutralpoint_plugins.restaurants as restaurants
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry

CHONGQING = (29.5630, 106.5516)


@pytest.fixture(scope="module")
def scenario(registry: ScenarioRegistry) -> LoadedScenario:
    loaded = registry.get("restaurants")
    assert loaded is not None, [s.as_dict() for s in registry.statuses]
    return loaded


def breakdown(scenario: LoadedScenario, registry: ScenarioRegistry, **raw: str) -> dict[str, int]:
    inputs = scenario.form.validate(raw)
    lines = scenario.calculate(inputs, scenario.factors, registry.context(venue_location=CHONGQING))
    return {line.key: line.grams for line in lines}


def test_factor_set_cites_every_source(scenario: LoadedScenario) -> None:
    factors = scenario.factors
    assert factors.version == "2025.2"
    assert [fs.version for fs in scenario.factor_sets] == ["2025.1", "2025.2"]
    assert factors["meal.red_meat"].value == Decimal("5.01")
    assert factors["drink.coffee"].value == Decimal("0.1008")
    assert factors["drink.tea"].value == Decimal("0.00664")
    assert factors["packaging.plastic"].value == Decimal("3.17249932")
    for factor in factors.factors.values():
        assert factor.source.publisher
        assert factor.source.document
        assert factor.source.year
        if not factor.key.startswith("travel.bicycle"):
            assert factor.source.url or factor.source.estimate, factor.key


def test_one_scenario_object_carries_form_factors_and_calculation() -> None:
    (declared,) = restaurants.neutralpoint_scenarios()
    assert declared.id == "restaurants"
    assert declared.problems() == []
    assert [n for n in dir(restaurants) if n.startswith("neutralpoint_")] == ["neutralpoint_scenarios"]


def test_golden_one_diner_beef_and_coffee(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert breakdown(scenario, registry, diners="1", dish="beef", coffee="1") == {
        "meal": 5010,  # 1 × 5.01 kg (NGC red-meat meal)
        "drink.coffee": 101,  # 1 cup × 0.1008 kg = 100.8 g → 101
    }


def test_golden_a_table_of_four_with_drinks(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    inputs = scenario.form.validate(
        {"diners": "4", "dish": "poultry", "beer": "2", "wine": "2", "soft_drink": "1", "tea": "1"}
    )
    lines = scenario.calculate(inputs, scenario.factors, registry.context(venue_location=CHONGQING))
    assert {line.key: line.grams for line in lines} == {
        "meal": 6600,  # 4 × 1.65 = 6.6 kg (NGC white-meat meal)
        "drink.beer": 891,  # 2 × 0.33 l = 0.66 l × 1.35 = 0.891 kg
        "drink.wine": 450,  # 2 × 0.15 l = 0.30 l × 1.5 = 0.45 kg
        "drink.soft_drink": 163,  # 1 × 0.33 l × 0.493 = 0.16269 kg → 162.69 g → 163
        "drink.tea": 7,  # 1 cup × 0.00664 kg = 6.64 g → 7
    }
    assert all("table of 4" in line.label["en"] for line in lines)
    assert all("4 人一桌" in line.label["zh-Hans"] for line in lines)


def test_golden_vegan_takeaway_by_taxi(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert breakdown(
        scenario,
        registry,
        diners="2",
        dish="vegan",
        containers="3",
        container_material="plastic",
        travel_mode="taxi",
        travel_distance_km="5",
        travel_return="false",
    ) == {
        "meal": 1080,  # 2 × 0.54 = 1.08 kg
        "packaging": 238,  # 3 × 0.025 kg = 0.075 kg × 3.17249932 = 0.237937449 kg → 238
        "travel": 1856,  # 5 km × 2 diners × 0.18558 = 1.8558 kg → 1855.8 → 1856
    }


def test_golden_lamb_counts_as_red_meat_and_paper_boxes(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert breakdown(scenario, registry, diners="1", dish="lamb", containers="2", container_material="paper") == {
        "meal": 5010,  # lamb: NGC red-meat meal (beef, veal or lamb) 5.01 kg
        "packaging": 48,  # 2 × 0.020 kg = 0.04 kg × 1.19972542 = 0.0479890168 kg → 47.99 g → 48
    }


VALID = {"diners": "1", "dish": "pork"}


@pytest.mark.parametrize(
    ("field", "bad", "en", "zh"),
    [
        ("dish", "", "This field is required.", "此项为必填项。"),
        ("diners", "-3", "Must be at least 1", "不能小于 1"),
        ("diners", "1000000", "Must be at most 40", "不能大于 40"),
        ("beer", "lots", "Enter a whole number.", "请输入整数。"),
        ("travel_distance_km", "12 km", "Enter a number in km.", "请输入以公里为单位的数字。"),
        ("dish", "whale", "Choose one of the options.", "请从选项中选择。"),
        ("travel_origin", "y" * 300, "Use at most 80 characters.", "最多 80 个字符。"),
    ],
)
async def test_bad_input_is_shown_beside_the_field(
    client: Any, db: Any, field: str, bad: str, en: str, zh: str
) -> None:
    entry_point = await make_entry_point(db, "restaurants")
    await assert_rejected(client, db, entry_point, VALID, field, bad, en, zh)


async def test_a_table_computes_through_the_qr_page(client: Any, db: Any) -> None:
    entry_point = await make_entry_point(db, "restaurants")
    response = await post_form(client, entry_point, {"diners": "3", "dish": "fish_seafood", "coffee": "3"})
    assert response.status_code == 303, response.text
    result = await client.get(response.headers["location"], headers={"accept": "text/html"})
    assert "table of 3" in result.text
    assert await count_estimates(db, entry_point.tenant_id) == 1
