"""Route handlers of the admin UI: the venue dashboard and the platform-admin pages."""

from __future__ import annotations

import importlib
from typing import Any

SECTIONS = (
    "neutralpoint_admin.venue.controllers",
    "neutralpoint_admin.organiser.controllers",
    "neutralpoint_admin.factors.controllers",
    "neutralpoint_admin.platform.controllers",
    "neutralpoint_admin.offers.controllers",
    "neutralpoint_admin.orders.controllers",
)


def _collect() -> list[Any]:
    handlers: list[Any] = []
    for name in SECTIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, name.rsplit(".", 1)[0]):
                raise
            continue
        handlers.extend(module.route_handlers)
    return handlers


route_handlers = _collect()
