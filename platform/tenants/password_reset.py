"""Resetting a forgotten password with a signed link, which stops working once used."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from neutralpoint import input_rules as rules
from neutralpoint.refusals import Collector, FormErrors, problem
from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants import validation as check
from neutralpoint.tenants.accounts import mailed_recently
from neutralpoint.tenants.addresses import password_reset_link
from neutralpoint.tenants.authentication import clear_sign_in_failures
from neutralpoint.tenants.mail import password_reset_message
from neutralpoint.tenants.models import (
    User,
)
from neutralpoint.tenants.passwords import hash_password_async

RESET_LINK_INVALID = problem(
    "reset_link_invalid",
    "This link does not work any more: it has expired, it was already used, or the password "
    "changed since it was sent. Ask for a new one.",
    "该链接已失效：可能已过期、已被使用，或发送后密码已更改。请重新申请。",
)
PASSWORDS_DIFFER = problem("passwords_differ", "The two passwords are not the same.", "两次输入的密码不一致。")


# --- password reset -------------------------------------------------------------------------------


async def request_password_reset(session: AsyncSession, settings: Settings, email: str, lang: str = "en") -> bool:
    """Mail a reset link if an account has this address, at most once a minute.

    Returns whether a message was queued; callers answer the same either way, so that
    nobody learns which addresses have an account.
    """
    address = (email or "").strip().lower()
    # No account has an address the rule refuses (a NUL in it would fail PostgreSQL's lookup).
    if not address or len(address) > rules.EMAIL_MAX or not rules.EMAIL_PATTERN.match(address):
        return False
    user = (await session.execute(select(User).where(User.email == address))).scalar_one_or_none()
    if user is None:
        return False
    if await mailed_recently(session, user.email, "password_reset"):
        return False
    session.add(password_reset_message(user.email, password_reset_link(settings, user), lang))
    await session.flush()
    return True


async def password_reset_user(
    session: AsyncSession, settings: Settings, token: str, now: datetime | None = None
) -> User | None:
    """The user a reset link is for, while it is valid (not expired, password unchanged)."""
    if not token or len(token) > 200:
        return None
    user_id = tokens.verification_user_id(token)
    user = await session.get(User, user_id) if user_id else None
    if user is None or not tokens.password_reset_valid(
        settings.secret_key, token, user.id, user.email, user.password_hash, now
    ):
        return None
    return user


async def reset_password(
    session: AsyncSession, settings: Settings, token: str, raw: Mapping[str, Any], now: datetime | None = None
) -> User:
    """Set a new password with a reset link; the link stops working with it.

    ``password_confirm``, when given (the HTML form), must repeat ``password``. The new
    hash is stored only if the old one is still there, so two uses of one link at the
    same time cannot both succeed. Clears the address's failed sign-ins and ends every
    session of the account (the caller signs the resetting browser in anew).
    """
    errors = Collector()
    password = check.password(errors, raw)
    confirm = raw.get("password_confirm")
    if confirm is not None and "password" not in errors.errors and str(confirm) != password:
        errors.add("password_confirm", PASSWORDS_DIFFER)
    # Hashed before the user is read: argon2 takes a while, and on SQLite a transaction
    # that reads, waits, then writes fails if anything else wrote in between.
    new_hash = None if errors.errors else await hash_password_async(password)
    user = await password_reset_user(session, settings, token, now)
    if user is None:
        raise FormErrors({"token": RESET_LINK_INVALID})
    errors.raise_if_any()
    assert new_hash is not None
    old_hash = user.password_hash
    # A new session epoch with it: every session of the account ends, a stranger's too.
    epoch = (
        await session.execute(
            update(User)
            .where(User.id == user.id, User.password_hash == old_hash)
            .values(password_hash=new_hash, session_epoch=User.session_epoch + 1)
            .returning(User.session_epoch)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if epoch is None:
        raise FormErrors({"token": RESET_LINK_INVALID})
    set_committed_value(user, "password_hash", new_hash)
    set_committed_value(user, "session_epoch", epoch)
    await clear_sign_in_failures(session, user.email)
    await session.flush()
    return user
