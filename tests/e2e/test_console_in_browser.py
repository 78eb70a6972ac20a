"""The platform's console of venues and the audit log as people see them, at phone and desk
width, in English and Chinese: an admin lands on the console, finds a venue, suspends it with
a reason and reactivates it; the venue's owner and the admin read the changes in the log.
Each page fits its width and speaks the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from payments.shop_world import World
from playwright.async_api import Browser, Page, expect
from test_orders_pages_in_browser import WIDTHS, _fits, _sign_in, _user

from neutralpoint.database.engine import Database
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot


async def _shot(page: Page, screenshots: Path, name: str, width: int) -> None:
    await _fits(page, width)
    await full_page_screenshot(page, screenshots / f"{name}.png")


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_console_and_audit_log_at_phone_and_desk_width(
    live_server: str, browser: Browser, db: Database, screenshots: Path, lang: str
) -> None:
    _ = gettext_functions(lang)["plain_gettext"]
    shop = await World(db, None).shop(tonnes=5)
    owner, admin = await _user(db, shop.venue_id), await _user(db, None, admin=True)
    locale = "zh-CN" if lang == "zh-Hans" else "en-GB"
    for size, viewport in WIDTHS.items():
        context = await browser.new_context(viewport=viewport, base_url=live_server, locale=locale)
        page = await context.new_page()
        width = viewport["width"]
        try:
            await _sign_in(page, owner)
            changed = await page.request.patch(
                f"/api/v1/venues/{shop.slug}",
                data={"display_name_zh_hans": "绿色会堂", "time_zone": "Europe/Berlin", "primary_color": "#0b5394"},
                headers={"Origin": live_server},
            )
            assert changed.ok, await changed.text()
            await context.clear_cookies()

            # The admin lands on the console and finds the venue by its owner's address.
            await _sign_in(page, admin)
            assert page.url.endswith("/platform/venues")
            await page.goto(f"/platform/venues?lang={lang}&q={owner}")
            await expect(page.locator("h1")).to_have_text(_("Venues"))
            await expect(page.locator("table")).to_contain_text(owner)
            await _shot(page, screenshots, f"console-venues-{size}-{lang}", width)

            await page.locator(f'a[href="/platform/venues/{shop.slug}"]').click()
            await page.fill("#reason", "Invoice 2026-11 unpaid; write to billing@example.org")
            async with page.expect_navigation():
                await page.locator("form.suspend button[type=submit]").click()
            await expect(page.locator("p.notice")).to_be_visible()
            await expect(page.locator(".alert")).to_contain_text("Invoice 2026-11 unpaid")
            await _shot(page, screenshots, f"console-venue-suspended-{size}-{lang}", width)
            async with page.expect_navigation():
                await page.get_by_role("button", name=_("Reactivate")).click()
            await expect(page.locator("p.notice")).to_have_text(_("The venue is open again."))

            await page.goto(f"/platform/audit-log?lang={lang}&venue={shop.slug}")
            await expect(page.locator("h1")).to_have_text(_("Audit log"))
            await expect(page.locator("article.audit-entry").first).to_contain_text(admin)
            await _shot(page, screenshots, f"audit-platform-{size}-{lang}", width)
            await context.clear_cookies()

            await _sign_in(page, owner)
            await page.goto(f"/venue/{shop.slug}/audit-log?lang={lang}")
            await expect(page.locator("article.audit-entry").first).to_contain_text("UTC+1")
            await _shot(page, screenshots, f"audit-venue-{size}-{lang}", width)
        finally:
            await context.close()
