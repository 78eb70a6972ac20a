"""A venue's certificates, as its console lists them and exports them (JSON and CSV).

The certificates of the venue's orders, newest first, filtered by entry point (its code)
and by the venue's own days (``from`` and ``to``, both included, on the venue's clock),
a page at a time. Certificates are public documents found by number, not rows of a venue,
so the venue is named in every query (``Certificate.venue_id``); the order's entry point
is read through the order, in the venue's scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.certificates.models import Certificate
from neutralpoint.credits.models import Project
from neutralpoint.impact.reports import DATE_INVALID, DATES_REVERSED
from neutralpoint.payments.models import Order
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.tenants.models import EntryPoint, Tenant
from neutralpoint.web.downloads import csv_text
from neutralpoint.web.formatting import in_time_zone

PER_PAGE = 50
MOST_PER_PAGE = 200
#: A CSV holds at most this many certificates (the newest); narrow the filters for more.
MOST_IN_CSV = 50_000
CSV_COLUMNS = (
    "number",
    "status",
    "issued_at",
    "time_zone",
    "holder",
    "grams",
    "project",
    "entry_point",
    "entry_point_name",
    "order_reference",
    "test_mode",
    "voided_at",
)

ENTRY_POINT_UNKNOWN = FieldError(
    "unknown_choice",
    text={"en": "Choose one of the venue's entry points.", "zh-Hans": "请选择本场所的一个入口。"},
)
PAGE_INVALID = FieldError(
    "invalid", text={"en": "Give the page as a whole number from 1.", "zh-Hans": "页码须为从 1 起的整数。"}
)


@dataclass(frozen=True)
class CertificateFilters:
    entry_point: str
    """An entry point's code; empty for all."""
    first: date | None
    last: date | None
    page: int
    per_page: int


@dataclass(frozen=True)
class CertificateLine:
    number: str
    status: str
    issued_at: datetime
    holder: str
    holder_is_anonymous: bool
    grams: int
    project: dict[str, str]
    entry_point_code: str
    entry_point: str
    """The entry point or event as the certificate states it (signed, in the holder's language)."""
    order_reference: str
    test_mode: bool
    voided_at: datetime | None


@dataclass(frozen=True)
class CertificateList:
    filters: CertificateFilters
    time_zone: str
    lines: list[CertificateLine]
    total: int
    """Every certificate the filters match, over all pages."""
    grams: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filters.per_page))


def _whole(text: str, default: int, most: int) -> int | None:
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= most:
        return None
    return int(text)


def certificate_filters(raw: Mapping[str, Any], codes: Iterable[str]) -> CertificateFilters:
    """The filters asked for (``entry_point``, ``from``, ``to``, ``page``, ``per_page``, each
    optional); refuses with a message per field, in both languages, what cannot be used."""
    errors: dict[str, FieldError] = {}
    code = str(raw.get("entry_point") or "").strip()
    if code and code not in set(codes):
        errors["entry_point"] = ENTRY_POINT_UNKNOWN
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        text = str(raw.get(name) or "").strip()
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = DATE_INVALID
            days[name] = None
    first, last = days["from"], days["to"]
    if first and last and last < first and "to" not in errors:
        errors["to"] = DATES_REVERSED
    page = _whole(str(raw.get("page") or "").strip(), 1, 1_000_000)
    if page is None:
        errors["page"] = PAGE_INVALID
    per_page = _whole(str(raw.get("per_page") or "").strip(), PER_PAGE, MOST_PER_PAGE)
    if per_page is None:
        errors["per_page"] = FieldError(
            "invalid",
            text={
                "en": f"Give the page size as a whole number from 1 to {MOST_PER_PAGE}.",
                "zh-Hans": f"每页条数须为 1 到 {MOST_PER_PAGE} 的整数。",
            },
        )
    if errors:
        raise FormErrors(errors)
    return CertificateFilters(code, first, last, page or 1, per_page or PER_PAGE)


def _matching(tenant: Tenant, filters: CertificateFilters) -> Any:
    """The venue's certificates the filters keep (its orders read in the venue's scope)."""
    zone = ZoneInfo(tenant.time_zone)
    query = (
        select(Certificate, Order.entry_point_code)
        .join(Order, Order.id == Certificate.order_id)
        .where(Certificate.venue_id == tenant.id)
    )
    if filters.entry_point:
        query = query.where(Order.entry_point_code == filters.entry_point)
    if filters.first is not None:
        start = datetime.combine(filters.first, time(), zone).astimezone(UTC)
        query = query.where(Certificate.issued_at >= start)
    if filters.last is not None:
        end = datetime.combine(filters.last + timedelta(days=1), time(), zone).astimezone(UTC)
        query = query.where(Certificate.issued_at < end)
    return query


async def venue_certificates(
    session: AsyncSession, tenant: Tenant, filters: CertificateFilters, *, everything: bool = False
) -> CertificateList:
    """One page of the venue's certificates, newest first (``everything``: up to ``MOST_IN_CSV``)."""
    matching = _matching(tenant, filters).subquery()
    total, grams = (
        await session.execute(select(func.count(), func.coalesce(func.sum(matching.c.grams), 0)).select_from(matching))
    ).one()
    query = _matching(tenant, filters).order_by(Certificate.issued_at.desc(), Certificate.number)
    if everything:
        query = query.limit(MOST_IN_CSV)
    else:
        query = query.limit(filters.per_page).offset((filters.page - 1) * filters.per_page)
    found = (await session.execute(query)).all()
    projects = {
        p.id: dict(p.name)
        for p in (await session.scalars(select(Project).where(Project.id.in_({c.project_id for c, _ in found})))).all()
    }
    lines = [
        CertificateLine(
            number=c.number,
            status=c.status.value,
            issued_at=c.issued_at,
            holder=c.holder,
            holder_is_anonymous=c.holder_is_anonymous,
            grams=c.grams,
            project=projects.get(c.project_id) or {"en": c.project_name},
            entry_point_code=code or "",
            entry_point=c.entry_point,
            order_reference=c.order_reference,
            test_mode=c.test_mode,
            voided_at=c.voided_at,
        )
        for c, code in found
    ]
    return CertificateList(filters, tenant.time_zone, lines, int(total), int(grams))


async def entry_point_choices(session: AsyncSession) -> list[EntryPoint]:
    """The venue's entry points, to filter by (the session is in the venue's scope)."""
    return list((await session.scalars(select(EntryPoint).order_by(EntryPoint.created_at))).all())


async def find_certificates(
    session: AsyncSession, tenant: Tenant, asked: Mapping[str, Any], *, everything: bool = False
) -> CertificateList:
    """The venue's certificates the filters ``asked`` keep (the session in the venue's scope);
    ``FormErrors`` by field when a filter cannot be used."""
    filters = certificate_filters(asked, [e.code for e in await entry_point_choices(session)])
    return await venue_certificates(session, tenant, filters, everything=everything)


def _local(moment: datetime | None, time_zone: str) -> str:
    return in_time_zone(moment.replace(tzinfo=UTC), time_zone).isoformat(timespec="seconds") if moment else ""


def certificates_csv(found: CertificateList, lang: str = "en") -> str:
    """One row per certificate, times on the venue's clock with their offset."""
    return csv_text(
        CSV_COLUMNS,
        (
            (
                line.number,
                line.status,
                _local(line.issued_at, found.time_zone),
                found.time_zone,
                line.holder,
                line.grams,
                line.project.get(lang) or line.project.get("en") or next(iter(line.project.values()), ""),
                line.entry_point_code,
                line.entry_point,
                line.order_reference,
                "yes" if line.test_mode else "no",
                _local(line.voided_at, found.time_zone),
            )
            for line in found.lines
        ),
    )
