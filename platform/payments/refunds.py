"""Refunds of a whole order, through its provider, within a window.

Like checkout, in short transactions around the provider call: the refund is recorded as
pending (one per order, a unique constraint), the provider refunds with an idempotency
key derived from the order, then the credits are refunded (``credits.refund_sale``:
grams of tonnes not yet retiring go back on sale, the others stay retired on the
platform's account), its certificate is voided and the order is marked refunded.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from neutralpoint.certificates import services as certificates
from neutralpoint.credits import services as credits
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import Actor, act_as
from neutralpoint.payments import orders
from neutralpoint.payments.models import Fulfilment, Order, OrderStatus, Refund, RefundStatus
from neutralpoint.payments.providers import PaymentProvider, ProviderError
from neutralpoint.payments.schemas import OrderView
from neutralpoint.refusals import problem, refuse
from neutralpoint.settings import Settings

log = logging.getLogger("neutralpoint.payments")
S = OrderStatus

REQUESTED = "requested"
AUTOMATIC = "sold_out_after_expiry"
AT_PROVIDER = "refunded_at_provider"


def refund_key(reference: str) -> str:
    return f"order-{reference}-refund"


async def _settle_credits(session: object, order: Order, actor: str) -> tuple[int, int]:
    """Give back the order's grams as the credit rules say; returns (released, retained)."""
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    fulfilled = await session.scalar(select(Fulfilment.id).where(Fulfilment.order_id == order.id))
    if fulfilled is not None:
        result = await credits.refund_sale(session, order_ref=order.reference, actor=actor)
        return result.released_grams, result.retained_grams
    reservation = await credits.get_reservation(session, order.reference)
    if reservation is not None and reservation.status == "reserved":
        await credits.release_reservation(session, order_ref=order.reference, actor=actor)
    return 0, 0


async def refund_order(
    db: Database,
    provider: PaymentProvider,
    settings: Settings,
    reference: str,
    *,
    actor: str,
    cause: str = REQUESTED,
    check_window: bool = True,
    now: datetime | None = None,
    by: Actor | None = None,
) -> OrderView:
    """``by``: the person asking, whose change the audit log records (none for the platform's own)."""
    now = now or utcnow()
    async with db.platform_session() as session:
        act_as(session, by)
        order = await orders.find(session, reference, lock=True)
        if order is None:
            raise refuse(
                "reference",
                problem("not_found", "There is no order with this reference.", "没有此编号的订单。"),
                status_code=404,
            )
        existing = await session.scalar(select(Refund).where(Refund.order_id == order.id))
        if existing is not None and existing.status == RefundStatus.SUCCEEDED:
            return await orders.view(session, order)
        if order.status not in orders.PAID_STATES:
            raise refuse(
                "reference",
                problem("wrong_state", "Only a paid order can be refunded.", "只有已付款的订单才能退款。"),
                status_code=409,
            )
        if check_window and order.paid_at is not None:
            window = timedelta(days=settings.refund_window_days)
            if now - order.paid_at > window:
                raise refuse(
                    "reference",
                    problem(
                        "refund_window",
                        "Orders can be refunded within {days} days of payment; this one was paid earlier.",
                        "订单可在付款后 {days} 天内退款；此订单的付款时间早于此期限。",
                        days=settings.refund_window_days,
                    ),
                    status_code=409,
                )
        if existing is None:
            existing = Refund(
                tenant_id=order.tenant_id,
                order_id=order.id,
                amount_minor=order.amount_minor,
                currency=order.currency,
                status=RefundStatus.PENDING,
                cause=cause,
                actor=actor[:254],
                created_at=now,
            )
            session.add(existing)
            try:
                await session.flush()
            except IntegrityError:
                raise refuse(
                    "reference",
                    problem("wrong_state", "This order is being refunded already.", "此订单正在退款中。"),
                    status_code=409,
                ) from None
        orders.record(session, order, order.status, cause="refund_requested", actor=actor, detail=cause, now=now)
        payment_id, amount = order.payment_id, order.amount_minor
    try:
        if payment_id is None:
            raise ProviderError("The order has no payment.")
        result = await provider.refund(payment_id, amount, key=refund_key(reference))
    except ProviderError as exc:
        async with db.platform_session() as session:
            act_as(session, by)
            order = await orders.find(session, reference, lock=True)
            refund = await session.scalar(select(Refund).where(Refund.order_id == order.id)) if order else None
            if refund is not None:
                refund.status = RefundStatus.FAILED
                refund.error = exc.message[:2000]
        raise refuse(
            "reference",
            problem(
                "provider_error",
                "The payment provider did not refund: {reason}",
                "支付服务商未能退款：{reason}",
                reason=exc.message,
            ),
            status_code=502,
        ) from exc
    return await record_refund(db, reference, provider_refund_id=result.refund_id, actor=actor, cause=cause, by=by)


async def record_refund(
    db: Database,
    reference: str,
    *,
    provider_refund_id: str | None,
    actor: str,
    cause: str,
    by: Actor | None = None,
) -> OrderView:
    """The provider has refunded: give back the credits and mark the order (idempotent)."""
    async with db.platform_session() as session:
        act_as(session, by)
        order = await orders.find(session, reference, lock=True)
        if order is None:
            raise refuse(
                "reference",
                problem("not_found", "There is no order with this reference.", "没有此编号的订单。"),
                status_code=404,
            )
        refund = await session.scalar(select(Refund).where(Refund.order_id == order.id))
        if refund is None:
            refund = Refund(
                tenant_id=order.tenant_id,
                order_id=order.id,
                amount_minor=order.amount_minor,
                currency=order.currency,
                status=RefundStatus.PENDING,
                cause=cause,
                actor=actor[:254],
            )
            session.add(refund)
        if refund.status == RefundStatus.SUCCEEDED or order.status == S.REFUNDED:
            return await orders.view(session, order)
        released, retained = await _settle_credits(session, order, actor)
        refund.status = RefundStatus.SUCCEEDED
        refund.provider_refund_id = provider_refund_id
        refund.released_grams, refund.retained_grams = released, retained
        refund.succeeded_at = utcnow()
        refund.error = ""
        await certificates.void(session, order.id, reason=cause)
        if order.status in orders.PAID_STATES:
            orders.move(
                session,
                order,
                S.REFUNDED,
                cause=cause,
                actor=actor,
                detail=f"released {released} g, retained {retained} g",
            )
        await session.flush()
        return await orders.view(session, order)
