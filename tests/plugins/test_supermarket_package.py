"""The third-party supermarket plugin, installed as its own wheel, loads and is conformant.

``scripts/test`` builds ``examples/neutralpoint-supermarket`` into a wheel and installs it
like any pip package before the suite runs. These tests fail (never skip) when it is
missing or installed another way, because then the third-party path is not being tested.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sysconfig
from collections.abc import Iterable
from importlib.metadata import EntryPoint
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest
from click.testing import CliRunner

from neutralpoint.cli import main as cli
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.testing import check_plugin

DISTRIBUTION = "neutralpoint-supermarket"
REPO = Path(__file__).resolve().parents[2]
HOW = "build and install it as a wheel: run scripts/test (it does so before the suite)"


def _plugin() -> ModuleType:
    try:
        return importlib.import_module("neutralpoint_supermarket")
    except ModuleNotFoundError:
        pytest.fail(f"the example plugin {DISTRIBUTION} is not installed; {HOW}")


def _distribution() -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"the distribution {DISTRIBUTION} is not installed; {HOW}")


def _entry_points_of(found: object) -> list[EntryPoint]:
    """``entry_points(group=...)`` answers ``EntryPoints``; typed loosely in the stubs."""
    return list(cast("Iterable[EntryPoint]", found))


def test_registry_loads_supermarket_from_its_own_distribution(registry: ScenarioRegistry) -> None:
    _plugin()
    status = next((s for s in registry.statuses if s.name == "supermarket"), None)
    assert status is not None, f"no plugin named supermarket among {[s.name for s in registry.statuses]}"
    assert status.loaded, status.reason
    assert status.distribution == DISTRIBUTION
    assert status.version == _distribution().version
    assert status.scenarios == ["supermarket"]
    scenario = registry.get("supermarket")
    assert scenario is not None
    assert scenario.info.name == {"en": "Supermarket shopping", "zh-Hans": "超市购物"}
    assert scenario.factors.version == "2025.1"


def test_conformance_kit_passes_for_the_installed_plugin() -> None:
    assert check_plugin(_plugin()) == []


def test_installed_from_a_wheel_not_editable() -> None:
    dist = _distribution()
    direct_url = dist.read_text("direct_url.json")
    if direct_url is not None:
        info = json.loads(direct_url)
        assert not info.get("dir_info", {}).get("editable"), f"{DISTRIBUTION} is an editable install: {info}"
    files = [Path(str(dist.locate_file(f))).resolve() for f in dist.files or ()]
    assert files, f"{DISTRIBUTION} lists no installed files"
    assert not [f for f in files if f.suffix == ".pth" or "__editable__" in f.name], files
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    module_file = Path(str(_plugin().__file__)).resolve()
    assert module_file.is_relative_to(site_packages), f"imported from {module_file}, not from {site_packages}"
    assert not module_file.is_relative_to(REPO / "examples"), module_file
    assert (site_packages / "neutralpoint_supermarket" / "factors.py").is_file()
    entry_points = [ep for ep in dist.entry_points if ep.group == "neutralpoint.scenarios"]
    assert [(ep.name, ep.value) for ep in entry_points] == [("supermarket", "neutralpoint_supermarket")]
    assert any(req.startswith("neutralpoint") for req in dist.requires or ())


def test_plugins_list_command_shows_it() -> None:
    _plugin()
    result = CliRunner().invoke(cli, ["plugins", "list", "--json"])
    assert result.exit_code == 0, result.output
    statuses = {s["name"]: s for s in json.loads(result.output)}
    assert statuses["supermarket"]["loaded"] is True
    assert statuses["supermarket"]["distribution"] == DISTRIBUTION
    assert statuses["supermarket"]["scenarios"] == ["supermarket"]


def test_without_its_entry_point_the_scenario_is_simply_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    """What uninstalling leaves: the platform discovers the other plugins and no supermarket."""
    _plugin()
    real_entry_points = importlib.metadata.entry_points

    def entry_points(**params: str) -> list[importlib.metadata.EntryPoint]:
        return [ep for ep in _entry_points_of(real_entry_points(**params)) if ep.value != "neutralpoint_supermarket"]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    registry = ScenarioRegistry.discover()
    assert registry.get("supermarket") is None
    assert "supermarket" not in [s.name for s in registry.statuses]
    assert all(s.loaded for s in registry.statuses), [s.as_dict() for s in registry.statuses if not s.loaded]
