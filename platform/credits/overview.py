"""The platform admin's view of the books: totals for the home page and report rows with
names, for the report pages, their CSV downloads and their JSON twins.

``reports.stock_totals`` and ``reports.sales_totals`` give numbers by id; this module
puts a name on each id (a project, a lot, an allocation, a venue, a project owner) and
adds the numbers up across the platform. Read only; run in a platform session.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import reports
from neutralpoint.credits.models import (
    Allocation,
    AllocationStatus,
    AllocationVenue,
    Lot,
    Project,
    ProjectOwner,
    ProjectStatus,
    RetirementRequest,
    RetirementStatus,
    Tonne,
    TonneStatus,
)
from neutralpoint.refusals import problem, refuse
from neutralpoint.scenarios.i18n import text_for
from neutralpoint.tenants.models import Tenant

Grouping = Literal["project", "lot", "allocation", "venue", "owner"]
GROUPINGS: tuple[Grouping, ...] = ("project", "lot", "allocation", "venue", "owner")
STOCK_GROUPINGS = ("project", "lot", "allocation", "venue")
SALES_GROUPINGS = ("project", "lot", "allocation", "venue", "owner")


@dataclass(frozen=True)
class StockRow:
    """Grams of one project, lot, allocation or venue, with its name."""

    key: uuid.UUID
    label: str
    held_grams: int
    reserved_grams: int
    sold_grams: int
    retired_grams: int
    due_grams: int
    retiring_grams: int


@dataclass(frozen=True)
class SalesRow:
    """Money of one project, lot, allocation, venue or owner in one currency, with its name."""

    key: uuid.UUID
    label: str
    currency: str
    orders: int
    grams: int
    amount_minor: int
    owner_minor: int
    platform_minor: int
    venue_minor: int
    refunded_orders: int
    refunded_minor: int


@dataclass(frozen=True)
class CurrencyTotal:
    """Revenue in one currency and how it divides: owed to project owners, platform, venues."""

    currency: str
    orders: int
    amount_minor: int
    owner_minor: int
    platform_minor: int
    venue_minor: int
    refunded_minor: int


@dataclass(frozen=True)
class PlatformSummary:
    """The platform home's numbers: stock across every lot and money per currency."""

    projects: int
    active_projects: int
    lots: int
    active_allocations: int
    held_grams: int
    allocated_grams: int
    reserved_grams: int
    sold_grams: int
    retired_grams: int
    due_grams: int
    retiring_grams: int
    due_tonnes: int
    awaiting_reference: int
    failed_retirements: int
    money: list[CurrencyTotal]
    """Live sales only: what was really paid."""
    test_money: list[CurrencyTotal] = field(default_factory=list)
    """Sales paid in test mode (the sandbox, Stripe's test keys): no money was taken."""


def check_grouping(by: str, allowed: tuple[str, ...] = GROUPINGS) -> str:
    if by not in allowed:
        raise refuse(
            "by",
            problem(
                "unknown_choice", "Group by {choices}.", "请按以下之一分组：{choices}。", choices=", ".join(allowed)
            ),
        )
    return by


async def labels(session: AsyncSession, by: str, keys: set[uuid.UUID], lang: str = "en") -> dict[uuid.UUID, str]:
    """A readable name for each key of a grouping (falls back to the id when it is gone)."""
    if not keys:
        return {}
    found: dict[uuid.UUID, str] = {}
    if by == "project":
        for project in (await session.execute(select(Project).where(Project.id.in_(keys)))).scalars():
            found[project.id] = text_for(project.name, lang)
    elif by == "lot":
        rows = await session.execute(
            select(Lot.id, Lot.vintage_year, Lot.serial_first, Lot.serial_last, Project.name)
            .join(Project, Project.id == Lot.project_id)
            .where(Lot.id.in_(keys))
        )
        for row in rows:
            found[row.id] = lot_label(text_for(row.name, lang), row.vintage_year, row.serial_first, row.serial_last)
    elif by == "allocation":
        rows = await session.execute(
            select(Allocation, Project.name, Lot.vintage_year)
            .join(Project, Project.id == Allocation.project_id)
            .join(Lot, Lot.id == Allocation.lot_id)
            .where(Allocation.id.in_(keys))
        )
        venues = await allocation_venue_names(session, keys)
        for row in rows:
            allocation: Allocation = row.Allocation
            audience = "all venues" if allocation.all_venues else ", ".join(venues.get(allocation.id, []))
            found[allocation.id] = f"{text_for(row.name, lang)} · {row.vintage_year} · {audience}"
    elif by == "venue":
        for tenant_id, display_name in await session.execute(
            select(Tenant.id, Tenant.display_name).where(Tenant.id.in_(keys))
        ):
            found[tenant_id] = display_name
    elif by == "owner":
        for owner_id, name in await session.execute(
            select(ProjectOwner.id, ProjectOwner.name).where(ProjectOwner.id.in_(keys))
        ):
            found[owner_id] = name
    return {key: found.get(key, str(key)) for key in keys}


def lot_label(project_name: str, vintage: int, serial_first: str, serial_last: str) -> str:
    serials = serial_first if serial_first == serial_last else f"{serial_first} – {serial_last}"
    return f"{project_name} · {vintage} · {serials}"


async def allocation_venue_names(session: AsyncSession, allocation_ids: set[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    rows = await session.execute(
        select(AllocationVenue.allocation_id, Tenant.display_name)
        .join(Tenant, Tenant.id == AllocationVenue.venue_id)
        .where(AllocationVenue.allocation_id.in_(allocation_ids))
        .order_by(Tenant.display_name)
    )
    names: dict[uuid.UUID, list[str]] = defaultdict(list)
    for allocation_id, name in rows:
        names[allocation_id].append(name)
    return names


async def stock_rows(session: AsyncSession, *, by: str, lang: str = "en") -> list[StockRow]:
    """``reports.stock_totals`` with names, sorted by name."""
    check_grouping(by, STOCK_GROUPINGS)
    totals = await reports.stock_totals(session, by=by)  # type: ignore[arg-type]
    names = await labels(session, by, {t.key for t in totals}, lang)
    rows = [
        StockRow(
            key=t.key,
            label=names[t.key],
            held_grams=t.held_grams,
            reserved_grams=t.reserved_grams,
            sold_grams=t.sold_grams,
            retired_grams=t.retired_grams,
            due_grams=t.due_grams,
            retiring_grams=t.retiring_grams,
        )
        for t in totals
    ]
    return sorted(rows, key=lambda r: (r.label.lower(), str(r.key)))


async def sales_rows(session: AsyncSession, *, by: str, lang: str = "en") -> list[SalesRow]:
    """``reports.sales_totals`` with names, sorted by name, then currency."""
    check_grouping(by, SALES_GROUPINGS)
    totals = await reports.sales_totals(session, by=by)  # type: ignore[arg-type]
    names = await labels(session, by, {t.key for t in totals}, lang)
    rows = [
        SalesRow(
            key=t.key,
            label=names[t.key],
            currency=t.currency,
            orders=t.orders,
            grams=t.grams,
            amount_minor=t.amount_minor,
            owner_minor=t.owner_minor,
            platform_minor=t.platform_minor,
            venue_minor=t.venue_minor,
            refunded_orders=t.refunded_orders,
            refunded_minor=t.refunded_minor,
        )
        for t in totals
    ]
    return sorted(rows, key=lambda r: (r.label.lower(), str(r.key), r.currency))


def money_by_currency(rows: list[SalesRow] | list[reports.SalesTotal]) -> list[CurrencyTotal]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for row in rows:
        total = sums[row.currency]
        for i, value in enumerate(
            (row.orders, row.amount_minor, row.owner_minor, row.platform_minor, row.venue_minor, row.refunded_minor)
        ):
            total[i] += value
    return [CurrencyTotal(currency, *values) for currency, values in sorted(sums.items())]


async def _count(session: AsyncSession, column: Any, *criteria: ColumnElement[bool]) -> int:
    return int((await session.execute(select(func.count(column)).where(*criteria))).scalar_one())


async def platform_summary(session: AsyncSession) -> PlatformSummary:
    """Every lot's grams added up, and the money of paid sales per currency."""
    stock = await reports.stock_totals(session, by="project")
    allocated = int((await session.execute(select(func.coalesce(func.sum(Lot.allocated_grams), 0)))).scalar_one())
    return PlatformSummary(
        projects=await _count(session, Project.id),
        active_projects=await _count(session, Project.id, Project.status == ProjectStatus.ACTIVE),
        lots=await _count(session, Lot.id),
        active_allocations=await _count(session, Allocation.id, Allocation.status == AllocationStatus.ACTIVE),
        held_grams=sum(t.held_grams for t in stock),
        allocated_grams=allocated,
        reserved_grams=sum(t.reserved_grams for t in stock),
        sold_grams=sum(t.sold_grams for t in stock),
        retired_grams=sum(t.retired_grams for t in stock),
        due_grams=sum(t.due_grams for t in stock),
        retiring_grams=sum(t.retiring_grams for t in stock),
        due_tonnes=await _count(session, Tonne.id, Tonne.status == TonneStatus.DUE),
        awaiting_reference=await _count(
            session, RetirementRequest.id, RetirementRequest.status == RetirementStatus.AWAITING_REFERENCE
        ),
        failed_retirements=await _count(
            session, RetirementRequest.id, RetirementRequest.status == RetirementStatus.FAILED
        ),
        money=money_by_currency(await reports.sales_totals(session, by="project")),
        test_money=money_by_currency(await reports.sales_totals(session, by="project", test_mode=True)),
    )
