"""Who is signed in: passwords, and the server-side session (``neutralpoint.tenants.sessions``)
whose cookie holds only a random id.

What a signed-in person may reach is declared on each route (``neutralpoint.tenants.access``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request
from litestar.connection import ASGIConnection
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.refusals import problem
from neutralpoint.settings import PRODUCTION_PASSWORD_HASHING, PasswordHashing
from neutralpoint.tenants.models import User
from neutralpoint.tenants.sessions import EPOCH_KEY, NEW_SESSION_KEY, SINCE_KEY, USER_KEY

SESSION_USER_KEY = USER_KEY
#: Session key of a sign-in waiting for its code (the user's id): not a signed-in session.
SECOND_STEP_KEY: Final = "second_step_user"
#: How long the code may follow the password.
SECOND_STEP_SECONDS: Final = 300
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


def session_data(user: User, since: int | None = None) -> dict[str, Any]:
    """What a signed-in session keeps: who, under which session epoch, since when."""
    started = int(time.time()) if since is None else since
    return {USER_KEY: str(user.id), EPOCH_KEY: user.session_epoch, SINCE_KEY: started}


def sign_in(request: Request[Any, Any, Any], user: User) -> None:
    """Start a new session for ``user``, under a new id (the browser's old one is forgotten)."""
    request.clear_session()
    request.set_session(session_data(user))
    request.state[NEW_SESSION_KEY] = True


def begin_sign_in(request: Request[Any, Any, Any], user: User) -> bool:
    """After the password (or a reset): sign ``user`` in, or, with two-step sign-in on, begin
    its second step (``SECOND_STEP_KEY``), which signs nobody in until the code is right.
    True when signed in."""
    if not user.second_factor_on:
        sign_in(request, user)
        return True
    request.clear_session()
    request.set_session({SECOND_STEP_KEY: str(user.id), EPOCH_KEY: user.session_epoch, SINCE_KEY: int(time.time())})
    request.state[NEW_SESSION_KEY] = True
    return False


async def second_step_user(connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> User | None:
    """The person whose password this browser gave, waiting for their code: for
    ``SECOND_STEP_SECONDS`` after the password, and while the account's sessions are not ended."""
    data = connection.scope.get("session")
    if not isinstance(data, dict):
        return None
    since = data.get(SINCE_KEY)
    try:
        user_id = uuid.UUID(str(data.get(SECOND_STEP_KEY)))
    except ValueError:
        return None
    if not isinstance(since, int) or time.time() - since > SECOND_STEP_SECONDS:
        return None
    user = await session.get(User, user_id)
    if user is None or data.get(EPOCH_KEY) != user.session_epoch or not user.second_factor_on:
        return None
    return user


def sign_out(request: Request[Any, Any, Any]) -> None:
    """End this browser's session: the store forgets it, so a copy of the cookie opens nothing."""
    request.clear_session()


def session_user_id(request: ASGIConnection[Any, Any, Any, Any]) -> uuid.UUID | None:
    """The user id the session names (not yet checked against the user's session epoch)."""
    session = request.scope.get("session")
    raw = session.get(USER_KEY) if isinstance(session, dict) else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


async def signed_in_user(connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> User | None:
    """The person this browser's session is for, while it is valid.

    A session made before the user's last password change, reset or "sign out
    everywhere" (an older ``session_epoch``), or for a user who no longer exists, is
    ended here: this response tells the store and the browser to forget it.
    """
    user_id = session_user_id(connection)
    if user_id is None:
        return None
    user = await session.get(User, user_id)
    data = connection.scope.get("session")
    if user is None or not isinstance(data, dict) or data.get(EPOCH_KEY) != user.session_epoch:
        connection.clear_session()
        return None
    return user


async def current_user(request: Request[Any, Any, Any], session: AsyncSession) -> User | None:
    """Who is looking, on a page anyone may see (``None``: nobody signed in)."""
    return await signed_in_user(request, session)


def end_other_sessions(request: Request[Any, Any, Any], user: User) -> None:
    """After ``user.session_epoch`` was raised: every other session of theirs is over, and
    this browser goes on under a new session of the new epoch."""
    sign_in(request, user)
