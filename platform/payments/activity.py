"""What a venue's visitors did there, counted for the platform's console of venues: the
footprints computed at its entry points and its orders by status, with the latest of each
(and its JSON, ``/api/v1/platform/venues/{slug}/activity``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.payments.models import Order, OrderStatus, Refund
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants import console
from neutralpoint.tenants.access import PLATFORM_ADMIN


@dataclass(frozen=True)
class VenueActivity:
    estimates: int
    last_estimate_at: datetime | None
    #: Every status, those with no order at 0, in the order of ``OrderStatus``.
    orders_by_status: dict[str, int]
    last_order_at: datetime | None
    refunds: int
    #: Of the orders, those paid (or to be paid) through test payments: no money taken.
    test_orders: int = 0

    @property
    def orders(self) -> int:
        return sum(self.orders_by_status.values())


async def venue_activity(session: AsyncSession, tenant_id: uuid.UUID) -> VenueActivity:
    """The counts of one venue; the session sees every venue (a platform admin's)."""
    estimates, last_estimate = (
        await session.execute(
            select(func.count(), func.max(Estimate.created_at)).where(Estimate.tenant_id == tenant_id)
        )
    ).one()
    by_status = {status.value: 0 for status in OrderStatus}
    last_order: datetime | None = None
    for status, count, last in await session.execute(
        select(Order.status, func.count(), func.max(Order.created_at))
        .where(Order.tenant_id == tenant_id)
        .group_by(Order.status)
    ):
        by_status[OrderStatus(status).value] = count
        last_order = last if last_order is None or (last is not None and last > last_order) else last_order
    refunds = (await session.execute(select(func.count()).where(Refund.tenant_id == tenant_id))).scalar_one()
    test_orders = (
        await session.execute(select(func.count()).where(Order.tenant_id == tenant_id, Order.test_mode.is_(True)))
    ).scalar_one()
    return VenueActivity(estimates, last_estimate, by_status, last_order, refunds, test_orders)


class VenueActivityOut(msgspec.Struct):
    """A venue's footprints and orders, counted (platform admins)."""

    slug: str
    estimates: int
    last_estimate_at: datetime | None
    orders: int
    orders_by_status: dict[str, int]
    last_order_at: datetime | None
    refunds: int
    #: Of ``orders``, those in test mode (the sandbox, or Stripe's test keys): no money taken.
    test_orders: int


@get(
    "/api/v1/platform/venues/{slug:str}/activity",
    tags=["platform"],
    access=PLATFORM_ADMIN,
    summary="A venue's footprints computed and orders by status",
)
async def venue_activity_api(slug: FromPath[str], db_session: NamedDependency[AsyncSession]) -> VenueActivityOut:
    tenant = await console.venue(db_session, slug)
    activity = await venue_activity(db_session, tenant.id)
    return VenueActivityOut(
        slug=tenant.slug,
        estimates=activity.estimates,
        last_estimate_at=activity.last_estimate_at,
        orders=activity.orders,
        orders_by_status=activity.orders_by_status,
        last_order_at=activity.last_order_at,
        refunds=activity.refunds,
        test_orders=activity.test_orders,
    )


route_handlers: list[Any] = [venue_activity_api]
