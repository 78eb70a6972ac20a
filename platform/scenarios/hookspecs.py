"""Hook specifications for scenario plugins.

A plugin is a module (or object) with functions named after these hooks and decorated
with ``neutralpoint.scenarios.hookimpl``, registered through the ``neutralpoint.scenarios``
entry-point group. Hooks that answer "who handles scenario X?" are ``firstresult``: a
plugin returns ``None`` for scenarios it does not own. ``docs/plugins.md`` is generated
from the docstrings below.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "neutralpoint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def neutralpoint_scenarios() -> list[Any]:
    """Declare the scenarios this plugin provides.

    Return a list of ``neutralpoint.scenarios.Scenario``: a stable lower-case ``id``
    (stored with every estimate, so never rename it), ``name`` and ``description`` in
    ``en`` and ``zh-Hans``, an ``icon`` (an emoji or a short glyph) and an ``order`` for
    menus (lower first).
    """


@hookspec(firstresult=True)
def neutralpoint_scenario_form(scenario: str) -> Any:
    """Return the visitor's calculator form for ``scenario`` (a ``Form``), or ``None``.

    Fields are typed (``number`` with a unit, a range and a number of decimals, ``integer``,
    ``choice``, ``city``, ``boolean``, ``text``), with labels and help in both languages and
    defaults. Every number needs a maximum: that is what refuses absurd input. The form is
    rendered without JavaScript and validated on the server before anything is stored.
    """


@hookspec(firstresult=True)
def neutralpoint_factor_sets(scenario: str) -> Any:
    """Return every factor-set version of ``scenario``, oldest first (a list of ``FactorSet``).

    The last one is current. A factor set is immutable once published: changing any
    value means appending a new version, so that stored estimates keep theirs and
    recompute to the same grams. Every ``Factor`` names its source (publisher, document,
    year, table).
    """


@hookspec(firstresult=True)
def neutralpoint_calculate(scenario: str, inputs: dict[str, Any], factors: Any, context: Any) -> Any:
    """Compute the footprint of validated ``inputs`` with ``factors``; return breakdown lines.

    ``inputs`` holds typed values (``Decimal``, ``int``, ``str``, ``bool``, ``City``) keyed by
    field name; ``factors`` is the ``FactorSet`` to use (not necessarily the newest, when an
    old estimate is recomputed); ``context`` is a ``CalculationContext`` with the venue's
    location, the core's travel-distance helper and, for an entry point with event dates,
    ``event_days`` (how many days the event lasts). Return a list of ``BreakdownLine``,
    each in integer grams CO2e and naming the factor key it used. Must be deterministic,
    never negative, and must not do I/O. Return ``None`` for scenarios you do not own.
    A rule that spans several fields (e.g. "give your city or the distance") raises
    ``FormErrors`` naming the fields; the visitor sees it beside them, as any other
    validation error.
    """


@hookspec(firstresult=True)
def neutralpoint_organiser_form(scenario: str) -> Any:
    """Optional: the whole-event form an organiser fills in for ``scenario`` (a ``Form``)."""


@hookspec(firstresult=True)
def neutralpoint_organiser_calculate(scenario: str, inputs: dict[str, Any], factors: Any, context: Any) -> Any:
    """Optional: compute the organiser's whole-event footprint; same contract as ``neutralpoint_calculate``."""


@hookspec(firstresult=True)
def neutralpoint_travel_distance(origin: Any, destination: Any, mode_kind: str) -> Any:
    """Optional: the travel distance from ``origin`` (a ``City``) to ``destination``.

    ``mode_kind`` is ``"air"``, ``"ground"`` or ``"water"``. Return a ``TravelDistance``.
    The core registers the default (great-circle distance, with the DESNZ uplift for
    flights and a detour factor on the ground); a plugin may answer first, e.g. with a
    road-network distance. The answer must depend on the arguments alone: the platform
    remembers it for the same origin, destination and mode kind.
    """


@hookspec
def neutralpoint_extra_routes() -> list[Any]:
    """Optional: extra Litestar route handlers (pages or API) this plugin serves.

    Each declares who may reach it, as every route does: ``access=PUBLIC``,
    ``SIGNED_IN``, ``VenueAccess(Role.MANAGER)`` or ``PLATFORM_ADMIN`` (from
    ``neutralpoint.tenants.access``) in its decorator. A route that declares none is
    refused with a 500.
    """
