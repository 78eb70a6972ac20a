"""One attendee's footprint: travel, their share of a hotel room, meals, and the venue.

Each line is one activity quantity × one factor of the factor set it is given (which may be
an old version when a stored estimate is recomputed), rounded once to whole grams.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from neutralpoint.plugin_api import (
    BreakdownLine,
    CalculationContext,
    FactorSet,
    FieldError,
    FormErrors,
    count_en,
    travel,
)
from neutralpoint_plugins.meetings.factors import MEAL_KINDS
from neutralpoint_plugins.meetings.form import DEFAULT_HOTEL_COUNTRY

#: A room-night share (3 nights ÷ 2 guests) is shown to 0.0001; grams use the exact share.
SHARE_QUANTUM = Decimal("0.0001")


def attendee_lines(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
    """Raises ``FormErrors`` when the days outnumber the event's, or (from the travel helper)
    when city and distance are both missing."""
    _check_days(inputs, context)
    found = travel.lines(inputs, factors, context)
    found.extend(_hotel(inputs, factors))
    found.extend(_meals(inputs, factors))
    found.extend(_venue(inputs, factors))
    return found


def _check_days(inputs: Mapping[str, Any], context: CalculationContext) -> None:
    event_days = context.event_days
    days = int(inputs.get("days") or 1)
    if event_days is not None and days > event_days:
        message = {"en": f"The event lasts {count_en(event_days, 'day')}.", "zh-Hans": f"本次活动共 {event_days} 天。"}
        raise FormErrors({"days": FieldError("longer_than_event", {"max": event_days}, text=message)})


def _hotel(inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
    nights = int(inputs.get("hotel_nights") or 0)
    if nights == 0:
        return []
    guests = int(inputs.get("hotel_guests") or 1)
    factor = factors[f"hotel.{inputs.get('hotel_country') or DEFAULT_HOTEL_COUNTRY}"]
    stay = count_en(nights, "night")
    if guests == 1:
        detail = {"en": f"{stay}, room to yourself", "zh-Hans": f"{nights} 晚，单独入住"}
    else:
        detail = {"en": f"{stay} ÷ {guests} guests per room", "zh-Hans": f"{nights} 晚 ÷ 同住 {guests} 人"}
    share = Decimal(nights) / guests
    return [
        BreakdownLine(
            key="hotel",
            label=factor.label,
            quantity=share if share * guests == nights else share.quantize(SHARE_QUANTUM),
            per=factor.per,
            factor=factor.key,
            grams=factor.grams(nights, divided_by=guests),
            detail=detail,
        )
    ]


def _meals(inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
    found = []
    for kind in MEAL_KINDS:
        count = int(inputs.get(f"meals_{kind}") or 0)
        if count == 0:
            continue
        factor = factors[f"meal.{kind}"]
        found.append(
            BreakdownLine(
                key=f"meal.{kind}",
                label=factor.label,
                quantity=Decimal(count),
                per=factor.per,
                factor=factor.key,
                grams=factor.grams(count),
            )
        )
    return found


def _venue(inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
    days = int(inputs.get("days") or 1)
    found = []
    for key in ("venue.energy", "venue.waste"):
        factor = factors[key]
        found.append(
            BreakdownLine(
                key=key,
                label=factor.label,
                quantity=Decimal(days),
                per=factor.per,
                factor=factor.key,
                grams=factor.grams(days),
                detail={
                    "en": f"{count_en(days, 'attendee-day')}; estimate, see source",
                    "zh-Hans": f"{days} 人·天；估算值，见来源",
                },
            )
        )
    return found
