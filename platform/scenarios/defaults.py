"""The core's own hook implementations, registered like any plugin's (as datasette does)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from neutralpoint.scenarios.hookspecs import hookimpl

if TYPE_CHECKING:  # the geography data loads at the first distance, not at import
    from neutralpoint.scenarios.geography import ModeKind


@hookimpl(trylast=True)
def neutralpoint_travel_distance(origin: Any, destination: Any, mode_kind: ModeKind) -> Any:
    from neutralpoint.scenarios.geography import travel_distance

    return travel_distance(origin, destination, mode_kind)
