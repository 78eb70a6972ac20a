"""Stripe over real HTTP: ``localstripe`` serves the API and sends signed webhooks to a real
``neutralpoint serve``; the real ``stripe`` SDK talks to it on both sides. (The server runs
the installed scenario plugins only, so these orders are bought by mass.)"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from typing import Any

import stripe
from shop_world import GRAMS, WEBHOOK_SECRET, World
from sqlalchemy import func, select

from neutralpoint.credits import services as credits
from neutralpoint.database.engine import Database
from neutralpoint.payments.models import Fulfilment, Order, ProviderEvent

WAIT_SECONDS = 30
VISA = "4242424242424242"
DECLINED = "4000000000000341"  # attaches, then the charge is declined


def sdk(localstripe: str) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_neutralpoint", base_addresses={"api": localstripe})


def pay_with_card(client: stripe.StripeClient, payment_id: str, number: str = VISA) -> Any:
    """What Stripe.js does in the browser: attach a card and confirm."""
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    client.v1.payment_intents.update(payment_id, params={"payment_method": method.id})
    return client.v1.payment_intents.confirm(payment_id)


async def until(world: World, slug: str, reference: str, *statuses: str) -> dict[str, Any]:
    """The order once it reaches one of ``statuses`` (the webhook and the job run in the server)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        response = await world.client.get(f"/api/v1/public/venues/{slug}/orders/{reference}")
        body: dict[str, Any] = response.json()
        if body["status"] in statuses or time.monotonic() > deadline:
            assert body["status"] in statuses, body
            return body
        await asyncio.sleep(0.1)


def signed(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={signature}"


def event_of(kind: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An event of Stripe's documented shape (api version 2024-06-20)."""
    return {
        "id": event_id or f"evt_np_{time.time_ns()}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "type": kind,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


async def deliver(world: World, event: dict[str, Any], **kwargs: Any) -> Any:
    payload, header = signed(event, **kwargs)
    return await world.client.post(
        "/api/v1/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


async def fulfilments(db: Database, reference: str) -> int:
    async with db.platform_session() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Fulfilment).join(Order).where(Order.reference == reference)
            )
            or 0
        )


async def test_pay_then_webhook_then_fulfilment(stripe_world: World, localstripe: str, db: Database) -> None:
    shop = await stripe_world.shop()
    created = await stripe_world.order(shop, basis="mass", grams=GRAMS, buyer_email="li@example.org")
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["provider"] == "stripe"
    payment = order["payment"]
    assert payment["client_secret"].startswith(payment["payment_id"])
    assert payment["methods"] == ["card", "alipay", "wechat_pay"]
    intent = pay_with_card(sdk(localstripe), payment["payment_id"])
    assert intent.status == "succeeded"
    done = await until(stripe_world, shop.slug, order["reference"], "fulfilled")
    assert sum(p["grams"] for p in done["pieces"]) == GRAMS
    assert ("awaiting_payment", "paid", "payment_intent.succeeded") in {
        (t["from_status"], t["to_status"], t["cause"]) for t in done["transitions"]
    }
    page = await stripe_world.client.get(f"/v/{shop.slug}/orders/{order['reference']}")
    assert "CDCER-" in page.text
    assert "Test mode" in page.text  # a test key is test mode too


async def test_declined_card_marks_the_order_failed(stripe_world: World, localstripe: str) -> None:
    shop = await stripe_world.shop()
    order = (await stripe_world.order(shop, basis="mass", grams=GRAMS)).json()
    with contextlib.suppress(stripe.CardError):
        pay_with_card(sdk(localstripe), order["payment"]["payment_id"], DECLINED)
    failed = await until(stripe_world, shop.slug, order["reference"], "failed")
    assert "declined" in failed["transitions"][-1]["detail"]
    page = await stripe_world.client.get(f"/v/{shop.slug}/orders/{order['reference']}")
    assert "did not go through" in page.text


async def test_one_event_delivered_many_times_at_once_fulfils_once(
    stripe_world: World, localstripe: str, db: Database
) -> None:
    shop = await stripe_world.shop()
    order = (await stripe_world.order(shop, basis="mass", grams=GRAMS)).json()
    client = sdk(localstripe)
    intent = pay_with_card(client, order["payment"]["payment_id"])
    event = event_of("payment_intent.succeeded", intent.to_dict(), event_id=f"evt_dup_{order['reference']}")
    answers = await asyncio.gather(*(deliver(stripe_world, event) for _ in range(12)))
    assert {a.status_code for a in answers} == {200}
    assert [a.json()["outcome"] for a in answers].count("duplicate") == 11
    await until(stripe_world, shop.slug, order["reference"], "fulfilled")
    assert await fulfilments(db, order["reference"]) == 1
    async with db.platform_session() as session:
        sale = await credits.get_sale(session, order["reference"])
    assert sale is not None
    assert sum(p.grams for p in sale.pieces) == GRAMS


async def test_events_out_of_order_read_the_payment_as_it_is_now(stripe_world: World, localstripe: str) -> None:
    shop = await stripe_world.shop()
    order = (await stripe_world.order(shop, basis="mass", grams=GRAMS)).json()
    client = sdk(localstripe)
    before = client.v1.payment_intents.retrieve(order["payment"]["payment_id"]).to_dict()
    # A "succeeded" event for a payment that has not succeeded changes nothing.
    early = await deliver(stripe_world, event_of("payment_intent.succeeded", {**before, "status": "succeeded"}))
    assert early.status_code == 200
    assert (await stripe_world.get(shop, order["reference"]))["status"] == "awaiting_payment"
    intent = pay_with_card(client, order["payment"]["payment_id"])
    await until(stripe_world, shop.slug, order["reference"], "fulfilled")
    # An old "payment_failed" arriving last does not undo the payment.
    late = await deliver(stripe_world, event_of("payment_intent.payment_failed", intent.to_dict()))
    assert late.status_code == 200
    assert (await stripe_world.get(shop, order["reference"]))["status"] == "fulfilled"


async def test_forged_and_stale_signatures_are_refused_and_change_nothing(
    stripe_world: World, localstripe: str, db: Database
) -> None:
    shop = await stripe_world.shop()
    order = (await stripe_world.order(shop, basis="mass", grams=GRAMS)).json()
    intent = sdk(localstripe).v1.payment_intents.retrieve(order["payment"]["payment_id"]).to_dict()
    forged = event_of("payment_intent.succeeded", {**intent, "status": "succeeded"}, event_id="evt_forged_1")
    wrong_key = await deliver(stripe_world, forged, secret="whsec_not_ours")
    stale = await deliver(stripe_world, forged, at=int(time.time()) - 3600)
    unsigned = await stripe_world.client.post("/api/v1/webhooks/stripe", content=json.dumps(forged).encode())
    assert (wrong_key.status_code, stale.status_code, unsigned.status_code) == (400, 400, 400)
    async with db.platform_session() as session:
        assert await session.get(ProviderEvent, "evt_forged_1") is None
    assert (await stripe_world.get(shop, order["reference"]))["status"] == "awaiting_payment"


async def _expire(db: Database, reference: str) -> None:
    """Move the order's hold into the past, as if the buyer had paid long after choosing."""
    from datetime import timedelta

    from neutralpoint.credits.models import Hold, Reservation
    from neutralpoint.database.base import utcnow

    past = utcnow() - timedelta(minutes=1)
    async with db.platform_session() as session:
        await session.execute(
            Reservation.__table__.update().where(Reservation.order_ref == reference).values(expires_at=past)
        )
        await session.execute(Hold.__table__.update().where(Hold.order_ref == reference).values(expires_at=past))
        await credits.expire_reservations(session)


async def test_payment_after_expiry_takes_the_grams_again(stripe_world: World, localstripe: str, db: Database) -> None:
    shop = await stripe_world.shop()
    order = (await stripe_world.order(shop, basis="mass", grams=GRAMS)).json()
    await _expire(db, order["reference"])
    pay_with_card(sdk(localstripe), order["payment"]["payment_id"])
    done = await until(stripe_world, shop.slug, order["reference"], "fulfilled")
    assert sum(p["grams"] for p in done["pieces"]) == GRAMS


async def test_payment_after_expiry_when_sold_out_is_refunded_through_stripe(
    stripe_world: World, localstripe: str, db: Database
) -> None:
    shop = await stripe_world.shop(tonnes=1)
    late = (await stripe_world.order(shop, basis="mass", grams=600_000)).json()
    await _expire(db, late["reference"])
    client = sdk(localstripe)
    other = (await stripe_world.order(shop, basis="mass", grams=600_000)).json()
    pay_with_card(client, other["payment"]["payment_id"])
    await until(stripe_world, shop.slug, other["reference"], "fulfilled")
    pay_with_card(client, late["payment"]["payment_id"])
    refunded = await until(stripe_world, shop.slug, late["reference"], "refunded")
    assert refunded["refund"]["cause"] == "sold_out_after_expiry"
    charge = client.v1.payment_intents.retrieve(
        late["payment"]["payment_id"], params={"expand": ["latest_charge"]}
    ).to_dict()["latest_charge"]
    assert charge["amount_refunded"] == late["amount_minor"]


async def test_refund_at_stripe_reported_by_a_signed_event(stripe_world: World, localstripe: str) -> None:
    """localstripe sends no refund events: the test builds Stripe's documented ``charge.refunded``."""
    shop = await stripe_world.shop(tonnes=1)
    order = (await stripe_world.order(shop, basis="mass", grams=GRAMS)).json()
    client = sdk(localstripe)
    pay_with_card(client, order["payment"]["payment_id"])
    await until(stripe_world, shop.slug, order["reference"], "fulfilled")
    # Refunded from Stripe's dashboard, not by us.
    client.v1.refunds.create(params={"payment_intent": order["payment"]["payment_id"]})
    charge = client.v1.payment_intents.retrieve(
        order["payment"]["payment_id"], params={"expand": ["latest_charge"]}
    ).to_dict()["latest_charge"]
    event = event_of("charge.refunded", {**charge, "payment_intent": order["payment"]["payment_id"]})
    for _ in range(2):
        answer = await deliver(stripe_world, event)
        assert answer.status_code == 200
    done = await stripe_world.get(shop, order["reference"])
    assert done["status"] == "refunded"
    assert (done["refund"]["cause"], done["refund"]["released_grams"]) == ("refunded_at_provider", GRAMS)


async def test_dispute_is_recorded_and_a_lost_one_refunds(stripe_world: World, localstripe: str) -> None:
    shop = await stripe_world.shop()
    order = (await stripe_world.order(shop, basis="mass", grams=GRAMS)).json()
    client = sdk(localstripe)
    pay_with_card(client, order["payment"]["payment_id"])
    await until(stripe_world, shop.slug, order["reference"], "fulfilled")
    dispute = {
        "id": f"dp_{order['reference']}",
        "object": "dispute",
        "amount": order["amount_minor"],
        "currency": "cny",
        "payment_intent": order["payment"]["payment_id"],
        "reason": "fraudulent",
        "status": "needs_response",
    }
    assert (await deliver(stripe_world, event_of("charge.dispute.created", dispute))).status_code == 200
    opened = await stripe_world.get(shop, order["reference"])
    assert opened["status"] == "fulfilled"
    assert opened["transitions"][-1]["cause"] == "dispute.created"
    closed = event_of("charge.dispute.closed", {**dispute, "status": "lost"})
    assert (await deliver(stripe_world, closed)).status_code == 200
    lost = await stripe_world.get(shop, order["reference"])
    assert (lost["status"], lost["refund"]["cause"]) == ("refunded", "dispute_lost")
