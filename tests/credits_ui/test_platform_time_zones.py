"""The platform's pages show a venue's moments on that venue's clock and name it; what belongs
to the platform (lots, offers, retirements, its own audit entries) in UTC, saying so. The
JSON twins give each moment in ISO 8601 with its offset."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from supply_flows import SupplyBuilder

from neutralpoint.credits.models import Allocation
from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import Tenant
from neutralpoint.web.formatting import format_stamp

#: 03:30 UTC on 7 December is still 6 December, 22:30, in New York.
SIGNED_UP = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
ZONE = "America/New_York"
#: ISO 8601 with an offset: ``…Z`` or ``…+08:00``.
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def test_a_stamp_names_its_zone() -> None:
    assert format_stamp(SIGNED_UP, ZONE) == "2026-12-06 22:30 (America/New_York)"
    assert format_stamp(SIGNED_UP, "Asia/Shanghai") == "2026-12-07 11:30 (Asia/Shanghai)"
    assert format_stamp(SIGNED_UP) == "2026-12-07 03:30 UTC"
    assert format_stamp(SIGNED_UP, ZONE, day=True) == "2026-12-06 (America/New_York)"
    assert format_stamp(None, ZONE) == ""


async def _new_york_venue(db: Database, supply: SupplyBuilder) -> Any:
    venue = await supply.venue()
    async with db.platform_session() as session:
        await session.execute(update(Tenant).where(Tenant.id == venue.id).values(time_zone=ZONE, created_at=SIGNED_UP))
    return venue


async def test_venue_pages_show_the_venues_clock_and_name_it(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    venue = await _new_york_venue(db, supply)
    for lang in ("en", "zh-Hans"):
        listed = await admin_client.get(f"/platform/venues?q={venue.slug}&lang={lang}")
        assert listed.status_code == 200
        assert "<td>2026-12-06 (America/New_York)</td>" in listed.text
        console = await admin_client.get(f"/platform/venues/{venue.slug}?lang={lang}")
        assert console.status_code == 200
        assert "2026-12-06 22:30 (America/New_York)" in console.text


async def test_platform_wide_rows_say_utc(admin_client: Any, db: Database, supply: SupplyBuilder) -> None:
    venue = await _new_york_venue(db, supply)
    lot = await supply.lot(await supply.project(), 5)
    allocation = await supply.allocation(lot, 2_000_000, venues=[venue.id])
    await supply.buy(venue.id, allocation.id, 1_000)
    for lang, valid in (("en", "Valid (UTC)"), ("zh-Hans", "有效期（UTC）")):
        offers = await admin_client.get(f"/platform/allocations?lang={lang}")
        assert f"<th>{valid}</th>" in offers.text
        page = await admin_client.get(f"/platform/lots/{lot.id}?lang={lang}")
        assert f"<th>{valid}</th>" in page.text
        # Each entry of the lot's books, in UTC and saying so.
        assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>", page.text)


async def test_the_audit_log_shows_each_venues_entries_on_its_clock(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    venue = await _new_york_venue(db, supply)
    suspended = await admin_client.post(f"/api/v1/platform/venues/{venue.slug}/suspend", json={"reason": "Clock test"})
    assert suspended.status_code == 200
    entries = (await admin_client.get("/api/v1/platform/audit-log", params={"venue": venue.slug})).json()["entries"]
    suspension = next(e for e in entries if e["entity"] == "venue")
    assert suspension["time_zone"] == ZONE
    assert ISO_WITH_OFFSET.match(suspension["at"]), suspension["at"]
    at = datetime.fromisoformat(suspension["at"].replace("Z", "+00:00"))
    for lang, note in (("en", "Times on each venue&#39;s clock"), ("zh-Hans", "时间按各场所的时区显示")):
        page = await admin_client.get(f"/platform/audit-log?venue={venue.slug}&lang={lang}")
        assert page.status_code == 200
        assert note in page.text
        assert format_stamp(at, ZONE) in page.text
        suspended_page = await admin_client.get(f"/platform/venues/{venue.slug}?lang={lang}")
        assert format_stamp(at, ZONE)[:10] in suspended_page.text
    exported = (await admin_client.get("/api/v1/platform/audit-log.csv", params={"venue": venue.slug})).text
    zones = {row["time_zone"] for row in csv.DictReader(io.StringIO(exported))}
    assert zones == {ZONE}
    everything = (await admin_client.get("/api/v1/platform/audit-log")).json()["entries"]
    assert all(e["time_zone"] == "UTC" for e in everything if e["venue"] == "")
    assert all(ISO_WITH_OFFSET.match(e["at"]) for e in everything)


async def test_a_venues_offers_end_on_its_clock(
    venue_owner: tuple[Any, Any], db: Database, supply: SupplyBuilder
) -> None:
    """An offer's end is the platform's moment, read by the venue on its own clock."""
    owner, venue = venue_owner
    lot = await supply.lot(await supply.project(), 2)
    allocation = await supply.allocation(lot, 1_000_000, venues=[venue.id])
    async with db.platform_session() as session:
        await session.execute(
            update(Allocation)
            .where(Allocation.id == allocation.id)
            .values(valid_until=datetime(2099, 1, 1, 0, 0, tzinfo=UTC))
        )
    page = await owner.get(f"/venue/{venue.slug}/offers?lang=en")
    assert page.status_code == 200
    assert "Jan 1, 2099, 08:00 UTC+8" in page.text


async def test_host_names_are_claimed_on_the_venues_clock(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    venue = await _new_york_venue(db, supply)
    host = f"co2-{venue.slug}.example"
    async with db.platform_session() as session:
        await session.execute(
            update(Tenant)
            .where(Tenant.id == venue.id)
            .values(host_claim=host, host_claim_token="t" * 32, host_claimed_at=SIGNED_UP)
        )
    claims = {c["host"]: c for c in (await admin_client.get("/api/v1/platform/hosts")).json()}
    assert claims[host]["time_zone"] == ZONE
    assert ISO_WITH_OFFSET.match(claims[host]["since"])
    for lang in ("en", "zh-Hans"):
        page = await admin_client.get(f"/platform/hosts?lang={lang}")
        assert "<td>2026-12-06 22:30 (America/New_York)</td>" in page.text
