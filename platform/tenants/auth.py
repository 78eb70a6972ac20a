"""Who is signed in, and what they may reach.

The session cookie holds only the user's id. Venue routes resolve the venue from the
path, check the membership and then scope the request's database session to that
venue; a venue the user does not belong to is a 404, never a 403. Platform-admin
routes disable tenant scopes explicitly, as pretix's ``scopes_disabled()`` does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request
from litestar.exceptions import NotAuthorizedException, NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.tenancy import disable_scopes, use_tenant
from neutralpoint.tenants.models import Membership, Role, Tenant, TenantStatus, User

SESSION_USER_KEY = "user_id"
ROLE_RANK = {Role.STAFF: 1, Role.MANAGER: 2, Role.OWNER: 3}

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(request: Request[Any, Any, Any], user: User) -> None:
    request.clear_session()
    request.set_session({SESSION_USER_KEY: str(user.id)})


def sign_out(request: Request[Any, Any, Any]) -> None:
    request.clear_session()


def session_user_id(request: Request[Any, Any, Any]) -> uuid.UUID | None:
    raw = (request.session or {}).get(SESSION_USER_KEY) if "session" in request.scope else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


async def current_user(request: Request[Any, Any, Any], session: AsyncSession) -> User | None:
    user_id = session_user_id(request)
    return await session.get(User, user_id) if user_id else None


async def require_user(request: Request[Any, Any, Any], session: AsyncSession) -> User:
    user = await current_user(request, session)
    if user is None:
        raise NotAuthorizedException("Please sign in")
    return user


@dataclass(frozen=True)
class VenueAccess:
    """The signed-in user acting in one venue, with their role there."""

    tenant: Tenant
    user: User
    role: Role

    def allows(self, needed: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[needed]


async def venue_access(
    request: Request[Any, Any, Any], session: AsyncSession, slug: str, needed: Role = Role.STAFF
) -> VenueAccess:
    """Resolve ``slug``, check the membership, scope ``session`` to the venue.

    Unknown venue, no membership, or too low a role: all 404, so that nobody learns
    whether another venue (or an object of it) exists.
    """
    user = await require_user(request, session)
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
    if tenant is None or (tenant.status == TenantStatus.SUSPENDED and not user.is_platform_admin):
        raise NotFoundException()
    use_tenant(session, tenant.id)
    membership = (
        await session.execute(select(Membership).where(Membership.user_id == user.id))
    ).scalar_one_or_none()
    if membership is None or ROLE_RANK[membership.role] < ROLE_RANK[needed]:
        raise NotFoundException()
    return VenueAccess(tenant=tenant, user=user, role=membership.role)


async def platform_admin(request: Request[Any, Any, Any], session: AsyncSession) -> User:
    """The signed-in platform admin; the session then sees every venue's rows."""
    user = await require_user(request, session)
    if not user.is_platform_admin:
        raise NotFoundException()
    disable_scopes(session)
    return user
