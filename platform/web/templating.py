"""The one Jinja2 environment, shared by every registered component (``neutralpoint.web.components``)."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template

from neutralpoint.languages import text_for
from neutralpoint.refusals import FieldError
from neutralpoint.web.colours import brand_ink, text_colour_on
from neutralpoint.web.components import template_globals, template_packages
from neutralpoint.web.formatting import (
    format_clock,
    format_date_range,
    format_day,
    format_decimal,
    format_factor,
    format_grams,
    format_money,
    format_stamp,
    format_when,
)
from neutralpoint.web.i18n import LANGUAGE_NAMES, LANGUAGES, gettext_functions


def build_environment() -> Environment:
    loaders = []
    for package in template_packages():
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            folder = Path(location) / "templates"
            if folder.is_dir():
                loaders.append(FileSystemLoader(folder))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=400,
    )
    defaults = gettext_functions("en")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        defaults["plain_gettext"], defaults["ngettext"], newstyle=True, pgettext=defaults["pgettext"]
    )
    env.globals.update(
        text_for=text_for,
        format_grams=format_grams,
        format_money=format_money,
        format_decimal=format_decimal,
        format_factor=format_factor,
        format_date_range=format_date_range,
        format_when=format_when,
        format_stamp=format_stamp,
        format_clock=format_clock,
        format_day=format_day,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        brand_ink=brand_ink,
        text_colour_on=text_colour_on,
    )
    env.globals.update(template_globals())
    return env


def template_engine() -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(build_environment())


def language_of(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("state", {}).get("lang") or getattr(request.state, "lang", None) or "en")


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    lang: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    refused: Mapping[str, FieldError] | None = None,
    **context: Any,
) -> Template:
    """A page in the request's language: gettext, the language and the brand in the context.

    ``refused`` is the refusal of the form the page shows again (``FormErrors.errors``): the
    template gets ``errors`` (each field's message in the page's language) and
    ``error_text(name)``, which the macros of ``refusals.html`` show beside each field.
    """
    lang = lang or language_of(request)
    if refused is not None:
        context.update(refusal_context({name: error.message(lang) for name, error in refused.items()}))
    context.update(gettext_functions(lang))
    context["lang"] = lang
    # Between two sentences of one paragraph: a space in English, none after Chinese "。".
    context["sentence_gap"] = "" if lang.startswith("zh") else " "
    context.setdefault("brand", None)
    context.setdefault("lang_switch_url", _lang_switch_url(request))
    return Template(template_name=template, context=context, status_code=status_code, headers=headers)


def refusal_context(messages: Mapping[str, str]) -> dict[str, Any]:
    """What the macros of ``refusals.html`` read: ``errors`` (each refused field's message, in
    the page's language) and ``error_text(name)``; for a piece of page rendered on its own too."""
    shown = dict(messages)
    context: dict[str, Any] = {"error_text": lambda name: shown.get(name, "")}
    context["errors"] = shown  # a page's context, not an answer (those are web.api_errors')
    return context


def _lang_switch_url(request: Request[Any, Any, Any]) -> str:
    return request.url.path
