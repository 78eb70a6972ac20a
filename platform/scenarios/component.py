"""What the scenarios domain adds to the web application (see ``neutralpoint.web.components``)."""

from collections.abc import Mapping
from typing import Any

from neutralpoint.web.components import Component


def _template_globals() -> Mapping[str, Any]:
    from neutralpoint.scenarios.i18n import unit_text

    return {"unit_text": unit_text}


component = Component(
    name="scenarios",
    order=30,
    controllers=(
        "neutralpoint.scenarios.controllers",
        "neutralpoint.scenarios.factor_controllers",
        "neutralpoint.scenarios.event_controllers",
    ),
    templates=("neutralpoint.scenarios",),
    catalogs=("neutralpoint.scenarios",),
    template_globals=_template_globals,
)
