"""The JSON and CSV of the audit log: a venue's own entries (managers and owners) and every
entry for the platform's admins. The pages are in ``neutralpoint_admin``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.tenants import audit_log
from neutralpoint.tenants.access import PLATFORM_ADMIN, VenueAccess, VenueMember
from neutralpoint.tenants.models import Role
from neutralpoint.web.downloads import csv_download

MANAGER = VenueAccess(Role.MANAGER)


class AuditEntryOut(msgspec.Struct):
    """One change: who (``actor_email``, ``actor_role``: ``platform``, ``owner``, ``manager``,
    ``staff`` or ``""`` for their own account), when (UTC, with its offset; ``time_zone`` is
    the venue's, whose clock the pages show it on, ``UTC`` for the platform's own records),
    what (``entity``, ``entity_id``, ``action``) and the changed fields only, before and after
    (secrets as ``[redacted]``)."""

    id: uuid.UUID
    at: datetime
    venue: str
    actor_id: uuid.UUID
    actor_email: str
    actor_role: str
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    time_zone: str


class AuditLogOut(msgspec.Struct):
    entries: list[AuditEntryOut]
    total: int
    page: int
    pages: int
    page_size: int


def audit_log_out(found: audit_log.AuditPage) -> AuditLogOut:
    return AuditLogOut(
        entries=[
            AuditEntryOut(
                id=row.entry.id,
                at=row.entry.at,
                venue=row.venue,
                actor_id=row.entry.actor_id,
                actor_email=row.entry.actor_email,
                actor_role=row.entry.actor_role,
                entity=row.entry.entity,
                entity_id=row.entry.entity_id,
                action=row.entry.action,
                before=row.entry.before,
                after=row.entry.after,
                time_zone=row.time_zone,
            )
            for row in found.rows
        ],
        total=found.total,
        page=found.page,
        pages=found.pages,
        page_size=audit_log.PAGE_SIZE,
    )


def _filters(**raw: str | None) -> dict[str, str | None]:
    return raw


@get(
    "/api/v1/venues/{slug:str}/audit-log",
    tags=["venues"],
    access=MANAGER,
    summary="The venue's audit log: who changed what, newest first (manager)",
)
async def venue_audit_log(
    slug: FromPath[str],
    access: NamedDependency[VenueMember],
    db_session: NamedDependency[AsyncSession],
    entity: FromQuery[str | None] = None,
    action: FromQuery[str | None] = None,
    page: FromQuery[str | None] = None,
) -> AuditLogOut:
    """``entity`` (a kind of record, such as ``entry_point``), ``action`` (``create``,
    ``update``, ``delete``), ``page`` (from 1); a bad filter is a 400 naming it."""
    query = audit_log.audit_query(_filters(entity=entity, action=action, page=page), platform=False)
    return audit_log_out(await audit_log.venue_entries(db_session, access.tenant, query))


@get(
    "/api/v1/venues/{slug:str}/audit-log.csv",
    tags=["venues"],
    access=MANAGER,
    summary="The venue's audit log as CSV, on the venue's clock (manager)",
    media_type="text/csv",
)
async def venue_audit_log_csv(
    slug: FromPath[str],
    access: NamedDependency[VenueMember],
    db_session: NamedDependency[AsyncSession],
    entity: FromQuery[str | None] = None,
    action: FromQuery[str | None] = None,
) -> Response[str]:
    """The newest entries (up to 10,000) matching the filters."""
    query = audit_log.audit_query(_filters(entity=entity, action=action), platform=False)
    found = await audit_log.venue_entries(db_session, access.tenant, query, limit=audit_log.CSV_MAX)
    return csv_download(audit_log.entries_csv(found, access.tenant.time_zone), f"audit-{access.tenant.slug}.csv")


@get(
    "/api/v1/platform/audit-log",
    tags=["platform"],
    access=PLATFORM_ADMIN,
    summary="Every venue's and the platform's audit log, newest first",
)
async def platform_audit_log(
    db_session: NamedDependency[AsyncSession],
    venue: FromQuery[str | None] = None,
    entity: FromQuery[str | None] = None,
    action: FromQuery[str | None] = None,
    page: FromQuery[str | None] = None,
) -> AuditLogOut:
    """``venue`` (a slug: that venue's entries only), ``entity``, ``action``, ``page``; a bad
    filter is a 400 naming it."""
    query = audit_log.audit_query(_filters(venue=venue, entity=entity, action=action, page=page), platform=True)
    return audit_log_out(await audit_log.platform_entries(db_session, query))


@get(
    "/api/v1/platform/audit-log.csv",
    tags=["platform"],
    access=PLATFORM_ADMIN,
    summary="The audit log as CSV, in UTC",
    media_type="text/csv",
)
async def platform_audit_log_csv(
    db_session: NamedDependency[AsyncSession],
    venue: FromQuery[str | None] = None,
    entity: FromQuery[str | None] = None,
    action: FromQuery[str | None] = None,
) -> Response[str]:
    query = audit_log.audit_query(_filters(venue=venue, entity=entity, action=action), platform=True)
    found = await audit_log.platform_entries(db_session, query, limit=audit_log.CSV_MAX)
    return csv_download(audit_log.entries_csv(found), "audit.csv")


route_handlers: list[Any] = [venue_audit_log, venue_audit_log_csv, platform_audit_log, platform_audit_log_csv]
