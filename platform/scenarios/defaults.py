"""The core's own hook implementations, registered like any plugin's (as datasette does)."""

from __future__ import annotations

from typing import Any

from neutralpoint.scenarios.hookspecs import hookimpl


@hookimpl(trylast=True)
def neutralpoint_travel_distance(origin: Any, destination: Any, mode_kind: str) -> Any:
    from neutralpoint.scenarios.geography import travel_distance

    return travel_distance(origin, destination, mode_kind)
