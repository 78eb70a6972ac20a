"""Who sees what, refunds, and the organiser's order: through the venue's and the platform's
routes, signed in as each kind of person."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from scenarios.signed_in import sign_in_as
from shop_world import GRAMS, Shop, World
from sqlalchemy import select, update

from neutralpoint.credits.models import Allocation
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments import services
from neutralpoint.payments.models import Order
from neutralpoint.payments.providers import SandboxProvider
from neutralpoint.refusals import FormErrors
from neutralpoint.scenarios.models import Estimate
from neutralpoint.settings import Settings
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import Membership, Role, Tenant, User
from neutralpoint.web.formatting import format_money, format_stamp
from tests.conftest import open_client


async def person(db: Database, shop: Shop | None, role: Role = Role.OWNER, *, admin: bool = False) -> uuid.UUID:
    suffix = uuid.uuid4().hex[:8]
    async with db.platform_session() as session:
        user = User(
            email=f"p-{suffix}@example.org",
            name="Test",
            password_hash=hash_password("a long password!"),
            is_platform_admin=admin,
        )
        session.add(user)
        await session.flush()
        if shop is not None:
            session.add(Membership(tenant_id=shop.venue_id, user_id=user.id, role=role))
        return user.id


@pytest.fixture
async def desk(app: Litestar, settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """One browser (one test client, so one event loop for the app's connections) whose
    signed-in person a test switches with ``signed_in``."""
    async with open_client(app) as client:
        yield client


@pytest.fixture
def world(db: Database, desk: AsyncTestClient[Any]) -> World:
    return World(db, desk)


@asynccontextmanager
async def signed_in(desk: AsyncTestClient[Any], user_id: uuid.UUID) -> AsyncIterator[AsyncTestClient[Any]]:
    await sign_in_as(desk, user_id)
    try:
        yield desk
    finally:
        desk.cookies.clear()


async def fulfilled_order(world: World, jobs: JobQueue, shop: Shop) -> str:
    order = (await world.order(shop, await world.footprint(shop))).json()
    await world.sandbox_pay(shop, order["reference"])
    await jobs.drain()
    assert (await world.get(shop, order["reference"]))["status"] == "fulfilled"
    return str(order["reference"])


async def test_owner_refunds_an_order_and_its_grams_go_back_on_sale(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    shop = await world.shop(tonnes=1)
    reference = await fulfilled_order(world, jobs, shop)
    async with signed_in(desk, await person(db, shop, Role.MANAGER)) as manager:
        listed = await manager.get(f"/api/v1/venues/{shop.slug}/orders")
        assert [o["reference"] for o in listed.json()] == [reference]
        csv = await manager.get(f"/api/v1/venues/{shop.slug}/orders.csv")
        assert reference in csv.text
        assert (await manager.post(f"/api/v1/venues/{shop.slug}/orders/{reference}/refund")).status_code == 404
    async with signed_in(desk, await person(db, shop, Role.OWNER)) as owner:
        refunded = await owner.post(f"/api/v1/venues/{shop.slug}/orders/{reference}/refund")
        assert refunded.status_code == 200, refunded.text
        body = refunded.json()
        assert body["status"] == "refunded"
        assert (body["refund"]["released_grams"], body["refund"]["retained_grams"]) == (GRAMS, 0)
        again = await owner.post(f"/api/v1/venues/{shop.slug}/orders/{reference}/refund")
        assert again.status_code == 200
        page = await owner.get(f"/venue/{shop.slug}/orders")
        assert reference in page.text
        # The owner's refund is in the venue's audit log: asked for, then done.
        logged = (await owner.get(f"/api/v1/venues/{shop.slug}/audit-log", params={"entity": "refund"})).json()
        assert [e["action"] for e in logged["entries"]] == ["update", "create"]
        assert logged["entries"][1]["after"]["status"] == "pending"
        assert (logged["entries"][0]["before"]["status"], logged["entries"][0]["after"]["status"]) == (
            "pending",
            "succeeded",
        )
        assert {e["actor_role"] for e in logged["entries"]} == {"owner"}
    # The released grams can be sold again: the whole tonne fits one order.
    whole = await world.order(shop, basis="mass", grams=1_000_000)
    assert whole.status_code == 201, whole.text


async def test_another_venue_sees_none_of_it(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    ours, theirs = await world.shop(), await world.shop()
    reference = await fulfilled_order(world, jobs, ours)
    async with signed_in(desk, await person(db, theirs, Role.OWNER)) as other:
        assert (await other.get(f"/api/v1/venues/{theirs.slug}/orders/{reference}")).status_code == 404
        assert (await other.post(f"/api/v1/venues/{theirs.slug}/orders/{reference}/refund")).status_code == 404
        assert (await other.get(f"/api/v1/venues/{ours.slug}/orders")).status_code == 404
        assert reference not in (await other.get(f"/api/v1/venues/{theirs.slug}/orders")).text


async def test_refunds_only_within_the_window(world: World, jobs: JobQueue, db: Database, settings: Settings) -> None:
    shop = await world.shop()
    reference = await fulfilled_order(world, jobs, shop)
    later = utcnow() + timedelta(days=settings.refund_window_days, minutes=1)
    with pytest.raises(FormErrors) as refused:
        await services.refund_order(db, SandboxProvider(db), settings, reference, actor="test", now=later)
    assert refused.value.status_code == 409
    assert "30 days" in str(refused.value)


async def test_platform_sees_every_order_and_what_each_owner_is_owed(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    shop = await world.shop()
    kept = await fulfilled_order(world, jobs, shop)
    refunded = await fulfilled_order(world, jobs, shop)
    async with signed_in(desk, await person(db, None, admin=True)) as admin:
        assert (await admin.post(f"/api/v1/platform/orders/{refunded}/refund")).status_code == 200
        orders = {o["reference"]: o for o in (await admin.get("/api/v1/platform/orders")).json()}
        assert orders[kept]["status"] == "fulfilled"
        assert orders[refunded]["refund_cause"] == "requested"
        owed = (await admin.get("/api/v1/platform/payouts?include_test=true")).json()
        mine = [row for row in owed if row["owner_name"].endswith(shop.slug.removeprefix("shop-"))]
        assert len(mine) == 1
        # Only the kept order is owed: 1406 fen split 70 / 20 / 10 %.
        assert (mine[0]["orders"], mine[0]["amount_minor"], mine[0]["owner_minor"]) == (1, 1406, 984)
        assert mine[0]["owner_minor"] + mine[0]["platform_minor"] + mine[0]["venue_minor"] == 1406
        assert not any(
            r["owner_name"].endswith(shop.slug.removeprefix("shop-"))
            for r in (await admin.get("/api/v1/platform/payouts")).json()
        )
        page = await admin.get("/platform/payouts?test=1")
        assert page.status_code == 200
        assert "9.84" in page.text
        assert kept in (await admin.get("/platform/orders.csv")).text
    async with signed_in(desk, await person(db, shop, Role.OWNER)) as owner:
        assert (await owner.get("/api/v1/platform/orders")).status_code == 404


def _organiser_estimate(shop: Shop, grams: int) -> Estimate:
    return Estimate(
        tenant_id=shop.venue_id,
        entry_point_id=shop.entry_point_id,
        visitor_id=None,
        scenario="dummy",
        kind="organiser",
        scenario_name={"en": "Test trip"},
        factor_set_version="2025.1",
        factor_fingerprint="0" * 64,
        inputs={},
        breakdown=[],
        total_grams=grams,
    )


async def test_the_organiser_pays_for_what_attendees_did_not(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    shop = await world.shop()
    await fulfilled_order(world, jobs, shop)
    async with db.platform_session() as session:
        session.add(
            Estimate(
                tenant_id=shop.venue_id,
                entry_point_id=shop.entry_point_id,
                visitor_id=uuid.uuid4(),
                scenario="dummy",
                kind="organiser",
                scenario_name={"en": "Test trip"},
                factor_set_version="2025.1",
                factor_fingerprint="0" * 64,
                inputs={},
                breakdown=[],
                total_grams=2_000_000,
            )
        )
    async with signed_in(desk, await person(db, shop, Role.MANAGER)) as manager:
        created = await manager.post(
            f"/api/v1/venues/{shop.slug}/entry-points/{shop.entry_point_id}/event-order",
            json={"allocation_id": str(shop.allocation_id)},
        )
        assert created.status_code == 201, created.text
        order = created.json()
        assert (order["basis"], order["grams"]) == ("event", 2_000_000 - GRAMS)
        await world.sandbox_pay(shop, order["reference"])
        await jobs.drain()
        assert (await world.get(shop, order["reference"]))["status"] == "fulfilled"
        # Nothing is left to neutralize now.
        again = await manager.post(
            f"/api/v1/venues/{shop.slug}/entry-points/{shop.entry_point_id}/event-order",
            json={"allocation_id": str(shop.allocation_id)},
        )
        assert again.status_code == 409
        assert "already neutralized" in again.json()["errors"]["estimate_id"]["message"]["en"]


async def test_the_organisers_order_subtracts_only_attendees_orders_of_its_own_mode(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    """A live event order is not reduced by sandbox purchases, nor a sandbox one by live ones."""
    shop = await world.shop()
    sandbox_paid = await fulfilled_order(world, jobs, shop)
    live_paid = await fulfilled_order(world, jobs, shop)
    async with db.platform_session() as session:
        # As if paid through live Stripe keys before the venue's demo turned to the sandbox.
        await session.execute(update(Order).where(Order.reference == live_paid).values(test_mode=False))
        session.add(_organiser_estimate(shop, 2_000_000))
    async with db.session() as session:
        use_tenant(session, shop.venue_id)
        live = await services.event_remaining(session, shop.entry_point_id, test_mode=False)
        sandbox = await services.event_remaining(session, shop.entry_point_id, test_mode=True)
    assert live is not None
    assert sandbox is not None
    assert (live.neutralized_grams, live.remaining_grams) == (GRAMS, 2_000_000 - GRAMS)
    assert (sandbox.neutralized_grams, sandbox.remaining_grams) == (GRAMS, 2_000_000 - GRAMS)
    async with signed_in(desk, await person(db, shop, Role.MANAGER)) as manager:
        # The sandbox's order is of the test mode: the live attendee's grams are not taken off.
        created = await manager.post(
            f"/api/v1/venues/{shop.slug}/entry-points/{shop.entry_point_id}/event-order",
            json={"allocation_id": str(shop.allocation_id)},
        )
        assert created.status_code == 201, created.text
        assert (created.json()["basis"], created.json()["grams"], created.json()["test_mode"]) == (
            "event",
            2_000_000 - GRAMS,
            True,
        )
    assert sandbox_paid != live_paid


async def test_the_refund_page_says_what_a_refund_does_before_doing_it(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    shop = await world.shop()
    reference = await fulfilled_order(world, jobs, shop)
    page_url = f"/venue/{shop.slug}/orders/{reference}/refund"
    async with signed_in(desk, await person(db, shop, Role.OWNER)) as owner:
        listed = await owner.get(f"/venue/{shop.slug}/orders")
        assert f'href="{page_url}"' in listed.text
        # The list claims a refund only when the order is refunded, whatever the address says.
        claimed = await owner.get(f"/venue/{shop.slug}/orders?refunded={reference}")
        assert f"Order {reference} was refunded." not in claimed.text
        page = await owner.get(page_url)
        assert page.status_code == 200
        assert "This cannot be undone." in page.text
        assert format_money(1406, "CNY", "en") in page.text
        assert (await world.get(shop, reference))["status"] == "fulfilled"
        chinese = await owner.get(page_url + "?lang=zh-Hans")
        assert "此操作无法撤销" in chinese.text
        done = await owner.post(
            page_url, data={"_csrf_token": str(owner.cookies.get("np_csrf", ""))}, follow_redirects=False
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/venue/{shop.slug}/orders?refunded={reference}"
        after = await owner.get(done.headers["location"])
        assert f"Order {reference} was refunded." in after.text
        assert (await world.get(shop, reference))["status"] == "refunded"
        again = await owner.get(page_url)
        assert "This order was refunded in full." in again.text
        assert 'id="confirm-refund"' not in again.text
    async with signed_in(desk, await person(db, shop, Role.MANAGER)) as manager:
        assert (await manager.get(page_url, follow_redirects=False)).status_code in (303, 403, 404)


async def test_a_refused_refund_is_shown_on_the_refund_page(
    world: World, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    shop = await world.shop()
    unpaid = (await world.order(shop, await world.footprint(shop))).json()["reference"]
    async with signed_in(desk, await person(db, None, admin=True)) as admin:
        page = await admin.get(f"/platform/orders/{unpaid}/refund")
        assert page.status_code == 200
        assert "Only a paid order can be refunded." in page.text
        refused = await admin.post(
            f"/platform/orders/{unpaid}/refund", data={"_csrf_token": str(admin.cookies.get("np_csrf", ""))}
        )
        assert refused.status_code == 409
        assert 'id="refund-error"' in refused.text
    assert (await world.get(shop, unpaid))["status"] == "awaiting_payment"


async def test_the_platforms_order_pages_show_each_order_on_its_venues_clock(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    """Every venue's orders on one list: each on its own venue's clock, the zone named; the
    JSON gives the moment with its offset and the venue's zone."""
    shop = await world.shop()
    async with db.platform_session() as session:
        await session.execute(update(Tenant).where(Tenant.id == shop.venue_id).values(time_zone="America/New_York"))
    reference = await fulfilled_order(world, jobs, shop)
    async with signed_in(desk, await person(db, None, admin=True)) as admin:
        rows = {o["reference"]: o for o in (await admin.get("/api/v1/platform/orders")).json()}
        row = rows[reference]
        assert row["time_zone"] == "America/New_York"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)", row["created_at"]), row["created_at"]
        created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
        paid = datetime.fromisoformat(row["paid_at"].replace("Z", "+00:00"))
        for lang in ("en", "zh-Hans"):
            listed = await admin.get(f"/platform/orders?lang={lang}")
            assert format_stamp(created, "America/New_York") in listed.text
            refund = await admin.get(f"/platform/orders/{reference}/refund?lang={lang}")
            assert format_stamp(paid, "America/New_York") in refund.text
            assert " UTC</dd>" not in refund.text
        exported = (await admin.get("/platform/orders.csv")).text
        (line,) = [r for r in csv.DictReader(io.StringIO(exported)) if r["reference"] == reference]
        assert (line["time_zone"], line["created_at"][-6:]) == ("America/New_York", "+00:00")


async def test_the_platforms_pages_mark_what_a_sandbox_payment_bought(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    """A venue's console counts its test-mode orders apart, a lot's sold pieces say which
    went to a test payment, and the reports say what they count."""
    shop = await world.shop()
    reference = await fulfilled_order(world, jobs, shop)
    async with db.platform_session() as session:
        lot_id = await session.scalar(select(Allocation.lot_id).where(Allocation.id == shop.allocation_id))
    async with signed_in(desk, await person(db, None, admin=True)) as admin:
        activity = (await admin.get(f"/api/v1/platform/venues/{shop.slug}/activity")).json()
        assert (activity["orders"], activity["test_orders"]) == (1, 1)
        for lang, words in (("en", "1 in test mode"), ("zh-Hans", "其中 1 个为测试模式")):
            console = await admin.get(f"/platform/venues/{shop.slug}?lang={lang}")
            assert f'<span class="tag warn" id="test-orders">{words}</span>' in console.text
            lot = await admin.get(f"/platform/lots/{lot_id}?lang={lang}")
            tag = "test" if lang == "en" else "测试"
            assert f'{reference} <span class="tag warn">{tag}</span>' in lot.text
            reports = await admin.get(f"/platform/reports?by=project&lang={lang}")
            assert 'id="sales-live-only"' in reports.text
            assert 'id="stock-test-mode"' in reports.text


def _moments(value: Any, where: str = "") -> list[tuple[str, str]]:
    """Every date-and-time string in a JSON document, with where it is."""
    if isinstance(value, dict):
        return [m for key, item in value.items() for m in _moments(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [m for index, item in enumerate(value) for m in _moments(item, f"{where}[{index}]")]
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", value):
        return [(where, value)]
    return []


async def test_the_platforms_json_twins_give_each_moment_with_its_offset(
    world: World, jobs: JobQueue, desk: AsyncTestClient[Any], db: Database, settings: Settings
) -> None:
    shop = await world.shop()
    await fulfilled_order(world, jobs, shop)
    async with db.platform_session() as session:
        lot_id = await session.scalar(select(Allocation.lot_id).where(Allocation.id == shop.allocation_id))
    async with signed_in(desk, await person(db, None, admin=True)) as admin:
        assert (
            await admin.post(f"/api/v1/platform/venues/{shop.slug}/suspend", json={"reason": "x"})
        ).status_code == 200
        seen = []
        for path in (
            "/api/v1/platform/orders",
            "/api/v1/platform/venues",
            f"/api/v1/platform/venues/{shop.slug}",
            f"/api/v1/platform/venues/{shop.slug}/activity",
            "/api/v1/platform/hosts",
            f"/api/v1/platform/audit-log?venue={shop.slug}",
            "/api/v1/credits/allocations",
            "/api/v1/credits/retirements",
            f"/api/v1/credits/lots/{lot_id}",
            f"/api/v1/credits/lots/{lot_id}/allocations",
        ):
            answer = await admin.get(path)
            assert answer.status_code == 200, (path, answer.text)
            moments = _moments(answer.json(), path)
            seen += moments
            undated = [m for m in moments if not re.search(r"(Z|[+-]\d\d:\d\d)$", m[1])]
            assert not undated, undated
        assert len(seen) > 10  # created, paid, suspended, valid from, …
