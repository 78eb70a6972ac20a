"""NeutralPoint scenario plugin: supermarket shopping.

Installed as its own distribution (``neutralpoint-supermarket``), it registers through the
``neutralpoint.scenarios`` entry point like any third-party plugin: this module is the
plugin, and its functions marked with ``@hookimpl`` are the hooks the platform calls.
"""

from __future__ import annotations

from typing import Any

from neutralpoint.scenarios import BreakdownLine, CalculationContext, FactorSet, Form, Scenario, hookimpl

from neutralpoint_supermarket.calculation import basket_lines
from neutralpoint_supermarket.factors import SCENARIO, factor_sets
from neutralpoint_supermarket.form import shopper_form

__version__ = "0.1.0"

SUPERMARKET = Scenario(
    id=SCENARIO,
    name={"en": "Supermarket shopping", "zh-Hans": "超市购物"},
    description={
        "en": "Your basket by category, by weight or by spend, the carrier bags and the trip to the store.",
        "zh-Hans": "按类别估算您的购物篮（按重量或花费）、购物袋以及往返超市的交通排放。",
    },
    icon="🛒",
    order=50,
)


@hookimpl
def neutralpoint_scenarios() -> list[Scenario]:
    return [SUPERMARKET]


@hookimpl
def neutralpoint_scenario_form(scenario: str) -> Form | None:
    return shopper_form() if scenario == SCENARIO else None


@hookimpl
def neutralpoint_factor_sets(scenario: str) -> list[FactorSet] | None:
    return factor_sets() if scenario == SCENARIO else None


@hookimpl
def neutralpoint_calculate(
    scenario: str, inputs: dict[str, Any], factors: FactorSet, context: CalculationContext
) -> list[BreakdownLine] | None:
    if scenario != SCENARIO:
        return None
    return basket_lines(inputs, factors, context)
