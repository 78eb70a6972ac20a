"""The scenic-spot scenario plugin: a visit for one person or a tour group.

The journey through the core's shared travel helper (including a tour group's chartered
coach, split over the group), the shuttle bus and boat inside the site (DESNZ local bus and
foot-passenger ferry), cable-car rides (a labelled estimate), nights nearby (the core's
shared lodging factors) and a per-visit share of the site's waste (a labelled estimate) and
operations (zero until the venue measures it).
"""

from __future__ import annotations

from neutralpoint.plugin_api import Scenario, hookimpl
from neutralpoint_plugins.scenic.calculation import visit_lines
from neutralpoint_plugins.scenic.factors import SCENARIO, factor_sets
from neutralpoint_plugins.scenic.form import visitor_form


def scenario() -> Scenario:
    return Scenario(
        id=SCENARIO,
        name={"en": "Scenic spot", "zh-Hans": "景区游览"},
        description={
            "en": "Your visit, or your tour group's: the journey, rides inside the site, nights nearby.",
            "zh-Hans": "您或旅游团的游览：往返交通、景区内交通和周边住宿。",
        },
        icon="🏞️",
        order=40,
        form=visitor_form(),
        factor_sets=factor_sets(),
        calculate=visit_lines,
    )


@hookimpl
def neutralpoint_scenarios() -> list[Scenario]:
    return [scenario()]
