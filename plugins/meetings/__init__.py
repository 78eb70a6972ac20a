"""The meetings scenario plugin: a conference attendee's own footprint.

Travel to the event (through the core's shared travel helper), a share of a hotel room
(DESNZ hotel stay by country), meals by main dish (ADEME Nos Gestes Climat) and a share of
the venue's energy and waste per attendee-day (labelled estimates). The organiser's
whole-event form and calculation live in ``organiser.py``.

A cross-field problem (neither a city nor a distance) is raised as ``FormErrors`` from the
calculation, for the visitor flow to show beside the distance field.
"""

from __future__ import annotations

from neutralpoint.plugin_api import Scenario, hookimpl
from neutralpoint_plugins.meetings.calculation import attendee_lines
from neutralpoint_plugins.meetings.factors import SCENARIO, factor_sets
from neutralpoint_plugins.meetings.form import attendee_form
from neutralpoint_plugins.meetings.organiser import organiser_form, organiser_lines


def scenario() -> Scenario:
    return Scenario(
        id=SCENARIO,
        name={"en": "Conference / meeting", "zh-Hans": "会议"},
        description={
            "en": "Your footprint as an attendee: travel here, hotel nights, meals and your share of the venue.",
            "zh-Hans": "您作为参会者的碳足迹：往返交通、酒店住宿、用餐以及分摊的会场排放。",
        },
        icon="🎤",
        order=10,
        form=attendee_form(),
        factor_sets=factor_sets(),
        calculate=attendee_lines,
        organiser_form=organiser_form(),
        organiser_calculate=organiser_lines,
    )


@hookimpl
def neutralpoint_scenarios() -> list[Scenario]:
    return [scenario()]
