"""Signing in, in about the same time whether or not the address has an account, and slowed
down for whoever keeps failing, without letting a stranger lock the account's holder out.

Every failed sign-in is kept for ``SIGN_IN_WINDOW`` with the SHA-256 of the address and of
the client's network address (whether or not an account has the address, so that known and
unknown addresses answer alike). Three limits follow from them, each a wait after the last
failure that grows with the failures, and none counting a refused attempt:

- **one address from one client**: after ``PAIR_FREE`` failures, 1 s, then 2 s, 4 s, …
  up to ``MAX_WAIT`` (someone guessing one account from one place);
- **one client, any address**: after ``CLIENT_FREE`` failures, 1 s, 2 s, 4 s, … up to
  ``MAX_WAIT`` (someone trying many accounts);
- **one address, any client**: once it has ``ACCOUNT_BUSY`` failures, every client that
  has failed on it waits at least ``ACCOUNT_WAIT`` between tries (many places guessing one
  account).

A client that has not failed on an address is never refused for that address's failures:
while a stranger hammers an address, its holder signs in at once from their own device,
and after a typing mistake waits ``ACCOUNT_WAIT`` at most. What the limits cannot tell
apart is two people behind one network address.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.refusals import FieldError, FormErrors, problem
from neutralpoint.settings import Settings
from neutralpoint.tenants import second_factor
from neutralpoint.tenants.auth import password_needs_rehash, verify_decoy
from neutralpoint.tenants.models import SignInFailure, User
from neutralpoint.tenants.passwords import hash_password_async, verify_password_async

T = TypeVar("T")

#: How long a failure counts.
SIGN_IN_WINDOW = timedelta(minutes=15)
#: Failures of one address from one client before its next tries wait.
PAIR_FREE = 3
#: Failures of one client, whatever the addresses, before its next tries wait.
CLIENT_FREE = 10
#: Failures of one address from anywhere that make every client that failed on it slow down.
ACCOUNT_BUSY = 10
#: The least wait of such a client (the most its holder waits after a typing mistake).
ACCOUNT_WAIT = timedelta(seconds=30)
#: The longest wait the growing limits reach.
MAX_WAIT = timedelta(minutes=15)


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
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 60:
        en, zh = f"{seconds} seconds", f"{seconds} 秒"
    else:
        minutes = math.ceil(seconds / 60)
        en, zh = f"{minutes} minutes", f"{minutes} 分钟"
    return problem(
        "sign_in_throttled",
        f"Too many failed sign-ins from here. Try again in {en}, or reset your password.",
        f"此处登录失败次数过多。请 {zh}后再试，或重置密码。",
    )


class SignInThrottledError(Exception):
    """Sign-ins of this client for this address are refused for ``wait`` (too many failures)."""

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


def client_key(client: str) -> str:
    """What the failure log keeps instead of the client's network address."""
    return hashlib.sha256(("client:" + client).encode()).hexdigest()


def growing_wait(failures: int, free: int) -> timedelta:
    """No wait for the first ``free`` failures, then 1 s, doubled with each one, up to ``MAX_WAIT``."""
    if failures < free:
        return timedelta(0)
    exponent = min(failures - free, 20)
    return min(timedelta(seconds=2**exponent), MAX_WAIT)


@dataclass(frozen=True)
class _Recent:
    count: int
    last: datetime | None


async def _recent(session: AsyncSession, condition: ColumnElement[bool], since: datetime) -> _Recent:
    row = (
        await session.execute(
            select(func.count(), func.max(SignInFailure.failed_at)).where(SignInFailure.failed_at > since, condition)
        )
    ).one()
    last = row[1]
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return _Recent(int(row[0] or 0), last)


async def sign_in_wait(
    session: AsyncSession, email: str, client: str = "", now: datetime | None = None
) -> timedelta | None:
    """How long this client's sign-ins for this address stay refused, or None when allowed.

    Failures older than the window, of this address or this client, are deleted on the way.
    """
    now = now or datetime.now(UTC)
    address, source = email_key(email), client_key(client)
    since = now - SIGN_IN_WINDOW
    await session.execute(
        delete(SignInFailure)
        .where(
            or_(SignInFailure.email_key == address, SignInFailure.client_key == source),
            SignInFailure.failed_at <= since,
        )
        .execution_options(synchronize_session=False)
    )
    pair = await _recent(
        session, and_(SignInFailure.email_key == address, SignInFailure.client_key == source), since=since
    )
    account = await _recent(session, SignInFailure.email_key == address, since=since)
    from_client = await _recent(session, SignInFailure.client_key == source, since=since)
    waits = []
    if pair.last is not None:
        pair_wait = growing_wait(pair.count, PAIR_FREE)
        if account.count >= ACCOUNT_BUSY:
            pair_wait = max(pair_wait, ACCOUNT_WAIT)
        waits.append(pair.last + pair_wait - now)
    if from_client.last is not None:
        waits.append(from_client.last + growing_wait(from_client.count, CLIENT_FREE) - now)
    wait = max(waits, default=timedelta(0))
    return wait if wait > timedelta(0) else None


async def clear_sign_in_failures(session: AsyncSession, email: str, client: str | None = None) -> None:
    """Forget the address's failures (all of them, or only those of ``client``)."""
    condition = SignInFailure.email_key == email_key(email)
    if client is not None:
        condition = and_(condition, SignInFailure.client_key == client_key(client))
    await session.execute(delete(SignInFailure).where(condition).execution_options(synchronize_session=False))


async def sign_in_attempt(
    session: AsyncSession, email: str, password: str, client: str = "", now: datetime | None = None
) -> User | None:
    """``authenticate``, throttled: raises ``SignInThrottledError`` while this client must
    wait for this address (the password is then not even checked); records a failure, or
    on success forgets this client's failures for the address.

    ``client`` is the client's network address. The failure is written in the request's
    transaction, so callers must answer (not raise) for it to be kept.
    """
    address = (email or "").strip().lower()
    if not address:
        return await authenticate(session, address, password)
    wait = await sign_in_wait(session, address, client, now)
    if wait is not None:
        raise SignInThrottledError(wait)
    user = await authenticate(session, address, password)
    if user is None:
        record_failure(session, address, client, now)
    elif not user.second_factor_on:
        await clear_sign_in_failures(session, address, client)
    # With two-step sign-in on, the failures are forgotten only once the code is right too:
    # else the password, typed again, would make every guess of the code a first one.
    await session.flush()
    return user


def record_failure(session: AsyncSession, email: str, client: str, now: datetime | None = None) -> None:
    """Count a failed sign-in (a wrong password or a wrong code) of ``client`` for ``email``."""
    session.add(
        SignInFailure(email_key=email_key(email), client_key=client_key(client), failed_at=now or datetime.now(UTC))
    )


async def second_step_attempt(
    session: AsyncSession,
    settings: Settings,
    user: User,
    code: str | None,
    client: str = "",
    now: datetime | None = None,
) -> bool:
    """Whether ``code`` completes the sign-in of ``user``, throttled as passwords are: raises
    ``SignInThrottledError`` while this client must wait for this address (the code is then
    not even checked); a wrong code counts as a failed sign-in, a right one forgets this
    client's failures for the address. Callers answer (not raise) so that a failure is kept."""
    wait = await sign_in_wait(session, user.email, client, now)
    if wait is not None:
        raise SignInThrottledError(wait)
    right = await second_factor.code_is_right(session, settings, user, code, now)
    if right:
        await clear_sign_in_failures(session, user.email, client)
    else:
        record_failure(session, user.email, client, now)
    await session.flush()
    return right


SECOND_STEP_MISSING = problem(
    "second_step_missing",
    "No sign-in is waiting for a code here, or it waited too long. Sign in with your password again.",
    "此处没有等待验证码的登录，或等待时间过长。请重新用密码登录。",
)


async def turn_off_attempt(
    session: AsyncSession,
    settings: Settings,
    user: User,
    password: str | None,
    code: str | None,
    client: str = "",
    now: datetime | None = None,
) -> None:
    """``second_factor.turn_off``, throttled as sign-ins are: a wrong password or code counts as
    a failed sign-in (a stolen session cannot guess its way to turning it off)."""
    await _throttled(
        session, user, client, now, lambda: second_factor.turn_off(session, settings, user, password, code, now)
    )


async def new_recovery_codes_attempt(
    session: AsyncSession,
    settings: Settings,
    user: User,
    password: str | None,
    code: str | None,
    client: str = "",
    now: datetime | None = None,
) -> list[str]:
    """``second_factor.new_recovery_codes``, throttled as sign-ins are (a stolen session cannot
    guess the password through it)."""
    def change() -> Awaitable[list[str]]:
        return second_factor.new_recovery_codes(session, settings, user, password, code, now)

    return await _throttled(session, user, client, now, change)


async def _throttled(
    session: AsyncSession, user: User, client: str, now: datetime | None, change: Callable[[], Awaitable[T]]
) -> T:
    """Run ``change``, which checks the password and a code, unless this client must wait for
    this address (``SignInThrottledError``; ``change`` is then not run); a refusal counts
    as a failed sign-in."""
    wait = await sign_in_wait(session, user.email, client, now)
    if wait is not None:
        raise SignInThrottledError(wait)
    try:
        return await change()
    except FormErrors as exc:
        if exc.status_code == 400:
            record_failure(session, user.email, client, now)
            await session.flush()
        raise
