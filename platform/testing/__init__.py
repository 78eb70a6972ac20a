"""Conformance kit for scenario plugin authors.

Run it in your plugin's own test suite::

    from neutralpoint.testing import assert_conformant
    import my_plugin

    def test_conformance() -> None:
        assert_conformant(my_plugin, samples=[{"weight_kg": "2"}])

or let pytest generate the test: ``pytest --neutralpoint-plugin=my_plugin`` (the pytest
plugin in ``neutralpoint.testing.plugin`` is registered automatically when NeutralPoint
is installed). ``compute`` runs one calculation the way the platform does, for golden
tests; see ``docs/plugins.md``.
"""

from neutralpoint.testing.conformance import (
    INVALID_CITY,
    VALID_CITY,
    VENUE_LOCATION,
    ConformanceError,
    assert_conformant,
    check_plugin,
    compute,
    conformance_context,
    conformance_registry,
    load_plugin,
    load_scenario,
)

__all__ = [
    "INVALID_CITY",
    "VALID_CITY",
    "VENUE_LOCATION",
    "ConformanceError",
    "assert_conformant",
    "check_plugin",
    "compute",
    "conformance_context",
    "conformance_registry",
    "load_plugin",
    "load_scenario",
]
