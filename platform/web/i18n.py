"""Languages for pages: negotiation and gettext catalogues (Babel), per request.

Catalogues are read from the ``.po`` files at first use, so there is no compiled
artefact to forget. Templates use Jinja2's i18n extension; the request's own
``gettext`` is passed in the template context, so one environment serves every language.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import Markup

from neutralpoint.languages import DEFAULT_LANGUAGE, LANGUAGES
from neutralpoint.web.components import catalog_packages

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LANGUAGE_NAMES"]

LANGUAGE_NAMES = {"en": "English", "zh-Hans": "简体中文"}
_CATALOG_DIRS = {"zh-Hans": "zh_Hans"}


def normalize_language(tag: str | None) -> str | None:
    """Map a BCP 47 tag (``zh-CN``, ``zh-Hans-SG``, ``en-GB``) to a supported language."""
    if not tag:
        return None
    lowered = tag.strip().lower().replace("_", "-")
    if lowered.startswith("zh"):
        # Traditional Chinese (zh-Hant, zh-TW, zh-HK) too: Simplified is the only Chinese we have.
        return "zh-Hans"
    if lowered.startswith("en"):
        return "en"
    return None


def parse_accept_language(header: str | None) -> list[str]:
    """Supported languages from an Accept-Language header, best first."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = normalize_language(pieces[0])
        if lang and quality > 0:
            ranked.append((-quality, position, lang))
    seen: list[str] = []
    for _, _, lang in sorted(ranked):
        if lang not in seen:
            seen.append(lang)
    return seen


def choose_language(
    query: str | None, cookie: str | None, accept_language: str | None, venue_default: str | None = None
) -> str:
    """Explicit choice (query, then cookie) beats the browser, which beats the venue's default."""
    for candidate in (query, cookie):
        lang = normalize_language(candidate)
        if lang:
            return lang
    accepted = parse_accept_language(accept_language)
    if accepted:
        return accepted[0]
    return normalize_language(venue_default) or DEFAULT_LANGUAGE


@cache
def translations(lang: str) -> NullTranslations:
    """One catalogue per language, merged from every registered package's
    ``locale/<lang>/LC_MESSAGES/messages.po`` (``neutralpoint.web.components``)."""
    folder = _CATALOG_DIRS.get(lang)
    if folder is None:
        return NullTranslations()
    merged: Translations | None = None
    for po_path in catalog_files(folder):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale="zh_Hans_CN")
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(fp=buffer)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    return merged or NullTranslations()


def catalog_files(folder: str) -> list[Path]:
    files = []
    for package in catalog_packages():
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            po_path = Path(location) / "locale" / folder / "LC_MESSAGES" / "messages.po"
            if po_path.exists():
                files.append(po_path)
    return files


def gettext_functions(lang: str) -> dict[str, Callable[..., Any]]:
    """``gettext``/``ngettext``/``_`` with Jinja's new-style semantics (``%(name)s`` formatting)."""
    trans = translations(lang)

    def gettext(message: str, **variables: Any) -> str:
        text = trans.gettext(message)
        return text % variables if variables else text

    def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return trans.ngettext(singular, plural, num) % variables

    def template_gettext(message: str, **variables: Any) -> str:
        return _format(trans.gettext(message), variables)

    def pgettext(context: str, message: str, **variables: Any) -> str:
        """A message whose translation depends on where it is used (``msgctxt`` in the .po
        files): the role "Owner" of a venue is not the "Owner" of a credit project."""
        return _format(str(trans.pgettext(context, message)), variables)

    return {
        "gettext": template_gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "_": template_gettext,
        "plain_gettext": gettext,
    }


def _format(text: str, variables: dict[str, Any]) -> str:
    if variables:
        escaped = {k: Markup.escape(v) if isinstance(v, str) else v for k, v in variables.items()}
        return Markup.escape(text) % escaped
    return text


__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "choose_language",
    "gettext_functions",
    "normalize_language",
    "parse_accept_language",
    "translations",
]
