"""Who is signed in: passwords, and the session cookie that holds only the user's id.

What a signed-in person may reach is declared on each route (``neutralpoint.tenants.access``).
"""

from __future__ import annotations

import uuid
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request
from litestar.connection import ASGIConnection
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.refusals import problem
from neutralpoint.settings import PRODUCTION_PASSWORD_HASHING, PasswordHashing
from neutralpoint.tenants.models import User

SESSION_USER_KEY = "user_id"
#: The one answer to a failed sign-in, on the page and in the API: it never says which was wrong.
LOGIN_FAILED = problem("login_failed", "The e-mail address or the password is wrong.", "电子邮箱或密码不正确。")


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


def session_user_id(request: ASGIConnection[Any, Any, Any, Any]) -> uuid.UUID | None:
    raw = (request.session or {}).get(SESSION_USER_KEY) if "session" in request.scope else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


async def current_user(request: Request[Any, Any, Any], session: AsyncSession) -> User | None:
    user_id = session_user_id(request)
    return await session.get(User, user_id) if user_id else None
