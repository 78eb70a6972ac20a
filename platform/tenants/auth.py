"""Who is signed in: passwords, and the session cookie that holds only the user's id.

What a signed-in person may reach is declared on each route (``neutralpoint.tenants.access``).
"""

from __future__ import annotations

import uuid
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request
from litestar.connection import ASGIConnection
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.tenants.models import User

SESSION_USER_KEY = "user_id"

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


def session_user_id(request: ASGIConnection[Any, Any, Any, Any]) -> uuid.UUID | None:
    raw = (request.session or {}).get(SESSION_USER_KEY) if "session" in request.scope else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


async def current_user(request: Request[Any, Any, Any], session: AsyncSession) -> User | None:
    user_id = session_user_id(request)
    return await session.get(User, user_id) if user_id else None
