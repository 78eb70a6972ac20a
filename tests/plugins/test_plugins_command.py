"""``neutralpoint plugins list`` tells a deployment script when a plugin failed to load."""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Iterable
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import cast

import pytest
from click.testing import CliRunner

from neutralpoint.cli import main as cli
from neutralpoint.scenarios.manager import ENTRY_POINT_GROUP


def test_all_loaded_exits_zero() -> None:
    result = CliRunner().invoke(cli, ["plugins", "list"])
    assert result.exit_code == 0, result.output
    assert "; 0 failed" in result.output


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_plugin_that_failed_makes_it_exit_non_zero(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, as_json: bool
) -> None:
    (tmp_path / "half_written_plugin_xyz.py").write_text("raise ImportError('needs a library that is missing')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    real_entry_points = importlib.metadata.entry_points

    def entry_points(**params: str) -> list[EntryPoint]:
        found = list(cast("Iterable[EntryPoint]", real_entry_points(**params)))
        if params.get("group") == ENTRY_POINT_GROUP:
            found.append(EntryPoint(name="half_written", value="half_written_plugin_xyz", group=ENTRY_POINT_GROUP))
        return found

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    result = CliRunner().invoke(cli, ["plugins", "list", *(["--json"] if as_json else [])])
    assert result.exit_code == 1, result.output
    if as_json:
        statuses = {s["name"]: s for s in json.loads(result.output)}
        assert statuses["half_written"]["loaded"] is False
        assert statuses["half_written"]["reason"] == "import failed: ImportError: needs a library that is missing"
        assert statuses["meetings"]["loaded"] is True
    else:
        assert "FAILED   half_written" in result.output
        assert "import failed: ImportError: needs a library that is missing" in result.output
        assert "; 1 failed" in result.output
