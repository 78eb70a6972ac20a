"""The venue's impact report (JSON, CSV, its page and the dashboard's summary) and the impact
badge: counted by entry point and by the venue's own days, weeks and months."""

from __future__ import annotations

import csv
import io
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "payments"))

from scenarios.signed_in import sign_in_as
from shop_world import GRAMS, Shop, World

from neutralpoint.certificates.models import Certificate
from neutralpoint.database.engine import Database
from neutralpoint.impact.charts import nice_step
from neutralpoint.impact.reports import next_period, period_start
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments.models import Order
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import Membership, Role, Tenant, User
from tests.conftest import open_client

ORDER_GRAMS = 250_000


@pytest.fixture
async def desk(app: Litestar) -> AsyncIterator[AsyncTestClient[Any]]:
    """One browser whose signed-in person a test switches with ``signed_in``."""
    async with open_client(app) as client:
        yield client


@pytest.fixture
def world(db: Database, desk: AsyncTestClient[Any]) -> World:
    return World(db, desk)


@pytest.fixture
def jobs(app: Litestar) -> JobQueue:
    queue: JobQueue = app.state.jobs
    return queue


async def member(db: Database, shop: Shop, role: Role = Role.STAFF) -> uuid.UUID:
    suffix = uuid.uuid4().hex[:8]
    async with db.platform_session() as session:
        user = User(email=f"m-{suffix}@example.org", name="Test", password_hash=hash_password("a long password!"))
        session.add(user)
        await session.flush()
        session.add(Membership(tenant_id=shop.venue_id, user_id=user.id, role=role))
        return user.id


@asynccontextmanager
async def signed_in(desk: AsyncTestClient[Any], user_id: uuid.UUID) -> AsyncIterator[AsyncTestClient[Any]]:
    await sign_in_as(desk, user_id)
    try:
        yield desk
    finally:
        desk.cookies.clear()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def _move(db: Database, estimate_id: str | None, reference: str | None, moment: datetime) -> None:
    """Put an estimate (its creation) or an order (its fulfilment) at ``moment``."""
    async with db.platform_session() as session:
        if estimate_id is not None:
            await session.execute(
                update(Estimate).where(Estimate.id == uuid.UUID(estimate_id)).values(created_at=moment)
            )
        if reference is not None:
            await session.execute(update(Order).where(Order.reference == reference).values(fulfilled_at=moment))


async def _time_zone(db: Database, shop: Shop, zone: str) -> None:
    async with db.platform_session() as session:
        await session.execute(update(Tenant).where(Tenant.id == shop.venue_id).values(time_zone=zone))


async def _history(world: World, jobs: JobQueue, db: Database, shop: Shop) -> dict[str, Any]:
    """Three footprints at the entry point and two fulfilled orders, one of them bought by mass
    from no entry point, each placed at a known moment around the Shanghai midnight."""
    first = await world.footprint(shop)
    second = await world.footprint(shop)
    third = await world.footprint(shop)
    by_footprint = (await world.order(shop, first)).json()
    by_mass = (await world.order(shop, basis="mass", grams=ORDER_GRAMS)).json()
    unpaid = (await world.order(shop, third)).json()
    for order in (by_footprint, by_mass):
        assert (await world.sandbox_pay(shop, order["reference"])).status_code == 200
    await jobs.drain()
    # 2026-11-30 17:30 UTC is 2026-12-01 01:30 in Shanghai and still 30 November in London.
    await _move(db, first, by_footprint["reference"], at("2026-11-30T17:30:00"))
    await _move(db, second, None, at("2026-12-01T03:00:00"))
    await _move(db, third, None, at("2026-12-14T09:00:00"))
    await _move(db, None, by_mass["reference"], at("2026-12-02T02:00:00"))
    return {"by_footprint": by_footprint, "by_mass": by_mass, "unpaid": unpaid}


async def test_the_report_counts_on_the_venue_s_clock_by_entry_point(
    world: World, jobs: JobQueue, db: Database, desk: AsyncTestClient[Any]
) -> None:
    shop = await world.shop()
    await _history(world, jobs, db, shop)
    api = f"/api/v1/venues/{shop.slug}/impact"
    async with signed_in(desk, await member(db, shop)) as staff:
        days = (await staff.get(api, params={"period": "day", "from": "2026-11-30", "to": "2026-12-02"})).json()
        assert (days["time_zone"], days["period"], days["from"], days["to"]) == (
            "Asia/Shanghai",
            "day",
            "2026-11-30",
            "2026-12-02",
        )
        assert days["totals"] == {
            "estimates": 2,
            "footprint_grams": 2 * GRAMS,
            "orders": 2,
            "neutralized_grams": GRAMS + ORDER_GRAMS,
        }
        lines = {line["key"]: line for line in days["entry_points"]}
        entry = lines[str(shop.entry_point_id)]
        assert (entry["code"], entry["name_en"]) == (shop.code, "Main entrance")
        assert entry["totals"]["orders"] == 1
        assert entry["totals"]["neutralized_grams"] == GRAMS
        assert lines["elsewhere"]["totals"]["neutralized_grams"] == ORDER_GRAMS
        by_day = {p["start"]: p for p in days["periods"]}
        assert list(by_day) == ["2026-11-30", "2026-12-01", "2026-12-02"]
        assert by_day["2026-11-30"]["totals"]["estimates"] == 0  # 17:30 UTC is already 1 December here
        assert by_day["2026-12-01"]["totals"] == {
            "estimates": 2,
            "footprint_grams": 2 * GRAMS,
            "orders": 1,
            "neutralized_grams": GRAMS,
        }
        assert by_day["2026-12-02"]["by_entry_point"] == {
            "elsewhere": {"estimates": 0, "footprint_grams": 0, "orders": 1, "neutralized_grams": ORDER_GRAMS}
        }

        # The same moments on London's clock: the first footprint and order fall on 30 November.
        await _time_zone(db, shop, "Europe/London")
        london = (await staff.get(api, params={"period": "day", "from": "2026-11-30", "to": "2026-12-02"})).json()
        counted = {p["start"]: p["totals"]["estimates"] for p in london["periods"]}
        assert counted == {"2026-11-30": 1, "2026-12-01": 1, "2026-12-02": 0}
        await _time_zone(db, shop, "Asia/Shanghai")

        weeks = (await staff.get(api, params={"period": "week", "from": "2026-11-30", "to": "2026-12-20"})).json()
        assert [(p["start"], p["end"], p["totals"]["estimates"]) for p in weeks["periods"]] == [
            ("2026-11-30", "2026-12-06", 2),
            ("2026-12-07", "2026-12-13", 0),
            ("2026-12-14", "2026-12-20", 1),
        ]
        months = (await staff.get(api, params={"period": "month", "from": "2026-11-01", "to": "2026-12-31"})).json()
        assert [(p["start"], p["totals"]["orders"]) for p in months["periods"]] == [
            ("2026-11-01", 0),
            ("2026-12-01", 2),
        ]

        table = await staff.get(f"{api}.csv", params={"period": "day", "from": "2026-11-30", "to": "2026-12-02"})
        assert table.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(table.text)))
        assert [(r["period_start"], r["entry_point_code"], r["neutralized_grams"]) for r in rows] == [
            ("2026-12-01", shop.code, str(GRAMS)),
            ("2026-12-02", "", str(ORDER_GRAMS)),
        ]
        assert rows[0]["time_zone"] == "Asia/Shanghai"
        assert rows[0]["estimates"] == "2"

        bad = await staff.get(api, params={"period": "fortnight", "from": "2026-12-31", "to": "2026-12-01x"})
        assert bad.status_code == 400
        errors = bad.json()["errors"]
        assert (errors["period"]["code"], errors["to"]["code"]) == ("period_unknown", "date_invalid")
        assert errors["period"]["message"]["zh-Hans"] == "请选择按日、按周或按月。"
        reversed_range = await staff.get(api, params={"from": "2026-12-31", "to": "2026-12-01"})
        assert reversed_range.json()["errors"]["to"]["code"] == "date_order"
        too_long = await staff.get(api, params={"period": "day", "from": "2020-01-01", "to": "2026-12-01"})
        assert too_long.json()["errors"]["from"]["code"] == "range_too_long"

        page = await staff.get(f"/venue/{shop.slug}/impact?period=day&from=2026-11-30&to=2026-12-02&lang=en")
        assert page.status_code == 200
        assert page.text.count("<svg") == 2
        assert "<script" not in page.text
        assert "Main entrance" in page.text
        assert "Dec 1, 2026" in page.text
        assert (
            f'href="/api/v1/venues/{shop.slug}/impact.csv?period=day&amp;from=2026-11-30&amp;to=2026-12-02"'
            in page.text
        )
        chinese = await staff.get(f"/venue/{shop.slug}/impact?period=month&from=2026-11-01&to=2026-12-31&lang=zh-Hans")
        assert "2026年12月" in chinese.text
        assert "已中和的二氧化碳当量" in chinese.text
        refused = await staff.get(f"/venue/{shop.slug}/impact?period=year&lang=en")
        assert refused.status_code == 400
        assert 'id="period-error"' in refused.text


async def test_members_only_and_another_venue_s_report_is_not_found(
    world: World, db: Database, desk: AsyncTestClient[Any]
) -> None:
    shop = await world.shop()
    other = await world.shop()
    assert (await desk.get(f"/api/v1/venues/{shop.slug}/impact")).status_code in (401, 404)
    async with signed_in(desk, await member(db, other)) as stranger:
        assert (await stranger.get(f"/api/v1/venues/{shop.slug}/impact")).status_code == 404
        assert (await stranger.get(f"/api/v1/venues/{shop.slug}/impact.csv")).status_code == 404
        assert (await stranger.get(f"/venue/{shop.slug}/impact")).status_code == 404


async def test_the_badge_shows_the_tonnes_neutralized(
    world: World, jobs: JobQueue, db: Database, desk: AsyncTestClient[Any]
) -> None:
    shop = await world.shop()
    await _history(world, jobs, db, shop)
    svg = await desk.get(f"/v/{shop.slug}/badge.svg?lang=en")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["cache-control"].startswith("public, max-age=600")
    # 117,092 g + 250,000 g: 0.36 t, rounded down so that a badge never claims too much.
    assert "0.36 t" in svg.text
    assert "<script" not in svg.text
    again = await desk.get(f"/v/{shop.slug}/badge.svg?lang=en", headers={"If-None-Match": svg.headers["etag"]})
    assert again.status_code == 304
    event = await desk.get(f"/v/{shop.slug}/{shop.code}/badge.svg?lang=zh-Hans")
    assert "0.11 吨" in event.text
    png = await desk.get(f"/v/{shop.slug}/badge.png?lang=zh-Hans")
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (640, 128)
    facts = (await desk.get(f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/badge?lang=en")).json()
    assert (facts["grams"], facts["tonnes"]) == (GRAMS, "0.11")
    assert facts["html"].startswith(f'<a href="http://testserver.local/v/{shop.slug}/{shop.code}"')
    assert f'src="http://testserver.local/v/{shop.slug}/{shop.code}/badge.svg?lang=en"' in facts["html"]
    assert (await desk.get(f"/v/{shop.slug}/NOSUCH/badge.svg")).status_code == 404
    assert (await desk.get("/v/no-such-venue-anywhere/badge.png")).status_code == 404
    async with signed_in(desk, await member(db, shop)) as staff:
        page = await staff.get(f"/venue/{shop.slug}/impact?lang=en")
        assert "A badge for your own site" in page.text
        assert f"&lt;img src=&#34;http://testserver.local/v/{shop.slug}/badge.svg?lang=en&#34;" in page.text


def test_periods_and_axes() -> None:
    from datetime import date

    assert period_start(date(2026, 12, 6), "week") == date(2026, 11, 30)
    assert period_start(date(2026, 12, 31), "month") == date(2026, 12, 1)
    assert next_period(date(2026, 12, 1), "month") == date(2027, 1, 1)
    assert next_period(date(2026, 1, 1), "month") == date(2026, 2, 1)
    assert [nice_step(v) for v in (0, 0.5, 3, 7, 26, 1234, 250_000)] == [1, 1, 5, 10, 50, 2000, 250_000]


async def test_the_venue_lists_and_exports_its_certificates_on_its_clock(
    world: World, jobs: JobQueue, db: Database, desk: AsyncTestClient[Any], app: Litestar
) -> None:
    shop = await world.shop()
    history = await _history(world, jobs, db, shop)
    named = (await world.order(shop, basis="mass", grams=10_000, buyer_name="=SUM(A1)", entry_point=shop.code)).json()
    assert (await world.sandbox_pay(shop, named["reference"])).status_code == 200
    await jobs.drain()
    other = await world.shop()
    stranger = (await world.order(other, basis="mass", grams=10_000)).json()
    assert (await world.sandbox_pay(other, stranger["reference"])).status_code == 200
    await jobs.drain()
    numbers = {key: (await world.get(shop, history[key]["reference"]))["certificate_number"] for key in history}
    numbers["named"] = (await world.get(shop, named["reference"]))["certificate_number"]
    # 2026-03-01 16:30 UTC is 2 March, 00:30 in Shanghai.
    async with db.platform_session() as session:
        await session.execute(
            update(Certificate)
            .where(Certificate.number == numbers["by_mass"])
            .values(issued_at=at("2026-03-01T16:30:00"))
        )
    api = f"/api/v1/venues/{shop.slug}/certificates"
    async with signed_in(desk, await member(db, shop)) as staff:
        assert (await staff.get(api)).status_code in (401, 403, 404)  # names the buyers: managers and owners
    async with signed_in(desk, await member(db, other, Role.MANAGER)) as outsider:
        assert (await outsider.get(api)).status_code in (403, 404)
    async with signed_in(desk, await member(db, shop, Role.MANAGER)) as manager:
        listed = (await manager.get(api)).json()
        assert (listed["time_zone"], listed["total"], listed["pages"]) == ("Asia/Shanghai", 3, 1)
        assert [c["number"] for c in listed["certificates"]][-1] == numbers["by_mass"]  # newest first
        assert {c["number"] for c in listed["certificates"]} == {
            numbers["by_footprint"],
            numbers["by_mass"],
            numbers["named"],
        }
        moved = next(c for c in listed["certificates"] if c["number"] == numbers["by_mass"])
        assert moved["issued_at"] == "2026-03-02T00:30:00+08:00"
        assert (moved["entry_point"], moved["status"]) == ("", "valid")
        at_door = (await manager.get(api, params={"entry_point": shop.code})).json()
        assert {c["number"] for c in at_door["certificates"]} == {numbers["by_footprint"], numbers["named"]}
        that_day = (await manager.get(api, params={"from": "2026-03-02", "to": "2026-03-02"})).json()
        assert [c["number"] for c in that_day["certificates"]] == [numbers["by_mass"]]
        assert (await manager.get(api, params={"from": "2026-03-01", "to": "2026-03-01"})).json()["total"] == 0
        paged = (await manager.get(api, params={"per_page": "1", "page": "2"})).json()
        assert (paged["page"], paged["pages"], len(paged["certificates"])) == (2, 3, 1)
        for params, field in (
            ({"entry_point": "NOPE"}, "entry_point"),
            ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
            ({"from": "yesterday"}, "from"),
            ({"page": "0"}, "page"),
            ({"per_page": "1000"}, "per_page"),
        ):
            refused = await manager.get(api, params=params)
            assert refused.status_code == 400, params
            error = refused.json()["errors"][field]
            assert error["message"]["en"] != error["message"]["zh-Hans"]

        exported = await manager.get(f"{api}.csv", params={"entry_point": shop.code})
        assert exported.headers["content-type"].startswith("text/csv")
        assert exported.headers["cache-control"] == "no-store"
        assert f'filename="certificates-{shop.slug}.csv"' in exported.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert {r["number"] for r in rows} == {numbers["by_footprint"], numbers["named"]}
        assert {r["time_zone"] for r in rows} == {"Asia/Shanghai"}
        assert all(r["issued_at"].endswith("+08:00") for r in rows)
        assert "'=SUM(A1)" in {r["holder"] for r in rows}  # a spreadsheet does not run it

        for lang, words in (("en", ("Certificates", "Anonymous visitor")), ("zh-Hans", ("证书", "匿名访客"))):
            page = await manager.get(f"/venue/{shop.slug}/certificates", params={"lang": lang})
            assert page.status_code == 200
            assert all(word in page.text for word in words), lang
            assert numbers["by_footprint"] in page.text
            assert "Mar 2, 2026, 00:30 UTC+8" in page.text or "2026年3月2日 00:30 UTC+8" in page.text
        refused_page = await manager.get(f"/venue/{shop.slug}/certificates", params={"to": "nonsense", "lang": "en"})
        assert refused_page.status_code == 400
        assert "YYYY-MM-DD" in refused_page.text
    schema = (await desk.get("/schema/openapi.json")).json()
    assert {"/api/v1/venues/{slug}/certificates", "/api/v1/venues/{slug}/certificates.csv"} <= set(schema["paths"])
