"""The meetings plugin, loaded through its entry point like any third party's.

Factor values (kg CO2e), meetings 2025.2 (travel edition 2025.2): plane economy by one-way
distance, DESNZ 2025 with RF + WTT: under 463 km domestic 0.22928 + 0.03350 = 0.26278,
463–3,700 km short-haul economy 0.12576 + 0.02249 = 0.14825 /passenger-km; Chinese
high-speed rail 30.48 g CO2 = 0.03048 /passenger-km (China Environment News 2024, Beijing
Jiaotong University's 2019 figure); petrol car 0.16272 + 0.04599 = 0.20871 /vehicle-km;
hotel China 53.5, Japan 39.0 /room-night; meals vegan 0.54, vegetarian 0.85, white meat
1.65, red meat 5.01, fish 2.22; venue energy 1.6 kWh × 0.5306 = 0.84896 and waste
0.5 kg × 0.52053 = 0.260265 /attendee-day.
Meetings 2025.1 (kept for stored estimates): every flight at DESNZ international non-UK
economy 0.10916 + 0.01656 = 0.12572, high-speed rail at UK national rail 0.03546 + 0.00897 =
0.04443.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from scenario_venues import make_entry_point

import neutralpoint_plugins.meetings as meetings
from neutralpoint.plugin_api import FactorSet, FormErrors, travel
from neutralpoint.scenarios.geography import great_circle_km, load_cities
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry

CHENGDU = load_cities().find("Chengdu")
CHONGQING = load_cities().find("Chongqing")


@pytest.fixture(scope="module")
def scenario(registry: ScenarioRegistry) -> LoadedScenario:
    loaded = registry.get("meetings")
    assert loaded is not None, [s.as_dict() for s in registry.statuses]
    return loaded


def breakdown(scenario: LoadedScenario, registry: ScenarioRegistry, **raw: str) -> dict[str, int]:
    inputs = scenario.form.validate(raw)
    assert CHONGQING is not None
    context = registry.context(venue_location=(CHONGQING.lat, CHONGQING.lon))
    lines = scenario.calculate(inputs, scenario.factors, context)
    return {line.key: line.grams for line in lines}


def test_registry_loads_meetings() -> None:
    registry = ScenarioRegistry.discover()
    (status,) = [s for s in registry.statuses if s.name == "meetings"]
    assert status.loaded, status.reason
    assert status.scenarios == ["meetings"]
    info = registry.scenarios["meetings"].info
    assert info.name == {"en": "Conference / meeting", "zh-Hans": "会议"}
    assert info.order == 10
    assert info.problems() == []
    assert registry.scenarios["meetings"].factors.version == "2025.2"
    assert [fs.version for fs in registry.scenarios["meetings"].factor_sets] == ["2025.1", "2025.2"]


def test_one_scenario_object_carries_form_factors_and_calculation() -> None:
    (declared,) = meetings.neutralpoint_scenarios()
    assert declared.id == "meetings"
    assert declared.problems() == []
    assert [n for n in dir(meetings) if n.startswith("neutralpoint_")] == ["neutralpoint_scenarios"]


def test_golden_flight_with_hotel_and_meals(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    lines = breakdown(
        scenario,
        registry,
        travel_mode="plane_economy",
        travel_distance_km="1000",
        travel_return="true",
        days="2",
        hotel_nights="2",
        meals_white_meat="2",
        meals_vegetarian="1",
    )
    assert lines == {
        "travel": 296500,  # 1000 km one way: short-haul; × 2 (return) × 0.14825 = 296.5 kg
        "hotel": 107000,  # 2 nights × 53.5 (China, the default) = 107 kg
        "meal.vegetarian": 850,  # 1 × 0.85 kg
        "meal.white_meat": 3300,  # 2 × 1.65 = 3.3 kg
        "venue.energy": 1698,  # 2 × 0.84896 = 1.69792 kg → 1697.92 g → 1698
        "venue.waste": 521,  # 2 × 0.260265 = 0.52053 kg → 520.53 g → 521
    }
    assert sum(lines.values()) == 409869


def test_golden_2025_1_keeps_its_grams(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    """The first golden case under meetings 2025.1, as an estimate stored then recomputes."""
    old = scenario.factor_set("2025.1")
    assert old is not None
    inputs = scenario.form.validate(
        {
            "travel_mode": "plane_economy",
            "travel_distance_km": "1000",
            "travel_return": "true",
            "days": "2",
            "hotel_nights": "2",
            "meals_white_meat": "2",
            "meals_vegetarian": "1",
        }
    )
    assert CHONGQING is not None
    lines = scenario.calculate(inputs, old, registry.context(venue_location=(CHONGQING.lat, CHONGQING.lon)))
    by_key = {line.key: line.grams for line in lines}
    assert by_key["travel"] == 251440  # 1000 km × 2 (return) × 0.12572 = 251.44 kg
    assert sum(by_key.values()) == 364809  # 251440 + 107000 + 850 + 3300 + 1698 + 521


def test_golden_short_flight_is_counted_with_a_warning(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    inputs = scenario.form.validate({"travel_mode": "plane_economy", "travel_distance_km": "14"})
    assert CHONGQING is not None
    context = registry.context(venue_location=(CHONGQING.lat, CHONGQING.lon))
    by_key = {line.key: line for line in scenario.calculate(inputs, scenario.factors, context)}
    # one way (a box left unticked): 14 km × 0.26278 = 3.67892 kg → 3679 g, counted as entered
    assert by_key["travel"].grams == 3679
    assert by_key["travel"].factor == "travel.plane_economy.under_463km"
    assert by_key["travel"].warning is not None
    assert all(line.warning is None for key, line in by_key.items() if key != "travel")


def test_golden_train_from_a_city_sharing_a_room(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    assert great_circle_km(CHENGDU, CHONGQING) == Decimal("269.3")
    lines = breakdown(
        scenario,
        registry,
        travel_mode="rail_high_speed",
        travel_origin="成都",
        travel_return="on",
        days="3",
        hotel_nights="2",
        hotel_guests="3",
        meals_vegan="3",
        meals_red_meat="1",
        meals_fish="2",
    )
    assert lines == {
        # Chengdu → Chongqing 269.3 km × 1.2 = 323.16 → 323.2 km; × 2 = 646.4 pkm
        # 646.4 × 0.03048 = 19.702272 kg → 19702 g
        "travel": 19702,
        "hotel": 35667,  # 2 nights × 53.5 / 3 guests = 35.6666… kg → 35667 g
        "meal.vegan": 1620,  # 3 × 0.54 = 1.62 kg
        "meal.red_meat": 5010,  # 1 × 5.01 kg
        "meal.fish": 4440,  # 2 × 2.22 = 4.44 kg
        "venue.energy": 2547,  # 3 × 0.84896 = 2.54688 kg → 2547 g
        "venue.waste": 781,  # 3 × 0.260265 = 0.780795 kg → 781 g
    }
    assert sum(lines.values()) == 69767


def test_golden_shared_car_and_a_hotel_abroad(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    lines = breakdown(
        scenario,
        registry,
        travel_mode="car_petrol",
        travel_distance_km="550",
        travel_car_occupants="3",
        hotel_nights="1",
        hotel_guests="2",
        hotel_country="JP",
    )
    assert lines == {
        # one way (return unticked): 550 × 0.20871 / 3 = 38.2635 kg = 38263.5 g → 38264
        "travel": 38264,
        "hotel": 19500,  # 1 night × 39.0 (Japan) / 2 guests = 19.5 kg
        "venue.energy": 849,  # 1 day (default) × 0.84896 kg → 848.96 g → 849
        "venue.waste": 260,  # 1 × 0.260265 kg → 260.265 g → 260
    }
    assert sum(lines.values()) == 58873


def test_cycling_in_with_the_defaults(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    # travel 0; venue 849 + 260; no hotel, no meals
    assert breakdown(scenario, registry, travel_mode="bicycle_walk") == {
        "travel": 0,
        "venue.energy": 849,
        "venue.waste": 260,
    }


def test_lines_explain_themselves(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    inputs = scenario.form.validate(
        {"travel_mode": "rail_high_speed", "travel_origin": "Chengdu", "hotel_nights": "3", "hotel_guests": "2"}
    )
    context = registry.context(venue_location=(CHONGQING.lat, CHONGQING.lon))
    by_key = {line.key: line for line in scenario.calculate(inputs, scenario.factors, context)}
    assert by_key["travel"].detail == {
        "en": "Chengdu → venue: 269.3 km great-circle × 1.2 = 323.2 km",
        "zh-Hans": "成都 → 目的地：大圆距离 269.3 公里 × 1.2 = 323.2 公里",
    }
    assert by_key["hotel"].quantity == Decimal("1.5")
    assert by_key["hotel"].detail == {"en": "3 nights ÷ 2 guests per room", "zh-Hans": "3 晚 ÷ 同住 2 人"}
    for line in by_key.values():
        assert set(line.label) == {"en", "zh-Hans"}


def test_same_inputs_give_the_same_grams(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    raw = {"travel_mode": "plane_business", "travel_origin": "Shanghai", "days": "4", "hotel_nights": "3"}
    first = breakdown(scenario, registry, **raw)
    second = breakdown(scenario, registry, **raw)
    assert first == second
    # and from a stored snapshot of the factor set, as an old estimate is recomputed
    inputs = scenario.form.validate(raw)
    snapshot = FactorSet.from_dict(scenario.factors.as_dict())
    assert snapshot.fingerprint == scenario.factors.fingerprint
    context = registry.context(venue_location=(CHONGQING.lat, CHONGQING.lon))
    assert {line.key: line.grams for line in scenario.calculate(inputs, snapshot, context)} == first


def test_more_nights_more_grams(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    totals = [
        sum(breakdown(scenario, registry, travel_mode="coach", travel_distance_km="80", hotel_nights=str(n)).values())
        for n in range(6)
    ]
    assert totals == sorted(set(totals))


def test_more_days_and_meals_more_grams(scenario: LoadedScenario, registry: ScenarioRegistry) -> None:
    base = {"travel_mode": "metro", "travel_distance_km": "10"}
    one_day = sum(breakdown(scenario, registry, **base, days="1").values())
    two_days = sum(breakdown(scenario, registry, **base, days="2").values())
    with_beef = sum(breakdown(scenario, registry, **base, days="2", meals_red_meat="1").values())
    assert one_day < two_days < with_beef


def test_neither_city_nor_distance_is_a_field_error_from_the_calculation(
    scenario: LoadedScenario, registry: ScenarioRegistry
) -> None:
    inputs = scenario.form.validate({"travel_mode": "taxi"})
    with pytest.raises(FormErrors) as caught:
        scenario.calculate(inputs, scenario.factors, registry.context(venue_location=(0.0, 0.0)))
    errors = caught.value.as_dict()
    assert list(errors) == ["travel_distance_km"]
    assert errors["travel_distance_km"]["message"]["en"]
    assert errors["travel_distance_km"]["message"]["zh-Hans"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("travel_mode", ""),  # missing
        ("hotel_nights", "-1"),  # negative
        ("days", "0"),
        ("days", "31"),  # absurd
        ("hotel_nights", "1000000"),
        ("meals_red_meat", "201"),
        ("travel_distance_km", "50000"),
        ("hotel_guests", "5"),
        ("days", "two"),  # wrong type
        ("hotel_guests", "1.5"),
        ("travel_distance_km", "1e3"),
        ("hotel_country", "XX"),  # unknown choice
        ("travel_mode", "teleport"),
    ],
)
def test_bad_input_names_the_field_in_both_languages(scenario: LoadedScenario, field: str, value: str) -> None:
    raw = {"travel_mode": "coach", "travel_distance_km": "10", field: value}
    with pytest.raises(FormErrors) as caught:
        scenario.form.validate(raw)
    errors = caught.value.as_dict()
    assert list(errors) == [field]
    message = errors[field]["message"]
    assert message["en"].strip()
    assert message["zh-Hans"].strip()
    assert message["en"] != message["zh-Hans"]


def test_unknown_field_is_refused_by_the_api(scenario: LoadedScenario) -> None:
    with pytest.raises(FormErrors) as caught:
        scenario.form.validate({"travel_mode": "coach", "travel_distance_km": "1", "minibar": "3"}, strict=True)
    assert list(caught.value.errors) == ["minibar"]


def test_form_is_short_and_defaulted(scenario: LoadedScenario) -> None:
    assert scenario.form.problems() == []
    needed = [f.name for f in scenario.form.fields if f.required and f.default is None]
    assert needed == ["travel_mode"]
    assert scenario.form.defaults()["hotel_country"] == "CN"
    assert scenario.form.field("travel_origin").help["en"].startswith("Type your city, or the distance if you know it.")


def test_every_factor_has_a_source(scenario: LoadedScenario) -> None:
    factors = scenario.factors
    assert factors.problems() == []
    for factor in factors.factors.values():
        source = factor.source
        assert source.publisher, factor.key
        assert source.document, factor.key
        assert source.year >= 2024, factor.key  # 2024: the Chinese high-speed rail figure
        assert source.table, factor.key
    estimates = sorted(f.key for f in factors.factors.values() if f.source.estimate)
    assert estimates == ["travel.bicycle_walk", "travel.car_electric", "venue.energy", "venue.waste"]
    assert factors["hotel.CN"].value == Decimal("53.5")
    assert "29_600_4009_13_1" in factors["hotel.CN"].source.table
    assert factors["venue.energy"].value == Decimal("0.84896")
    assert factors["venue.waste"].value == Decimal("0.260265")
    assert "(estimate)" in factors["venue.energy"].source.citation()


def test_every_form_choice_has_its_factor(scenario: LoadedScenario) -> None:
    for choice in scenario.form.field("travel_mode").choices:
        if choice.value.startswith("plane_"):
            for band, *_ in travel.FLIGHT_BANDS:
                assert travel.band_key(choice.value, band) in scenario.factors
        else:
            assert f"travel.{choice.value}" in scenario.factors
    for choice in scenario.form.field("hotel_country").choices:
        assert f"hotel.{choice.value}" in scenario.factors


def test_plugin_imports_only_the_public_api() -> None:
    allowed = {"neutralpoint.plugin_api"}
    folder = Path(meetings.__file__).parent
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[Any] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("neutralpoint."):
                    assert name in allowed, f"{path.name} imports {name}"


async def test_a_warning_is_shown_beside_the_result_and_in_its_json_twin(client: Any, db: Any) -> None:
    """A 14 km flight is stored as entered (3,679 g) and flagged on the page and in the API."""
    entry_point = await make_entry_point(db, "meetings")
    response = await client.post(
        f"/api/v1/public/venues/{entry_point.slug}/entry-points/{entry_point.code}/estimates",
        json={"inputs": {"travel_mode": "plane_economy", "travel_distance_km": 14, "travel_return": False}},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    travel_line = next(line for line in created["breakdown"] if line["key"] == "travel")
    assert travel_line["grams"] == 3679  # 14 × 0.26278 = 3.67892 kg
    assert travel_line["factor"] == "travel.plane_economy.under_463km"
    warning = travel_line["warning"]
    assert warning["en"].startswith("A flight of 14 km is unusually short")
    assert warning["zh-Hans"].startswith("14 公里的航程异常短")
    assert created["warnings"] == [warning]
    assert all(line["warning"] is None for line in created["breakdown"] if line["key"] != "travel")

    read = (await client.get(f"/api/v1/estimates/{created['id']}", params={"venue": entry_point.slug})).json()
    assert read["warnings"] == [warning]
    page = await client.get(f"/v/{entry_point.slug}/r/{created['id']}?lang=en", headers={"accept": "text/html"})
    assert "Please check your answers" in page.text
    assert "A flight of 14 km is unusually short" in page.text
    zh = await client.get(f"/v/{entry_point.slug}/r/{created['id']}?lang=zh-Hans", headers={"accept": "text/html"})
    assert "请核对您的填写" in zh.text
    assert "14 公里的航程异常短" in zh.text


async def test_a_plausible_answer_has_no_warning(client: Any, db: Any) -> None:
    entry_point = await make_entry_point(db, "meetings")
    response = await client.post(
        f"/api/v1/public/venues/{entry_point.slug}/entry-points/{entry_point.code}/estimates",
        json={"inputs": {"travel_mode": "plane_economy", "travel_distance_km": 1200, "travel_return": False}},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["warnings"] == []
    page = await client.get(f"/v/{entry_point.slug}/r/{created['id']}", headers={"accept": "text/html"})
    assert "Please check your answers" not in page.text
