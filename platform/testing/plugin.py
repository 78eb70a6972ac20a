"""pytest plugin of the conformance kit, registered through the ``pytest11`` entry point.

It adds one test per scenario plugin named with ``--neutralpoint-plugin=MODULE`` (may be
repeated) or listed in the ``neutralpoint_plugins`` ini option, so a plugin author can
check a plugin without writing any test::

    pytest --neutralpoint-plugin=neutralpoint_supermarket

Those tests use samples built from the form; to add your own samples or name fields that
share the footprint among people, call ``neutralpoint.testing.assert_conformant`` in a
test instead. The ``neutralpoint_context`` fixture gives the calculation context the kit
uses (a venue in Chengdu and the core distance helper) for golden tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from neutralpoint.scenarios.contract import CalculationContext

OPTION = "--neutralpoint-plugin"
INI = "neutralpoint_plugins"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("neutralpoint", "NeutralPoint scenario plugin conformance")
    group.addoption(
        OPTION,
        action="append",
        default=[],
        metavar="MODULE",
        dest="neutralpoint_plugins",
        help="check the scenario plugin importable as MODULE with the conformance kit (repeatable)",
    )
    parser.addini(INI, type="linelist", default=[], help="scenario plugin modules to check with the conformance kit")


def _modules(config: pytest.Config) -> list[str]:
    listed = [*config.getoption("neutralpoint_plugins", default=[]), *config.getini(INI)]
    return list(dict.fromkeys(m.strip() for m in listed if m.strip()))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    for module in _modules(config):
        items.append(
            ConformanceItem.from_parent(
                session,
                name=f"neutralpoint-conformance[{module}]",
                nodeid=f"neutralpoint-conformance[{module}]",
                module=module,
            )
        )


class ConformanceItem(pytest.Item):
    """The conformance check of one scenario plugin module."""

    def __init__(self, *, module: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.module = module

    def runtest(self) -> None:
        from neutralpoint.testing.conformance import assert_conformant

        assert_conformant(self.module)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from neutralpoint.testing.conformance import ConformanceError

        if isinstance(excinfo.value, ConformanceError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"conformance of scenario plugin {self.module}"


@pytest.fixture
def neutralpoint_context() -> CalculationContext:
    """The calculation context of the kit: a venue in Chengdu, the core distance helper."""
    from neutralpoint.testing.conformance import conformance_context

    return conformance_context()
