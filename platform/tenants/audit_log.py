"""Reading the audit log (``neutralpoint.tenants.audit`` writes it): a venue's own entries,
or every entry for the platform's admins, filtered and a page at a time, and as CSV.

A venue's reads are filtered by its id here and, on PostgreSQL, by the row-level policy a
second time; the platform's session sees every entry (tenant scopes disabled).
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.refusals import Collector, FieldError, problem
from neutralpoint.tenants.audit import Action, Audited, AuditEntry
from neutralpoint.tenants.models import Tenant
from neutralpoint.web.formatting import in_time_zone

PAGE_SIZE: Final = 50
#: The most rows one CSV holds (the newest).
CSV_MAX: Final = 10_000
ACTIONS: Final = tuple(a.value for a in Action)
UNKNOWN_VENUE = problem("unknown_venue", "There is no venue with this address.", "没有使用此地址的场所。")


def entities() -> list[str]:
    """The names of every audited kind of record, sorted."""
    found: set[str] = set()
    waiting: list[type[Audited]] = list(Audited.__subclasses__())
    while waiting:
        cls = waiting.pop()
        waiting.extend(cls.__subclasses__())
        table = getattr(cls, "__tablename__", None)
        if table:
            found.add(cls.__audit_entity__ or table)
    return sorted(found)


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the log: a venue (platform only, by slug), a kind of record, an action, a page."""

    venue: str = ""
    entity: str = ""
    action: str = ""
    page: int = 1


def audit_query(raw: Mapping[str, Any], *, platform: bool) -> AuditQuery:
    """The filters from a query string; ``FormErrors`` naming each bad one in both languages."""
    errors = Collector()
    venue = ""
    if platform:
        venue = (
            errors.field("venue", rules.text, rules.text_value(raw, "venue"), max_length=rules.SLUG_MAX) or ""
        ).lower()
    entity_text = rules.text_value(raw, "entity")
    entity = errors.field("entity", rules.choice, entity_text, entities()) if entity_text else ""
    action_text = rules.text_value(raw, "action")
    action = errors.field("action", rules.choice, action_text, ACTIONS) if action_text else ""
    page_text = rules.text_value(raw, "page") or "1"
    page = 1
    if not page_text.isascii() or not page_text.isdigit():
        errors.add("page", FieldError("not_an_integer"))
    else:
        page = errors.field("page", rules.whole_number, int(page_text), minimum=1, maximum=1_000_000) or 1
    errors.raise_if_any()
    return AuditQuery(venue=venue, entity=entity or "", action=action or "", page=page)


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    #: The venue's slug (``""``: the platform's own records).
    venue: str
    #: The venue's time zone (``UTC`` for the platform's own records): the row's clock.
    time_zone: str = "UTC"


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int
    query: AuditQuery


def _filtered(statement: Select[Any], query: AuditQuery) -> Select[Any]:
    if query.entity:
        statement = statement.where(AuditEntry.entity == query.entity)
    if query.action:
        statement = statement.where(AuditEntry.action == query.action)
    return statement


async def _page(
    session: AsyncSession, query: AuditQuery, tenant_id: uuid.UUID | None, *, whole_venue: bool, limit: int
) -> AuditPage:
    wanted = _filtered(select(AuditEntry), query)
    if whole_venue:
        wanted = wanted.where(AuditEntry.tenant_id == tenant_id)
    total = (await session.execute(select(func.count()).select_from(wanted.subquery()))).scalar_one()
    entries = list(
        (
            await session.execute(
                wanted.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .offset((query.page - 1) * limit)
                .limit(limit)
            )
        ).scalars()
    )
    ids = {e.tenant_id for e in entries if e.tenant_id is not None}
    venues: dict[uuid.UUID, tuple[str, str]] = {}
    if ids:
        venues = {
            row.id: (row.slug, row.time_zone)
            for row in await session.execute(select(Tenant.id, Tenant.slug, Tenant.time_zone).where(Tenant.id.in_(ids)))
        }
    return AuditPage(
        rows=[AuditRow(e, *venues.get(e.tenant_id, ("", "UTC"))) if e.tenant_id else AuditRow(e, "") for e in entries],
        total=total,
        page=query.page,
        pages=max(1, math.ceil(total / limit)),
        query=query,
    )


async def venue_entries(
    session: AsyncSession, tenant: Tenant, query: AuditQuery, *, limit: int = PAGE_SIZE
) -> AuditPage:
    """The venue's own entries, newest first."""
    return await _page(session, query, tenant.id, whole_venue=True, limit=limit)


async def platform_entries(session: AsyncSession, query: AuditQuery, *, limit: int = PAGE_SIZE) -> AuditPage:
    """Every entry, or one venue's (``query.venue``, refused by name when unknown), newest first.

    Platform admins only: the session sees every venue's rows."""
    if not query.venue:
        return await _page(session, query, None, whole_venue=False, limit=limit)
    tenant_id = (await session.execute(select(Tenant.id).where(Tenant.slug == query.venue))).scalar_one_or_none()
    if tenant_id is None:
        errors = Collector()
        errors.add("venue", UNKNOWN_VENUE)
        errors.raise_if_any()
    return await _page(session, query, tenant_id, whole_venue=True, limit=limit)


def entries_csv(page: AuditPage, time_zone: str | None = None) -> str:
    """The entries as CSV, their times on ``time_zone``'s clock (the venue's), or without
    one on each row's venue's (UTC for the platform's own records)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "time_zone", "venue", "actor", "role", "entity", "entity_id", "action", "before", "after"])
    for row in page.rows:
        e = row.entry
        zone = time_zone or row.time_zone
        writer.writerow(
            [
                in_time_zone(e.at, zone).isoformat(timespec="seconds"),
                zone,
                row.venue,
                e.actor_email,
                e.actor_role,
                e.entity,
                e.entity_id,
                e.action,
                json.dumps(e.before, ensure_ascii=False, sort_keys=True),
                json.dumps(e.after, ensure_ascii=False, sort_keys=True),
            ]
        )
    return out.getvalue()
