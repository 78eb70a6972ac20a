"""Signing in, in about the same time whether or not the address has an account, and
refused for a while after too many failures for one address."""

from __future__ import annotations

import asyncio
import hashlib
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.refusals import FieldError, problem
from neutralpoint.tenants.auth import password_needs_rehash, verify_decoy
from neutralpoint.tenants.models import (
    SignInFailure,
    User,
)
from neutralpoint.tenants.passwords import hash_password_async, verify_password_async

# After SIGN_IN_LIMIT failed sign-ins for one address within SIGN_IN_WINDOW, that address
# may not sign in (not even with the right password) until the oldest of them is older.
SIGN_IN_LIMIT = 10
SIGN_IN_WINDOW = timedelta(minutes=15)


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """The user with this e-mail and password, else None (in about the same time either way)."""
    address = (email or "").strip().lower()
    user = (await session.execute(select(User).where(User.email == address))).scalar_one_or_none() if address else None
    if user is None:
        await asyncio.to_thread(verify_decoy, password or "")
        return None
    if not await verify_password_async(user.password_hash, password or ""):
        return None
    if password_needs_rehash(user.password_hash):
        # Made with other argon2 parameters than the settings' ones: the password is at hand
        # only now, so this is when the hash can follow them.
        user.password_hash = await hash_password_async(password)
    return user


def sign_in_throttled(wait: timedelta) -> FieldError:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return problem(
        "sign_in_throttled",
        f"Too many failed sign-ins for this address. Try again in {minutes} minutes, or reset your password.",
        f"该邮箱登录失败次数过多。请 {minutes} 分钟后再试，或重置密码。",
    )


class SignInThrottledError(Exception):
    """Sign-ins for this address are refused for ``wait`` (too many failures)."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"sign-in refused for {wait}")
        self.wait = wait

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait.total_seconds()))

    @property
    def error(self) -> FieldError:
        return sign_in_throttled(self.wait)


def email_key(email: str) -> str:
    """What the failure log keeps instead of the address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


async def sign_in_wait(session: AsyncSession, email: str, now: datetime | None = None) -> timedelta | None:
    """How long sign-ins for this address stay refused, or None when they are allowed.

    Failures older than the window are deleted on the way.
    """
    now = now or datetime.now(UTC)
    key = email_key(email)
    since = now - SIGN_IN_WINDOW
    await session.execute(
        delete(SignInFailure)
        .where(SignInFailure.email_key == key, SignInFailure.failed_at <= since)
        .execution_options(synchronize_session=False)
    )
    recent = (
        (
            await session.execute(
                select(SignInFailure.failed_at)
                .where(SignInFailure.email_key == key, SignInFailure.failed_at > since)
                .order_by(SignInFailure.failed_at.desc())
                .limit(SIGN_IN_LIMIT)
            )
        )
        .scalars()
        .all()
    )
    if len(recent) < SIGN_IN_LIMIT:
        return None
    return recent[-1] + SIGN_IN_WINDOW - now


async def clear_sign_in_failures(session: AsyncSession, email: str) -> None:
    await session.execute(
        delete(SignInFailure)
        .where(SignInFailure.email_key == email_key(email))
        .execution_options(synchronize_session=False)
    )


async def sign_in_attempt(session: AsyncSession, email: str, password: str, now: datetime | None = None) -> User | None:
    """``authenticate``, throttled per address: raises ``SignInThrottledError`` while too many
    recent attempts failed; records a failure, or on success clears the count.

    The failure is written in the request's transaction, so callers must answer (not
    raise) for it to be kept.
    """
    address = (email or "").strip().lower()
    if not address:
        return await authenticate(session, address, password)
    wait = await sign_in_wait(session, address, now)
    if wait is not None:
        raise SignInThrottledError(wait)
    user = await authenticate(session, address, password)
    if user is None:
        session.add(SignInFailure(email_key=email_key(address), failed_at=now or datetime.now(UTC)))
    else:
        await clear_sign_in_failures(session, address)
    await session.flush()
    return user
