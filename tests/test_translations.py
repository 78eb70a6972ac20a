"""Every string of every page template has its Chinese, whichever domain the page is in."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2.ext import babel_extract

from neutralpoint.web.i18n import translations

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(
    path
    for folder in (*ROOT.glob("platform/*/templates"), ROOT / "admin_ui/templates", *ROOT.glob("plugins/*/templates"))
    for path in folder.rglob("*.html")
)


def _messages(path: Path) -> list[tuple[str, str | tuple[str, str]]]:
    """``(function, message)`` of every translatable string: a ``pgettext`` message is
    ``(context, text)``, an ``ngettext`` one ``(singular, plural)``."""
    with path.open("rb") as fh:
        found = babel_extract(fh, ["_", "gettext", "ngettext", "pgettext"], [], {"extensions": "jinja2.ext.i18n"})
        return [
            (func, m if isinstance(m, str) else (m[0], m[1]) if func in ("pgettext", "ngettext") and m[1] else m[0])
            for _, func, m, _ in found
        ]


def test_every_template_is_checked() -> None:
    assert len(TEMPLATES) > 40
    assert ROOT / "platform/scenarios/templates/scenarios/result.html" in TEMPLATES
    assert ROOT / "platform/web/templates/error.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_strings_are_translated(template: Path) -> None:
    catalogue = translations("zh-Hans")
    missing = []
    for func, message in _messages(template):
        if isinstance(message, tuple):
            first, second = message
            if func == "pgettext":
                translated = catalogue.pgettext(first, second)
            else:
                translated = catalogue.ngettext(first, second, 1)
            if translated in (first, second):
                missing.append(message)
        elif catalogue.gettext(message) == message:
            missing.append(message)
    assert not missing, missing
