"""The platform's console of venues: finding them, their details, and approving, suspending
and reactivating them.

For platform admins only, whose session sees every venue (tenant scopes disabled by the
``PLATFORM_ADMIN`` policy), so these queries join venues to their members on purpose. A
venue's orders and estimates are counted by the domains that own them
(``neutralpoint.payments.activity``); its host names are ``host_claims``'s.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.database.base import utcnow
from neutralpoint.refusals import Collector, FieldError, problem, refuse
from neutralpoint.tenants import host_claims
from neutralpoint.tenants.models import EntryPoint, Invitation, Membership, Role, Tenant, TenantStatus, User

#: Venues on one page of the list.
PAGE_SIZE: Final = 25
#: The longest search text and suspension reason.
SEARCH_MAX: Final = rules.LINE_MAX
REASON_MAX: Final = 1000
STATUSES: Final = tuple(s.value for s in TenantStatus)

NO_SUCH_VENUE = problem("unknown_venue", "There is no venue with this address.", "没有使用此地址的场所。")
REASON_REQUIRED = problem(
    "reason_required",
    "Say why the venue is suspended: its members read it.",
    "请说明暂停此场所的原因：其成员会看到这段说明。",
)


def _wrong_state(action: dict[str, str], state: TenantStatus) -> FieldError:
    return problem(
        "wrong_status",
        "A venue that is {state} cannot be {action}.",
        "处于“{state}”状态的场所不能{action}。",
        state=STATE_NAMES[state],
        action=action,
    )


STATE_NAMES: Final = {
    TenantStatus.PENDING: {"en": "waiting for approval", "zh-Hans": "待批准"},
    TenantStatus.ACTIVE: {"en": "active", "zh-Hans": "已启用"},
    TenantStatus.SUSPENDED: {"en": "suspended", "zh-Hans": "已暂停"},
}
_APPROVED = {"en": "approved", "zh-Hans": "批准"}
_SUSPENDED = {"en": "suspended", "zh-Hans": "暂停"}
_REACTIVATED = {"en": "reactivated", "zh-Hans": "重新启用"}


@dataclass(frozen=True)
class VenueQuery:
    """What the list is asked for: a search text, a status, a page (from 1)."""

    text: str = ""
    status: TenantStatus | None = None
    page: int = 1


def venue_query(raw: Mapping[str, Any]) -> VenueQuery:
    """The list's filters from a query string; ``FormErrors`` naming each bad one (``q``,
    ``status``, ``page``) in both languages."""
    errors = Collector()
    text = errors.field("q", rules.text, rules.text_value(raw, "q"), max_length=SEARCH_MAX) or ""
    status_text = rules.text_value(raw, "status")
    status = errors.field("status", rules.choice, status_text, STATUSES) if status_text else None
    page_text = rules.text_value(raw, "page") or "1"
    page = 1
    if not page_text.isascii() or not page_text.isdigit():
        errors.add("page", FieldError("not_an_integer"))
    else:
        page = errors.field("page", rules.whole_number, int(page_text), minimum=1, maximum=1_000_000) or 1
    errors.raise_if_any()
    return VenueQuery(text=text, status=TenantStatus(status) if status else None, page=page)


@dataclass(frozen=True)
class VenueRow:
    """One venue in the list."""

    tenant: Tenant
    owner_emails: list[str]


@dataclass(frozen=True)
class VenuePage:
    rows: list[VenueRow]
    total: int
    page: int
    pages: int
    query: VenueQuery


def _matching(query: VenueQuery) -> Select[uuid.UUID]:
    wanted = select(Tenant.id)
    if query.status is not None:
        wanted = wanted.where(Tenant.status == query.status)
    if query.text:
        pattern = f"%{_escape_like(query.text.lower())}%"
        owners = (
            select(Membership.tenant_id)
            .join(User, User.id == Membership.user_id)
            .where(func.lower(User.email).like(pattern, escape="\\"))
        )
        wanted = wanted.where(
            or_(
                func.lower(Tenant.slug).like(pattern, escape="\\"),
                func.lower(Tenant.name).like(pattern, escape="\\"),
                func.lower(Tenant.display_name_en).like(pattern, escape="\\"),
                func.lower(Tenant.display_name_zh_hans).like(pattern, escape="\\"),
                func.lower(Tenant.contact_email).like(pattern, escape="\\"),
                func.lower(Tenant.custom_host).like(pattern, escape="\\"),
                func.lower(Tenant.host_claim).like(pattern, escape="\\"),
                Tenant.id.in_(owners),
            )
        )
    return wanted


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def find_venues(session: AsyncSession, query: VenueQuery) -> VenuePage:
    """One page of the venues matching ``query``: pending first, then by name; with their owners."""
    matching = _matching(query).subquery()
    total = (await session.execute(select(func.count()).select_from(matching))).scalar_one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    waiting_first = (Tenant.status != TenantStatus.PENDING, func.lower(Tenant.display_name), Tenant.slug)
    tenants = list(
        (
            await session.execute(
                select(Tenant)
                .where(Tenant.id.in_(select(matching.c.id)))
                .order_by(*waiting_first)
                .offset((query.page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        ).scalars()
    )
    owners = await _owner_emails(session, [t.id for t in tenants])
    return VenuePage(
        rows=[VenueRow(t, owners.get(t.id, [])) for t in tenants],
        total=total,
        page=query.page,
        pages=pages,
        query=query,
    )


async def _owner_emails(session: AsyncSession, tenant_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    if not tenant_ids:
        return {}
    rows = await session.execute(
        select(Membership.tenant_id, User.email)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id.in_(tenant_ids), Membership.role == Role.OWNER)
        .order_by(User.email)
    )
    found: dict[uuid.UUID, list[str]] = {}
    for tenant_id, email in rows:
        found.setdefault(tenant_id, []).append(email)
    return found


@dataclass(frozen=True)
class MemberRow:
    email: str
    name: str
    role: Role
    since: datetime


@dataclass(frozen=True)
class VenueDetails:
    """A venue as the console shows it, besides its orders and estimates."""

    tenant: Tenant
    members: list[MemberRow]
    open_invitations: int
    entry_points: list[EntryPoint]
    hosts: list[host_claims.HostClaim]


async def venue(session: AsyncSession, slug: str) -> Tenant:
    """The venue with this address, or a 404 refusal naming ``slug``."""
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
    if tenant is None:
        raise refuse("slug", NO_SUCH_VENUE, status_code=404)
    return tenant


async def venue_details(session: AsyncSession, slug: str) -> VenueDetails:
    tenant = await venue(session, slug)
    members = [
        MemberRow(email, name, role, since)
        for email, name, role, since in await session.execute(
            select(User.email, User.name, Membership.role, Membership.created_at)
            .join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == tenant.id)
            .order_by(Membership.created_at)
        )
    ]
    invitations = (
        await session.execute(
            select(func.count())
            .select_from(Invitation)
            .where(
                Invitation.tenant_id == tenant.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
        )
    ).scalar_one()
    entries = list(
        (
            await session.execute(
                select(EntryPoint).where(EntryPoint.tenant_id == tenant.id).order_by(EntryPoint.created_at)
            )
        ).scalars()
    )
    hosts = [c for c in await host_claims.all_claims(session) if c.slug == tenant.slug]
    return VenueDetails(tenant, members, invitations, entries, hosts)


async def approve(session: AsyncSession, slug: str) -> Tenant:
    """A pending venue opens to visitors (as it does when its owner confirms the address)."""
    tenant = await venue(session, slug)
    if tenant.status != TenantStatus.PENDING:
        raise refuse("status", _wrong_state(_APPROVED, tenant.status), status_code=409)
    tenant.status = TenantStatus.ACTIVE
    await session.flush()
    return tenant


async def suspend(session: AsyncSession, slug: str, raw: Mapping[str, Any]) -> Tenant:
    """Close a venue: its public pages say it is suspended, its QR codes take no estimates
    or payments, and its members read ``reason`` instead of reaching its console."""
    tenant = await venue(session, slug)
    errors = Collector()
    reason = errors.field("reason", rules.text, rules.text_value(raw, "reason"), max_length=REASON_MAX)
    if "reason" not in errors and not reason:
        errors.add("reason", REASON_REQUIRED)
    errors.raise_if_any()
    if tenant.status == TenantStatus.SUSPENDED:
        raise refuse("status", _wrong_state(_SUSPENDED, tenant.status), status_code=409)
    tenant.status = TenantStatus.SUSPENDED
    tenant.suspended_reason = reason
    tenant.suspended_at = utcnow()
    await session.flush()
    return tenant


async def reactivate(session: AsyncSession, slug: str) -> Tenant:
    """A suspended venue opens again, as it was before."""
    tenant = await venue(session, slug)
    if tenant.status != TenantStatus.SUSPENDED:
        raise refuse("status", _wrong_state(_REACTIVATED, tenant.status), status_code=409)
    tenant.status = TenantStatus.ACTIVE
    tenant.suspended_reason = None
    tenant.suspended_at = None
    await session.flush()
    return tenant
