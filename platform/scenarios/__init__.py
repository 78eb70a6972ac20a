"""Scenario plugins: the public API plugin authors import.

``from neutralpoint.scenarios import hookimpl, Scenario, Form, Field, Choice, Factor,
FactorSet, Source, BreakdownLine`` is all a plugin needs; the shared travel helper is
``neutralpoint.scenarios.travel``.
"""

from neutralpoint.scenarios.contract import BreakdownLine, CalculationContext, Scenario, total_grams
from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.forms import Choice, Field, FieldError, Form, FormErrors
from neutralpoint.scenarios.hookspecs import hookimpl, hookspec
from neutralpoint.scenarios.i18n import LANGUAGES, count_en, text_for

__all__ = [
    "LANGUAGES",
    "BreakdownLine",
    "CalculationContext",
    "Choice",
    "Factor",
    "FactorSet",
    "Field",
    "FieldError",
    "Form",
    "FormErrors",
    "Scenario",
    "Source",
    "count_en",
    "hookimpl",
    "hookspec",
    "text_for",
    "total_grams",
]
