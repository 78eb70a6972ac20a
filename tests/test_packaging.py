"""The built wheel carries every package and data file, and the repository root does not shadow stdlib.

Because ``platform/`` is installed under another name with an explicit package list, an
editable install happily imports a sub-package that the list forgets while the built
wheel silently leaves it out. So this builds the wheel, as a user's ``pip install`` would,
and compares it with the source tree.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE_DIRS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
SOURCE_ROOTS = {folder: name for name, folder in PACKAGE_DIRS.items()}
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "setup.cfg")


def _ignored(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo") or path.name.startswith(".")


def _mapped(path: Path) -> str:
    """``platform/tenants/models.py`` → ``neutralpoint/tenants/models.py``."""
    relative = path.relative_to(ROOT)
    return "/".join((SOURCE_ROOTS[relative.parts[0]], *relative.parts[1:]))


def _source_files() -> list[Path]:
    files = []
    for folder in SOURCE_ROOTS:
        files.extend(p for p in (ROOT / folder).rglob("*") if p.is_file() and not _ignored(p))
    return sorted(files)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """Build the wheel from a copy of the tree, so stale ``build/`` output cannot leak into it."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    for folder in SOURCE_ROOTS:
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"building the wheel failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    (built,) = out.glob("neutralpoint-*.whl")
    return zipfile.ZipFile(built)


def test_platform_folder_has_no_init_module() -> None:
    # With an __init__.py, `python -m pytest` from the root imports our folder as `platform`.
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_every_package_folder_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    packages = sorted(p.parent for p in _source_files() if p.name == "__init__.py")
    assert packages, "no package folders found"
    missing = [
        f"{p.relative_to(ROOT)} → {_mapped(p / '__init__.py').rsplit('/', 1)[0]}"
        for p in packages
        if _mapped(p / "__init__.py") not in names
    ]
    assert not missing, "package folders missing from the wheel (add them to `packages` in pyproject.toml):\n" + (
        "\n".join(missing)
    )


def test_every_source_and_data_file_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    """Modules, templates, static files, cities.json, migrations and translation catalogues."""
    names = set(wheel.namelist())
    files = _source_files()
    missing = [f"{p.relative_to(ROOT)} → {_mapped(p)}" for p in files if _mapped(p) not in names]
    assert not missing, (
        "files missing from the wheel (a folder without __init__.py, or a pattern missing from "
        "package-data in pyproject.toml):\n" + "\n".join(missing)
    )
    shipped = {_mapped(p) for p in files}
    must_ship = {
        "templates": [n for n in shipped if "/templates/" in n and n.endswith(".html")],
        "static files": [n for n in shipped if "/static/" in n],
        "cities.json": [n for n in shipped if n.endswith("/cities.json")],
        "migrations": [n for n in shipped if "/migrations/" in n and n.endswith(".py")],
    }
    for kind, found in must_ship.items():
        assert found, f"no {kind} found in the source tree: the layout changed, update this test"
    catalogues = [p for p in files if p.suffix == ".po"]
    assert all(_mapped(p) in names for p in catalogues)


def test_the_wheel_imports_on_its_own(wheel: zipfile.ZipFile, tmp_path: Path) -> None:
    """Every module of the wheel imports from the unpacked wheel, not from the source tree."""
    target = tmp_path / "site"
    wheel.extractall(target)
    script = """
import importlib, pkgutil, sys
from pathlib import Path
target = Path(sys.argv[1]).resolve()
failures = []
for top in sys.argv[2:]:
    package = importlib.import_module(top)
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        if ".migrations" in info.name:
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception as exc:
            failures.append(f"{info.name}: {type(exc).__name__}: {exc}")
            continue
        if not Path(module.__file__).resolve().is_relative_to(target):
            failures.append(f"{info.name} came from {module.__file__}, not the wheel")
print("\\n".join(failures))
sys.exit(1 if failures else 0)
"""
    result = subprocess.run(
        [sys.executable, "-c", script, str(target), *PACKAGE_DIRS],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "NEUTRALPOINT_ENV": "test", "DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


def test_repository_root_does_not_shadow_the_standard_library_platform() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    probe = subprocess.run(
        [sys.executable, "-c", "import platform; platform.system(); print(platform.__file__)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()).resolve().is_relative_to(stdlib)
    pytest_version = subprocess.run(
        [sys.executable, "-m", "pytest", "--version"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert pytest_version.returncode == 0, pytest_version.stderr
    assert "pytest" in pytest_version.stdout + pytest_version.stderr


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _runtime_imports() -> dict[str, set[str]]:
    """Top-level modules imported by the installed packages' code → the files importing them.

    ``neutralpoint.testing`` is left out: it is the conformance kit, a pytest plugin that
    runs only inside a plugin author's test suite, where pytest is there.
    """
    found: dict[str, set[str]] = {}
    for folder in SOURCE_ROOTS:
        for path in (ROOT / folder).rglob("*.py"):
            if path.is_relative_to(ROOT / "platform" / "testing"):
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_runtime_code_imports_only_runtime_dependencies() -> None:
    """What only tests and benchmarks use (pytest, playwright, localstripe…) stays in the dev extras,
    and everything the packages import is a declared runtime dependency."""
    runtime = {_requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}
    dev_only = {_requirement_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]} - runtime
    distributions = importlib.metadata.packages_distributions()
    ours = {*PACKAGE_DIRS, "neutralpoint_tests_dummy_plugin"}
    undeclared: dict[str, set[str]] = {}
    dev_imports: dict[str, set[str]] = {}
    for module, files in _runtime_imports().items():
        if module in ours or module in sys.stdlib_module_names or module == "__future__":
            continue
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if names & dev_only:
            dev_imports[module] = files
        elif not names & runtime:
            undeclared[module] = files
    assert dev_imports == {}, f"runtime code imports dev-only packages: {dev_imports}"
    assert undeclared == {}, f"runtime code imports packages that are not declared dependencies: {undeclared}"
    assert {"pytest", "playwright", "localstripe"} <= dev_only
