"""The basket's footprint: each quantity × its factor, plus carrier bags and the trip.

One breakdown line per item the shopper entered (items left at zero are not listed), each
rounded once to whole grams by ``Factor.grams``. Spend lines say they are an estimate
outside the US. The trip uses the platform's shared travel helper: walking, cycling or an
unanswered trip adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from neutralpoint.plugin_api import BreakdownLine, CalculationContext, FactorSet, travel

from neutralpoint_supermarket.form import ITEMS

SPEND_DETAIL = {
    "en": "US average per 2021 dollar; an estimate outside the US",
    "zh-Hans": "按 2021 年美元计的美国平均值；在美国以外仅为估算",
}


def basket_lines(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
    lines: list[BreakdownLine] = []
    for item in ITEMS:
        quantity = Decimal(inputs.get(item.field) or 0)
        if quantity == 0:
            continue
        factor = factors[item.factor]
        lines.append(
            BreakdownLine(
                key=item.field.removesuffix("_kg").removesuffix("_usd"),
                label=item.label,
                quantity=quantity,
                per=item.per,
                factor=factor.key,
                grams=factor.grams(quantity),
                detail=SPEND_DETAIL if item.per == "USD" else None,
            )
        )
    return lines + travel.lines(inputs, factors, context, prefix="travel")
