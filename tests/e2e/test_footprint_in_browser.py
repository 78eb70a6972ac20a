"""A visitor computes and neutralizes on a phone, then finds both on their personal footprint,
in English and Chinese, at 390 px."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import select

from neutralpoint.credits import demo as credits_demo
from neutralpoint.database.engine import Database
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import demo as venues_demo
from neutralpoint.tenants.models import OutboxMessage
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_compute_neutralize_then_the_personal_footprint(
    live_server: str,
    browser: Browser,
    db: Database,
    registry: ScenarioRegistry,
    settings: Settings,
    screenshots: Path,
    lang: str,
) -> None:
    await venues_demo.seed(db, registry, settings)
    await credits_demo.seed(db, registry, settings)
    _ = gettext_functions(lang)["plain_gettext"]
    context = await browser.new_context(viewport=PHONE, locale="zh-CN" if lang == "zh-Hans" else "en-GB")
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}/v/chengdu-summit/SUMMIT?lang={lang}")
        await page.eval_on_selector_all("details", "folds => folds.forEach(fold => { fold.open = true; })")
        await page.select_option("select[name=travel_mode]", "rail_high_speed")
        await page.fill("input[name=travel_distance_km]", "350")
        await page.locator("form button[type=submit]").last.click()
        await expect(page).to_have_url(re.compile(r"/v/chengdu-summit/r/"))
        await expect(page.locator("#footprint-link")).to_have_text(_("My footprint at every venue"))
        await page.locator("#neutralize ul.offers li").first.locator("button").click()
        await expect(page).to_have_url(re.compile(r"/v/chengdu-summit/orders/NP-"))
        await page.locator("button[value=succeed]").click()
        await expect(page.locator("#listing-link")).to_be_visible(timeout=20_000)  # fulfilled
        await page.locator("#footprint-link").click()

        await expect(page).to_have_url(re.compile(r"/footprint$"))
        await expect(page.locator("#footprint h1")).to_have_text(_("My footprint"))
        await expect(page.locator("#orders a", has_text="NP-").first).to_be_visible()
        await expect(page.locator("#estimates li")).to_have_count(1)
        # The venue in the reader's language, on the venue's clock.
        await expect(page.locator("#estimates")).to_contain_text("成都" if lang == "zh-Hans" else "Chengdu")
        await expect(page.locator("#estimates")).to_contain_text("UTC+8")
        # Paid in the sandbox: the order says test mode, and the totals count it apart.
        await expect(page.locator("#test-mode")).to_be_visible()
        await expect(page.locator("#orders .test-mode").first).to_have_text(_("Test mode"))
        await expect(page.locator("#neutralized-test")).to_contain_text(_("not neutralized"))
        # Nothing is wider than the phone.
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        await full_page_screenshot(page, screenshots / f"footprint-{lang}.png")

        await page.fill("#email", "not an address")
        await page.locator("#keep button[type=submit]").click()
        await expect(page.locator("#email-error")).to_be_visible()
        await full_page_screenshot(page, screenshots / f"footprint-refused-{lang}.png")

        # Keep the history: the mailed link opens a page naming the address, whose button joins.
        email = f"phone-{lang.lower()}-{id(page)}@example.org"
        await page.fill("#email", email)
        await page.locator("#keep button[type=submit]").click()
        await expect(page.locator("#notice")).to_be_visible()
        async with db.platform_session() as session:
            body = await session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.recipient == email))
        link = re.search(r"https?://\S+/footprint/sign-in\?token=\S+", body or "")
        assert link, body
        await page.goto(link.group(0))  # the server mails its own address
        await expect(page.locator("#sign-in")).to_contain_text(email)
        await full_page_screenshot(page, screenshots / f"footprint-sign-in-{lang}.png")
        # Read in the other language, the mailed link still joins: the language link keeps its token.
        other = "en" if lang == "zh-Hans" else "zh-Hans"
        await page.locator(f'nav.langs a[hreflang="{other}"]').click()
        await expect(page.locator("html")).to_have_attribute("lang", other)
        await expect(page.locator("#sign-in")).to_contain_text(email)
        await expect(page.locator("#sign-in button[type=submit]")).to_be_visible()
        await page.locator("#sign-in button[type=submit]").click()
        await expect(page.locator("#kept")).to_contain_text(email)

        await page.locator("#orders a", has_text="NPC-").first.click()
        await expect(page).to_have_url(re.compile(r"/certificates/NPC-"))
    finally:
        await context.close()
