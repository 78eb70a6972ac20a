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


def _messages(path: Path) -> list[str | tuple[str, str]]:
    with path.open("rb") as fh:
        found = babel_extract(fh, ["_", "gettext", "ngettext"], [], {"extensions": "jinja2.ext.i18n"})
        return [m if isinstance(m, str) else (m[0], m[1]) if m[1] else m[0] for _, _, m, _ in found]


def test_every_template_is_checked() -> None:
    assert len(TEMPLATES) > 40
    assert ROOT / "platform/scenarios/templates/scenarios/result.html" in TEMPLATES
    assert ROOT / "platform/web/templates/error.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_strings_are_translated(template: Path) -> None:
    catalogue = translations("zh-Hans")
    missing = []
    for message in _messages(template):
        if isinstance(message, tuple):
            if catalogue.ngettext(message[0], message[1], 1) == message[0]:
                missing.append(message[0])
        elif catalogue.gettext(message) == message:
            missing.append(message)
    assert not missing, missing
