"""Stripe's webhook: verified first, each event stored once, the payment read fresh.

The signature is checked (``stripe.Webhook.construct_event``, with the tolerance of
``STRIPE_WEBHOOK_TOLERANCE``) before anything of the body is used. The event's id is
stored once, so a redelivery (or the same event delivered many times at once) is
acknowledged and ignored. Events may come out of order, so nothing is taken from the
event's copy of the object: the PaymentIntent is retrieved and its current state applied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import stripe
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments import orders
from neutralpoint.payments.checkout import apply_payment_state
from neutralpoint.payments.models import OrderStatus, ProviderEvent
from neutralpoint.payments.providers import PaymentProvider, ProviderError
from neutralpoint.payments.refunds import AT_PROVIDER, record_refund
from neutralpoint.settings import Settings

log = logging.getLogger("neutralpoint.payments")

PAYMENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.processing",
        "payment_intent.requires_action",
    }
)
REFUND_EVENTS = frozenset({"charge.refunded", "refund.created", "refund.updated", "charge.refund.updated"})
DISPUTE_EVENTS = frozenset({"charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"})


@dataclass(frozen=True)
class WebhookAnswer:
    status_code: int
    outcome: str


def _payment_id(event: Any) -> str | None:
    obj = event["data"]["object"]
    if event["type"] in PAYMENT_EVENTS:
        return str(obj["id"])
    found = obj.get("payment_intent")
    return str(found) if found else None


async def receive(
    db: Database,
    jobs: JobQueue | None,
    provider: PaymentProvider,
    settings: Settings,
    payload: bytes,
    signature: str | None,
) -> WebhookAnswer:
    secret = settings.stripe_webhook_secret
    if not secret:
        # Not a server error: this platform takes no Stripe events (it has no secret to check them).
        return WebhookAnswer(404, "STRIPE_WEBHOOK_SECRET is not set")
    try:
        event = stripe.Webhook.construct_event(
            payload.decode("utf-8"), signature, secret, tolerance=settings.stripe_webhook_tolerance
        ).to_dict()
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
        log.warning("webhook refused: %s", exc)
        return WebhookAnswer(400, "invalid signature or payload")
    payment_id = _payment_id(event)
    try:
        async with db.platform_session() as session:
            session.add(ProviderEvent(id=event["id"], provider="stripe", type=event["type"], payment_id=payment_id))
    except IntegrityError:
        return WebhookAnswer(200, "duplicate")
    try:
        outcome = await _handle(db, jobs, provider, event, payment_id)
    except Exception:
        # Forget the event so that Stripe's next delivery is handled again.
        async with db.platform_session() as session:
            await session.execute(delete(ProviderEvent).where(ProviderEvent.id == event["id"]))
        raise
    async with db.platform_session() as session:
        stored = update(ProviderEvent).where(ProviderEvent.id == event["id"])
        await session.execute(stored.values(outcome=outcome[:200]))
    return WebhookAnswer(200, outcome)


async def _handle(
    db: Database, jobs: JobQueue | None, provider: PaymentProvider, event: Any, payment_id: str | None
) -> str:
    kind = event["type"]
    if payment_id is None or kind not in PAYMENT_EVENTS | REFUND_EVENTS | DISPUTE_EVENTS:
        return "ignored"
    try:
        state = await provider.retrieve(payment_id)
    except ProviderError as exc:
        raise RuntimeError(f"could not read payment {payment_id}: {exc.message}") from exc
    if kind in PAYMENT_EVENTS:
        view = await apply_payment_state(db, jobs, state, cause=kind, actor="stripe")
        return f"order {view.reference}: {view.status}" if view else "no such order"
    async with db.platform_session() as session:
        order = await orders.find_by_payment(session, payment_id, lock=True)
        if order is None:
            return "no such order"
        reference, status = order.reference, order.status
        if kind in DISPUTE_EVENTS:
            obj = event["data"]["object"]
            detail = f"{obj.get('status', '')} {obj.get('reason', '')}".strip()
            orders.record(
                session, order, order.status, cause=kind.replace("charge.", ""), actor="stripe", detail=detail
            )
            lost = kind == "charge.dispute.closed" and obj.get("status") == "lost"
            if not lost:
                return f"order {reference}: dispute {detail}"
    if status not in (OrderStatus.PAID, OrderStatus.FULFILLED):
        return f"order {reference}: {status.value}"
    if kind in REFUND_EVENTS and state.amount_refunded_minor < state.amount_minor:
        return f"order {reference}: partly refunded at the provider"
    cause = AT_PROVIDER if kind in REFUND_EVENTS else "dispute_lost"
    view = await record_refund(db, reference, provider_refund_id=None, actor="stripe", cause=cause)
    return f"order {reference}: {view.status}"
