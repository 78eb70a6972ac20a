"""The mechanism behind declared access: the ``access`` key of a route's ``opt``, and
the application's one guard that enforces it on every route.

The policies themselves, and the values handlers ask for, are in
``neutralpoint.tenants.access`` (they need the venues, members and users); core routes
that serve anyone declare ``PUBLIC`` from here.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.exceptions import InternalServerException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.tenancy import REQUEST_SCOPE_KEY, RequestScope

log = logging.getLogger("neutralpoint.access")

#: The ``opt`` key under which a route declares its policy.
OPT_KEY: Final = "access"
#: Request-state key of the ``Grant``.
GRANT_KEY: Final = "neutralpoint.access_grant"


@dataclass(frozen=True)
class Grant:
    """What the guard established for this request: who, in which venue with which role,
    and the scope the request's database session starts with."""

    user_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    role: str | None = None
    scope: RequestScope | None = None


class AccessPolicy:
    """Base of the policies; ``check`` returns the grant or raises (401, 404)."""

    #: How the route table test and the logs name it.
    name: str = "policy"
    #: A public policy is answered without a database session.
    public: bool = False

    async def check(self, connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> Grant:
        raise NotImplementedError

    def documented_refusals(self, handler: BaseRouteHandler) -> dict[int, ResponseSpec]:
        """The answers besides 401 and 404 that ``check`` may give on ``handler``, for its
        OpenAPI operation (``web.api_errors.document_error_responses``)."""
        return {}

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and repr(other) == repr(self)

    def __hash__(self) -> int:
        return hash((type(self), repr(self)))

    def __copy__(self) -> AccessPolicy:
        return self  # immutable: Litestar copies route handlers, and their ``opt``, per layer

    def __deepcopy__(self, memo: dict[int, Any]) -> AccessPolicy:
        return self


class _Public(AccessPolicy):
    """Anyone, signed in or not; the route scopes its own reads to a venue."""

    name = "PUBLIC"
    public = True

    async def check(self, connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> Grant:
        return Grant()


PUBLIC: Final[AccessPolicy] = _Public()


def declared_policy(handler: BaseRouteHandler) -> AccessPolicy | None:
    """The policy a route handler declares (after its layers' ``opt`` are merged), if any.

    The ``OPTIONS`` answer Litestar adds to every path (its ``Allow`` header, no code of
    ours) is public.
    """
    if _is_automatic_options(handler):
        # Before ``opt``: Litestar gives it the ``opt`` of whichever handler made the path first.
        return PUBLIC
    policy = handler.opt.get(OPT_KEY)
    return policy if isinstance(policy, AccessPolicy) else None


def _is_automatic_options(handler: BaseRouteHandler) -> bool:
    methods = getattr(handler, "http_methods", None)
    return methods == {"OPTIONS"} and getattr(handler.fn, "__name__", "") == "options_handler"


async def enforce_access(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The application's one guard: check the route's policy and record the grant.

    It runs before any dependency, so the check uses a short session of its own (the
    request's session does not exist yet); the request's session then starts with the
    scope the grant carries.
    """
    policy = declared_policy(handler)
    if policy is None:
        log.error("route %s declares no access policy; refused", connection.url.path)
        raise InternalServerException()
    if policy.public:
        return
    async with connection.app.state.db.sessionmaker() as session:
        grant = await policy.check(connection, session)
    connection.state[GRANT_KEY] = grant
    if grant.scope is not None:
        connection.state[REQUEST_SCOPE_KEY] = grant.scope


def public_opt(**opt: Any) -> dict[str, Any]:
    """``opt`` for a router (static files, the OpenAPI documents) that serves anyone."""
    return {OPT_KEY: PUBLIC, **opt}
