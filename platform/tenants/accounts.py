"""People and their venues: signing up a venue with its owner, confirming the e-mail
address, a person's own account and list of venues, and platform admins.

Sign-up does not say whether an address has an account: for an address that has one it
creates nothing, mails the address's holder instead (someone tried to sign up with it; sign
in or reset the password), and its callers answer exactly as for a new address.

Every function checks all of its raw values and raises ``FormErrors`` naming each bad
field before anything is written. Looking across venues (a person's venues, activating
them on verification) disables the tenant scope explicitly and filters by the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.database.tenancy import scopes_disabled, use_tenant
from neutralpoint.languages import LANGUAGES
from neutralpoint.refusals import Collector, FormErrors, problem
from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants import validation as check
from neutralpoint.tenants.addresses import login_link, password_forgot_link, verification_link
from neutralpoint.tenants.mail import signup_attempt_message, verification_message
from neutralpoint.tenants.models import (
    Membership,
    OutboxMessage,
    Role,
    Tenant,
    TenantStatus,
    User,
)
from neutralpoint.tenants.passwords import hash_password_async, verify_password_async

RESEND_INTERVAL = timedelta(seconds=60)


WRONG_PASSWORD = problem("wrong_password", "This is not your current password.", "当前密码不正确。")


@dataclass(frozen=True)
class SignupResult:
    """What a sign-up did. ``tenant`` and ``user`` are None when the address already had
    an account: nothing was created and its holder was mailed; callers answer alike."""

    slug: str
    name: str
    email: str
    tenant: Tenant | None
    user: User | None


async def _slug_taken(session: AsyncSession, slug: str) -> bool:
    return (await session.execute(select(Tenant.id).where(Tenant.slug == slug))).first() is not None


async def email_taken(session: AsyncSession, email: str) -> bool:
    return (await session.execute(select(User.id).where(User.email == email))).first() is not None


async def signup(
    session: AsyncSession,
    settings: Settings,
    raw: Mapping[str, Any],
    *,
    current_user: User | None = None,
    lang: str = "en",
) -> SignupResult:
    """A new venue with its owner. A new owner's venue waits (pending) until the e-mail
    address is confirmed; a signed-in owner with a confirmed address gets it active."""
    errors = Collector()
    name = check.required_text(errors, raw, "name", rules.NAME_MAX)
    slug = check.slug(errors, raw)
    if current_user is None:
        email = check.email(errors, raw)
        password = check.password(errors, raw)
    else:
        email, password = current_user.email, ""
    if "slug" not in errors.errors and await _slug_taken(session, slug):
        errors.add("slug", check.SLUG_TAKEN)
    errors.raise_if_any()

    # Hashed whether or not the address has an account, so that both take the same time.
    password_hash = await hash_password_async(password) if current_user is None else ""
    if current_user is None and await email_taken(session, email):
        return await _signup_attempted(session, settings, slug, name, email, lang)
    verified = current_user is not None and current_user.email_verified_at is not None
    try:
        async with session.begin_nested():
            user = current_user or User(email=email, name="", password_hash=password_hash)
            session.add(user)
            tenant = Tenant(
                slug=slug,
                name=name,
                display_name=name,
                contact_email=email,
                status=TenantStatus.ACTIVE if verified else TenantStatus.PENDING,
                default_language=lang if lang in LANGUAGES else "en",
            )
            session.add(tenant)
            await session.flush()
    except IntegrityError:
        # Someone took the address or the e-mail between our check and our insert.
        if await _slug_taken(session, slug):
            raise FormErrors({"slug": check.SLUG_TAKEN}) from None
        return await _signup_attempted(session, settings, slug, name, email, lang)
    use_tenant(session, tenant.id)
    session.add(Membership(user_id=user.id, role=Role.OWNER))
    if not verified:
        link = verification_link(settings, user)
        session.add(verification_message(user.email, tenant.display_name_in(lang), link, lang))
    await session.flush()
    return SignupResult(slug=slug, name=name, email=user.email, tenant=tenant, user=user)


async def _signup_attempted(
    session: AsyncSession, settings: Settings, slug: str, name: str, email: str, lang: str
) -> SignupResult:
    """The address has an account: tell its holder (at most once a minute), create nothing."""
    if not await mailed_recently(session, email, "signup_attempt"):
        session.add(signup_attempt_message(email, login_link(settings), password_forgot_link(settings), lang))
        await session.flush()
    return SignupResult(slug=slug, name=name, email=email, tenant=None, user=None)


async def mailed_recently(session: AsyncSession, email: str, kind: str) -> bool:
    """Whether a mail of this kind went to this address within ``RESEND_INTERVAL``."""
    since = datetime.now(UTC) - RESEND_INTERVAL
    # The outbox is the platform's (mails to anyone, links in them): no venue's scope reads it.
    with scopes_disabled(session):
        recent = await session.execute(
            select(OutboxMessage.id)
            .where(OutboxMessage.recipient == email, OutboxMessage.kind == kind, OutboxMessage.created_at > since)
            .limit(1)
        )
        return recent.first() is not None


async def queue_verification(
    session: AsyncSession, settings: Settings, user: User, venue_name: str, lang: str = "en"
) -> bool:
    """Mail a fresh verification link, at most once a minute; False when nothing was queued."""
    if user.email_verified_at is not None:
        return False
    if await mailed_recently(session, user.email, "verify_email"):
        return False
    session.add(verification_message(user.email, venue_name, verification_link(settings, user), lang))
    await session.flush()
    return True


async def verify_email(session: AsyncSession, settings: Settings, token: str) -> User | None:
    """Confirm the address the token was signed for and activate the venues its owner waited for."""
    user_id = tokens.verification_user_id(token)
    user = await session.get(User, user_id) if user_id else None
    if user is None or not tokens.verification_valid(settings.secret_key, token, user.id, user.email):
        return None
    if user.email_verified_at is None:
        user.email_verified_at = datetime.now(UTC)
    owned = select(Membership.tenant_id).where(Membership.user_id == user.id, Membership.role == Role.OWNER)
    with scopes_disabled(session):
        await session.execute(
            update(Tenant)
            .where(Tenant.id.in_(owned), Tenant.status == TenantStatus.PENDING)
            .values(status=TenantStatus.ACTIVE)
            .execution_options(synchronize_session=False)
        )
        await session.flush()
    return user


@dataclass(frozen=True)
class VenueMembership:
    tenant: Tenant
    role: Role


async def venues_of(session: AsyncSession, user: User) -> list[VenueMembership]:
    """Every venue this person belongs to (across venues, so scopes are disabled)."""
    with scopes_disabled(session):
        rows = await session.execute(
            select(Tenant, Membership.role)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id)
            .order_by(Tenant.display_name, Tenant.slug)
        )
    return [VenueMembership(tenant=tenant, role=role) for tenant, role in rows.all()]


async def update_account(session: AsyncSession, user: User, raw: Mapping[str, Any]) -> bool:
    """Name, and the password when a new one is given (which needs the current one).

    A new password ends every session of the person (their ``session_epoch`` rises); the
    caller starts a new one for the browser that changed it. Returns whether it did."""
    errors = Collector()
    name = check.optional_text(errors, raw, "name", rules.NAME_MAX)
    new_password = str(raw.get("new_password") or "")
    if new_password:
        check.password(errors, raw, "new_password")
        if not await verify_password_async(user.password_hash, str(raw.get("current_password") or "")):
            errors.add("current_password", WRONG_PASSWORD)
    errors.raise_if_any()
    user.name = name or ""
    if new_password:
        user.password_hash = await hash_password_async(new_password)
        user.session_epoch += 1
    await session.flush()
    return bool(new_password)


async def end_all_sessions(session: AsyncSession, user: User) -> None:
    """"Sign out everywhere": every session of this person ends at its next request."""
    user.session_epoch += 1
    await session.flush()


# --- platform admins ------------------------------------------------------------------------------


async def ensure_platform_admin(session: AsyncSession, email: str, password: str) -> str:
    """Create a platform admin, or make an existing user one (their password stays as it is)."""
    errors = Collector()
    address = check.email(errors, {"email": email})
    existing = (await session.execute(select(User).where(User.email == address))).scalar_one_or_none()
    if existing is None:
        check.password(errors, {"password": password})
    if errors:
        raise ValueError("; ".join(f"{name}: {error.message('en')}" for name, error in errors.errors.items()))
    if existing is not None:
        if existing.is_platform_admin:
            return f"{address} is already a platform admin (password unchanged)"
        existing.is_platform_admin = True
        await session.flush()
        return f"{address} is now a platform admin (password unchanged)"
    session.add(
        User(
            email=address,
            name="",
            password_hash=await hash_password_async(password),
            is_platform_admin=True,
            email_verified_at=datetime.now(UTC),
        )
    )
    await session.flush()
    return f"created platform admin {address}"
