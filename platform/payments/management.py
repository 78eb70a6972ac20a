"""Orders as venues and platform admins see them (JSON, and CSV for spreadsheets).

- ``/api/v1/venues/{slug}/orders``: a venue's orders and refunds (managers and owners),
  ``…/orders.csv``; refunding an order (owners) and the organiser's order for a whole
  event (managers);
- ``/api/v1/platform/orders`` and ``/api/v1/platform/payouts``: every order, refunds, and
  what is owed to each project owner from the orders' splits (platform admins), with CSV.

Access is declared on each route (``VenueAccess`` with the least role, ``PLATFORM_ADMIN``);
another venue's order is a 404.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.database.tenancy import acting
from neutralpoint.payments import checkout, services
from neutralpoint.payments.checkout import EVENT_NOT_COMPUTED
from neutralpoint.payments.controllers import OrderOut, order_out, order_ttl
from neutralpoint.payments.models import OrderBasis, OrderStatus
from neutralpoint.payments.reports import OrderRow
from neutralpoint.refusals import problem, refuse
from neutralpoint.tenants.access import PLATFORM_ADMIN, VenueAccess, VenueMember
from neutralpoint.tenants.models import EntryPoint, Role, User
from neutralpoint.web.api_errors import CONFLICT
from neutralpoint.web.downloads import csv_download

MANAGER = VenueAccess(Role.MANAGER)
OWNER = VenueAccess(Role.OWNER)


class OrderRowOut(msgspec.Struct):
    reference: str
    venue_id: uuid.UUID
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
    entry_point: str
    provider: str
    test_mode: bool
    created_at: datetime
    paid_at: datetime | None
    refunded_at: datetime | None
    refund_cause: str | None
    #: The venue's time zone (the times above are UTC, with their offset).
    time_zone: str


class OwedOut(msgspec.Struct):
    owner_id: uuid.UUID
    owner_name: str
    currency: str
    orders: int
    grams: int
    amount_minor: int
    owner_minor: int
    platform_minor: int
    venue_minor: int


class EventOrderIn(msgspec.Struct, forbid_unknown_fields=True):
    allocation_id: uuid.UUID
    buyer_name: rules.Name = ""
    buyer_email: rules.Email = ""
    language: str = "en"


def row_out(row: OrderRow) -> OrderRowOut:
    return OrderRowOut(
        reference=row.reference,
        venue_id=row.tenant_id,
        status=row.status,
        basis=row.basis,
        project_name=row.project_name,
        grams=row.grams,
        amount_minor=row.amount_minor,
        currency=row.currency,
        owner_minor=row.owner_minor,
        platform_minor=row.platform_minor,
        venue_minor=row.venue_minor,
        buyer_name=row.buyer_name,
        entry_point=row.entry_point_code,
        provider=row.provider,
        test_mode=row.test_mode,
        created_at=row.created_at,
        paid_at=row.paid_at,
        refunded_at=row.refunded_at,
        refund_cause=row.refund_cause,
        time_zone=row.time_zone,
    )


def _status(value: str | None) -> OrderStatus | None:
    if not value:
        return None
    try:
        return OrderStatus(value)
    except ValueError:
        raise refuse(
            "status", problem("unknown_choice", "Choose one of the order statuses.", "请选择一个订单状态。")
        ) from None


VENUE = "/api/v1/venues/{slug:str}"


@get(
    VENUE + "/orders",
    tags=["orders"],
    access=MANAGER,
    summary="The venue's orders and refunds, newest first",
)
async def venue_orders(
    access: NamedDependency[VenueMember],
    db_session: NamedDependency[AsyncSession],
    status: FromQuery[str | None] = None,
) -> list[OrderRowOut]:
    """Every order of the venue, with its split and any refund (managers and owners)."""
    return [row_out(r) for r in await services.list_orders(db_session, status=_status(status))]


@get(VENUE + "/orders.csv", tags=["orders"], access=MANAGER, summary="The venue's orders as CSV")
async def venue_orders_csv(
    access: NamedDependency[VenueMember], db_session: NamedDependency[AsyncSession]
) -> Response[str]:
    rows = await services.list_orders(db_session)
    return csv_download(services.orders_csv(rows), f"orders-{access.tenant.slug}.csv")


@get(VENUE + "/orders/{reference:str}", tags=["orders"], access=MANAGER, summary="One of the venue's orders")
async def venue_order(
    access: NamedDependency[VenueMember],
    state: State,
    db_session: NamedDependency[AsyncSession],
    reference: FromPath[str],
) -> OrderOut:
    order = await services.get_order(db_session, reference)
    if order is None:
        raise NotFoundException()
    return order_out(order, state.settings, access.tenant.slug)


@post(
    VENUE + "/orders/{reference:str}/refund",
    tags=["orders"],
    status_code=200,
    access=OWNER,
    summary="Refund a whole order (owners, within the refund window)",
    responses={409: CONFLICT},
)
async def venue_refund(
    access: NamedDependency[VenueMember],
    state: State,
    db_session: NamedDependency[AsyncSession],
    reference: FromPath[str],
) -> OrderOut:
    """Through the provider; the grams go back on sale unless their tonne is already being retired."""
    if await services.get_order(db_session, reference) is None:
        raise NotFoundException()
    await db_session.commit()
    order = await services.refund_order(
        state.db,
        services.shared_provider(state),
        state.settings,
        reference.strip().upper(),
        actor=f"venue:{access.user.email}",
        by=acting(db_session),
    )
    return order_out(order, state.settings, access.tenant.slug)


@post(
    VENUE + "/entry-points/{entry_point_id:uuid}/event-order",
    tags=["orders"],
    status_code=201,
    access=MANAGER,
    summary="The organiser pays for the event's remaining footprint",
    responses={409: CONFLICT},
)
async def event_order(
    access: NamedDependency[VenueMember],
    state: State,
    db_session: NamedDependency[AsyncSession],
    entry_point_id: FromPath[uuid.UUID],
    data: JSONBody[EventOrderIn],
) -> OrderOut:
    """One order for the whole event's footprint (its latest organiser estimate) less what
    the attendees at this entry point have neutralized themselves."""
    estimate_id = await latest_event_estimate(
        db_session, entry_point_id, test_mode=services.shared_provider(state).test_mode
    )
    await db_session.commit()
    order = await services.start_checkout(
        state.db,
        services.shared_provider(state),
        checkout.CheckoutRequest(
            tenant_id=access.tenant.id,
            allocation_id=data.allocation_id,
            basis=OrderBasis.EVENT,
            estimate_id=estimate_id,
            buyer_name=data.buyer_name or access.tenant.display_name,
            buyer_email=data.buyer_email,
            language=data.language,
            actor=f"venue:{access.user.email}",
        ),
        ttl=order_ttl(state.settings),
    )
    return order_out(order, state.settings, access.tenant.slug)


async def latest_event_estimate(session: AsyncSession, entry_point_id: uuid.UUID, *, test_mode: bool) -> uuid.UUID:
    """The entry point's latest whole-event estimate (the session is scoped to the venue)."""
    from sqlalchemy import select

    entry_point = await session.scalar(select(EntryPoint.id).where(EntryPoint.id == entry_point_id))
    if entry_point is None:
        raise NotFoundException()
    found = await services.event_remaining(session, entry_point_id, test_mode=test_mode)
    if found is None:
        raise refuse(
            "estimate_id",
            EVENT_NOT_COMPUTED,
            status_code=409,
        )
    return found.estimate_id


PLATFORM_API = "/api/v1/platform"


@get(
    PLATFORM_API + "/orders",
    tags=["orders"],
    access=PLATFORM_ADMIN,
    summary="Every venue's orders, newest first",
)
async def platform_orders(
    user: NamedDependency[User], db_session: NamedDependency[AsyncSession], status: FromQuery[str | None] = None
) -> list[OrderRowOut]:
    return [row_out(r) for r in await services.list_orders(db_session, status=_status(status))]


@get(PLATFORM_API + "/orders.csv", tags=["orders"], access=PLATFORM_ADMIN, summary="Every order as CSV")
async def platform_orders_csv(user: NamedDependency[User], db_session: NamedDependency[AsyncSession]) -> Response[str]:
    return csv_download(services.orders_csv(await services.list_orders(db_session)), "orders.csv")


@post(
    PLATFORM_API + "/orders/{reference:str}/refund",
    tags=["orders"],
    status_code=200,
    access=PLATFORM_ADMIN,
    summary="Refund any venue's order (within the refund window)",
    responses={409: CONFLICT},
)
async def platform_refund(
    user: NamedDependency[User], state: State, db_session: NamedDependency[AsyncSession], reference: FromPath[str]
) -> OrderOut:
    await db_session.commit()
    order = await services.refund_order(
        state.db,
        services.shared_provider(state),
        state.settings,
        reference.strip().upper(),
        actor=f"platform:{user.email}",
        by=acting(db_session),
    )
    return order_out(order, state.settings, "")


@get(
    PLATFORM_API + "/payouts",
    tags=["orders"],
    access=PLATFORM_ADMIN,
    summary="What is owed to each project owner, per currency, from paid orders",
)
async def payouts(
    user: NamedDependency[User], db_session: NamedDependency[AsyncSession], include_test: FromQuery[bool] = False
) -> list[OwedOut]:
    """Sums of the orders' splits (owner, platform, venue) over paid and fulfilled orders;
    refunded orders owe nothing. Test-mode orders only with ``include_test``."""
    rows = await services.owed_to_owners(db_session, include_test=include_test)
    return [OwedOut(**r.__dict__) for r in rows]


@get(PLATFORM_API + "/payouts.csv", tags=["orders"], access=PLATFORM_ADMIN, summary="What is owed, as CSV")
async def payouts_csv(
    user: NamedDependency[User], db_session: NamedDependency[AsyncSession], include_test: FromQuery[bool] = False
) -> Response[str]:
    return csv_download(
        services.owed_csv(await services.owed_to_owners(db_session, include_test=include_test)),
        "owed-to-project-owners.csv",
    )


route_handlers: list[Any] = [
    venue_orders,
    venue_orders_csv,
    venue_order,
    venue_refund,
    event_order,
    platform_orders,
    platform_orders_csv,
    platform_refund,
    payouts,
    payouts_csv,
]
