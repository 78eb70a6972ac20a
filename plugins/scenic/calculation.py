"""A scenic-spot visit for one person or a whole group.

Every line is for the whole group of ``group_size``: the journey per person (a car shared
by its occupants, a chartered coach by the whole group), rides inside the site per person,
nights nearby shared per room or tent, and each visitor's share of the site's waste and
(when the venue measured it) operations.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from neutralpoint.plugin_api import BreakdownLine, CalculationContext, FactorSet, count_en, lodging, travel
from neutralpoint_plugins.scenic.factors import BOAT_KEY, CABLE_CAR_KEY, OPERATIONS_KEY, SHUTTLE_KEY, WASTE_KEY
from neutralpoint_plugins.scenic.form import CAMPING

Text = Mapping[str, str]

_QUANTUM = Decimal("0.0001")


def visit_lines(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
    """Raises ``FormErrors`` (from the travel helper) when neither a city nor a distance is given."""
    travel.validate(inputs)
    people = int(inputs["group_size"])
    suffix_en, suffix_zh = ("", "") if people == 1 else (f" (group of {people})", f"（{people} 人团队）")
    found = travel.lines(inputs, factors, context, travellers=people)
    for key, name, factor_key in (
        ("shuttle", {"en": "Shuttle bus in the site", "zh-Hans": "景区观光车"}, SHUTTLE_KEY),
        ("boat", {"en": "Boat in the site", "zh-Hans": "景区游船"}, BOAT_KEY),
    ):
        km = Decimal(inputs.get(f"{key}_km") or 0)
        if km:
            found.append(
                _per_person(key, name, factors, factor_key, km, ("km", "km"), "公里", people, suffix_en, suffix_zh)
            )
    rides = int(inputs.get("cable_car_rides") or 0)
    if rides:
        found.append(
            _per_person(
                "cable_car",
                {"en": "Cable car", "zh-Hans": "索道"},
                factors,
                CABLE_CAR_KEY,
                Decimal(rides),
                ("ride", "rides"),
                "次",
                people,
                suffix_en,
                suffix_zh,
            )
        )
    found.extend(_nights(inputs, factors, people))
    for key, factor_key in (("site_waste", WASTE_KEY), ("site_operations", OPERATIONS_KEY)):
        factor = factors[factor_key]
        if factor.value == 0:
            continue
        found.append(
            BreakdownLine(
                key=key,
                label={"en": factor.label["en"] + suffix_en, "zh-Hans": factor.label["zh-Hans"] + suffix_zh},
                quantity=Decimal(people),
                per=factor.per,
                factor=factor.key,
                grams=factor.grams(people),
                detail={"en": count_en(people, "visit"), "zh-Hans": f"{people} 人次"},
            )
        )
    return found


def _per_person(
    key: str,
    name: Text,
    factors: FactorSet,
    factor_key: str,
    amount: Decimal,
    unit: tuple[str, str],
    unit_zh: str,
    people: int,
    suffix_en: str,
    suffix_zh: str,
) -> BreakdownLine:
    factor = factors[factor_key]
    quantity = amount * people
    return BreakdownLine(
        key=key,
        label={"en": name["en"] + suffix_en, "zh-Hans": name["zh-Hans"] + suffix_zh},
        quantity=quantity,
        per=factor.per,
        factor=factor.key,
        grams=factor.grams(quantity),
        detail={
            "en": f"{count_en(amount, *unit)} × {count_en(people, 'person', 'people')}",
            "zh-Hans": f"{amount} {unit_zh} × {people} 人",
        },
    )


def _nights(inputs: Mapping[str, Any], factors: FactorSet, people: int) -> list[BreakdownLine]:
    nights = int(inputs.get("nights") or 0)
    if nights == 0:
        return []
    # A party smaller than a room's or tent's places has it to itself: one visitor alone is
    # charged a whole pitch, not half of one.
    sharing = min(int(inputs.get("people_per_room") or 1), people)
    if inputs.get("lodging") == CAMPING:
        factor = factors[lodging.CAMPING_KEY]
        quantity = Decimal(nights * people)
        exact = quantity / sharing
        return [
            BreakdownLine(
                key="nights",
                label=factor.label,
                quantity=exact if exact * sharing == quantity else exact.quantize(_QUANTUM),
                per=factor.per,
                factor=factor.key,
                grams=factor.grams(quantity, divided_by=sharing),
                detail={
                    "en": f"{count_en(nights, 'night')} × {count_en(people, 'person', 'people')} ÷ {sharing} per tent",
                    "zh-Hans": f"{nights} 晚 × {people} 人 ÷ 每顶帐篷 {sharing} 人",
                },
            )
        ]
    country = inputs.get("country") or lodging.DEFAULT_COUNTRY
    return [lodging.stay_line(factors, country, nights * people, sharing=sharing, key="nights")]
