"""The shared travel helper: exact grams for hand-computed journeys, and its cross-field rule.

Factor values used below (kg CO2e per km, DESNZ 2025 direct + well-to-tank):
petrol car 0.16272 + 0.04599 = 0.20871 per vehicle-km; coach 0.02776 + 0.00656 = 0.03432;
national rail (high-speed proxy) 0.03546 + 0.00897 = 0.04443; plane economy, international
non-UK with RF, 0.10916 + 0.01656 = 0.12572 per passenger-km.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from neutralpoint.plugin_api import CalculationContext, FactorSet, Form, FormErrors, hookimpl, travel
from neutralpoint.scenarios.geography import TravelDistance, great_circle_km, load_cities
from neutralpoint.scenarios.manager import ScenarioRegistry

FACTORS = FactorSet.of("travel-test", "1", travel.factors())
FORM = Form(travel.fields())


def city(name: str) -> Any:
    found = load_cities().find(name)
    assert found is not None, name
    return found


BEIJING = city("Beijing")
CHONGQING = city("Chongqing")


def journey(registry: ScenarioRegistry, venue: Any = BEIJING, travellers: int = 1, **raw: str) -> Any:
    inputs = FORM.validate({"travel_return": "false", **raw})
    context = registry.context(venue_location=(venue.lat, venue.lon) if venue else None)
    return travel.lines(inputs, FACTORS, context, travellers=travellers)


def grams(registry: ScenarioRegistry, **kwargs: Any) -> int:
    (line,) = journey(registry, **kwargs)
    return int(line.grams)


def test_petrol_car_alone_one_way(registry: ScenarioRegistry) -> None:
    # 100 vehicle-km × 0.20871 kg = 20.871 kg = 20871 g
    assert grams(registry, travel_mode="car_petrol", travel_distance_km="100") == 20871


def test_two_occupants_halve_the_car(registry: ScenarioRegistry) -> None:
    # 100 × 0.20871 / 2 = 10.4355 kg = 10435.5 g → rounded half up once: 10436 g
    (line,) = journey(registry, travel_mode="car_petrol", travel_distance_km="100", travel_car_occupants="2")
    assert line.grams == 10436
    assert str(line.quantity) == "50"
    assert line.per == "vehicle-km"
    assert "÷ 2" in line.detail["en"]
    assert "÷ 同车 2 人" in line.detail["zh-Hans"]


def test_three_occupants_round_once_after_dividing(registry: ScenarioRegistry) -> None:
    # 550 × 0.20871 = 114.7905 kg; ÷ 3 = 38.2635 kg = 38263.5 g exactly → 38264 g.
    # Dividing the 550 km by 3 first (183.333…) would give 38263.4999… → 38263.
    (line,) = journey(registry, travel_mode="car_petrol", travel_distance_km="550", travel_car_occupants="3")
    assert line.grams == 38264
    assert str(line.quantity) == "183.3333"  # shown rounded; the grams use the exact share


def test_occupants_ignored_outside_a_car(registry: ScenarioRegistry) -> None:
    # coach: 100 passenger-km × 0.03432 = 3.432 kg; occupants do not apply
    assert grams(registry, travel_mode="coach", travel_distance_km="100", travel_car_occupants="4") == 3432


def test_chengdu_to_beijing_by_plane_economy_with_return(registry: ScenarioRegistry) -> None:
    chengdu = city("Chengdu")
    great_circle = great_circle_km(chengdu, (BEIJING.lat, BEIJING.lon))
    assert great_circle == Decimal("1516.6")
    # 1516.6 × 1.08 = 1637.928 → 1637.9 km; return ×2 = 3275.8 passenger-km;
    # 3275.8 × 0.12572 = 411.833576 kg → 411834 g
    (line,) = journey(registry, travel_mode="plane_economy", travel_origin="Chengdu", travel_return="true")
    assert line.quantity == Decimal("3275.8")
    assert line.grams == 411834
    assert line.factor == "travel.plane_economy"
    assert line.detail["en"] == "Chengdu → venue: 1516.6 km great-circle × 1.08 = 1637.9 km, return ×2"
    assert line.detail["zh-Hans"] == "成都 → 目的地：大圆距离 1516.6 公里 × 1.08 = 1637.9 公里，往返 ×2"


def test_ground_journey_from_a_city_uses_the_detour(registry: ScenarioRegistry) -> None:
    # Chengdu → Chongqing 269.3 km × 1.2 = 323.16 → 323.2 km; ×2 = 646.4 passenger-km;
    # 646.4 × 0.04443 = 28.719552 kg → 28720 g
    assert great_circle_km(city("Chengdu"), CHONGQING) == Decimal("269.3")
    total = grams(registry, venue=CHONGQING, travel_mode="rail_high_speed", travel_origin="成都", travel_return="true")
    assert total == 28720


def test_typed_distance_wins_over_the_city(registry: ScenarioRegistry) -> None:
    # 100 km typed (Chengdu is ~1500 km away): 100 × 0.03432 = 3.432 kg
    (line,) = journey(registry, travel_mode="coach", travel_origin="Chengdu", travel_distance_km="100")
    assert line.grams == 3432
    assert line.detail["en"] == "Distance you entered: 100 km"


def test_neither_city_nor_distance_names_the_distance_field(registry: ScenarioRegistry) -> None:
    with pytest.raises(FormErrors) as caught:
        journey(registry, travel_mode="plane_economy")
    errors = caught.value.as_dict()
    assert list(errors) == ["travel_distance_km"]
    message = errors["travel_distance_km"]["message"]
    assert message["en"] == "Type your city, or the distance if you know it."
    assert message["zh-Hans"]
    assert message["zh-Hans"] != message["en"]


def test_validate_alone_raises_the_same_error() -> None:
    with pytest.raises(FormErrors) as caught:
        travel.validate({"travel_mode": "taxi", "travel_origin": None, "travel_distance_km": None})
    assert list(caught.value.errors) == ["travel_distance_km"]
    travel.validate({"travel_mode": "taxi", "travel_distance_km": Decimal(0)})


def test_a_city_without_a_venue_location_asks_for_the_distance(registry: ScenarioRegistry) -> None:
    with pytest.raises(FormErrors) as caught:
        journey(registry, venue=None, travel_mode="taxi", travel_origin="Chengdu")
    assert list(caught.value.errors) == ["travel_distance_km"]


def test_optional_travel_left_blank_counts_nothing(registry: ScenarioRegistry) -> None:
    form = Form(travel.fields(required=False))
    inputs = form.validate({})
    assert inputs["travel_mode"] is None
    assert travel.lines(inputs, FACTORS, registry.context(venue_location=None)) == []


def test_a_distance_without_a_mode_names_the_mode_field() -> None:
    with pytest.raises(FormErrors) as caught:
        travel.validate({"travel_mode": None, "travel_distance_km": Decimal(12)})
    assert list(caught.value.errors) == ["travel_mode"]


def test_bicycle_is_zero_and_needs_no_distance(registry: ScenarioRegistry) -> None:
    (line,) = journey(registry, venue=None, travel_mode="bicycle_walk")
    assert (line.grams, line.quantity) == (0, Decimal(0))
    (line,) = journey(registry, travel_mode="bicycle_walk", travel_distance_km="12.5", travel_return="true")
    assert (line.grams, line.quantity) == (0, Decimal("25.0"))


def test_travellers_multiply(registry: ScenarioRegistry) -> None:
    # 3 people flying 1000 km one way: 3000 × 0.12572 = 377.16 kg
    assert grams(registry, travellers=3, travel_mode="plane_economy", travel_distance_km="1000") == 377160
    # 4 people in one car of 4: 100 × 0.20871 × 4 / 4 = the car's 20.871 kg
    total = grams(registry, travellers=4, travel_mode="car_petrol", travel_distance_km="100", travel_car_occupants="4")
    assert total == 20871
    with pytest.raises(ValueError, match="travellers"):
        journey(registry, travellers=0, travel_mode="coach", travel_distance_km="1")


@pytest.mark.parametrize(("travellers", "cars"), [(1, 1), (2, 1), (4, 1), (5, 1), (6, 2), (10, 2), (11, 3)])
def test_a_party_that_leaves_the_car_occupants_empty_shares_cars(
    registry: ScenarioRegistry, travellers: int, cars: int
) -> None:
    """A family of four in one car is one car's kilometres, not four cars'."""
    (line,) = journey(registry, travellers=travellers, travel_mode="car_petrol", travel_distance_km="100")
    assert line.quantity == Decimal(100 * cars)
    assert line.grams == 20871 * cars
    if travellers > 1:
        assert f"the group of {travellers} in " in line.detail["en"]
        assert f"{travellers} 人共乘 {cars} 辆车" in line.detail["zh-Hans"]
    # Said explicitly, the occupants still decide: 4 people, each alone in a car.
    alone = journey(
        registry, travellers=4, travel_mode="car_petrol", travel_distance_km="100", travel_car_occupants="1"
    )
    assert alone[0].grams == 4 * 20871


class RoadNetwork:
    """A distance plugin answering before the core: 500 km by road from anywhere."""

    @hookimpl
    def neutralpoint_travel_distance(self, origin: Any, destination: Any, mode_kind: str) -> TravelDistance:
        return TravelDistance(
            great_circle_km=Decimal("400.0"),
            adjustment=Decimal("1.25"),
            travel_km=Decimal("500.0"),
            method="road network",
            source="test",
        )


def test_a_plugin_distance_helper_answers_first() -> None:
    registry = ScenarioRegistry.discover(extra=[("road-network", RoadNetwork())])
    inputs = FORM.validate({"travel_mode": "coach", "travel_origin": "Chengdu", "travel_return": "false"})
    (line,) = travel.lines(inputs, FACTORS, registry.context(venue_location=(BEIJING.lat, BEIJING.lon)))
    # 500 × 0.03432 = 17.16 kg
    assert line.grams == 17160
    assert line.detail["en"] == "Chengdu → venue: 400.0 km great-circle × 1.25 = 500.0 km"


def test_a_remembered_distance_gives_way_to_a_plugin_added_later() -> None:
    registry = ScenarioRegistry.discover()
    chengdu = FORM.validate({"travel_mode": "coach", "travel_origin": "Chengdu"})["travel_origin"]
    venue = (BEIJING.lat, BEIJING.lon)
    core = registry.travel_distance(chengdu, venue, "ground")
    assert registry.travel_distance(chengdu, venue, "ground") is core  # remembered
    registry.add("road-network", RoadNetwork())
    assert registry.travel_distance(chengdu, venue, "ground").travel_km == Decimal("500.0")


def test_the_default_context_measures_without_a_registry() -> None:
    inputs = FORM.validate({"travel_mode": "plane_economy", "travel_origin": "Chengdu", "travel_return": "false"})
    (line,) = travel.lines(inputs, FACTORS, CalculationContext(venue_location=(BEIJING.lat, BEIJING.lon)))
    assert line.quantity == Decimal("1637.9")


def test_prefix_names_every_field(registry: ScenarioRegistry) -> None:
    names = [f.name for f in travel.fields("arrival")]
    assert names == [
        "arrival_mode",
        "arrival_origin",
        "arrival_distance_km",
        "arrival_car_occupants",
        "arrival_return",
    ]
    assert "arrival_return" not in [f.name for f in travel.fields("arrival", include_return=False)]
    form = Form(travel.fields("arrival"))
    inputs = form.validate({"arrival_mode": "taxi", "arrival_distance_km": "10", "arrival_return": "yes"})
    (line,) = travel.lines(inputs, FACTORS, registry.context(), prefix="arrival", key="arrival")
    # 20 passenger-km × (0.14861 + 0.03697) = 3.7116 kg → 3712 g
    assert (line.key, line.grams) == ("arrival", 3712)


def test_fields_keep_the_form_contract() -> None:
    section = {"en": "Travel", "zh-Hans": "交通"}
    fields = travel.fields(section=section)
    assert Form(fields).problems() == []
    assert all(f.section == section for f in fields)
    by_name = {f.name: f for f in fields}
    assert by_name["travel_origin"].help["en"].startswith("Type your city, or the distance if you know it.")
    assert by_name["travel_mode"].required
    assert by_name["travel_mode"].default is None
    assert [c.value for c in by_name["travel_mode"].choices] == [m.value for m in travel.MODES]
    assert (by_name["travel_car_occupants"].default, by_name["travel_return"].default) == (None, True)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"travel_mode": "rocket"}, "travel_mode"),
        ({"travel_mode": "taxi", "travel_distance_km": "40000.1"}, "travel_distance_km"),
        ({"travel_mode": "taxi", "travel_distance_km": "-1"}, "travel_distance_km"),
        ({"travel_mode": "taxi", "travel_distance_km": "12.25"}, "travel_distance_km"),
        ({"travel_mode": "taxi", "travel_distance_km": "far"}, "travel_distance_km"),
        ({"travel_mode": "car_petrol", "travel_car_occupants": "10"}, "travel_car_occupants"),
        ({"travel_mode": "taxi", "travel_origin": "Atlantis-on-Sea"}, "travel_origin"),
        ({}, "travel_mode"),
    ],
)
def test_field_errors_name_the_field(raw: dict[str, str], field: str) -> None:
    with pytest.raises(FormErrors) as caught:
        FORM.validate(raw)
    assert field in caught.value.errors


def test_every_mode_has_one_sourced_factor() -> None:
    built = travel.factors()
    assert [f.key for f in built] == [m.factor for m in travel.MODES]
    assert FACTORS.problems() == []
    for f in built:
        assert all((f.source.publisher, f.source.document, f.source.year, f.source.table)), f.key
        assert f.per == travel.mode(f.key.removeprefix("travel.")).per
    estimates = {f.key for f in built if f.source.estimate}
    assert estimates == {"travel.car_electric", "travel.bicycle_walk"}
    assert all("18–42%" in FACTORS[m.factor].note for m in travel.MODES if m.kind == "air")
    assert "21_316_3180_11_1" in FACTORS["travel.plane_economy"].source.table
    assert "WTT" in FACTORS["travel.plane_economy"].source.table
    # direct + well-to-tank, as published
    assert FACTORS["travel.car_petrol"].value == Decimal("0.16272") + Decimal("0.04599")
    assert FACTORS["travel.plane_business"].value == Decimal("0.31656") + Decimal("0.04802")
    assert FACTORS["travel.car_electric"].value == Decimal("0.1098342")


def test_editions_and_version_notes() -> None:
    assert travel.CURRENT_EDITION in travel.EDITIONS
    noted = travel.factors("Adopted in test 1.")
    assert all(f.note.endswith("Adopted in test 1.") for f in noted)
    assert [f.value for f in noted] == [f.value for f in travel.factors(edition=travel.CURRENT_EDITION)]
    with pytest.raises(ValueError, match="edition"):
        travel.factors(edition="1999")


def test_grams_rejects_a_share_of_nobody() -> None:
    with pytest.raises(ValueError, match="divided_by"):
        FACTORS["travel.car_petrol"].grams(Decimal(1), divided_by=0)
