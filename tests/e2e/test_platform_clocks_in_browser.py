"""The platform's pages on a phone, in English and Chinese: a venue's moments on its own clock
with the zone named, the platform's own in UTC, and what a sandbox payment bought marked
test mode; every page fits 390 px."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from payments.shop_world import World
from playwright.async_api import Browser, expect
from sqlalchemy import select, update
from test_orders_pages_in_browser import _fits, _paid_order, _sign_in, _user

from neutralpoint.credits.models import Allocation
from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import Tenant
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

PHONE = {"width": 390, "height": 844}
ZONE = "America/New_York"


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_platform_pages_name_each_venues_clock_at_phone_width(
    live_server: str, browser: Browser, db: Database, screenshots: Path, lang: str
) -> None:
    _ = gettext_functions(lang)["plain_gettext"]
    shop = await World(db, None).shop(tonnes=5)
    async with db.platform_session() as session:
        await session.execute(update(Tenant).where(Tenant.id == shop.venue_id).values(time_zone=ZONE))
        lot_id = await session.scalar(select(Allocation.lot_id).where(Allocation.id == shop.allocation_id))
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as api:
        reference = await _paid_order(api, shop, 117_092)
    admin = await _user(db, None, admin=True)
    context = await browser.new_context(
        viewport=PHONE, base_url=live_server, locale="zh-CN" if lang == "zh-Hans" else "en-GB"
    )
    page = await context.new_page()
    try:
        await _sign_in(page, admin)
        suspended = await page.request.post(
            f"/api/v1/platform/venues/{shop.slug}/suspend", data={"reason": "Clock check"}
        )
        assert suspended.status == 200, await suspended.text()
        for path, name, shown in (
            (f"/platform/venues?q={shop.slug}", "venues", f"({ZONE})"),
            (f"/platform/venues/{shop.slug}", "venue-console", f"({ZONE})"),
            ("/platform/orders", "orders", f"({ZONE})"),
            (f"/platform/orders/{reference}/refund", "refund", f"({ZONE})"),
            (f"/platform/audit-log?venue={shop.slug}", "audit-log", f"({ZONE})"),
            (f"/platform/lots/{lot_id}", "lot", " UTC"),
            ("/platform/allocations", "allocations", _("Valid (UTC)")),
        ):
            await page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            await expect(page.locator("main")).to_contain_text(shown)
            await _fits(page, PHONE["width"])
            await full_page_screenshot(page, screenshots / f"platform-clock-{name}-{lang}.png")
            if name == "venue-console":
                await expect(page.locator("#test-orders")).to_have_text(_("%(count)s in test mode") % {"count": "1"})
            if name == "lot":
                await expect(page.locator("#pieces")).to_contain_text(reference)
                await expect(page.locator("#pieces .tag.warn").first).to_have_text(_("test"))
    finally:
        await context.close()
