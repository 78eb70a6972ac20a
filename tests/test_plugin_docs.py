"""docs/plugins.md documents every hook, is in step with the hookspecs, and its example works."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from neutralpoint.testing import check_plugin

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugins.md"
SPEC_MODULES = ("neutralpoint.scenarios.hookspecs", "neutralpoint.credits.hookspecs")
EXAMPLE_FILE = re.compile(r"<!-- example-file: (?P<path>\S+) -->\n```[a-z]*\n(?P<body>.*?)\n```", re.DOTALL)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_plugin_docs", ROOT / "scripts" / "generate_plugin_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hookspec_names() -> list[str]:
    """Every hook specification, found the way pluggy finds them (by its marker attribute)."""
    names = []
    for module_name in SPEC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        names += [name for name, value in vars(module).items() if hasattr(value, "neutralpoint_spec")]
    return names


def test_every_hookspec_has_a_heading_in_the_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    names = _hookspec_names()
    assert "neutralpoint_calculate" in names
    missing = [name for name in names if f"#### `{name}`" not in text]
    assert not missing, f"docs/plugins.md does not document {missing}: run scripts/generate_plugin_docs.py"


def test_hook_reference_is_up_to_date() -> None:
    generator = _generator()
    assert sorted(generator.spec_names()) == sorted(_hookspec_names())
    text = DOCS.read_text(encoding="utf-8")
    expected = generator.replace_section(text, generator.render_hook_reference())
    assert generator.current_section(text) == generator.current_section(expected), (
        "the hook reference in docs/plugins.md is out of date: run scripts/generate_plugin_docs.py"
    )
    assert text == expected


def test_generated_section_carries_each_docstring() -> None:
    generator = _generator()
    section = generator.render_hook_reference()
    from neutralpoint.scenarios import hookspecs

    assert "neutralpoint_calculate(scenario: str, inputs: dict[str, Any], factors: Any, context: Any) -> Any" in section
    first_line = (hookspecs.neutralpoint_factor_sets.__doc__ or "").strip().splitlines()[0]
    assert first_line in section
    heading = section.index("#### `neutralpoint_scenario_form`")
    assert "**First result wins**" in section[heading : section.index("####", heading + 1)]


def test_replace_section_needs_both_markers() -> None:
    generator = _generator()
    with pytest.raises(ValueError, match="must contain"):
        generator.replace_section("# no markers here\n", "section")
    assert generator.replace_section("a\n<!-- hooks:start -->\nold\n<!-- hooks:end -->\nb", "new") == (
        "a\n<!-- hooks:start -->\nnew\n<!-- hooks:end -->\nb"
    )


def _example_files() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    return {m["path"]: m["body"] + "\n" for m in EXAMPLE_FILE.finditer(text)}


def test_walk_through_example_is_a_conformant_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _example_files()
    assert set(files) == {"pyproject.toml", "src/neutralpoint_bakery/__init__.py", "tests/test_bakery.py"}
    project = tomllib.loads(files["pyproject.toml"])
    assert project["project"]["entry-points"]["neutralpoint.scenarios"] == {"bakery": "neutralpoint_bakery"}
    assert project["tool"]["setuptools"]["packages"] == ["neutralpoint_bakery"]
    for path, body in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.syspath_prepend(str(tmp_path / "tests"))
    for name in ("neutralpoint_bakery", "test_bakery"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    try:
        plugin = importlib.import_module("neutralpoint_bakery")
        assert check_plugin(plugin) == []
        example_tests = importlib.import_module("test_bakery")
        example_tests.test_conformance()
        example_tests.test_half_a_kilo_in_a_paper_bag_on_foot()
    finally:
        for name in ("neutralpoint_bakery", "test_bakery"):
            sys.modules.pop(name, None)
