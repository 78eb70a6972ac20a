"""Who may reach a route, declared on the route itself.

Every route handler carries exactly one access policy under the ``access`` key of its
``opt``; the nearest layer wins (handler over controller over router). One guard,
installed on the application, reads it and runs before any dependency or handler code,
for every request, so a policy cannot silently not run; a route that declares none is
refused with a 500 and logged (it fails closed), and ``tests/test_access_declared.py``
walks the route table so that this never reaches a server.

The policies:

``PUBLIC``
    Anyone. The handler scopes its own session if it reads a venue's rows (visitor
    pages, public venue pages, sign-up and sign-in).
``SIGNED_IN``
    A signed-in person; anyone else gets a 401 (``NotAuthorizedException``), which page
    controllers turn into the sign-in redirect with their ``exception_handlers``.
``VenueAccess(min_role)``
    A member of the venue named by the path parameter ``slug`` (or ``slug_param=``)
    whose role is at least ``min_role`` (``Role.STAFF`` < ``Role.MANAGER`` <
    ``Role.OWNER``; a plugin, which imports no ``Role``, writes ``"manager"``). Not
    signed in: 401. An unknown or suspended venue, a venue the person does not belong
    to, or too low a role: 404, never 403, so that nobody learns that another venue (or
    an object of it) exists. The request's ``db_session`` is
    scoped to that venue before the handler sees it.
``PLATFORM_ADMIN``
    A signed-in platform admin; not signed in: 401; anyone else: 404. The request's
    ``db_session`` sees every venue's rows (tenant scopes disabled on purpose, as
    pretix's ``scopes_disabled()``). Pages that hide even the sign-in prompt map the
    401 to a 404 with their ``exception_handlers``.

Declaring, on a controller and overriding one route (Litestar puts unknown keyword
arguments of a route decorator into ``opt``)::

    from neutralpoint.tenants.access import VenueAccess, VenueMember
    from neutralpoint.tenants.models import Role

    class OrdersApi(Controller):
        path = "/api/v1/venues/{slug:str}/orders"
        opt = {"access": VenueAccess(Role.MANAGER)}  # noqa: RUF012

        @get("/")
        async def list_orders(
            self, access: NamedDependency[VenueMember], db_session: NamedDependency[AsyncSession]
        ) -> list[OrderOut]:
            ...  # db_session is already scoped to access.tenant

        @post("/{order_id:uuid}/refund", access=VenueAccess(Role.OWNER))
        async def refund(self, access: NamedDependency[VenueMember]) -> OrderOut: ...

    @get("/api/v1/public/things", access=PUBLIC)
    async def things() -> list[ThingOut]: ...

The values a handler may ask for, loaded in the request's own ``db_session`` (so that
it can change them), provided by ``access_dependencies()``:

``access: VenueMember``
    The venue, the signed-in person and their role there (``VenueAccess`` routes).
``user: User``
    The signed-in person (any policy but ``PUBLIC``).

``Role`` and ``User`` are exported here too, so that a controller that declares access
needs nothing else from the venues domain.

Asking for one on a route whose policy does not provide it is a 500 (a programming
error), never a silent ``None``. An optional "who is looking" on a public page is
``current_user`` from ``neutralpoint.tenants.auth``.

How it runs: the guard (``neutralpoint.web.access.enforce_access``) checks the policy in a
short database session of its own, because guards run before dependencies; it records a
``Grant`` on the request, and the request's ``db_session`` starts scoped as the grant says
(``neutralpoint.database.tenancy.RequestScope``). Core packages that may not import a
domain declare ``PUBLIC`` from ``neutralpoint.web.access`` (the same object as here).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    InternalServerException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.tenancy import Actor, RequestScope, use_tenant
from neutralpoint.refusals import FormErrors
from neutralpoint.tenants import second_factor
from neutralpoint.tenants.auth import signed_in_user
from neutralpoint.tenants.models import Membership, Role, Tenant, TenantStatus, User
from neutralpoint.web.access import GRANT_KEY, PUBLIC, AccessPolicy, Grant, declared_policy, enforce_access
from neutralpoint.web.api_errors import ErrorsOut, refusal_response
from neutralpoint.web.errors import wants_html

__all__ = [
    "PLATFORM_ADMIN",
    "PUBLIC",
    "SECOND_FACTOR_SETUP_OPT",
    "SIGNED_IN",
    "AccessPolicy",
    "Role",
    "User",
    "VenueAccess",
    "VenueMember",
    "access_dependencies",
    "declared_policy",
    "enforce_access",
]

log = logging.getLogger("neutralpoint.access")

ROLE_RANK: Final = {Role.STAFF: 1, Role.MANAGER: 2, Role.OWNER: 3}
#: Where a platform admin turns on two-step sign-in.
SETUP_PAGE: Final = "/account/two-factor"


@dataclass(frozen=True)
class VenueMember:
    """The signed-in person acting in one venue, with their role there."""

    tenant: Tenant
    user: User
    role: Role

    def allows(self, needed: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[needed]


#: Route ``opt`` key: the route stays open to a platform admin who has yet to turn on two-step
#: sign-in (its own pages and API); every other non-public route sends them there first.
SECOND_FACTOR_SETUP_OPT: Final = "second_factor_setup"


class SecondFactorSetupRequiredError(PermissionDeniedException):
    """A platform admin in production without two-step sign-in asked for anything but its setup."""


async def _signed_in_user(connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> User:
    user = await signed_in_user(connection, session)
    if user is None:
        raise NotAuthorizedException("Please sign in")
    if second_factor.setup_required(connection.app.state.settings, user) and not connection.route_handler.opt.get(
        SECOND_FACTOR_SETUP_OPT
    ):
        raise SecondFactorSetupRequiredError("Turn on two-step sign-in first")
    return user


def _setup_required() -> FormErrors:
    return FormErrors({"second_factor": second_factor.SETUP_REQUIRED}, status_code=403)


#: How the API documents ``SecondFactorSetupRequiredError`` on the routes it can reach.
SECOND_FACTOR_REQUIRED_RESPONSE: Final = ResponseSpec(
    data_container=ErrorsOut,
    description=(
        "In production, a platform admin who has not turned on two-step sign-in: nothing but "
        "/api/v1/account/two-factor until it is on (error on ``second_factor``)"
    ),
    examples=[Example(summary="Two-step sign-in first", value=msgspec.to_builtins(ErrorsOut.of(_setup_required())))],
)


def _second_factor_refusal(handler: BaseRouteHandler) -> dict[int, ResponseSpec]:
    """403 on every signed-in route but those of two-step sign-in's own setup."""
    return {} if handler.opt.get(SECOND_FACTOR_SETUP_OPT) else {403: SECOND_FACTOR_REQUIRED_RESPONSE}


def second_factor_setup_response(request: Request[Any, Any, Any], _: SecondFactorSetupRequiredError) -> Response[Any]:
    """The application's answer to ``SecondFactorSetupRequiredError``: pages go to the setup
    page, the API answers 403 on ``second_factor``."""
    if wants_html(request):
        return Redirect(path=SETUP_PAGE + "?required=1", status_code=303)
    return refusal_response(_setup_required())


class _SignedIn(AccessPolicy):
    """A signed-in person (the ``user`` dependency); anyone else a 401."""

    name = "SIGNED_IN"

    async def check(self, connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> Grant:
        user = await _signed_in_user(connection, session)
        return Grant(user_id=user.id, scope=RequestScope(actor=Actor(user.id, user.email)))

    def documented_refusals(self, handler: BaseRouteHandler) -> dict[int, ResponseSpec]:
        return _second_factor_refusal(handler)


class _PlatformAdmin(AccessPolicy):
    """A platform admin, whose session sees every venue; anyone else a 404 (not signed in: 401)."""

    name = "PLATFORM_ADMIN"

    async def check(self, connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> Grant:
        user = await _signed_in_user(connection, session)
        if not user.is_platform_admin:
            raise NotFoundException()
        return Grant(user_id=user.id, scope=RequestScope(all_venues=True, actor=Actor(user.id, user.email, "platform")))

    def documented_refusals(self, handler: BaseRouteHandler) -> dict[int, ResponseSpec]:
        return _second_factor_refusal(handler)


class VenueAccess(AccessPolicy):
    """A member of the venue in the path (``slug``) whose role is at least ``min_role``
    (``"staff"`` < ``"manager"`` < ``"owner"``); anyone else a 404 (not signed in: 401)."""

    def __init__(self, min_role: Role | str = Role.STAFF, *, slug_param: str = "slug") -> None:
        self.min_role = Role(min_role)
        self.slug_param = slug_param
        self.name = f"VenueAccess({self.min_role.name})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VenueAccess) and (other.min_role, other.slug_param) == (self.min_role, self.slug_param)

    def __hash__(self) -> int:
        return hash((VenueAccess, self.min_role, self.slug_param))

    async def check(self, connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> Grant:
        user = await _signed_in_user(connection, session)
        slug = connection.path_params.get(self.slug_param)
        if not isinstance(slug, str):
            raise InternalServerException()
        tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
        if tenant is None or (tenant.status == TenantStatus.SUSPENDED and not user.is_platform_admin):
            raise NotFoundException()
        use_tenant(session, tenant.id)
        role = (
            await session.execute(select(Membership.role).where(Membership.user_id == user.id))
        ).scalar_one_or_none()
        if role is None or ROLE_RANK[role] < ROLE_RANK[self.min_role]:
            raise NotFoundException()
        actor = Actor(user.id, user.email, Role(role).value)
        return Grant(
            user_id=user.id, tenant_id=tenant.id, role=role, scope=RequestScope(tenant_id=tenant.id, actor=actor)
        )

    def documented_refusals(self, handler: BaseRouteHandler) -> dict[int, ResponseSpec]:
        return _second_factor_refusal(handler)


SIGNED_IN: Final[AccessPolicy] = _SignedIn()
PLATFORM_ADMIN: Final[AccessPolicy] = _PlatformAdmin()


def _grant(request: Request[Any, Any, Any]) -> Grant:
    grant = request.state.get(GRANT_KEY)
    if not isinstance(grant, Grant) or grant.user_id is None:
        log.error("%s asks for the signed-in person, but its access policy is PUBLIC", request.url.path)
        raise InternalServerException()
    return grant


async def provide_user(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> User:
    user = await db_session.get(User, _grant(request).user_id)
    if user is None:  # deleted between the guard and here
        raise NotAuthorizedException("Please sign in")
    return user


async def provide_venue_member(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
) -> VenueMember:
    grant = _grant(request)
    if grant.tenant_id is None or grant.role is None:
        log.error("%s asks for a venue member, but its access policy is not VenueAccess", request.url.path)
        raise InternalServerException()
    tenant = await db_session.get(Tenant, grant.tenant_id)
    user = await db_session.get(User, grant.user_id)
    if tenant is None or user is None:
        raise NotFoundException()
    return VenueMember(tenant=tenant, user=user, role=Role(grant.role))


def access_dependencies() -> dict[str, Provide]:
    """The values handlers may ask for; the application registers them once."""
    return {"user": Provide(provide_user), "access": Provide(provide_venue_member)}
