"""Test-mode grams never inflate a live figure: the same database read by the sandbox app
(test payments only: the figures count test-mode certificates, marked "test mode") and by
an app taking live Stripe payments (live certificates only, unmarked), page and JSON twin,
in both languages; the projection's rebuild keeps the test boards apart."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from board_world import neutralize
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shop_world import Shop, World
from sqlalchemy import select, update

from neutralpoint.app import create_app
from neutralpoint.credits import overview
from neutralpoint.database.engine import Database
from neutralpoint.impact import standings
from neutralpoint.impact.models import StandingEntry
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments.models import Order
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from tests.conftest import TEST_BASE_URL


@pytest.fixture(scope="module")
def live_app(settings: Settings, registry: ScenarioRegistry) -> Litestar:
    """The same database served by a deployment taking live payments (Stripe is never called:
    the public pages read the database alone)."""
    live = dataclasses.replace(settings, payment_provider="stripe", stripe_secret_key="sk_live_neutralpoint")
    assert live.payments_test_mode is False
    assert settings.payments_test_mode is True
    return create_app(live, registry)


@pytest.fixture
async def live(live_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=live_app, base_url=TEST_BASE_URL) as test_client:
        yield test_client


async def _live_order(world: World, jobs: JobQueue, db: Database, shop: Shop, grams: int) -> str:
    """An order taken in live mode: the sandbox pays it, but the order says live, as a
    Stripe live payment's would (its certificate and sale follow the order)."""
    created = await world.order(shop, basis="mass", grams=grams, entry_point=shop.code)
    assert created.status_code == 201, created.text
    reference = str(created.json()["reference"])
    async with db.platform_session() as session:
        await session.execute(update(Order).where(Order.reference == reference).values(test_mode=False))
    assert (await world.sandbox_pay(shop, reference)).status_code == 200
    await jobs.drain()
    assert (await world.get(shop, reference))["status"] == "fulfilled"
    return reference


async def test_public_figures_count_one_mode_and_say_test_mode(
    world: World, jobs: JobQueue, db: Database, client: Any, live: Any
) -> None:
    shop = await world.shop(tonnes=5)
    await neutralize(world, jobs, shop, 300_000, "Tess")  # test mode: the sandbox
    await neutralize(world, jobs, shop, 200_000)
    await _live_order(world, jobs, db, shop, 50_000)

    venue_api = f"/api/v1/public/venues/{shop.slug}/leaderboard"
    entry_api = f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/leaderboard"
    event_api = f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/neutrality"
    badge_api = f"/api/v1/public/venues/{shop.slug}/badge?lang=en"

    # The demo (test payments only): the test-mode certificates, and it says so.
    for path in (venue_api, entry_api):
        board = (await client.get(path)).json()
        assert (board["test_mode"], board["certificates"], board["grams"]) == (True, 2, 500_000)
        assert all(row["test_mode"] for row in board["rows"])
    event = (await client.get(event_api)).json()
    assert (event["test_mode"], event["attendees_grams"], event["participants"]) == (True, 500_000, 2)
    badge = (await client.get(badge_api)).json()
    assert (badge["test_mode"], badge["grams"]) == (True, 500_000)
    assert "Test mode" in badge["html"]
    platform = (await client.get("/api/v1/public/leaderboard")).json()
    assert platform["test_mode"] is True

    marks = (("en", "Test mode: these", ">test</span>"), ("zh-Hans", "测试模式：这些", ">测试</span>"))
    for lang, banner, tag in marks:
        for page in (f"/v/{shop.slug}/leaderboard", f"/v/{shop.slug}/leaderboard/{shop.code}", "/leaderboard"):
            html = (await client.get(f"{page}?lang={lang}")).text
            assert f'id="test-mode">{banner}' in html, (page, lang)
        html = (await client.get(f"/v/{shop.slug}/leaderboard/{shop.code}?lang={lang}")).text
        assert tag in html
        html = (await client.get(f"/v/{shop.slug}/event/{shop.code}?lang={lang}")).text
        assert f'id="test-mode">{banner}' in html
    # Every link on the event page begins with a capital, as its other links do.
    html = (await client.get(f"/v/{shop.slug}/event/{shop.code}?lang=en")).text
    assert ">The attendees&#39; certificates on the event&#39;s leaderboard</a>" in html
    assert ">and the attendees" not in html
    svg = (await client.get(f"/v/{shop.slug}/badge.svg?lang=en")).text
    assert 'id="test-mark"' in svg
    assert ">TEST</text>" in svg
    assert "0.50 t" in svg
    assert ">测试</text>" in (await client.get(f"/v/{shop.slug}/{shop.code}/badge.svg?lang=zh-Hans")).text

    # A live deployment: the live certificate alone, no mark anywhere.
    for path in (venue_api, entry_api):
        board = (await live.get(path)).json()
        assert (board["test_mode"], board["certificates"], board["grams"]) == (False, 1, 50_000)
        assert [(r["rank"], r["grams"], r["test_mode"]) for r in board["rows"]] == [(1, 50_000, False)]
    event = (await live.get(event_api)).json()
    assert (event["test_mode"], event["attendees_grams"], event["participants"]) == (False, 50_000, 1)
    badge = (await live.get(badge_api)).json()
    assert (badge["test_mode"], badge["grams"], badge["tonnes"]) == (False, 50_000, "0.05")
    assert (await live.get("/api/v1/public/leaderboard")).json()["test_mode"] is False
    for lang in ("en", "zh-Hans"):
        for page in (
            f"/v/{shop.slug}/leaderboard",
            f"/v/{shop.slug}/leaderboard/{shop.code}",
            f"/v/{shop.slug}/event/{shop.code}",
        ):
            html = (await live.get(f"{page}?lang={lang}")).text
            assert 'id="test-mode"' not in html, (page, lang)
    svg = (await live.get(f"/v/{shop.slug}/badge.svg?lang=en")).text
    assert "test-mark" not in svg
    assert "0.05 t" in svg

    # The live certificate ranks among live ones; a test one among test ones, and says so.
    async with db.platform_session() as session:
        boards = set(
            (
                await session.scalars(
                    select(StandingEntry.board).where(StandingEntry.board.like(f"%{shop.venue_id.hex}"))
                )
            ).all()
        )
    assert boards == {standings.venue_board(shop.venue_id), standings.venue_board(shop.venue_id, test=True)}


async def test_rebuild_keeps_test_certificates_on_the_test_boards(world: World, jobs: JobQueue, db: Database) -> None:
    shop = await world.shop(tonnes=2)
    await neutralize(world, jobs, shop, 70_000)
    await _live_order(world, jobs, db, shop, 40_000)

    async def entries() -> list[tuple[str, str, int]]:
        async with db.platform_session() as session:
            rows = await session.execute(
                select(StandingEntry.board, StandingEntry.period, StandingEntry.grams)
                .where(
                    StandingEntry.board.in_(
                        [standings.entry_board(shop.entry_point_id, test) for test in (False, True)]
                    )
                )
                .order_by(StandingEntry.board)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]

    kept = await entries()
    assert kept == [
        (standings.entry_board(shop.entry_point_id), "all", 40_000),
        (standings.entry_board(shop.entry_point_id, test=True), "all", 70_000),
    ]
    async with db.platform_session() as session:
        await standings.rebuild(session)
    assert await entries() == kept


async def test_platform_revenue_counts_live_sales_and_shows_test_ones_apart(
    world: World, jobs: JobQueue, db: Database
) -> None:
    shop = await world.shop(tonnes=2)
    async with db.platform_session() as session:
        before = await overview.platform_summary(session)
    await neutralize(world, jobs, shop, 100_000)  # CNY 12.00, test mode
    await _live_order(world, jobs, db, shop, 50_000)  # CNY 6.00, live
    async with db.platform_session() as session:
        after = await overview.platform_summary(session)

    def cny(totals: list[overview.CurrencyTotal]) -> tuple[int, int]:
        found = [(t.orders, t.amount_minor) for t in totals if t.currency == "CNY"]
        return found[0] if found else (0, 0)

    assert cny(after.money)[0] - cny(before.money)[0] == 1
    assert cny(after.money)[1] - cny(before.money)[1] == 600
    assert cny(after.test_money)[0] - cny(before.test_money)[0] == 1
    assert cny(after.test_money)[1] - cny(before.test_money)[1] == 1200
