"""A restaurant bill: meals × diners, drinks, takeaway packaging and (optionally) the journey.

With more than one diner the bill is the table's: every line says so, and the journey is
counted for each diner (a car still shared by its occupants).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from neutralpoint.plugin_api import BreakdownLine, CalculationContext, FactorSet, count_en, meals, travel
from neutralpoint_plugins.restaurants.factors import CONTAINERS, DISHES, DRINKS, drink_key, packaging_key


def _table(diners: int) -> tuple[str, str]:
    if diners == 1:
        return "", ""
    return f" (table of {diners})", f"（{diners} 人一桌）"


def bill_lines(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
    """Raises ``FormErrors`` (from the travel helper) for a mode without a city or distance."""
    travel.validate(inputs)
    diners = int(inputs["diners"])
    table_en, table_zh = _table(diners)
    dish_en, dish_zh, meal = DISHES[inputs["dish"]]
    found = [
        meals.meal_line(
            factors,
            meals.meal_key(meal),
            diners,
            key="meal",
            label={"en": f"Meals: {dish_en}{table_en}", "zh-Hans": f"餐食：{dish_zh}{table_zh}"},
            detail={
                "en": f"{count_en(diners, 'meal')} × {factors[meals.meal_key(meal)].label['en']}",
                "zh-Hans": f"{diners} 份 × {factors[meals.meal_key(meal)].label['zh-Hans']}",
            },
        )
    ]
    for drink, (en, zh, serving) in DRINKS.items():
        count = int(inputs.get(drink) or 0)
        if count == 0:
            continue
        factor = factors[drink_key(drink)]
        quantity = Decimal(count) if serving is None else count * serving
        detail = (
            {"en": count_en(count, "cup"), "zh-Hans": f"{count} 杯"}
            if serving is None
            else {"en": f"{count} × {serving} l = {quantity} l", "zh-Hans": f"{count} × {serving} 升 = {quantity} 升"}
        )
        found.append(
            BreakdownLine(
                key=f"drink.{drink}",
                label={"en": f"Drinks: {en}{table_en}", "zh-Hans": f"饮品：{zh}{table_zh}"},
                quantity=quantity,
                per=factor.per,
                factor=factor.key,
                grams=factor.grams(quantity),
                detail=detail,
            )
        )
    containers = int(inputs.get("containers") or 0)
    if containers:
        material = inputs.get("container_material") or "plastic"
        _, _, mass = CONTAINERS[material]
        factor = factors[packaging_key(material)]
        kg = containers * mass
        found.append(
            BreakdownLine(
                key="packaging",
                label=factor.label,
                quantity=kg,
                per=factor.per,
                factor=factor.key,
                grams=factor.grams(kg),
                detail={
                    "en": f"{count_en(containers, 'container')} × {mass} kg (estimated mass)",
                    "zh-Hans": f"{containers} 个 × {mass} 千克（估计重量）",
                },
            )
        )
    found.extend(travel.lines(inputs, factors, context, travellers=diners))
    return found
