"""The meetings scenario plugin: a conference attendee's own footprint.

Travel to the event (through the core's shared travel helper), a share of a hotel room
(DESNZ hotel stay by country), meals by main dish (ADEME Nos Gestes Climat) and a share of
the venue's energy and waste per attendee-day (labelled estimates). The organiser's
whole-event form and calculation live in ``organiser.py``.

A cross-field problem (neither a city nor a distance) is raised as ``FormErrors`` from
``neutralpoint_calculate``, for the visitor flow to show beside the distance field.
"""

from __future__ import annotations

from typing import Any

from neutralpoint.scenarios import BreakdownLine, CalculationContext, FactorSet, Form, Scenario, hookimpl
from neutralpoint_plugins.meetings.calculation import attendee_lines
from neutralpoint_plugins.meetings.factors import SCENARIO, factor_sets
from neutralpoint_plugins.meetings.form import attendee_form
from neutralpoint_plugins.meetings.organiser import (  # the organiser's whole-event hooks
    neutralpoint_organiser_calculate as neutralpoint_organiser_calculate,
)
from neutralpoint_plugins.meetings.organiser import neutralpoint_organiser_form as neutralpoint_organiser_form

MEETINGS = Scenario(
    id=SCENARIO,
    name={"en": "Conference / meeting", "zh-Hans": "会议"},
    description={
        "en": "Your footprint as an attendee: travel here, hotel nights, meals and your share of the venue.",
        "zh-Hans": "您作为参会者的碳足迹：往返交通、酒店住宿、用餐以及分摊的会场排放。",
    },
    icon="🎤",
    order=10,
)


@hookimpl
def neutralpoint_scenarios() -> list[Scenario]:
    return [MEETINGS]


@hookimpl
def neutralpoint_scenario_form(scenario: str) -> Form | None:
    return attendee_form() if scenario == SCENARIO else None


@hookimpl
def neutralpoint_factor_sets(scenario: str) -> list[FactorSet] | None:
    return factor_sets() if scenario == SCENARIO else None


@hookimpl
def neutralpoint_calculate(
    scenario: str, inputs: dict[str, Any], factors: FactorSet, context: CalculationContext
) -> list[BreakdownLine] | None:
    if scenario != SCENARIO:
        return None
    return attendee_lines(inputs, factors, context)
