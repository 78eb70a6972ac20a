"""Every string of the venue pages has its Chinese translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2.ext import babel_extract

from neutralpoint.web.i18n import translations

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    [*(ROOT / "admin_ui/templates/venue").glob("*.html"), *(ROOT / "platform/tenants/templates/tenants").glob("*.html")]
)


def _messages(path: Path) -> list[str]:
    with path.open("rb") as fh:
        found = babel_extract(fh, ["_", "gettext"], [], {"extensions": "jinja2.ext.i18n"})
        return [m if isinstance(m, str) else m[0] for _, _, m, _ in found]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_strings_are_translated(template: Path) -> None:
    catalogue = translations("zh-Hans")
    missing = [m for m in _messages(template) if catalogue.gettext(m) == m]
    assert not missing, missing
