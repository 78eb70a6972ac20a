"""Every built-in scenario plugin passes the conformance kit its third-party peers must pass.

The list comes from the ``neutralpoint.scenarios`` entry points of the ``neutralpoint``
distribution itself; a built-in that declares no scenario yet is not listed.
"""

from __future__ import annotations

import importlib.metadata
from types import ModuleType

import pytest

from neutralpoint.scenarios.manager import ENTRY_POINT_GROUP
from neutralpoint.testing import check_plugin

#: Number fields that share a footprint among people: the total falls as they grow.
DIVIDING_FIELDS = {
    "meetings": ["hotel_guests", "own_estimates_count"],
    "hotels": ["guests_per_room"],
    "scenic": ["people_per_room"],
}


def builtin_plugins() -> list[tuple[str, ModuleType]]:
    found = []
    for ep in importlib.metadata.distribution("neutralpoint").entry_points:
        if ep.group != ENTRY_POINT_GROUP:
            continue
        module = ep.load()
        declare = getattr(module, "neutralpoint_scenarios", None)
        if declare is not None and declare():
            found.append((ep.name, module))
    return sorted(found, key=lambda item: item[0])


BUILTINS = builtin_plugins()


def test_the_list_comes_from_the_distribution_entry_points() -> None:
    names = [name for name, _ in BUILTINS]
    assert "meetings" in names
    assert "supermarket" not in names, "third-party plugins are checked by their own tests"


@pytest.mark.parametrize(("name", "module"), BUILTINS, ids=[name for name, _ in BUILTINS])
def test_builtin_plugin_is_conformant(name: str, module: ModuleType) -> None:
    assert check_plugin(module, dividing_fields=DIVIDING_FIELDS.get(name, ())) == []
