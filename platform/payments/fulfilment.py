"""A paid order's credits: assigned once, recorded once, certified once, announced once.

``fulfil`` is what the ``fulfil_order`` job runs. It may run twice, concurrently, or again
after being killed half-way: the order row is locked, ``confirm_sale`` returns the
existing sale for a second call, and the fulfilment's unique order id is the last guard,
so there is exactly one assignment, and one certificate (issued in the same transaction,
its unique order id a guard of its own). A payment that arrived after its reservation
expired takes the grams again; when they are sold out the payment is refunded
automatically and the order says so.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from neutralpoint.certificates import services as certificates
from neutralpoint.credits import services as credits
from neutralpoint.credits.errors import SoldOut
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments import orders
from neutralpoint.payments.checkout import apply_payment_state
from neutralpoint.payments.models import Fulfilment, Order, OrderStatus
from neutralpoint.payments.providers import PaymentProvider, ProviderError
from neutralpoint.payments.receipts import receipt_message
from neutralpoint.payments.refunds import AUTOMATIC, refund_order
from neutralpoint.settings import Settings

log = logging.getLogger("neutralpoint.payments")
S = OrderStatus
ACTOR = "payments:fulfilment"

FULFILLED = "fulfilled"
ALREADY = "already fulfilled"
NOT_PAID = "not paid"
REFUNDED_SOLD_OUT = "refunded: sold out"


async def fulfil(db: Database, provider: PaymentProvider, settings: Settings, reference: str) -> str:
    """Assign the paid order's serial pieces, record the fulfilment, queue the receipt."""
    try:
        async with db.platform_session() as session:
            order = await orders.find(session, reference, lock=True)
            if order is None:
                return NOT_PAID
            if order.status == S.FULFILLED:
                return ALREADY
            if order.status != S.PAID:
                return NOT_PAID
            # What the certificate reads, before the sale locks the lot until this commits.
            issue_rows = await certificates.prepare_issue(
                session, settings, venue_id=order.tenant_id, project_id=order.project_id
            )
            sale = await credits.confirm_sale(
                session, order_ref=reference, amount_minor=order.amount_minor, currency=order.currency, actor=ACTOR
            )
            session.add(Fulfilment(tenant_id=order.tenant_id, order_id=order.id, sale_id=sale.id, grams=sale.grams))
            await session.flush()
            certificate = await certificates.issue(
                session,
                settings,
                order_id=order.id,
                order_reference=order.reference,
                venue_id=order.tenant_id,
                buyer_name=order.buyer_name,
                estimate_id=order.estimate_id,
                entry_point_code=order.entry_point_code,
                sale=sale,
                test_mode=order.test_mode,
                language=order.language,
                rows=issue_rows,
            )
            orders.move(
                session,
                order,
                S.FULFILLED,
                cause="credits_assigned",
                actor=ACTOR,
                detail=f"{len(sale.pieces)} serial pieces",
            )
            if order.buyer_email:
                # From what this transaction holds: it keeps the lot locked until it commits.
                view = replace(
                    await orders.view(session, order, details=False),
                    pieces=orders.piece_facts(sale),
                    sale_id=sale.id,
                    certificate_number=certificate.number,
                )
                session.add(receipt_message(settings, view, certificate.venue_slug, venue=issue_rows.venue))
            return FULFILLED
    except IntegrityError:
        # Another run recorded this order's fulfilment first (the unique constraint held).
        async with db.platform_session() as session:
            done = await session.scalar(
                select(Fulfilment.id).join(Order, Order.id == Fulfilment.order_id).where(Order.reference == reference)
            )
        if done is None:
            raise
        return ALREADY
    except SoldOut:
        log.warning("order %s was paid after its grams were sold: refunding it", reference)
        await refund_order(db, provider, settings, reference, actor=ACTOR, cause=AUTOMATIC, check_window=False)
        return REFUNDED_SOLD_OUT


async def expire_orders(db: Database, provider: PaymentProvider, jobs: JobQueue | None, *, batch: int = 100) -> int:
    """Unpaid orders past their reservation: ask the provider first (a payment may have
    gone through), otherwise cancel the payment there and expire the order here."""
    async with db.platform_session() as session:
        rows = (
            await session.execute(
                select(Order.reference, Order.payment_id)
                .where(Order.status.in_(orders.UNPAID), Order.expires_at <= utcnow())
                .order_by(Order.expires_at)
                .limit(batch)
            )
        ).all()
    expired = 0
    for reference, payment_id in rows:
        if payment_id is not None:
            try:
                state = await provider.retrieve(payment_id)
                if not state.succeeded and state.status != "processing":
                    state = await provider.cancel(payment_id)
            except ProviderError as exc:
                log.warning("order %s: the provider did not answer (%s); trying later", reference, exc.message)
                continue
            if state.succeeded or state.status == "processing":
                await apply_payment_state(db, jobs, state, cause="reconciled", actor="system:expiry")
                continue
        async with db.platform_session() as session:
            order = await orders.find(session, reference, lock=True)
            if order is None or order.status not in orders.UNPAID:
                continue
            orders.move(session, order, S.EXPIRED, cause="reservation_expired", actor="system:expiry")
            await credits.release_reservation(session, order_ref=reference, actor="system:expiry")
            expired += 1
    return expired


async def reconcile(db: Database, provider: PaymentProvider, jobs: JobQueue | None, *, batch: int = 100) -> int:
    """Orders still awaiting payment, and paid orders not yet fulfilled: ask the provider
    (a webhook may have been lost) and re-queue fulfilment. Returns how many moved."""
    async with db.platform_session() as session:
        waiting = (
            await session.execute(
                select(Order.payment_id, Order.status)
                .where(Order.status.in_(orders.UNPAID), Order.payment_id.is_not(None))
                .order_by(Order.updated_at)
                .limit(batch)
            )
        ).all()
        unfulfilled = (
            (await session.execute(select(Order.reference).where(Order.status == S.PAID).limit(batch))).scalars().all()
        )
    moved = 0
    for payment_id, status in waiting:
        if payment_id is None:
            continue
        try:
            state = await provider.retrieve(payment_id)
        except ProviderError:
            continue
        after = await apply_payment_state(db, jobs, state, cause="reconciled", actor="system:reconcile")
        if after is not None and after.status != status.value:
            moved += 1
    if jobs is not None:
        from neutralpoint.payments.checkout import FULFIL_JOB, fulfil_job_id

        for reference in unfulfilled:
            await jobs.enqueue(FULFIL_JOB, reference, job_id=fulfil_job_id(reference))
    return moved
