"""A hotel stay: room-nights, breakfasts and meals, linen changes, and the journey.

"Everyone" counts all the rooms and every guest in them; "only my share" divides the rooms'
nights (and their linen) by all their guests and counts one guest's meals and journey.
Every line is one quantity × one factor of the given factor set, rounded once.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from neutralpoint.plugin_api import BreakdownLine, CalculationContext, FactorSet, count_en, lodging, meals, travel
from neutralpoint_plugins.hotels.factors import LINEN_KEY
from neutralpoint_plugins.hotels.form import DAILY, NO_BREAKFAST, PARTY

_QUANTUM = Decimal("0.0001")


def guest_lines(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
    """Raises ``FormErrors`` (from the travel helper) when neither a city nor a distance is given."""
    travel.validate(inputs)
    nights = int(inputs["nights"])
    rooms = int(inputs["rooms"])
    per_room = int(inputs["guests_per_room"])
    everyone = inputs["offset_for"] == PARTY
    guests = rooms * per_room if everyone else 1
    sharing = 1 if everyone else rooms * per_room

    found = [
        lodging.stay_line(
            factors,
            inputs["country"],
            nights * rooms,
            sharing=sharing,
            hotel_class=inputs["hotel_class"],
            key="stay",
        )
    ]
    if inputs["breakfast"] != NO_BREAKFAST:
        found.append(
            meals.meal_line(
                factors,
                meals.breakfast_key(inputs["breakfast"]),
                nights * guests,
                key="breakfast",
                detail=_count_detail(nights, guests, "night", "晚"),
            )
        )
    other = int(inputs["other_meals"])
    if other:
        found.append(
            meals.meal_line(
                factors,
                meals.meal_key(inputs["meal_type"]),
                other * guests,
                key="meals",
                detail=_count_detail(other, guests, "meal", "餐"),
            )
        )
    found.append(_linen(inputs["linen"], nights, rooms, sharing, factors))
    found.extend(travel.lines(inputs, factors, context, travellers=guests))
    return found


def _count_detail(count: int, guests: int, unit: str, unit_zh: str) -> dict[str, str]:
    return {
        "en": f"{count_en(count, unit)} × {count_en(guests, 'guest')}",
        "zh-Hans": f"{count} {unit_zh} × {guests} 人",
    }


def _linen(choice: str, nights: int, rooms: int, sharing: int, factors: FactorSet) -> BreakdownLine:
    factor = factors[LINEN_KEY]
    washes = nights if choice == DAILY else 1
    changes = washes * rooms
    if choice == DAILY:
        en = f"changed daily: {count_en(nights, 'night')} × {count_en(rooms, 'room')}"
        zh = f"每天更换：{nights} × {rooms} 间"
    else:
        en, zh = f"on request: washed once × {count_en(rooms, 'room')}", f"按需更换：洗涤一次 × {rooms} 间"
    if sharing > 1:
        en += f" ÷ {sharing} guests sharing"
        zh += f" ÷ 同住 {sharing} 人"
    exact = Decimal(changes) / sharing
    return BreakdownLine(
        key="linen",
        label=factor.label,
        quantity=exact if exact * sharing == changes else exact.quantize(_QUANTUM),
        per=factor.per,
        factor=factor.key,
        grams=factor.grams(changes, divided_by=sharing),
        detail={"en": en, "zh-Hans": zh},
    )
