"""The shared travel helper: exact grams for hand-computed journeys, and its cross-field rule.

Factor values used below (kg CO2e per km, DESNZ 2025 direct + well-to-tank, with radiative
forcing for flights), edition 2025.2 unless said otherwise:
petrol car 0.16272 + 0.04599 = 0.20871 per vehicle-km; coach 0.02776 + 0.00656 = 0.03432;
taxi 0.14861 + 0.03697 = 0.18558; metro (light rail) 0.02860 + 0.00749 = 0.03609;
flights by one-way distance: under 463 km, DESNZ Domestic, average passenger, every cabin,
0.22928 + 0.03350 = 0.26278; 463–3,700 km, DESNZ Short-haul economy 0.12576 + 0.02249 =
0.14825, business (also premium economy and first) 0.18863 + 0.03373 = 0.22236; over 3,700 km,
DESNZ Long-haul economy 0.11704 + 0.02461 = 0.14165, business 0.33940 + 0.07137 = 0.41077;
Chinese high-speed rail 30.48 g CO2 = 0.03048 per passenger-km (China Environment News, 2024,
Beijing Jiaotong University's 2019 whole-process figure); conventional rail, DESNZ UK national
rail 0.03546 + 0.00897 = 0.04443.
Edition 2025.1 (kept for old factor sets): every flight at DESNZ International, to/from non-UK,
economy 0.10916 + 0.01656 = 0.12572; high-speed rail at national rail 0.04443.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from neutralpoint.plugin_api import CalculationContext, FactorSet, Form, FormErrors, hookimpl, travel
from neutralpoint.scenarios.geography import TravelDistance, great_circle_km, load_cities
from neutralpoint.scenarios.manager import ScenarioRegistry

FACTORS = FactorSet.of("travel-test", "1", travel.factors())
FACTORS_2025_1 = FactorSet.of("travel-test", "0", travel.factors(edition="2025.1"))
FORM = Form(travel.fields())


def city(name: str) -> Any:
    found = load_cities().find(name)
    assert found is not None, name
    return found


BEIJING = city("Beijing")
CHONGQING = city("Chongqing")


def journey(
    registry: ScenarioRegistry,
    venue: Any = BEIJING,
    travellers: int = 1,
    factors: FactorSet = FACTORS,
    **raw: str,
) -> Any:
    inputs = FORM.validate({"travel_return": "false", **raw})
    context = registry.context(venue_location=(venue.lat, venue.lon) if venue else None)
    return travel.lines(inputs, factors, context, travellers=travellers)


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
    # 1516.6 × 1.08 = 1637.928 → 1637.9 km one way: the 463–3,700 km band (DESNZ short-haul);
    # return ×2 = 3275.8 passenger-km; 3275.8 × 0.14825 = 485.63735 kg → 485637 g
    (line,) = journey(registry, travel_mode="plane_economy", travel_origin="Chengdu", travel_return="true")
    assert line.quantity == Decimal("3275.8")
    assert line.grams == 485637
    assert line.factor == "travel.plane_economy.463_to_3700km"
    assert line.warning is None
    assert line.detail["en"] == (
        "Chengdu → venue: 1516.6 km great-circle × 1.08 = 1637.9 km; "
        "a flight 463–3,700 km (DESNZ short-haul row), return ×2"
    )
    assert line.detail["zh-Hans"] == (
        "成都 → 目的地：大圆距离 1516.6 公里 × 1.08 = 1637.9 公里；航程 463–3700 公里（DESNZ 短途航线），往返 ×2"
    )


def test_the_2025_1_edition_still_counts_every_flight_at_one_factor(registry: ScenarioRegistry) -> None:
    """An old factor set keeps its arithmetic: 3275.8 × 0.12572 = 411.833576 kg → 411834 g."""
    (line,) = journey(
        registry, factors=FACTORS_2025_1, travel_mode="plane_economy", travel_origin="Chengdu", travel_return="true"
    )
    assert (line.factor, line.grams) == ("travel.plane_economy", 411834)
    assert line.detail["en"] == "Chengdu → venue: 1516.6 km great-circle × 1.08 = 1637.9 km, return ×2"
    # and 200 km, the case that motivated the bands: 200 × 0.12572 = 25.144 kg in 2025.1
    (short,) = journey(registry, factors=FACTORS_2025_1, travel_mode="plane_economy", travel_distance_km="200")
    assert short.grams == 25144
    # high-speed rail in 2025.1 is UK national rail: 300 × 0.04443 = 13.329 kg
    (train,) = journey(registry, factors=FACTORS_2025_1, travel_mode="rail_high_speed", travel_distance_km="300")
    assert train.grams == 13329


def test_a_200_km_flight_uses_the_domestic_row(registry: ScenarioRegistry) -> None:
    # 200 × 0.26278 = 52.556 kg (twice the 25.144 kg of one factor at every distance)
    (line,) = journey(registry, travel_mode="plane_economy", travel_distance_km="200")
    assert (line.factor, line.grams) == ("travel.plane_economy.under_463km", 52556)
    assert line.warning is None


@pytest.mark.parametrize(
    ("km", "band", "grams"),
    [
        ("462.9", "under_463km", 121641),  # 462.9 × 0.26278 = 121.640862 kg
        ("463", "463_to_3700km", 68640),  # 463 × 0.14825 = 68.63975 kg → 68639.75 g → 68640
        ("3700", "463_to_3700km", 548525),  # 3700 × 0.14825 = 548.525 kg
        ("3700.1", "over_3700km", 524119),  # 3700.1 × 0.14165 = 524.119165 kg
        ("10000", "over_3700km", 1416500),  # 10000 × 0.14165 = 1416.5 kg
    ],
)
def test_flight_band_boundaries(registry: ScenarioRegistry, km: str, band: str, grams: int) -> None:
    (line,) = journey(registry, travel_mode="plane_economy", travel_distance_km=km)
    assert line.factor == f"travel.plane_economy.{band}"
    assert line.grams == grams


@pytest.mark.parametrize(
    ("cabin", "km", "band", "grams"),
    [
        ("plane_first", "300", "under_463km", 78834),  # every cabin at the domestic average: 300 × 0.26278
        ("plane_business", "1000", "463_to_3700km", 222360),  # 1000 × 0.22236
        ("plane_premium_economy", "1000", "463_to_3700km", 222360),  # no short-haul premium row: business
        ("plane_first", "1000", "463_to_3700km", 222360),  # no short-haul first row: business
        ("plane_business", "5000", "over_3700km", 2053850),  # 5000 × 0.41077 = 2053.85 kg
        ("plane_premium_economy", "5000", "over_3700km", 1133150),  # 5000 × (0.18726 + 0.03937) = 1133.15 kg
        ("plane_first", "5000", "over_3700km", 2832900),  # 5000 × (0.46814 + 0.09844) = 2832.9 kg
    ],
)
def test_cabins_by_band(registry: ScenarioRegistry, cabin: str, km: str, band: str, grams: int) -> None:
    (line,) = journey(registry, travel_mode=cabin, travel_distance_km=km)
    assert (line.factor, line.grams) == (f"travel.{cabin}.{band}", grams)


def test_the_band_is_chosen_by_the_one_way_distance(registry: ScenarioRegistry) -> None:
    # 400 km there and back is 800 pkm, still two domestic-band flights: 800 × 0.26278 = 210.224 kg
    (line,) = journey(registry, travel_mode="plane_economy", travel_distance_km="400", travel_return="true")
    assert (line.factor, line.quantity, line.grams) == ("travel.plane_economy.under_463km", Decimal(800), 210224)


def test_short_flights_emit_more_per_km() -> None:
    for cabin in ("plane_economy", "plane_business"):
        values = [FACTORS[travel.band_key(cabin, band)].value for band, *_ in travel.FLIGHT_BANDS]
        assert values[0] > values[1], cabin  # domestic row above short-haul
    economy = [FACTORS[travel.band_key("plane_economy", band)].value for band, *_ in travel.FLIGHT_BANDS]
    assert economy == sorted(economy, reverse=True)


def test_high_speed_and_conventional_rail_have_their_own_factors(registry: ScenarioRegistry) -> None:
    # high-speed: 300 × 0.03048 = 9.144 kg; conventional: 300 × 0.04443 = 13.329 kg
    (fast,) = journey(registry, travel_mode="rail_high_speed", travel_distance_km="300")
    (slow,) = journey(registry, travel_mode="rail_conventional", travel_distance_km="300")
    assert (fast.factor, fast.grams) == ("travel.rail_high_speed", 9144)
    assert (slow.factor, slow.grams) == ("travel.rail_conventional", 13329)
    hsr = FACTORS["travel.rail_high_speed"].source
    assert "中国环境报" in hsr.publisher or "China Environment News" in hsr.publisher
    assert "30.48 g CO2 per passenger-km" in hsr.table
    assert hsr.url
    assert hsr.year == 2024
    assert not hsr.estimate
    conventional = FACTORS["travel.rail_conventional"].source
    assert "no published per-passenger-km factor for Chinese conventional trains was found" in conventional.table
    assert "25_315_3147_11_1" in conventional.table


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
    # 3 people flying 1000 km one way (short-haul band): 3000 × 0.14825 = 444.75 kg
    assert grams(registry, travellers=3, travel_mode="plane_economy", travel_distance_km="1000") == 444750
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


def test_every_mode_has_sourced_factors_in_every_edition() -> None:
    for edition in travel.EDITIONS:
        factor_set = FactorSet.of("travel-test", edition, travel.factors(edition=edition))
        assert factor_set.problems() == []
        expected = []
        for m in travel.MODES:
            if m.kind == "air" and edition != "2025.1":
                expected += [travel.band_key(m.value, band) for band, *_ in travel.FLIGHT_BANDS]
            else:
                expected.append(m.factor)
        assert list(factor_set.factors) == expected, edition
        for f in factor_set.factors.values():
            assert all((f.source.publisher, f.source.document, f.source.year, f.source.table)), f.key
            assert f.per == travel.mode(f.key.split(".")[1]).per
        estimates = {f.key for f in factor_set.factors.values() if f.source.estimate}
        assert estimates == {"travel.car_electric", "travel.bicycle_walk"}
        air = [f for f in factor_set.factors.values() if f.key.startswith("travel.plane_")]
        assert air
        assert all("WTT" in f.source.table for f in air)
        if edition == "2025.1":
            assert all("18–42%" in f.note for f in air)


def test_edition_2025_1_is_unchanged() -> None:
    old = FACTORS_2025_1
    assert "21_316_3180_11_1" in old["travel.plane_economy"].source.table
    # direct + well-to-tank, as published
    assert old["travel.plane_economy"].value == Decimal("0.10916") + Decimal("0.01656")
    assert old["travel.plane_business"].value == Decimal("0.31656") + Decimal("0.04802")
    assert old["travel.rail_high_speed"].value == old["travel.rail_conventional"].value == Decimal("0.04443")
    assert old["travel.car_petrol"].value == Decimal("0.16272") + Decimal("0.04599")
    assert old["travel.car_electric"].value == Decimal("0.1098342")


def test_edition_2025_2_cites_each_desnz_flight_row() -> None:
    rows = {
        "travel.plane_economy.under_463km": ("Domestic, to/from UK, Average passenger", "21_316_3160_11_1", "0.26278"),
        "travel.plane_economy.463_to_3700km": ("Short-haul, to/from UK, Economy class", "21_316_3164_11_1", "0.14825"),
        "travel.plane_business.463_to_3700km": (
            "Short-haul, to/from UK, Business class",
            "21_316_3166_11_1",
            "0.22236",
        ),
        "travel.plane_economy.over_3700km": ("Long-haul, to/from UK, Economy class", "21_316_3170_11_1", "0.14165"),
        "travel.plane_premium_economy.over_3700km": (
            "Long-haul, to/from UK, Premium economy class",
            "21_316_3172_11_1",
            "0.22663",
        ),
        "travel.plane_business.over_3700km": ("Long-haul, to/from UK, Business class", "21_316_3174_11_1", "0.41077"),
        "travel.plane_first.over_3700km": ("Long-haul, to/from UK, First class", "21_316_3176_11_1", "0.56658"),
    }
    for key, (row, row_id, value) in rows.items():
        factor = FACTORS[key]
        assert f"{row}, With RF (ID {row_id})" in factor.source.table, key
        assert factor.value == Decimal(value), key
        assert "463 km" in factor.note
        assert "3,700 km" in factor.note
    assert "counts as business" in FACTORS["travel.plane_premium_economy.463_to_3700km"].note
    # 0.22928 against 0.27257 in 2024: 15.9% lower; 0.11704 against 0.20011: 41.5% lower
    assert "2025 value is 15.9% below its 2024 one (0.27257)" in FACTORS["travel.plane_economy.under_463km"].note
    assert "41.5% below its 2024 one (0.20011)" in FACTORS["travel.plane_economy.over_3700km"].note
    assert FACTORS["travel.plane_first.under_463km"].value == FACTORS["travel.plane_economy.under_463km"].value


def test_editions_and_version_notes() -> None:
    assert travel.CURRENT_EDITION in travel.EDITIONS
    noted = travel.factors("Adopted in test 1.")
    assert all(f.note.endswith("Adopted in test 1.") for f in noted)
    assert travel.CURRENT_EDITION == "2025.2"
    assert [f.value for f in noted] == [f.value for f in travel.factors(edition=travel.CURRENT_EDITION)]
    with pytest.raises(ValueError, match="edition"):
        travel.factors(edition="1999")


def test_grams_rejects_a_share_of_nobody() -> None:
    with pytest.raises(ValueError, match="divided_by"):
        FACTORS["travel.car_petrol"].grams(Decimal(1), divided_by=0)


def test_a_14_km_flight_is_counted_with_a_warning(registry: ScenarioRegistry) -> None:
    # counted as entered: 14 × 0.26278 = 3.67892 kg → 3679 g
    (line,) = journey(registry, travel_mode="plane_economy", travel_distance_km="14")
    assert line.grams == 3679
    assert line.warning is not None
    assert line.warning["en"].startswith("A flight of 14 km is unusually short")
    assert line.warning["zh-Hans"].startswith("14 公里的航程异常短")
    assert line.as_dict()["warning"] == line.warning
    assert type(line).from_dict(line.as_dict()) == line


@pytest.mark.parametrize(
    ("raw", "warned"),
    [
        ({"travel_mode": "plane_economy", "travel_distance_km": "99.9"}, "unusually short"),
        ({"travel_mode": "plane_economy", "travel_distance_km": "100"}, None),
        ({"travel_mode": "coach", "travel_distance_km": "20038.1"}, "farther than any two places"),
        ({"travel_mode": "plane_economy", "travel_distance_km": "25000"}, "farther than any two places"),
        ({"travel_mode": "coach", "travel_distance_km": "20038"}, None),
        ({"travel_mode": "metro", "travel_distance_km": "250"}, "unusually far for a metro"),
        ({"travel_mode": "bus", "travel_distance_km": "200.1"}, "unusually far for a city bus"),
        ({"travel_mode": "metro", "travel_distance_km": "200"}, None),
        ({"travel_mode": "taxi", "travel_distance_km": "250"}, None),
        ({"travel_mode": "bicycle_walk"}, None),
    ],
)
def test_plausibility_warnings(registry: ScenarioRegistry, raw: dict[str, str], warned: str | None) -> None:
    (line,) = journey(registry, **raw)
    if warned is None:
        assert line.warning is None
    else:
        assert line.warning is not None
        assert warned in line.warning["en"]
        assert line.warning["zh-Hans"]
        assert line.warning["zh-Hans"] != line.warning["en"]


def test_a_flight_between_near_cities_is_warned_by_its_measured_distance(registry: ScenarioRegistry) -> None:
    # Chengdu → Deyang is about 55 km great-circle: a flight there is implausible, a coach is not
    deyang = load_cities().find("Deyang")
    assert deyang is not None
    (line,) = journey(registry, venue=deyang, travel_mode="plane_economy", travel_origin="Chengdu")
    assert line.quantity < travel.SHORTEST_LIKELY_FLIGHT_KM
    assert line.warning is not None
    (coach,) = journey(registry, venue=deyang, travel_mode="coach", travel_origin="Chengdu")
    assert coach.warning is None
