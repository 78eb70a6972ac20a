"""docs/plugins.md documents every hook and the plugin API, is in step with the code, and its example works."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pluggy
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
    assert "neutralpoint_scenarios" in names
    missing = [name for name in names if f"#### `{name}`" not in text]
    assert not missing, f"docs/plugins.md does not document {missing}: run scripts/generate_plugin_docs.py"


def test_every_hookspec_has_a_docstring() -> None:
    undocumented = []
    for module_name in SPEC_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if hasattr(value, "neutralpoint_spec") and not (value.__doc__ or "").strip():
                undocumented.append(f"{module_name}.{name}")
    assert not undocumented, f"hook specifications without a docstring: {undocumented}"


def test_the_generator_refuses_an_undocumented_hookspec(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    module = ModuleType("neutralpoint_undocumented_hooks")
    hookspec = pluggy.HookspecMarker("neutralpoint")

    def neutralpoint_something_new() -> None:
        pass

    neutralpoint_something_new.__module__ = module.__name__
    module.neutralpoint_something_new = hookspec(neutralpoint_something_new)  # type: ignore[attr-defined]
    monkeypatch.setattr(generator, "hookspec_modules", lambda: [module])
    monkeypatch.setattr(generator.inspect, "getsourcelines", lambda fn: ([], 1))
    with pytest.raises(generator.UndocumentedHookError, match="neutralpoint_something_new has no docstring"):
        generator.render_hook_reference()


def test_hook_and_api_references_are_up_to_date() -> None:
    generator = _generator()
    assert sorted(generator.spec_names()) == sorted(_hookspec_names())
    text = DOCS.read_text(encoding="utf-8")
    expected = generator.render(text)
    assert generator.current_section(text) == generator.current_section(expected), (
        "the hook reference in docs/plugins.md is out of date: run scripts/generate_plugin_docs.py"
    )
    api = (generator.API_START, generator.API_END)
    assert generator.current_section(text, *api) == generator.current_section(expected, *api), (
        "the plugin API reference in docs/plugins.md is out of date: run scripts/generate_plugin_docs.py"
    )
    assert text == expected


def test_generated_section_carries_each_docstring() -> None:
    generator = _generator()
    section = generator.render_hook_reference()
    from neutralpoint.scenarios import hookspecs

    assert "neutralpoint_scenarios() -> list[Scenario]" in section
    first_line = (hookspecs.neutralpoint_travel_distance.__doc__ or "").strip().splitlines()[0]
    assert first_line in section
    heading = section.index("#### `neutralpoint_travel_distance`")
    assert "**First result wins**" in section[heading : section.index("####", heading + 1)]
    assert "mode_kind: Literal['air', 'ground', 'water']" in section


def test_api_reference_names_every_export_with_its_types() -> None:
    generator = _generator()
    section = generator.render_api_reference()
    import neutralpoint.plugin_api as api

    for name in api.__all__:
        assert f"`{name}" in section or f"`@{name}`" in section, name
    assert "    calculate: Calculation,\n" in section  # the Scenario's fields, with their types
    assert "essential: bool = True" in section
    assert "| `room-night` | room-nights | 间夜 |" in section  # the known units and their translations


def test_replace_section_needs_both_markers() -> None:
    generator = _generator()
    with pytest.raises(ValueError, match="must contain"):
        generator.replace_section("# no markers here\n", "section")
    assert generator.replace_section("a\n<!-- hooks:start -->\nold\n<!-- hooks:end -->\nb", "new") == (
        "a\n<!-- hooks:start -->\nnew\n<!-- hooks:end -->\nb"
    )
    with pytest.raises(ValueError, match="must contain <!-- api:start -->"):
        generator.render("<!-- hooks:start -->\n<!-- hooks:end -->\n")


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
        tests = [name for name in dir(example_tests) if name.startswith("test_")]
        assert len(tests) == 3, tests
        for name in tests:
            getattr(example_tests, name)()
    finally:
        for name in ("neutralpoint_bakery", "test_bakery"):
            sys.modules.pop(name, None)
