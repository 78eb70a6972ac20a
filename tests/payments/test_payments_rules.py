"""Orders' rules over the public API: bad input refused by field in both languages, the
state machine's causes, expiry, late payments, and exactly one fulfilment."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from shop_world import GRAMS, World
from sqlalchemy import func, select

from neutralpoint.credits import services as credits
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue, tasks
from neutralpoint.payments import fulfilment
from neutralpoint.payments.models import Fulfilment, Order
from neutralpoint.payments.providers import SandboxProvider
from neutralpoint.settings import Settings


def _error(response: Any, field: str) -> dict[str, str]:
    errors = response.json()["errors"]
    assert field in errors, errors
    message: dict[str, str] = errors[field]["message"]
    assert message["en"]
    assert message["zh-Hans"]
    assert message["en"] != message["zh-Hans"]
    return message


async def _order_count(db: Database, venue_id: Any) -> int:
    async with db.platform_session() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Order).where(Order.tenant_id == venue_id)) or 0
        )


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"basis": "amount", "amount_minor": 399}, "amount_minor", 400),
        ({"basis": "amount", "amount_minor": 10**12}, "amount_minor", 400),
        ({"basis": "mass", "grams": 0}, "grams", 400),
        ({"basis": "mass", "grams": 2_000_000_000}, "grams", 400),
        ({"basis": "mass", "grams": 1000, "currency": "USD"}, "currency", 400),
        ({"basis": "mass", "grams": 1000, "buyer_email": "not-an-address"}, "buyer_email", 400),
        ({"basis": "mass", "grams": 6_000_000}, "grams", 409),
        ({"basis": "mass"}, "grams", 400),
    ],
)
async def test_bad_input_is_refused_by_field_and_nothing_is_left(
    world: World, db: Database, body: dict[str, Any], field: str, status: int
) -> None:
    shop = await world.shop(tonnes=5)
    response = await world.order(shop, **body)
    assert response.status_code == status, response.text
    _error(response, field)
    assert await _order_count(db, shop.venue_id) == 0


async def test_another_venues_estimate_is_refused(world: World, db: Database) -> None:
    ours, theirs = await world.shop(), await world.shop()
    their_estimate = await world.footprint(theirs)
    response = await world.order(ours, their_estimate)
    assert response.status_code == 400
    assert "venue" in _error(response, "estimate_id")["en"]
    assert await _order_count(db, ours.venue_id) == 0


async def test_by_mass_and_by_amount(world: World, jobs: JobQueue) -> None:
    shop = await world.shop()
    by_mass = (await world.order(shop, basis="mass", grams=250_000)).json()
    assert (by_mass["grams"], by_mass["amount_minor"], by_mass["basis"]) == (250_000, 3000, "mass")
    # CNY 20.00 at CNY 120.00 a tonne buys 166,666 g, which cost 2000 fen rounded up.
    by_amount = (await world.order(shop, basis="amount", amount_minor=2000)).json()
    assert (by_amount["grams"], by_amount["amount_minor"], by_amount["basis"]) == (166_666, 2000, "amount")


async def test_a_declined_payment_can_be_tried_again(world: World, jobs: JobQueue) -> None:
    shop = await world.shop()
    order = (await world.order(shop, await world.footprint(shop))).json()
    declined = await world.sandbox_pay(shop, order["reference"], "decline")
    assert declined.json()["status"] == "failed"
    paid = await world.sandbox_pay(shop, order["reference"], "succeed")
    assert paid.status_code == 200
    await jobs.drain()
    done = await world.get(shop, order["reference"])
    assert done["status"] == "fulfilled"
    assert [t["to_status"] for t in done["transitions"]] == ["draft", "awaiting_payment", "failed", "paid", "fulfilled"]


def _ctx(db: Database, settings: Settings) -> dict[str, Any]:
    return {"db": db, "settings": settings, "payment_provider": SandboxProvider(db)}


async def test_fulfilment_run_many_times_at_once_assigns_once(
    world: World, db: Database, settings: Settings, jobs: JobQueue
) -> None:
    shop = await world.shop()
    order = (await world.order(shop, await world.footprint(shop))).json()
    await world.sandbox_pay(shop, order["reference"])
    fulfil = tasks()["fulfil_order"]
    outcomes = await asyncio.gather(*(fulfil(_ctx(db, settings), order["reference"]) for _ in range(6)))
    await jobs.drain()
    assert outcomes.count(fulfilment.FULFILLED) <= 1
    assert set(outcomes) <= {fulfilment.FULFILLED, fulfilment.ALREADY}
    async with db.platform_session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Fulfilment).join(Order).where(Order.reference == order["reference"])
        )
        sale = await credits.get_sale(session, order["reference"])
    assert count == 1
    assert sale is not None
    assert sum(p.grams for p in sale.pieces) == GRAMS


async def _expire(db: Database, reference: str) -> None:
    """Move the order's hold into the past, as if the buyer had waited past its expiry."""
    from neutralpoint.credits.models import Hold, Reservation

    past = utcnow() - timedelta(minutes=1)
    async with db.platform_session() as session:
        await session.execute(
            Reservation.__table__.update().where(Reservation.order_ref == reference).values(expires_at=past)
        )
        await session.execute(Hold.__table__.update().where(Hold.order_ref == reference).values(expires_at=past))
        await session.execute(Order.__table__.update().where(Order.reference == reference).values(expires_at=past))


async def test_expired_orders_are_cancelled_at_the_provider_and_release_their_grams(
    world: World, db: Database, settings: Settings
) -> None:
    shop = await world.shop()
    order = (await world.order(shop, await world.footprint(shop))).json()
    await _expire(db, order["reference"])
    expired = await tasks()["expire_orders"](_ctx(db, settings))
    assert expired >= 1
    after = await world.get(shop, order["reference"])
    assert after["status"] == "expired"
    refused = await world.sandbox_pay(shop, order["reference"])
    assert refused.status_code == 409
    _error(refused, "reference")


async def test_payment_after_expiry_takes_the_grams_again(
    world: World, db: Database, settings: Settings, jobs: JobQueue
) -> None:
    shop = await world.shop()
    order = (await world.order(shop, await world.footprint(shop))).json()
    await _expire(db, order["reference"])
    async with db.platform_session() as session:
        await credits.expire_reservations(session)
    await world.sandbox_pay(shop, order["reference"])
    await jobs.drain()
    assert (await world.get(shop, order["reference"]))["status"] == "fulfilled"


async def test_payment_after_expiry_when_sold_out_is_refunded_automatically(
    world: World, db: Database, settings: Settings, jobs: JobQueue
) -> None:
    shop = await world.shop(tonnes=1)
    first = (await world.order(shop, basis="mass", grams=600_000)).json()
    await _expire(db, first["reference"])
    async with db.platform_session() as session:
        await credits.expire_reservations(session)
    second = (await world.order(shop, basis="mass", grams=600_000)).json()
    await world.sandbox_pay(shop, second["reference"])
    await world.sandbox_pay(shop, first["reference"])
    await jobs.drain()
    assert (await world.get(shop, second["reference"]))["status"] == "fulfilled"
    late = await world.get(shop, first["reference"])
    assert late["status"] == "refunded"
    assert late["refund"]["cause"] == "sold_out_after_expiry"
    assert late["pieces"] == []
    page = await world.client.get(f"/v/{shop.slug}/orders/{first['reference']}")
    assert "refunded in full automatically" in page.text


async def test_an_offer_of_another_venue_is_refused(world: World, db: Database) -> None:
    ours, theirs = await world.shop(), await world.shop()
    response = await world.order(ours, basis="mass", grams=1000, allocation_id=str(theirs.allocation_id))
    assert response.status_code == 400
    assert "not offered" in _error(response, "allocation_id")["en"]
    assert await _order_count(db, ours.venue_id) == 0
