"""Two-step sign-in: a time-based one-time code (TOTP, RFC 6238, through ``pyotp``) after the
password, with single-use recovery codes for a lost phone.

Turning it on takes two steps: ``start`` makes a secret (shown once, as a QR code of its
``otpauth://`` address and as text), and ``confirm`` switches it on only when a code made
from that secret is right, then hands out the recovery codes, shown that one time. The
secret is kept encrypted (AES-GCM under a key derived from ``SECRET_KEY``: changing that key
turns every account's two-step sign-in into one that only a recovery code opens), is never
shown again once on, and never logged. Only the SHA-256 of each recovery code is kept.

A code is accepted within one time step either side of the server's clock, and at most
once: the step of the last accepted code is kept, and that code or an earlier one is refused
(a code seen over someone's shoulder cannot be used after them). Turning it off needs the
password and a current code or a recovery code; making new recovery codes (the old ones stop
working) needs the password and a current code from the app.

Platform admins must have it on in production (``setup_required``); in development it is
optional for everyone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.refusals import Collector, problem, refuse
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import RecoveryCode, User
from neutralpoint.tenants.passwords import verify_password_async

#: The name authenticator apps show above the account's codes.
ISSUER: Final = "NeutralPoint"
#: Seconds a code stands for, and how many steps either side of the server's clock are accepted.
INTERVAL: Final = 30
VALID_WINDOW: Final = 1
DIGITS: Final = 6
#: Recovery codes handed out when turned on; each is 16 characters of base 32 (80 random bits).
RECOVERY_CODE_COUNT: Final = 10
_RECOVERY_ALPHABET: Final = "abcdefghijkmnpqrstuvwxyz23456789"
_SEALED_PREFIX: Final = "v1:"
_NOT_CODE_CHARACTERS = re.compile(r"[\s-]+")

CODE_FIELD: Final = "code"
CODE_REQUIRED = problem(
    "code_required",
    "Enter the 6-digit code from your authenticator app, or a recovery code.",
    "请输入身份验证器应用中的 6 位验证码，或一个恢复码。",
)
APP_CODE_REQUIRED = problem(
    "app_code_required",
    "Enter the current 6-digit code from your authenticator app (a recovery code does not work here).",
    "请输入身份验证器应用中当前的 6 位验证码（此处不能使用恢复码）。",
)
CODE_WRONG = problem(
    "code_wrong",
    "This code is not right, or was used already. Enter the current code from your authenticator app.",
    "验证码不正确或已被使用。请输入身份验证器应用中的当前验证码。",
)
ALREADY_ON = problem(
    "second_factor_on",
    "Two-step sign-in is already on for this account.",
    "此账户已开启两步登录。",
)
NOT_STARTED = problem(
    "second_factor_not_started",
    "Start setting up two-step sign-in first: there is no secret to confirm.",
    "请先开始设置两步登录：目前没有待确认的密钥。",
)
NOT_ON = problem("second_factor_off", "Two-step sign-in is not on for this account.", "此账户尚未开启两步登录。")
PASSWORD_WRONG = problem("password_wrong", "The password is not right.", "密码不正确。")
SETUP_REQUIRED = problem(
    "second_factor_required",
    "Platform admins must turn on two-step sign-in before anything else.",
    "平台管理员须先开启两步登录，才能进行其他操作。",
)


@dataclass(frozen=True)
class SetupSteps:
    """What an authenticator app needs to make the account's codes: the secret, as text and as
    an ``otpauth://`` address (which the page draws as a QR code)."""

    secret: str
    uri: str


def _key(settings: Settings) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"neutralpoint totp secret").derive(
        settings.secret_key.encode()
    )


def seal(settings: Settings, secret: str, user: User) -> str:
    """``secret`` encrypted for ``user`` alone (their id is the associated data)."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_key(settings)).encrypt(nonce, secret.encode(), str(user.id).encode())
    return _SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(settings: Settings, sealed: str, user: User) -> str:
    raw = base64.urlsafe_b64decode(sealed.removeprefix(_SEALED_PREFIX).encode())
    return AESGCM(_key(settings)).decrypt(raw[:12], raw[12:], str(user.id).encode()).decode()


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)


def setup_required(settings: Settings, user: User) -> bool:
    """A platform admin in production without two-step sign-in: nothing else until it is on."""
    return user.is_platform_admin and settings.environment == "production" and not user.second_factor_on


def pending_steps(settings: Settings, user: User) -> SetupSteps | None:
    """The secret being set up (started, not yet confirmed), or None."""
    if user.totp_secret is None or user.totp_enabled_at is not None:
        return None
    secret = unseal(settings, user.totp_secret, user)
    return SetupSteps(secret=secret, uri=_totp(secret).provisioning_uri(name=user.email, issuer_name=ISSUER))


async def start(session: AsyncSession, settings: Settings, user: User) -> SetupSteps:
    """A new secret for ``user``, kept until a code confirms it (409 when already on)."""
    if user.second_factor_on:
        raise refuse(CODE_FIELD, ALREADY_ON, status_code=409)
    user.totp_secret = seal(settings, pyotp.random_base32(), user)
    user.totp_enabled_at = None
    user.totp_last_step = None
    await session.flush()
    steps = pending_steps(settings, user)
    assert steps is not None
    return steps


def _clean(code: str | None) -> str:
    return _NOT_CODE_CHARACTERS.sub("", code or "").lower()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is, within ``VALID_WINDOW`` of ``now``; None if none."""
    totp = _totp(secret)
    current = int(now.timestamp()) // INTERVAL
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def _take_step(session: AsyncSession, user: User, step: int) -> bool:
    """Record ``step`` as the last accepted one, unless it or a later one was accepted already
    (one conditional update, so two requests with the same code cannot both pass)."""
    taken = await session.execute(
        update(User)
        .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    user.totp_last_step = step
    return True


def recovery_code_hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


async def _use_recovery_code(session: AsyncSession, user: User, code: str, now: datetime) -> bool:
    used = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == recovery_code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(used.rowcount)  # type: ignore[attr-defined]


async def code_is_right(
    session: AsyncSession, settings: Settings, user: User, code: str | None, now: datetime | None = None
) -> bool:
    """Whether ``code`` is a current TOTP code not used before, or an unused recovery code, of
    ``user`` (whose two-step sign-in is on); either is used up by this call."""
    if not user.second_factor_on or user.totp_secret is None:
        return False
    now = now or datetime.now(UTC)
    cleaned = _clean(code)
    if cleaned.isdigit() and len(cleaned) == DIGITS:
        step = _matching_step(unseal(settings, user.totp_secret, user), cleaned, now)
        return step is not None and await _take_step(session, user, step)
    return bool(cleaned) and await _use_recovery_code(session, user, cleaned, now)


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


async def confirm(
    session: AsyncSession, settings: Settings, user: User, code: str | None, now: datetime | None = None
) -> list[str]:
    """Turn two-step sign-in on when ``code`` is one of the pending secret's; returns the
    recovery codes, in clear this once (400 ``code`` when wrong, 409 when nothing was started)."""
    steps = pending_steps(settings, user)
    if steps is None:
        raise refuse(CODE_FIELD, ALREADY_ON if user.second_factor_on else NOT_STARTED, status_code=409)
    cleaned = _clean(code)
    if not cleaned:
        raise refuse(CODE_FIELD, CODE_REQUIRED)
    now = now or datetime.now(UTC)
    step = _matching_step(steps.secret, cleaned, now) if cleaned.isdigit() and len(cleaned) == DIGITS else None
    if step is None or not await _take_step(session, user, step):
        raise refuse(CODE_FIELD, CODE_WRONG)
    user.totp_enabled_at = now
    return await _replace_recovery_codes(session, user)


async def _check_password_and_code(
    session: AsyncSession,
    settings: Settings,
    user: User,
    password: str | None,
    code: str | None,
    now: datetime | None,
    *,
    app_code_only: bool = False,
) -> None:
    """Refuse unless ``password`` is the account's and ``code`` a current code (or, unless
    ``app_code_only``, a recovery code), which is then used up; 409 when two-step sign-in is off."""
    if not user.second_factor_on:
        raise refuse(CODE_FIELD, NOT_ON, status_code=409)
    errors = Collector()
    if not await verify_password_async(user.password_hash, password or ""):
        errors.add("password", PASSWORD_WRONG)
    cleaned = _clean(code)
    if not cleaned:
        errors.add(CODE_FIELD, APP_CODE_REQUIRED if app_code_only else CODE_REQUIRED)
    elif app_code_only and not (cleaned.isdigit() and len(cleaned) == DIGITS):
        errors.add(CODE_FIELD, APP_CODE_REQUIRED)
    elif not errors and not await code_is_right(session, settings, user, code, now):
        errors.add(CODE_FIELD, CODE_WRONG)
    errors.raise_if_any()


async def turn_off(
    session: AsyncSession,
    settings: Settings,
    user: User,
    password: str | None,
    code: str | None,
    now: datetime | None = None,
) -> None:
    """Turn two-step sign-in off: needs the password and a current code or a recovery code
    (errors on ``password`` and ``code``; 409 when it is not on)."""
    await _check_password_and_code(session, settings, user, password, code, now)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await session.flush()


async def new_recovery_codes(
    session: AsyncSession,
    settings: Settings,
    user: User,
    password: str | None,
    code: str | None,
    now: datetime | None = None,
) -> list[str]:
    """Replace the account's recovery codes (used or not) with ``RECOVERY_CODE_COUNT`` new ones,
    returned in clear this once. Needs the password and a current code from the app: a
    recovery code is not accepted, so that one found on paper cannot buy ten more (errors on
    ``password`` and ``code``; 409 when two-step sign-in is off)."""
    await _check_password_and_code(session, settings, user, password, code, now, app_code_only=True)
    return await _replace_recovery_codes(session, user)


async def _replace_recovery_codes(session: AsyncSession, user: User) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=recovery_code_hash(c)) for c in codes)
    await session.flush()
    return codes


async def recovery_codes_left(session: AsyncSession, user: User) -> int:
    found = await session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return int(found or 0)
