"""Plugins use the public plugin API only, and a scenario object instead of per-hook dispatch."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import neutralpoint.plugin_api as plugin_api

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_FOLDERS = sorted(
    [p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file()]
    + [p for p in (ROOT / "examples").glob("*/src/*") if (p / "__init__.py").is_file()]
)


def _sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_every_plugin_folder_is_checked() -> None:
    names = [p.name for p in PLUGIN_FOLDERS]
    assert {"meetings", "hotels", "restaurants", "scenic", "neutralpoint_supermarket"} <= set(names)


@pytest.mark.parametrize("folder", PLUGIN_FOLDERS, ids=lambda p: p.name)
def test_a_plugin_imports_nothing_of_the_platform_but_the_plugin_api(folder: Path) -> None:
    found = []
    for path in _sources(folder):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            found += [f"{path.name}: {m}" for m in modules if m.split(".")[0] == "neutralpoint"]
    assert found, f"{folder.name} imports nothing from the plugin API"
    assert all(line.endswith(": neutralpoint.plugin_api") for line in found), found


@pytest.mark.parametrize("folder", PLUGIN_FOLDERS, ids=lambda p: p.name)
def test_no_plugin_dispatches_on_the_scenario_id(folder: Path) -> None:
    """A hook never asks "is this scenario mine?": the scenario object carries its own parts."""
    found = []
    for path in _sources(folder):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("neutralpoint_"):
                params = [a.arg for a in node.args.args]
                if "scenario" in params:
                    found.append(f"{path.name}: {node.name} takes the scenario id")
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "scenario":
                found.append(f"{path.name}:{node.lineno} compares the scenario id")
    assert not found, found


def test_the_plugin_api_exports_what_the_guide_names() -> None:
    named = ("hookimpl", "Scenario", "Form", "Field", "Choice", "FieldError", "FormErrors", "Factor", "FactorSet",
             "Source", "BreakdownLine", "CalculationContext", "travel", "lodging", "meals", "count_en")  # fmt: skip
    for name in named:
        assert name in plugin_api.__all__, name
        assert getattr(plugin_api, name) is not None
