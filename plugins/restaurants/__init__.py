"""The restaurants scenario plugin: a diner's (or a whole table's) meal, drinks and takeaway.

Meals by main dish and drinks from ADEME's Nos Gestes Climat model, takeaway packaging from
DESNZ 2025 material factors with estimated container masses, and an optional journey through
the core's shared travel helper. One person may pay for the table: the diners count is then
the table and every line says "table of N".
"""

from __future__ import annotations

from neutralpoint.plugin_api import Scenario, hookimpl
from neutralpoint_plugins.restaurants.calculation import bill_lines
from neutralpoint_plugins.restaurants.factors import SCENARIO, factor_sets
from neutralpoint_plugins.restaurants.form import diner_form


def scenario() -> Scenario:
    return Scenario(
        id=SCENARIO,
        name={"en": "Restaurant meal", "zh-Hans": "餐厅用餐"},
        description={
            "en": "Your meal, or your whole table's: main dish, drinks and takeaway packaging.",
            "zh-Hans": "您或整桌的用餐：主菜、饮品和外卖包装。",
        },
        icon="🍽️",
        order=30,
        form=diner_form(),
        factor_sets=factor_sets(),
        calculate=bill_lines,
    )


@hookimpl
def neutralpoint_scenarios() -> list[Scenario]:
    return [scenario()]
