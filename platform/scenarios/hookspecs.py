"""Hook specifications for scenario plugins.

A plugin is a module (or object) with functions named after these hooks and marked with
``neutralpoint.plugin_api.hookimpl``, registered through the ``neutralpoint.scenarios``
entry-point group. A scenario is one object (``neutralpoint.plugin_api.Scenario``) that
carries its form, factor sets and calculation, so no hook asks "which scenario?": the
hooks below are the plugin's scenarios and the concerns that cut across all of them.
Implement only the ones you need; ``docs/plugins.md`` is generated from these docstrings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import pluggy

if TYPE_CHECKING:
    from litestar.handlers import BaseRouteHandler

    from neutralpoint.scenarios.contract import Scenario
    from neutralpoint.scenarios.geography import City, TravelDistance

PROJECT = "neutralpoint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def neutralpoint_scenarios() -> list[Scenario]:
    """Return the scenarios this plugin provides.

    Each ``Scenario`` carries everything the platform needs: its ``id`` (stored with every
    estimate, so never rename it), ``name`` and ``description`` in ``en`` and ``zh-Hans``,
    its visitor ``form``, every published version of its ``factor_sets`` (oldest first)
    and its ``calculate`` function; optionally an ``organiser_form`` and
    ``organiser_calculate`` for a whole event. The platform checks each scenario when the
    plugin loads and skips the plugin, with the reason, when one breaks the contract.
    Called once at start-up; return the same factor values every time. Example::

        @hookimpl
        def neutralpoint_scenarios() -> list[Scenario]:
            return [Scenario(id="bakery", name=..., description=..., form=FORM,
                             factor_sets=factor_sets(), calculate=bakery_lines)]
    """


@hookspec(firstresult=True)
def neutralpoint_travel_distance(
    origin: City, destination: City | tuple[float, float], mode_kind: Literal["air", "ground", "water"]
) -> TravelDistance | None:
    """Answer the travel distance from ``origin`` to ``destination``, or ``None`` to pass.

    ``destination`` is a city or the venue's (latitude, longitude). The core answers last
    with the great-circle distance, uplifted for flights (DESNZ) and by a detour factor on
    the ground; a plugin answers first with a better one, e.g. a road network's. The answer
    must depend on the arguments alone: the platform remembers it for the same origin,
    destination and mode kind. Example::

        @hookimpl
        def neutralpoint_travel_distance(origin, destination, mode_kind):
            if mode_kind != "ground":
                return None
            km = road_network_km(origin, destination)  # a Decimal
            return TravelDistance(great_circle_km=..., adjustment=Decimal(1), travel_km=km,
                                  method="road network", source="OpenStreetMap")
    """


@hookspec
def neutralpoint_extra_routes() -> list[BaseRouteHandler]:
    """Return extra Litestar route handlers (pages or API) this plugin serves.

    They are added to the application at start-up, beside the core's routes, under the
    paths they declare; give them a prefix of your plugin's name. Each declares who may
    reach it, as every route does: ``access=PUBLIC``, ``SIGNED_IN``,
    ``VenueAccess("manager")`` or ``PLATFORM_ADMIN`` (all in the plugin API); a route
    that declares none is refused with a 500. Example::

        @get("/plugins/bakery/about", sync_to_thread=False, access=PUBLIC)
        def about() -> str:
            return "Bakery scenario"

        @hookimpl
        def neutralpoint_extra_routes() -> list[BaseRouteHandler]:
            return [about]
    """
