"""Leaderboards through the real payments path: fulfilled orders enter the boards, refunds
leave them, ranks count everyone, the holder's choice shows or hides a name, and the pages
and their JSON twins agree in both languages."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from board_world import neutralize
from shop_world import World
from sqlalchemy import select

from neutralpoint.certificates.models import Certificate
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.impact import services, standings
from neutralpoint.impact.models import StandingEntry, StandingTally
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments.providers import SandboxProvider
from neutralpoint.payments.refunds import refund_order
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import Tenant
from tests.conftest import csrf_token


@pytest.mark.parametrize(
    "grams", [1, 7, 9, 10, 42, 99, 100, 999, 1000, 1234, 1239, 1240, 117_092, 999_999, 1_000_000, 12_345_678_901]
)
def test_a_bucket_holds_its_grams_and_orders_like_them(grams: int) -> None:
    value = standings.bucket(grams)
    assert grams < standings.bucket_end(value)
    assert standings.bucket(standings.bucket_end(value)) > value
    assert standings.bucket(grams - 1) <= value if grams > 1 else True
    assert standings.bucket(standings.bucket_end(value) - 1) == value


def test_periods_begin_in_the_boards_time_zone() -> None:
    from datetime import UTC, datetime

    # 16:30 UTC on 31 December is already 1 January in Shanghai.
    moment = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert standings.period_key("month", moment) == "2027-01"
    assert standings.period_key("year", moment) == "2027"
    assert standings.period_key("all", moment) == "all"
    # A venue's board counts on the venue's clock: still December in Los Angeles.
    assert standings.period_key("month", moment, "America/Los_Angeles") == "2026-12"
    venue_id = uuid.uuid4()
    placed = {(p.board, p.period) for p in standings.placements(venue_id, None, moment, "America/Los_Angeles")}
    assert placed == {
        (standings.venue_board(venue_id), "all"),
        (standings.venue_board(venue_id), "2026"),
        (standings.venue_board(venue_id), "2026-12"),
        (standings.PLATFORM, "all"),
        (standings.PLATFORM, "2027"),
        (standings.PLATFORM, "2027-01"),
    }


async def _board_rows(db: Database, board: str) -> list[tuple[str, str, int]]:
    async with db.platform_session() as session:
        rows = await session.execute(
            select(StandingEntry.board, StandingEntry.period, StandingEntry.grams)
            .where(StandingEntry.board == board)
            .order_by(StandingEntry.period, StandingEntry.grams)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_fulfilled_orders_enter_the_boards_and_ranks_count_everyone(
    world: World, jobs: JobQueue, db: Database, client: Any, settings: Settings
) -> None:
    shop = await world.shop(tonnes=5)
    first = await neutralize(world, jobs, shop, 300_000, "Ada")
    second = await neutralize(world, jobs, shop, 120_000, "Bo")
    third = await neutralize(world, jobs, shop, 300_000)
    fourth = await neutralize(world, jobs, shop, 50_000, "Cy")

    venue = standings.venue_board(shop.venue_id)
    entry = standings.entry_board(shop.entry_point_id)
    assert [g for _, p, g in await _board_rows(db, entry)] == [50_000, 120_000, 300_000, 300_000]
    assert {p for _, p, _ in await _board_rows(db, venue)} == {
        "all",
        standings.period_key("year", utcnow()),
        standings.period_key("month", utcnow()),
    }

    board = (await client.get(f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/leaderboard")).json()
    assert board["certificates"] == 4
    assert board["grams"] == 770_000
    # Equal grams share a rank, and nobody is named until they choose to be.
    assert [(r["rank"], r["grams"], r["name"]) for r in board["rows"]] == [
        (1, 300_000, None),
        (1, 300_000, None),
        (3, 120_000, None),
        (4, 50_000, None),
    ]

    async with db.platform_session() as session:
        fourth_certificate = await session.scalar(select(Certificate).where(Certificate.order_reference == fourth))
        assert fourth_certificate is not None
        assert await services.rank_of(session, entry, "all", fourth_certificate.grams) == (4, 4)
        assert await services.rank_of(session, entry, "all", 300_000) == (1, 4)
        assert await services.rank_of(session, entry, "all", 300_001) == (1, 4)
        assert await services.rank_of(session, entry, "all", 299_999) == (3, 4)

    standing = (await client.get(f"/api/v1/public/certificates/{fourth_certificate.number}/standings")).json()
    assert standing["standings"][0]["scope"] == "entry_point"
    assert (standing["standings"][0]["rank"], standing["standings"][0]["of"]) == (4, 4)
    assert standing["sentence"]["en"] == "#4 of 4 at Summit"
    assert standing["sentence"]["zh-Hans"] == "在 Summit 排名第 4（共 4 张证书）"
    # The platform's board holds every venue's certificates: at least these four.
    platform = [s for s in standing["standings"] if s["scope"] == "platform"]
    assert [s["period"]["kind"] for s in platform] == ["all", "year", "month"]
    assert all(s["of"] >= 4 for s in platform)

    # The holder chooses a name; another hides: the hidden one keeps its place in the count.
    named = await client.put(
        f"/api/v1/public/venues/{shop.slug}/orders/{second}/listing",
        json={"visibility": "named", "public_name": "  Bo   the walker "},
    )
    assert named.status_code == 200, named.text
    assert named.json()["public_name"] == "Bo the walker"
    hidden = await client.put(
        f"/api/v1/public/venues/{shop.slug}/orders/{first}/listing", json={"visibility": "hidden"}
    )
    assert hidden.status_code == 200, hidden.text
    board = (await client.get(f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/leaderboard")).json()
    assert board["certificates"] == 4
    assert [(r["rank"], r["name"]) for r in board["rows"]] == [(1, None), (3, "Bo the walker"), (4, None)]
    page = await client.get(f"/v/{shop.slug}/leaderboard/{shop.code}?lang=zh-Hans")
    assert page.status_code == 200
    assert "Bo the walker" in page.text
    assert "匿名" in page.text
    assert "活动排行榜" in page.text

    # A refund voids the certificate: it leaves every board, and the ranks close up.
    await refund_order(db, SandboxProvider(db), settings, third, actor="test", check_window=False)
    board = (await client.get(f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/leaderboard")).json()
    assert board["certificates"] == 3
    assert board["grams"] == 470_000
    assert [(r["rank"], r["grams"]) for r in board["rows"]] == [(2, 120_000), (3, 50_000)]
    async with db.platform_session() as session:
        third_certificate = await session.scalar(select(Certificate).where(Certificate.order_reference == third))
        assert third_certificate is not None
        assert await services.standings_of(session, third_certificate) == []
    assert len(await _board_rows(db, entry)) == 3


async def test_rebuilding_from_the_certificates_gives_the_same_boards(
    world: World, jobs: JobQueue, db: Database
) -> None:
    shop = await world.shop(tonnes=2)
    for grams in (50_000, 70_000, 70_000):
        await neutralize(world, jobs, shop, grams)

    async def snapshot() -> tuple[list[Any], list[Any]]:
        async with db.platform_session() as session:
            entries = (
                await session.execute(
                    select(
                        StandingEntry.board, StandingEntry.period, StandingEntry.certificate_id, StandingEntry.grams
                    ).order_by(StandingEntry.board, StandingEntry.period, StandingEntry.certificate_id)
                )
            ).all()
            tallies = (
                await session.execute(
                    select(
                        StandingTally.board,
                        StandingTally.period,
                        StandingTally.bucket,
                        StandingTally.entries,
                        StandingTally.grams,
                    )
                    .where(StandingTally.entries != 0)
                    .order_by(StandingTally.board, StandingTally.period, StandingTally.bucket)
                )
            ).all()
        return list(entries), list(tallies)

    kept = await snapshot()
    async with db.platform_session() as session:
        assert await standings.rebuild(session) >= 3
    assert await snapshot() == kept

    # The venue moves its clock: its board's years and months are counted again on it, in
    # the same transaction, and rebuilding still gives exactly what was kept.
    zone = "Pacific/Kiritimati"
    async with db.platform_session() as session:
        venue = await session.get(Tenant, shop.venue_id)
        assert venue is not None
        venue.time_zone = zone
    moved = await snapshot()
    board = standings.venue_board(shop.venue_id)
    issued = [e for e in moved[0] if e[0] == board and e[1] == "all"]
    assert len(issued) == 3
    assert {e[1] for e in moved[0] if e[0] == board} == {
        "all",
        standings.period_key("year", utcnow(), zone),
        standings.period_key("month", utcnow(), zone),
    }
    assert sum(t[3] for t in moved[1] if t[0] == board and t[1] == "all") == 3
    assert sum(t[3] for t in moved[1] if t[0] == board and len(t[1]) == 4) == 3
    async with db.platform_session() as session:
        await standings.rebuild(session)
    assert await snapshot() == moved


async def test_bad_choices_and_periods_are_refused_by_field_in_both_languages(
    world: World, jobs: JobQueue, client: Any
) -> None:
    shop = await world.shop(tonnes=1)
    reference = await neutralize(world, jobs, shop, 40_000)
    url = f"/api/v1/public/venues/{shop.slug}/orders/{reference}/listing"
    assert (await client.get(url)).json()["visibility"] == "anonymous"
    for body, field in (
        ({"visibility": "famous"}, "visibility"),
        ({"visibility": "named"}, "public_name"),
        ({"visibility": "named", "public_name": "x" * 41}, "public_name"),
        ({"visibility": "named", "public_name": "bell\x07"}, "public_name"),
        ({"visibility": "named", "nickname": "x"}, "nickname"),
    ):
        refused = await client.put(url, json=body)
        assert refused.status_code == 400, (body, refused.text)
        problem = refused.json()["errors"][field]
        assert problem["message"]["en"], problem
        assert problem["message"]["zh-Hans"], problem
    assert (await client.get(url)).json()["visibility"] == "anonymous"
    assert (await client.get(f"/api/v1/public/venues/{shop.slug}/orders/NP-2222-2222-2222/listing")).status_code == 404

    refused = await client.get("/api/v1/public/leaderboard?period=week")
    assert refused.status_code == 400
    assert "month" in refused.json()["errors"]["period"]["message"]["en"]
    refused = await client.get("/api/v1/public/leaderboard?period=month&key=2026-13")
    assert refused.status_code == 400
    assert refused.json()["errors"]["key"]["message"]["zh-Hans"]
    page = await client.get("/leaderboard?period=week&lang=zh-Hans")
    assert page.status_code == 400
    assert "请选择时间段" in page.text

    # The form: a bad name is shown beside its field, and nothing is saved.
    form_url = f"/v/{shop.slug}/orders/{reference}/listing"
    page = await client.get(f"{form_url}?lang=en")
    assert page.status_code == 200
    token = csrf_token(client)
    answer = await client.post(
        form_url, data={"visibility": "named", "public_name": "", "_csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 400
    assert "Enter the name to show on the leaderboards." in answer.text
    answer = await client.post(
        form_url, data={"visibility": "named", "public_name": "Mei", "_csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert (await client.get(url)).json() == {
        "certificate_number": (await client.get(url)).json()["certificate_number"],
        "visibility": "named",
        "public_name": "Mei",
    }


async def test_boards_by_period_and_the_platform_page(world: World, jobs: JobQueue, client: Any) -> None:
    shop = await world.shop(tonnes=1)
    await neutralize(world, jobs, shop, 45_000)
    month = standings.period_key("month", utcnow())
    venue = (await client.get(f"/api/v1/public/venues/{shop.slug}/leaderboard?period=month")).json()
    assert venue["period"] == {"kind": "month", "key": month, "time_zone": "Asia/Shanghai"}
    everyone = (await client.get("/api/v1/public/leaderboard?period=year")).json()
    assert everyone["period"]["time_zone"] == standings.BOARD_TIME_ZONE_NAME
    assert venue["certificates"] == 1
    past = (await client.get(f"/api/v1/public/venues/{shop.slug}/leaderboard?period=month&key=2001-01")).json()
    assert past["certificates"] == 0
    assert past["rows"] == []
    for lang, word, zone in (
        ("en", "Leaderboard of every venue", "midnight in Asia/Shanghai (UTC+8), for every venue alike"),
        ("zh-Hans", "全平台排行榜", "Asia/Shanghai（UTC+8）的零点开始计算，所有场所相同"),
    ):
        page = await client.get(f"/leaderboard?lang={lang}")
        assert page.status_code == 200
        assert word in page.text
        assert zone in page.text
    page = await client.get(f"/v/{shop.slug}/leaderboard?period=year&lang=en")
    assert page.status_code == 200
    assert "45.0 kg" in page.text
    assert "on the venue&#39;s clock: Asia/Shanghai (UTC+8)" in page.text
    assert (await client.get("/v/no-such-venue/leaderboard")).status_code == 404
    assert (await client.get(f"/v/{shop.slug}/leaderboard/NOPE")).status_code == 404
