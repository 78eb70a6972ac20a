"""The rules of the venues domain, shared by the HTML pages and the JSON API.

Every function takes raw values (strings from a form, or decoded JSON), checks all of
them, and raises ``FormErrors`` naming each bad field before anything is written.
Functions that touch venue-owned rows expect the session to be scoped to the venue
(``auth.venue_access`` does that); the few that must look across venues (a person's list
of venues, activating their venues on e-mail verification, finding an invitation by its
token) disable scopes explicitly and filter by the person's own id or the token.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from neutralpoint.database.tenancy import scopes_disabled, use_tenant
from neutralpoint.geography import City, load_cities
from neutralpoint.languages import LANGUAGES
from neutralpoint.scenarios.forms import FieldError, FormErrors
from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants import validation as check
from neutralpoint.tenants.auth import hash_password, password_needs_rehash, verify_decoy, verify_password
from neutralpoint.tenants.logos import PNG, Logo
from neutralpoint.tenants.mail import invitation_message, password_reset_message, verification_message
from neutralpoint.tenants.models import (
    EntryPoint,
    Invitation,
    Membership,
    OutboxMessage,
    Role,
    SignInFailure,
    Tenant,
    TenantStatus,
    User,
)
from neutralpoint.tenants.validation import Collector, problem

if TYPE_CHECKING:
    # The venues domain does not import the scenarios domain: the registry is handed in.
    from neutralpoint.scenarios.forms import Field
    from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry

RESEND_INTERVAL = timedelta(seconds=60)
# After SIGN_IN_LIMIT failed sign-ins for one address within SIGN_IN_WINDOW, that address
# may not sign in (not even with the right password) until the oldest of them is older.
SIGN_IN_LIMIT = 10
SIGN_IN_WINDOW = timedelta(minutes=15)
ROLES = tuple(role.value for role in Role)

LAST_OWNER = problem(
    "last_owner",
    "A venue needs at least one owner: make someone else owner first.",
    "场所至少需要一位所有者：请先将其他成员设为所有者。",
)
ALREADY_MEMBER = problem("already_member", "This person is already a member of the venue.", "此人已是该场所的成员。")
SCENARIOS_NONE = problem("scenarios_none", "Enable at least one scenario.", "请至少启用一个场景。")
WRONG_PASSWORD = problem("wrong_password", "This is not your current password.", "当前密码不正确。")
RESET_LINK_INVALID = problem(
    "reset_link_invalid",
    "This link does not work any more: it has expired, it was already used, or the password "
    "changed since it was sent. Ask for a new one.",
    "该链接已失效：可能已过期、已被使用，或发送后密码已更改。请重新申请。",
)
PASSWORDS_DIFFER = problem("passwords_differ", "The two passwords are not the same.", "两次输入的密码不一致。")
INVITATION_OTHER_EMAIL = problem(
    "invitation_other_email",
    "This invitation is for another e-mail address. Sign out, then open the link again.",
    "该邀请发给的是另一个电子邮箱。请退出登录后重新打开链接。",
)
INVITATION_SIGN_IN = problem(
    "invitation_sign_in",
    "An account with this e-mail address exists: sign in to accept the invitation.",
    "该电子邮箱已有账户：请登录后接受邀请。",
)


# --- passwords (argon2 is deliberately slow: keep it off the event loop) -------------------


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


# --- addresses ----------------------------------------------------------------------------


def entry_url(settings: Settings, tenant: Tenant, entry: EntryPoint) -> str:
    """What the QR code encodes: the venue's own host when it has one."""
    if tenant.custom_host:
        return f"https://{tenant.custom_host}/{entry.code}"
    return f"{settings.base_url}/v/{tenant.slug}/{entry.code}"


def venue_url(settings: Settings, tenant: Tenant) -> str:
    if tenant.custom_host:
        return f"https://{tenant.custom_host}/"
    return f"{settings.base_url}/v/{tenant.slug}/"


def logo_path(tenant: Tenant) -> str | None:
    """Versioned, so the logo can be cached for a year and still change at once."""
    if not tenant.logo_content_type:
        return None
    return f"/v/{tenant.slug}/logo?v={tenant.logo_version}"


def logo_on_posters(tenant: Tenant) -> bool:
    """Whether posters print the venue's logo: pictures only, since reportlab draws no SVG
    (an SVG logo shows on pages but not on posters, and the branding page says so)."""
    return tenant.logo_content_type == PNG


def verification_link(settings: Settings, user: User) -> str:
    return f"{settings.base_url}/verify?token={tokens.verification_token(settings.secret_key, user.id, user.email)}"


def password_reset_link(settings: Settings, user: User, now: datetime | None = None) -> str:
    token = tokens.password_reset_token(settings.secret_key, user.id, user.email, user.password_hash, now)
    return f"{settings.base_url}/password/reset?token={token}"


def platform_host(settings: Settings) -> str:
    return (urlsplit(settings.base_url).hostname or "").lower()


# --- sign-up, verification, sign-in ----------------------------------------------------------


@dataclass(frozen=True)
class SignupResult:
    tenant: Tenant
    user: User
    created_user: bool


async def _slug_taken(session: AsyncSession, slug: str) -> bool:
    return (await session.execute(select(Tenant.id).where(Tenant.slug == slug))).first() is not None


async def _email_taken(session: AsyncSession, email: str) -> bool:
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
    name = check.required_text(errors, raw, "name", 120)
    slug = check.slug(errors, raw)
    if current_user is None:
        email = check.email(errors, raw)
        password = check.password(errors, raw)
    else:
        email, password = current_user.email, ""
    if "slug" not in errors.errors and await _slug_taken(session, slug):
        errors.add("slug", check.SLUG_TAKEN)
    if current_user is None and "email" not in errors.errors and await _email_taken(session, email):
        errors.add("email", check.EMAIL_TAKEN)
    errors.raise_if_any()

    password_hash = await hash_password_async(password) if current_user is None else ""
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
        raise FormErrors({"email": check.EMAIL_TAKEN}) from None
    use_tenant(session, tenant.id)
    session.add(Membership(user_id=user.id, role=Role.OWNER))
    if not verified:
        session.add(verification_message(user.email, tenant.display_name, verification_link(settings, user), lang))
    await session.flush()
    return SignupResult(tenant=tenant, user=user, created_user=current_user is None)


async def _mailed_recently(session: AsyncSession, email: str, kind: str) -> bool:
    """Whether a mail of this kind went to this address within ``RESEND_INTERVAL``."""
    since = datetime.now(UTC) - RESEND_INTERVAL
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
    if await _mailed_recently(session, user.email, "verify_email"):
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


# --- password reset -------------------------------------------------------------------------------


async def request_password_reset(session: AsyncSession, settings: Settings, email: str, lang: str = "en") -> bool:
    """Mail a reset link if an account has this address, at most once a minute.

    Returns whether a message was queued; callers answer the same either way, so that
    nobody learns which addresses have an account.
    """
    address = (email or "").strip().lower()
    if not address or len(address) > 254:
        return False
    user = (await session.execute(select(User).where(User.email == address))).scalar_one_or_none()
    if user is None:
        return False
    if await _mailed_recently(session, user.email, "password_reset"):
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
    same time cannot both succeed. Clears the address's failed sign-ins.
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
    changed = await session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == old_hash)
        .values(password_hash=new_hash)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise FormErrors({"token": RESET_LINK_INVALID})
    set_committed_value(user, "password_hash", new_hash)
    await clear_sign_in_failures(session, user.email)
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


async def update_account(session: AsyncSession, user: User, raw: Mapping[str, Any]) -> None:
    """Name, and the password when a new one is given (which needs the current one)."""
    errors = Collector()
    name = check.optional_text(errors, raw, "name", 120)
    new_password = str(raw.get("new_password") or "")
    if new_password:
        check.password(errors, raw, "new_password")
        if not await verify_password_async(user.password_hash, str(raw.get("current_password") or "")):
            errors.add("current_password", WRONG_PASSWORD)
    errors.raise_if_any()
    user.name = name or ""
    if new_password:
        user.password_hash = await hash_password_async(new_password)


# --- branding ---------------------------------------------------------------------------------


def city_label(tenant: Tenant, lang: str = "en") -> str:
    if tenant.city_id is None:
        return ""
    city = load_cities().by_id(tenant.city_id)
    return city.label(lang) if city else ""


def _unknown_city(value: str) -> FieldError:
    suggestions = load_cities().suggest(value, 3)
    hint_en = (" Did you mean " + ", ".join(c.label("en") for c in suggestions) + "?") if suggestions else ""
    hint_zh = ("您是否要找：" + "、".join(c.label("zh-Hans") for c in suggestions) + "？") if suggestions else ""
    return FieldError("unknown_city", {"value": value, "suggestions": {"en": hint_en, "zh-Hans": hint_zh}})


def enabled_scenarios(registry: ScenarioRegistry, tenant: Tenant) -> list[LoadedScenario]:
    """The scenarios this venue offers; a venue that never chose offers all that are installed."""
    return registry.ordered(tenant.enabled_scenarios)


async def update_branding(
    session: AsyncSession,
    settings: Settings,
    registry: ScenarioRegistry,
    tenant: Tenant,
    raw: Mapping[str, Any],
) -> None:
    """Change the fields present in ``raw`` (the HTML form sends all; the API only some)."""
    errors = Collector()
    changes: dict[str, Any] = {}
    if "display_name" in raw:
        changes["display_name"] = check.required_text(errors, raw, "display_name", 120)
    if "primary_color" in raw:
        changes["primary_color"] = check.colour(errors, raw)
    if "default_language" in raw:
        changes["default_language"] = check.choice(errors, raw, "default_language", LANGUAGES)
    city: City | None = None
    if "city" in raw:
        typed = check.text_value(raw, "city")
        if typed:
            city = load_cities().find(typed)
            if city is None:
                errors.add("city", _unknown_city(typed))
        changes["city"] = city
    if "custom_host" in raw:
        host = check.hostname(errors, raw)
        if host and "custom_host" not in errors.errors:
            if host == platform_host(settings):
                errors.add("custom_host", check.HOST_IS_PLATFORM)
            elif (
                host != tenant.custom_host
                and (
                    await session.execute(select(Tenant.id).where(Tenant.custom_host == host, Tenant.id != tenant.id))
                ).first()
            ):
                errors.add("custom_host", check.HOST_TAKEN)
        changes["custom_host"] = host
    if "enabled_scenarios" in raw:
        wanted = raw.get("enabled_scenarios") or []
        if isinstance(wanted, str):
            wanted = [wanted]
        installed = [s.id for s in registry.ordered()]
        if not isinstance(wanted, Sequence) or any(str(w) not in installed for w in wanted):
            errors.add("enabled_scenarios", check.UNKNOWN_CHOICE)
        elif installed and not wanted:
            errors.add("enabled_scenarios", SCENARIOS_NONE)
        else:
            changes["enabled_scenarios"] = [s for s in installed if s in {str(w) for w in wanted}]
    errors.raise_if_any()

    for key in ("display_name", "primary_color", "default_language", "custom_host", "enabled_scenarios"):
        if key in changes:
            setattr(tenant, key, changes[key])
    if "city" in changes:
        chosen = changes["city"]
        tenant.city_id = chosen.id if chosen else None
        tenant.latitude = f"{chosen.lat:.4f}" if chosen else None
        tenant.longitude = f"{chosen.lon:.4f}" if chosen else None
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise FormErrors({"custom_host": check.HOST_TAKEN}) from None


def set_logo(tenant: Tenant, logo: Logo | None) -> None:
    """Store (or, with None, remove) the logo; the version moves so caches fetch the new one."""
    tenant.logo = logo.data if logo else None
    tenant.logo_content_type = logo.content_type if logo else None
    tenant.logo_version = (tenant.logo_version or 0) + 1


# --- entry points ------------------------------------------------------------------------------


def preset_fields(scenario: LoadedScenario | None) -> list[Field]:
    """The questions a venue may answer in advance for its visitors: the choice fields."""
    if scenario is None:
        return []
    return [f for f in scenario.form.fields if f.kind == "choice"]


def _presets(errors: Collector, registry: ScenarioRegistry, scenario_id: str, raw_presets: Any) -> dict[str, str]:
    if raw_presets is None:
        return {}
    if not isinstance(raw_presets, Mapping):
        errors.add("presets", check.UNKNOWN_CHOICE)
        return {}
    fields = {f.name: f for f in preset_fields(registry.get(scenario_id))}
    clean: dict[str, str] = {}
    for name, value in raw_presets.items():
        text = str(value or "").strip()
        if not text:
            continue
        found = fields.get(str(name))
        if found is None:
            errors.add(f"presets.{name}", FieldError("unknown_field"))
        elif found.choice(text) is None:
            errors.add(f"presets.{name}", check.UNKNOWN_CHOICE)
        else:
            clean[str(name)] = text
    return clean


async def _code_taken(session: AsyncSession, code: str, other_than: EntryPoint | None = None) -> bool:
    """Whether another entry point of the scoped venue has ``code`` (in any case)."""
    query = select(EntryPoint.id).where(func.upper(EntryPoint.code) == code.upper())
    if other_than is not None:
        query = query.where(EntryPoint.id != other_than.id)
    return (await session.execute(query.limit(1))).first() is not None


def scenario_not_enabled(name: Mapping[str, str]) -> FieldError:
    """The scenario is installed, but this venue has not turned it on: say where to."""
    return check.problem(
        "scenario_not_enabled",
        f"This venue does not offer “{name['en']}” yet: tick it under Branding → Scenarios offered "
        "(enabled_scenarios in the API) first.",
        f"本场馆尚未提供“{name['zh-Hans']}”：请先在“品牌 → 提供的场景”中勾选（API 中为 enabled_scenarios）。",
    )


async def _entry_values(
    session: AsyncSession,
    registry: ScenarioRegistry,
    tenant: Tenant,
    raw: Mapping[str, Any],
    current: EntryPoint | None,
) -> dict[str, Any]:
    """The checked values of ``raw``; a ``code`` only when one was given (a new entry point
    without one gets a random code)."""
    errors = Collector()
    values: dict[str, Any] = {}
    creating = current is None
    if creating or "name" in raw:
        values["name"] = check.required_text(errors, raw, "name", 120)
    if "code" in raw and not (creating and not check.text_value(raw, "code")):
        code = check.entry_code(errors, raw)
        unchanged = current is not None and code == current.code
        if "code" not in errors.errors and not unchanged and await _code_taken(session, code, current):
            errors.add("code", check.ENTRY_CODE_TAKEN)
        values["code"] = code
    if creating or "scenario" in raw:
        allowed = [s.id for s in enabled_scenarios(registry, tenant)]
        values["scenario"] = check.choice(errors, raw, "scenario", allowed)
        installed = registry.get(values["scenario"])
        if installed is not None and errors.errors.get("scenario") is check.UNKNOWN_CHOICE:
            errors.errors["scenario"] = scenario_not_enabled(installed.info.name)
    scenario_id = values.get("scenario", current.scenario if current else "")
    event_name = current.event_name if current else None
    if creating or "event_name" in raw:
        event_name = values["event_name"] = check.optional_text(errors, raw, "event_name", 160)
    starts = current.event_starts_on if current else None
    ends = current.event_ends_on if current else None
    if creating or "event_starts_on" in raw:
        starts = values["event_starts_on"] = check.optional_date(errors, raw, "event_starts_on")
    if creating or "event_ends_on" in raw:
        ends = values["event_ends_on"] = check.optional_date(errors, raw, "event_ends_on")
    if starts and ends and ends < starts:
        errors.add("event_ends_on", check.DATES_REVERSED)
    # Dates belong to an event: without its name, pages and posters would show bare dates.
    if (starts or ends) and not event_name and "event_name" not in errors.errors:
        errors.add("event_name", check.EVENT_NAME_NEEDED)
    scenario_changed = current is not None and scenario_id != current.scenario
    if creating or "presets" in raw:
        values["presets"] = _presets(errors, registry, scenario_id, raw.get("presets"))
    elif scenario_changed:
        values["presets"] = {}
    if creating or "active" in raw:
        values["active"] = check.flag(raw, "active", True)
    errors.raise_if_any()
    return values


async def entry_points(session: AsyncSession) -> list[EntryPoint]:
    return list((await session.execute(select(EntryPoint).order_by(EntryPoint.created_at))).scalars())


async def entry_point(session: AsyncSession, entry_id: uuid.UUID) -> EntryPoint | None:
    return (await session.execute(select(EntryPoint).where(EntryPoint.id == entry_id))).scalar_one_or_none()


async def create_entry_point(
    session: AsyncSession, registry: ScenarioRegistry, tenant: Tenant, raw: Mapping[str, Any]
) -> EntryPoint:
    """A new entry point with the code given in ``raw``, or else a fresh random one."""
    values = await _entry_values(session, registry, tenant, raw, None)
    chosen: str | None = values.pop("code", None)
    for _attempt in range(12):
        candidate = chosen or tokens.new_entry_code()
        if not chosen and (check.entry_code_reserved(candidate) or await _code_taken(session, candidate)):
            continue
        entry = EntryPoint(code=candidate, tenant_id=tenant.id, **values)
        try:
            async with session.begin_nested():
                session.add(entry)
                await session.flush()
        except IntegrityError:
            if chosen:
                # Someone took the code between our check and our insert.
                raise FormErrors({"code": check.ENTRY_CODE_TAKEN}) from None
            continue
        return entry
    raise RuntimeError("no free entry point code found")


async def update_entry_point(
    session: AsyncSession, registry: ScenarioRegistry, tenant: Tenant, entry: EntryPoint, raw: Mapping[str, Any]
) -> None:
    """Change the fields present in ``raw``. A new code takes effect at once: the old address,
    and so every QR code printed with it, stops working."""
    for key, value in (await _entry_values(session, registry, tenant, raw, entry)).items():
        setattr(entry, key, value)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise FormErrors({"code": check.ENTRY_CODE_TAKEN}) from None


async def delete_entry_point(session: AsyncSession, entry: EntryPoint) -> None:
    await session.delete(entry)
    await session.flush()


# --- members and invitations ----------------------------------------------------------------


async def members(session: AsyncSession) -> list[Membership]:
    rows = await session.execute(select(Membership).order_by(Membership.created_at))
    return list(rows.scalars().unique())


async def membership(session: AsyncSession, membership_id: uuid.UUID) -> Membership | None:
    rows = await session.execute(select(Membership).where(Membership.id == membership_id))
    return rows.scalars().unique().one_or_none()


async def open_invitations(session: AsyncSession) -> list[Invitation]:
    now = datetime.now(UTC)
    rows = await session.execute(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.created_at)
    )
    return list(rows.scalars())


async def invite(
    session: AsyncSession, settings: Settings, tenant: Tenant, inviter: User, raw: Mapping[str, Any], lang: str = "en"
) -> Invitation:
    """Invite someone by e-mail; inviting the same address again replaces the open invitation."""
    errors = Collector()
    email = check.email(errors, raw)
    role = check.choice(errors, raw, "role", ROLES)
    if "email" not in errors.errors:
        already = await session.execute(
            select(Membership.id).join(User, User.id == Membership.user_id).where(User.email == email)
        )
        if already.first() is not None:
            errors.add("email", ALREADY_MEMBER)
    errors.raise_if_any()
    for previous in (
        await session.execute(select(Invitation).where(Invitation.email == email, Invitation.accepted_at.is_(None)))
    ).scalars():
        await session.delete(previous)
    token, token_hash = tokens.new_invitation_token()
    invitation = Invitation(
        email=email,
        role=Role(role),
        token_hash=token_hash,
        invited_by=inviter.id,
        expires_at=datetime.now(UTC) + tokens.INVITATION_TTL,
    )
    session.add(invitation)
    link = f"{settings.base_url}/invitations/{token}"
    session.add(invitation_message(email, tenant.display_name, inviter.name or inviter.email, Role(role), link, lang))
    await session.flush()
    return invitation


async def revoke_invitation(session: AsyncSession, invitation_id: uuid.UUID) -> bool:
    found = (await session.execute(select(Invitation).where(Invitation.id == invitation_id))).scalar_one_or_none()
    if found is None:
        return False
    await session.delete(found)
    await session.flush()
    return True


async def find_invitation(session: AsyncSession, token: str) -> tuple[Invitation, Tenant] | None:
    """The invitation a link carries, with its venue; the session is then scoped to that venue.

    The lookup itself crosses venues (the link names no venue), by the token's hash only.
    """
    if not token or len(token) > 200:
        return None
    with scopes_disabled(session):
        row = (
            await session.execute(
                select(Invitation, Tenant)
                .join(Tenant, Tenant.id == Invitation.tenant_id)
                .where(Invitation.token_hash == tokens.invitation_hash(token))
            )
        ).first()
    if row is None:
        return None
    invitation, tenant = row
    use_tenant(session, tenant.id)
    return invitation, tenant


def invitation_open(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and invitation.expires_at > datetime.now(UTC)


async def accept_invitation(
    session: AsyncSession, invitation: Invitation, current_user: User | None, raw: Mapping[str, Any]
) -> User:
    """Join the venue: as the signed-in user with the invited address, or as a new account."""
    if current_user is not None:
        if current_user.email != invitation.email:
            raise FormErrors({"email": INVITATION_OTHER_EMAIL})
        user = current_user
    else:
        if await _email_taken(session, invitation.email):
            raise FormErrors({"email": INVITATION_SIGN_IN})
        errors = Collector()
        name = check.optional_text(errors, raw, "name", 120)
        password = check.password(errors, raw)
        errors.raise_if_any()
        user = User(
            email=invitation.email,
            name=name or "",
            password_hash=await hash_password_async(password),
            # The link reached this address, which is what verification proves.
            email_verified_at=datetime.now(UTC),
        )
        session.add(user)
        await session.flush()
    existing = (await session.execute(select(Membership).where(Membership.user_id == user.id))).scalars().first()
    if existing is None:
        session.add(Membership(user_id=user.id, role=invitation.role))
    invitation.accepted_at = datetime.now(UTC)
    await session.flush()
    return user


async def _owner_count(session: AsyncSession) -> int:
    """Owners of the scoped venue, locked so two owners cannot demote each other at once."""
    owners = await session.execute(select(Membership.id).where(Membership.role == Role.OWNER).with_for_update())
    return len(owners.all())


async def is_last_owner(session: AsyncSession, target: Membership) -> bool:
    """Whether ``target`` is the scoped venue's only owner (who may be neither removed nor demoted)."""
    if target.role != Role.OWNER:
        return False
    owners = await session.execute(select(Membership.id).where(Membership.role == Role.OWNER).limit(2))
    return len(owners.all()) <= 1


async def change_role(session: AsyncSession, target: Membership, raw: Mapping[str, Any]) -> None:
    errors = Collector()
    role = check.choice(errors, raw, "role", ROLES)
    errors.raise_if_any()
    if target.role == Role.OWNER and role != Role.OWNER and await _owner_count(session) <= 1:
        raise FormErrors({"role": LAST_OWNER})
    target.role = Role(role)
    await session.flush()


async def remove_member(session: AsyncSession, target: Membership) -> None:
    if target.role == Role.OWNER and await _owner_count(session) <= 1:
        raise FormErrors({"member": LAST_OWNER})
    await session.delete(target)
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

