"""Who sees what: a venue's orders and refunds, every order for the platform, and what is
owed to each project owner from the orders' splits; each as rows and as CSV."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits.models import Project, ProjectOwner
from neutralpoint.payments.models import Order, OrderStatus, Refund
from neutralpoint.payments.schemas import OwedToOwner
from neutralpoint.tenants.models import Tenant
from neutralpoint.web.downloads import csv_text

LIST_LIMIT = 500
OWED_STATUSES = (OrderStatus.PAID, OrderStatus.FULFILLED)


@dataclass(frozen=True)
class OrderRow:
    reference: str
    tenant_id: uuid.UUID
    status: str
    basis: str
    project_name: dict[str, str]
    grams: int
    amount_minor: int
    currency: str
    owner_minor: int
    platform_minor: int
    venue_minor: int
    buyer_name: str
    buyer_email: str
    entry_point_code: str
    provider: str
    test_mode: bool
    created_at: datetime
    paid_at: datetime | None
    refunded_at: datetime | None
    refund_cause: str | None
    #: The venue's time zone: its own pages and the platform's show the order's times on it.
    time_zone: str = "UTC"


async def list_orders(
    session: AsyncSession, *, status: OrderStatus | None = None, limit: int = LIST_LIMIT
) -> list[OrderRow]:
    """The session's venue's orders (or every venue's in a platform session), newest first."""
    query = (
        select(Order, Project.name, Refund.cause, Tenant.time_zone)
        .join(Project, Project.id == Order.project_id)
        .join(Tenant, Tenant.id == Order.tenant_id)
        .outerjoin(Refund, Refund.order_id == Order.id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(Order.status == status)
    rows = (await session.execute(query)).all()
    return [
        OrderRow(
            reference=o.reference,
            tenant_id=o.tenant_id,
            status=o.status.value,
            basis=o.basis.value,
            project_name=dict(name),
            grams=o.grams,
            amount_minor=o.amount_minor,
            currency=o.currency,
            owner_minor=o.owner_minor,
            platform_minor=o.platform_minor,
            venue_minor=o.venue_minor,
            buyer_name=o.buyer_name,
            buyer_email=o.buyer_email,
            entry_point_code=o.entry_point_code,
            provider=o.provider,
            test_mode=o.test_mode,
            created_at=o.created_at,
            paid_at=o.paid_at,
            refunded_at=o.refunded_at,
            refund_cause=cause,
            time_zone=zone,
        )
        for o, name, cause, zone in rows
    ]


async def owed_to_owners(session: AsyncSession, *, include_test: bool = False) -> list[OwedToOwner]:
    """Per project owner and currency: paid and fulfilled orders (refunded ones owe nothing)."""
    query = (
        select(
            ProjectOwner.id,
            ProjectOwner.name,
            Order.currency,
            func.count(Order.id),
            func.sum(Order.grams),
            func.sum(Order.amount_minor),
            func.sum(Order.owner_minor),
            func.sum(Order.platform_minor),
            func.sum(Order.venue_minor),
        )
        .join(Project, Project.id == Order.project_id)
        .join(ProjectOwner, ProjectOwner.id == Project.owner_id)
        .where(Order.status.in_(OWED_STATUSES))
        .group_by(ProjectOwner.id, ProjectOwner.name, Order.currency)
        .order_by(ProjectOwner.name, Order.currency)
    )
    if not include_test:
        query = query.where(Order.test_mode.is_(False))
    return [
        OwedToOwner(
            owner_id=row[0],
            owner_name=row[1],
            currency=row[2],
            orders=int(row[3]),
            grams=int(row[4] or 0),
            amount_minor=int(row[5] or 0),
            owner_minor=int(row[6] or 0),
            platform_minor=int(row[7] or 0),
            venue_minor=int(row[8] or 0),
        )
        for row in (await session.execute(query)).all()
    ]


ORDER_COLUMNS = (
    "reference",
    "status",
    "basis",
    "project",
    "grams",
    "amount_minor",
    "currency",
    "owner_minor",
    "platform_minor",
    "venue_minor",
    "buyer_name",
    "buyer_email",
    "entry_point",
    "provider",
    "test_mode",
    "created_at",
    "paid_at",
    "refunded_at",
    "refund_cause",
    "time_zone",
)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def orders_csv(rows: Iterable[OrderRow], lang: str = "en") -> str:
    return csv_text(
        ORDER_COLUMNS,
        (
            (
                r.reference,
                r.status,
                r.basis,
                r.project_name.get(lang) or r.project_name.get("en", ""),
                r.grams,
                r.amount_minor,
                r.currency,
                r.owner_minor,
                r.platform_minor,
                r.venue_minor,
                r.buyer_name,
                r.buyer_email,
                r.entry_point_code,
                r.provider,
                "yes" if r.test_mode else "no",
                _when(r.created_at),
                _when(r.paid_at),
                _when(r.refunded_at),
                r.refund_cause or "",
                r.time_zone,
            )
            for r in rows
        ),
    )


def owed_csv(rows: Iterable[OwedToOwner]) -> str:
    return csv_text(
        (
            "owner_id",
            "owner",
            "currency",
            "orders",
            "grams",
            "amount_minor",
            "owner_minor",
            "platform_minor",
            "venue_minor",
        ),
        (
            (
                str(r.owner_id),
                r.owner_name,
                r.currency,
                r.orders,
                r.grams,
                r.amount_minor,
                r.owner_minor,
                r.platform_minor,
                r.venue_minor,
            )
            for r in rows
        ),
    )
