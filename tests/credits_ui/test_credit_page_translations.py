"""Every string of the credit pages, and every message their forms give, has its Chinese."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from jinja2.ext import babel_extract

from neutralpoint.web.i18n import translations

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    [
        *(ROOT / "admin_ui/templates/platform").glob("*.html"),
        *(ROOT / "admin_ui/templates/offers").glob("*.html"),
        *(ROOT / "platform/credits/templates/credits").glob("*.html"),
    ]
)
FORM_MODULES = (
    ROOT / "admin_ui/platform/forms.py",
    ROOT / "admin_ui/platform/controllers.py",
    ROOT / "admin_ui/offers/controllers.py",
)


def _template_messages(path: Path) -> list[str | tuple[str, str]]:
    with path.open("rb") as fh:
        found = babel_extract(fh, ["_", "gettext", "ngettext"], [], {"extensions": "jinja2.ext.i18n"})
        return [m if isinstance(m, str) else (m[0], m[1]) if m[1] else m[0] for _, _, m, _ in found]


def _form_messages(path: Path) -> list[str]:
    """String constants that are sentences (not docstrings): what the forms tell people."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and node.value[:1].isupper()
        and node.value.endswith(".")
        and " " in node.value
    ]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_template_strings_are_translated(template: Path) -> None:
    catalogue = translations("zh-Hans")
    missing = []
    for message in _template_messages(template):
        if isinstance(message, tuple):
            if catalogue.ngettext(message[0], message[1], 1) == message[0]:
                missing.append(message[0])
        elif catalogue.gettext(message) == message:
            missing.append(message)
    assert not missing, missing


@pytest.mark.parametrize("module", FORM_MODULES, ids=lambda p: p.name)
def test_form_messages_are_translated(module: Path) -> None:
    catalogue = translations("zh-Hans")
    messages = _form_messages(module)
    assert messages
    missing = [m for m in messages if catalogue.gettext(m) == m]
    assert not missing, missing
