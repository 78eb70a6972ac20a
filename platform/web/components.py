"""The packages that make up the web application register themselves here.

A domain (``neutralpoint.tenants``, ``neutralpoint.credits``, …) or an add-on such as the
admin pages (``neutralpoint_admin``) declares one ``Component`` under the
``neutralpoint.components`` entry-point group of its distribution::

    [project.entry-points."neutralpoint.components"]
    admin = "neutralpoint_admin.component:component"

The application factory serves each component's routes, the Jinja2 environment loads
its templates, and the gettext catalogues merge its translations, so neither the app
factory nor ``neutralpoint.web`` names a domain or the admin package. Loading a component
imports only the module that defines it: its controllers are imported when the
application is built, so a worker that only needs the catalogues stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import Any

GROUP = "neutralpoint.components"


@dataclass(frozen=True)
class Component:
    """What one package adds to the web application."""

    name: str
    #: Lower first: the order of template lookup and of the route table.
    order: int = 100
    #: Modules whose ``route_handlers`` list the application serves.
    controllers: tuple[str, ...] = ()
    #: Packages with a ``templates/`` folder.
    templates: tuple[str, ...] = ()
    #: Packages with ``locale/<lang>/LC_MESSAGES/messages.po``.
    catalogs: tuple[str, ...] = ()
    #: Names the templates may call (e.g. a domain's own formatting helpers).
    template_globals: Callable[[], Mapping[str, Any]] | None = field(default=None, compare=False)

    def route_handlers(self) -> list[Any]:
        handlers: list[Any] = []
        for module in self.controllers:
            handlers.extend(importlib.import_module(module).route_handlers)
        return handlers


#: The web package itself: the layout, the error page and the shared catalogue.
WEB = Component(
    name="web",
    order=0,
    # The brand stylesheets, the favicon and the API viewer's files.
    controllers=("neutralpoint.web.controllers",),
    templates=("neutralpoint.web",),
    catalogs=("neutralpoint.web",),
)


class ComponentsMissingError(RuntimeError):
    """No component is registered: the distribution's entry points are not installed."""


@cache
def components() -> tuple[Component, ...]:
    """Every registered component, ``WEB`` first, then by ``order`` and name."""
    found = [WEB]
    for entry in entry_points(group=GROUP):
        component = entry.load()
        if not isinstance(component, Component):
            raise TypeError(f"entry point {entry.name!r} of {GROUP} is not a Component: {component!r}")
        found.append(component)
    if len(found) == 1:
        raise ComponentsMissingError(
            f"no {GROUP} entry points are installed; install the project (pip install -e .) again"
        )
    return tuple(sorted(found, key=lambda c: (c.order, c.name)))


def template_packages() -> list[str]:
    return [package for component in components() for package in component.templates]


def catalog_packages() -> list[str]:
    return [package for component in components() for package in component.catalogs]


def template_globals() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for component in components():
        if component.template_globals is not None:
            values.update(component.template_globals())
    return values
