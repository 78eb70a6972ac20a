"""NeutralPoint scenario plugin: supermarket shopping.

Installed as its own distribution (``neutralpoint-supermarket``), it registers through the
``neutralpoint.scenarios`` entry point like any third-party plugin: this module is the
plugin, and its one hook, ``neutralpoint_scenarios``, returns the scenario with its form,
factor sets and calculation.
"""

from __future__ import annotations

from neutralpoint.plugin_api import Scenario, hookimpl

from neutralpoint_supermarket.calculation import basket_lines
from neutralpoint_supermarket.factors import SCENARIO, factor_sets
from neutralpoint_supermarket.form import shopper_form

__version__ = "0.1.0"


def scenario() -> Scenario:
    return Scenario(
        id=SCENARIO,
        name={"en": "Supermarket shopping", "zh-Hans": "超市购物"},
        description={
            "en": "Your basket by category, by weight or by spend, the carrier bags and the trip to the store.",
            "zh-Hans": "按类别估算您的购物篮（按重量或花费）、购物袋以及往返超市的交通排放。",
        },
        icon="🛒",
        order=50,
        form=shopper_form(),
        factor_sets=factor_sets(),
        calculate=basket_lines,
    )


@hookimpl
def neutralpoint_scenarios() -> list[Scenario]:
    return [scenario()]
