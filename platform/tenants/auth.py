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

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request
from litestar.exceptions import NotAuthorizedException, NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.tenancy import disable_scopes, use_tenant
from neutralpoint.settings import PRODUCTION_PASSWORD_HASHING, PasswordHashing
from neutralpoint.tenants.models import Membership, Role, Tenant, TenantStatus, User

SESSION_USER_KEY = "user_id"
ROLE_RANK = {Role.STAFF: 1, Role.MANAGER: 2, Role.OWNER: 3}


def _hasher_for(parameters: PasswordHashing) -> PasswordHasher:
    return PasswordHasher(
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_kib,
        parallelism=parameters.parallelism,
        type=Type.ID,
    )


class _PasswordHashing:
    """The process's argon2 parameters: production strength until ``configure_password_hashing``
    is called with the settings' ones (the app, the CLI and the test suite do so at start-up)."""

    def __init__(self) -> None:
        self.configure(PRODUCTION_PASSWORD_HASHING)

    def configure(self, parameters: PasswordHashing) -> None:
        self.parameters = parameters
        self.hasher = _hasher_for(parameters)
        self._decoy_hash: str | None = None

    @property
    def decoy_hash(self) -> str:
        """Unknown e-mails are checked against this hash, so that they cost what a real one does."""
        if self._decoy_hash is None:
            self._decoy_hash = self.hasher.hash("a password nobody has, to spend the same time on unknown e-mails")
        return self._decoy_hash


_current = _PasswordHashing()


def configure_password_hashing(parameters: PasswordHashing) -> None:
    """Hash new passwords with ``parameters`` from now on; existing hashes keep verifying."""
    if parameters != _current.parameters:
        _current.configure(parameters)


def password_hashing() -> PasswordHashing:
    return _current.parameters


def hash_password(password: str) -> str:
    return _current.hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches, whatever parameters ``password_hash`` was made with."""
    try:
        return _current.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_decoy(password: str) -> None:
    """Spend on an unknown e-mail the time a real check takes, and learn nothing."""
    verify_password(_current.decoy_hash, password)


def password_needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current ones."""
    try:
        return _current.hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


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
