"""Every route declares who may reach it (``neutralpoint.tenants.access``).

The application's guard refuses a route without a policy at run time (fail closed); this
walk of the route table finds such a route before any request does. A public route says
so with ``access=PUBLIC``.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.handlers.base import BaseRouteHandler
from litestar.testing import AsyncTestClient

from neutralpoint.tenants.access import (
    PLATFORM_ADMIN,
    PUBLIC,
    SIGNED_IN,
    AccessPolicy,
    VenueAccess,
    declared_policy,
    enforce_access,
)
from neutralpoint.tenants.models import Role


def route_handlers(app: Litestar) -> list[tuple[str, BaseRouteHandler]]:
    found: list[tuple[str, BaseRouteHandler]] = []
    for route in app.routes:
        handlers = getattr(route, "route_handlers", None) or [route.route_handler]  # type: ignore[attr-defined]
        found.extend((route.path, handler) for handler in handlers)
    return found


def policies(app: Litestar) -> dict[str, AccessPolicy | None]:
    return {
        f"{' '.join(sorted(getattr(h, 'http_methods', None) or ['*']))} {path}": declared_policy(h)
        for path, h in route_handlers(app)
    }


def test_every_route_declares_its_access(app: Litestar) -> None:
    table = policies(app)
    assert len(table) > 100  # the whole application was walked
    undeclared = sorted(route for route, policy in table.items() if policy is None)
    assert undeclared == [], "routes without an access policy (declare access=...): " + ", ".join(undeclared)


def test_the_guard_is_on_every_route(app: Litestar) -> None:
    missing = [path for path, handler in route_handlers(app) if enforce_access not in handler.resolve_guards()]
    assert missing == []


def test_admin_and_venue_routes_are_not_public(app: Litestar) -> None:
    """The shapes of the paths agree with the policies: nothing under /platform or a venue's
    dashboard is public, and every platform route is for platform admins."""
    table = policies(app)
    for route, policy in table.items():
        methods, path = route.split(" ", 1)
        if methods == "OPTIONS":  # Litestar's own Allow answer, public everywhere
            continue
        if path.startswith(("/platform", "/api/v1/platform", "/api/v1/credits")):
            assert policy is PLATFORM_ADMIN, route
        if path.startswith(("/venue/{slug", "/api/v1/venues/{slug")):
            assert isinstance(policy, VenueAccess), route
        if path in ("/account", "/api/v1/me", "/api/v1/venues"):
            assert policy is SIGNED_IN, route
    assert table["GET /api/v1/scenarios"] is PUBLIC
    assert table["GET /v/{slug:str}/{code:str}"] is PUBLIC


def test_minimum_roles_are_declared_where_the_api_says_so(app: Litestar) -> None:
    table = policies(app)
    assert table["PATCH /api/v1/venues/{slug:str}"] == VenueAccess(Role.MANAGER)
    assert table["POST /api/v1/venues/{slug:str}/invitations"] == VenueAccess(Role.OWNER)
    assert table["GET /api/v1/venues/{slug:str}/entry-points"] == VenueAccess(Role.STAFF)


async def test_a_route_without_a_policy_is_refused() -> None:
    @get("/forgotten", sync_to_thread=False)
    def forgotten() -> dict[str, Any]:
        return {"reached": True}

    @get("/declared", sync_to_thread=False, access=PUBLIC)
    def declared() -> dict[str, Any]:
        return {"reached": True}

    async with AsyncTestClient(Litestar([forgotten, declared], guards=[enforce_access])) as client:
        refused = await client.get("/forgotten")
        assert refused.status_code == 500
        assert "reached" not in refused.text
        assert (await client.get("/declared")).json() == {"reached": True}
