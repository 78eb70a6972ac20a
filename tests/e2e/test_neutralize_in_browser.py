"""The demo's whole loop in a real Chromium at phone width, in English and Chinese: scan,
compute, choose a project, pay in the sandbox, and see the serial-numbered credits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from neutralpoint.credits import demo as credits_demo
from neutralpoint.database.engine import Database
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import demo as venues_demo
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_scan_compute_choose_pay_fulfilled(
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
        # The visitor unfolds the details (distance, nights) as they would with a tap each.
        await page.eval_on_selector_all("details", "folds => folds.forEach(fold => { fold.open = true; })")
        await page.select_option("select[name=travel_mode]", "rail_high_speed")
        await page.fill("input[name=travel_distance_km]", "350")
        await page.fill("input[name=hotel_nights]", "2")
        await page.locator("form button[type=submit]").last.click()
        await expect(page).to_have_url(re.compile(r"/v/chengdu-summit/r/"))
        offers = page.locator("#neutralize ul.offers li")
        await expect(offers.first).to_be_visible()
        await expect(page.locator(".testmode").first).to_have_text(_("Test mode: no money is taken."))
        await full_page_screenshot(page, screenshots / f"neutralize-result-{lang}.png")

        await offers.first.locator("button").click()
        await expect(page).to_have_url(re.compile(r"/v/chengdu-summit/orders/NP-"))
        await expect(page.locator(".testmode")).to_be_visible()
        await page.fill("#buyer_name", "Li Wei")
        await full_page_screenshot(page, screenshots / f"neutralize-checkout-{lang}.png")
        await page.locator("button[value=succeed]").click()

        # The order page refreshes itself while the credits are being assigned.
        await expect(page.locator("h1")).to_have_text(_("You are carbon neutral"), timeout=20_000)
        serials = page.locator("ol.serials li")
        await expect(serials.first).to_contain_text("CDCER-2023-")
        await full_page_screenshot(page, screenshots / f"neutralize-fulfilled-{lang}.png")
    finally:
        await context.close()
