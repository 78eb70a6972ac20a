"""The public API of NeutralPoint for scenario plugins: the only module a plugin imports.

A plugin returns its scenarios from one hook; each ``Scenario`` carries its form, its
factor sets and its calculation::

    from neutralpoint.plugin_api import Factor, FactorSet, Field, Form, Scenario, Source, hookimpl

    @hookimpl
    def neutralpoint_scenarios() -> list[Scenario]:
        return [Scenario(id="bakery", name=..., description=..., form=FORM,
                         factor_sets=factor_sets(), calculate=bakery_lines)]

The shared helpers ``travel`` (a journey's fields, factors and line), ``lodging`` (a night
in a hotel or at a campsite) and ``meals`` (a meal by main dish) are here too, so that the
same journey, night or meal costs the same grams in every scenario. A plugin's extra
routes (``neutralpoint_extra_routes``) declare who may reach them with the access policies
(``PUBLIC``, ``SIGNED_IN``, ``VenueAccess("manager")``, ``PLATFORM_ADMIN``). Everything else in
``neutralpoint`` may change between releases; what is named below will not without notice.
``docs/plugins.md`` walks through a plugin and carries the reference generated from this
module and from the hook specifications.
"""

from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.scenarios import lodging, meals, travel
from neutralpoint.scenarios.contract import (
    BreakdownLine,
    Calculation,
    CalculationContext,
    Scenario,
    total_grams,
)
from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.forms import Choice, Field, FieldKind, Form
from neutralpoint.scenarios.geography import City, TravelDistance
from neutralpoint.scenarios.hookspecs import hookimpl
from neutralpoint.scenarios.i18n import KNOWN_UNITS, LANGUAGES, Text, count_en, text_for
from neutralpoint.tenants.access import PLATFORM_ADMIN, PUBLIC, SIGNED_IN, VenueAccess

__all__ = [
    "KNOWN_UNITS",
    "LANGUAGES",
    "PLATFORM_ADMIN",
    "PUBLIC",
    "SIGNED_IN",
    "BreakdownLine",
    "Calculation",
    "CalculationContext",
    "Choice",
    "City",
    "Factor",
    "FactorSet",
    "Field",
    "FieldError",
    "FieldKind",
    "Form",
    "FormErrors",
    "Scenario",
    "Source",
    "Text",
    "TravelDistance",
    "VenueAccess",
    "count_en",
    "hookimpl",
    "lodging",
    "meals",
    "text_for",
    "total_grams",
    "travel",
]
