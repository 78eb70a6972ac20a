"""The hotels scenario plugin: a guest's stay, meals, laundry choice and journey.

A hotel room-night by country (DESNZ 2025, with an optional star-class ratio from ADEME's
French hotels, labelled as an estimate), breakfasts and other meals (ADEME Nos Gestes
Climat), the linen-change choice (a NeutralPoint estimate) and the journey through the core's
shared travel helper. A hotel's entry point may preset ``country`` and ``hotel_class``.
"""

from __future__ import annotations

from neutralpoint.plugin_api import Scenario, hookimpl
from neutralpoint_plugins.hotels.calculation import guest_lines
from neutralpoint_plugins.hotels.factors import SCENARIO, factor_sets
from neutralpoint_plugins.hotels.form import guest_form


def scenario() -> Scenario:
    return Scenario(
        id=SCENARIO,
        name={"en": "Hotel stay", "zh-Hans": "酒店住宿"},
        description={
            "en": "Your stay: room-nights, breakfast and meals, sheets and towels, and the journey here.",
            "zh-Hans": "您的住宿：房晚、早餐和用餐、布草更换，以及往返交通。",
        },
        icon="🏨",
        order=20,
        form=guest_form(),
        factor_sets=factor_sets(),
        calculate=guest_lines,
    )


@hookimpl
def neutralpoint_scenarios() -> list[Scenario]:
    return [scenario()]
