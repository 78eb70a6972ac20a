"""The public event neutrality page: its footprint by the stated rule, what attendees and
the organiser neutralized, the share, and the event certificate at 100 %."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from board_world import neutralize
from shop_world import Shop, World
from sqlalchemy import select

from neutralpoint.certificates.models import Certificate
from neutralpoint.database.engine import Database
from neutralpoint.impact import neutrality, standings
from neutralpoint.impact.models import StandingEntry
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments import checkout
from neutralpoint.payments.models import OrderBasis
from neutralpoint.payments.providers import SandboxProvider
from neutralpoint.scenarios.models import Estimate


def test_outliers_are_left_out_only_among_enough_estimates() -> None:
    assert neutrality.counted_estimates([100, 200, 50_000]) == ([100, 200, 50_000], 0)
    kept, left_out = neutrality.counted_estimates([100, 120, 90, 110, 100, 5_000])
    assert (sorted(kept), left_out) == ([90, 100, 100, 110, 120], 1)


async def _estimate(
    db: Database, shop: Shop, grams: int, *, kind: str = "visitor", visitor: uuid.UUID | None = None
) -> uuid.UUID:
    estimate_id = uuid.uuid4()
    async with db.platform_session() as session:
        session.add(
            Estimate(
                id=estimate_id,
                tenant_id=shop.venue_id,
                entry_point_id=shop.entry_point_id,
                visitor_id=visitor or uuid.uuid4(),
                scenario="dummy",
                kind=kind,
                scenario_name={"en": "Test trip"},
                factor_set_version="2025.1",
                factor_fingerprint="0" * 64,
                inputs={},
                breakdown=[],
                total_grams=grams,
            )
        )
    return estimate_id


async def test_one_attendee_cannot_make_an_event_neutral_without_enough_estimates(
    world: World, jobs: JobQueue, db: Database, client: Any
) -> None:
    shop = await world.shop(tonnes=5)
    api = f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/neutrality"
    await _estimate(db, shop, 100_000)
    await neutralize(world, jobs, shop, 100_000, "Ada")  # their own footprint, whole
    figures = (await client.get(api)).json()
    assert figures["footprint_basis"] == "too_few_estimates"
    assert (figures["footprint_grams"], figures["percent"], figures["neutral"]) == (0, None, False)
    assert (figures["enough_data"], figures["min_attendee_estimates"]) == (False, neutrality.MIN_ATTENDEE_ESTIMATES)
    assert (figures["attendee_estimates_grams"], figures["attendees_grams"]) == (100_000, 100_000)
    assert figures["certificate"] is None
    assert "(1 so far)" in figures["not_enough"]["en"]
    assert "目前 1 位" in figures["not_enough"]["zh-Hans"]
    for lang, words in (("en", "not enough data yet"), ("zh-Hans", "数据尚不足")):
        page = await client.get(f"/v/{shop.slug}/event/{shop.code}?lang={lang}")
        assert words in page.text, lang
        assert "<progress id=\"progress\" max=\"100\" value=\"0\">" in page.text

    for _ in range(neutrality.MIN_ATTENDEE_ESTIMATES - 1):
        await _estimate(db, shop, 100_000)
    figures = (await client.get(api)).json()
    assert (figures["footprint_basis"], figures["enough_data"]) == ("attendee_estimates", True)
    assert (figures["footprint_grams"], figures["percent"]) == (500_000, 20)
    assert figures["not_enough"] == {"en": "", "zh-Hans": ""}


async def test_the_event_page_counts_attendees_then_the_organiser_to_100_percent(
    world: World, jobs: JobQueue, db: Database, client: Any
) -> None:
    shop = await world.shop(tonnes=5)
    api = f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/neutrality"
    empty = (await client.get(api)).json()
    assert (empty["footprint_basis"], empty["percent"], empty["neutral"]) == ("none", None, False)

    returning = uuid.uuid4()
    await _estimate(db, shop, 999_000, visitor=returning)  # replaced by the same visitor's later estimate
    await _estimate(db, shop, 100_000, visitor=returning)
    for grams in (80_000, 120_000, 100_000, 100_000):
        await _estimate(db, shop, grams)
    await _estimate(db, shop, 35_000_000)  # a typing slip: 350 times the median
    await neutralize(world, jobs, shop, 150_000, "Ada")
    await neutralize(world, jobs, shop, 100_000)

    figures = (await client.get(api)).json()
    assert figures["footprint_basis"] == "attendee_estimates"
    assert figures["attendee_estimates"] == 6
    assert figures["outliers_left_out"] == 1
    assert figures["footprint_grams"] == 500_000
    assert (figures["attendees_grams"], figures["organiser_grams"]) == (250_000, 0)
    assert figures["percent"] == 50
    assert figures["participants"] == 2
    assert [p["grams"] for p in figures["projects"]] == [250_000]
    assert figures["certificate"] is None
    assert "median" in figures["rule"]["en"]
    assert "中位数" in figures["rule"]["zh-Hans"]

    # The organiser's whole-event estimate becomes the footprint; their order covers the rest.
    organiser_estimate = await _estimate(db, shop, 1_000_000, kind="organiser")
    assert (await client.get(api)).json()["percent"] == 25
    order = await checkout.start_checkout(
        db,
        SandboxProvider(db),
        checkout.CheckoutRequest(
            tenant_id=shop.venue_id,
            allocation_id=shop.allocation_id,
            basis=OrderBasis.EVENT,
            estimate_id=organiser_estimate,
            buyer_name="Summit organisers",
            actor="test",
        ),
        ttl=timedelta(minutes=30),
    )
    # The organiser's order covers what the attendees' orders at the entry point did not.
    assert order.grams == 750_000
    assert (await world.sandbox_pay(shop, order.reference)).status_code == 200
    await jobs.drain()

    figures = (await client.get(api)).json()
    assert figures["footprint_basis"] == "organiser_estimate"
    assert (figures["attendees_grams"], figures["organiser_grams"]) == (250_000, 750_000)
    assert (figures["neutralized_grams"], figures["percent"], figures["neutral"]) == (1_000_000, 100, True)
    assert figures["participants"] == 2
    async with db.platform_session() as session:
        organiser_certificate = await session.scalar(
            select(Certificate).where(Certificate.order_reference == order.reference)
        )
        assert organiser_certificate is not None
        # The organiser's certificate counts here, not on the leaderboards.
        assert not (
            await session.scalars(select(StandingEntry).where(StandingEntry.certificate_id == organiser_certificate.id))
        ).all()
    assert figures["certificate"]["organiser_certificates"] == [organiser_certificate.number]
    assert figures["certificate"]["attendee_certificates"] == 2
    assert "carbon neutral" in figures["certificate"]["statement"]["en"]
    assert "碳中和" in figures["certificate"]["statement"]["zh-Hans"]
    board = (await client.get(f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/leaderboard")).json()
    assert board["certificates"] == 2

    for lang, words in (("en", ("Event certificate", "100 %")), ("zh-Hans", ("活动证书", "主办方已中和"))):
        page = await client.get(f"/v/{shop.slug}/event/{shop.code}?lang={lang}")
        assert page.status_code == 200
        assert all(word in page.text for word in words), lang
        assert organiser_certificate.number in page.text
        assert "<script>" not in page.text
        assert 'src="/impact/static/event.js"' in page.text
    script = await client.get("/impact/static/event.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert (await client.get(f"/v/{shop.slug}/event/NOPE")).status_code == 404
    assert standings.entry_board(shop.entry_point_id).startswith("entry:")
