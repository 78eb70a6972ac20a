"""Every message the credit forms give has its Chinese (the pages' own strings: tests/test_translations.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from neutralpoint.web.i18n import translations

ROOT = Path(__file__).resolve().parents[2]
FORM_MODULES = (
    ROOT / "admin_ui/platform/forms.py",
    ROOT / "admin_ui/platform/controllers.py",
    ROOT / "admin_ui/offers/controllers.py",
)


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


@pytest.mark.parametrize("module", FORM_MODULES, ids=lambda p: p.name)
def test_form_messages_are_translated(module: Path) -> None:
    catalogue = translations("zh-Hans")
    messages = _form_messages(module)
    assert messages
    missing = [m for m in messages if catalogue.gettext(m) == m]
    assert not missing, missing
