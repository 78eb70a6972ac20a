"""After a sandbox payment the visitor chooses a name for the leaderboards, sees their place on
the certificate's page, the event's leaderboard and its live neutrality page, at phone width
in English and Chinese."""

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
async def test_a_visitor_names_themselves_and_finds_their_place(
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
    name = "绿色行者" if lang == "zh-Hans" else "Green walker"
    context = await browser.new_context(viewport=PHONE, locale="zh-CN" if lang == "zh-Hans" else "en-GB")
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        await page.goto(f"{live_server}/v/chengdu-summit/SUMMIT?lang={lang}")
        await page.eval_on_selector_all("details", "folds => folds.forEach(fold => { fold.open = true; })")
        await page.select_option("select[name=travel_mode]", "rail_high_speed")
        await page.fill("input[name=travel_distance_km]", "350")
        await page.locator("form button[type=submit]").last.click()
        await expect(page).to_have_url(re.compile(r"/v/chengdu-summit/r/"))
        await page.locator("#neutralize ul.offers li").first.locator("button").click()
        await expect(page).to_have_url(re.compile(r"/v/chengdu-summit/orders/NP-"))
        await page.locator("button[value=succeed]").click()
        listing = page.locator("#listing-link")
        await expect(listing).to_be_visible(timeout=20_000)
        await listing.click()

        await expect(page.locator("#listing h1")).to_have_text(_("Your place on the leaderboards"))
        await page.check("input[name=visibility][value=named]")
        await page.fill("#public_name", name)
        await page.locator("#listing button[type=submit]").click()
        await expect(page.locator("#saved")).to_be_visible()
        # The event is named in the reader's language.
        await expect(page.locator("#sentence")).to_contain_text("成都" if lang == "zh-Hans" else "Chengdu")
        await full_page_screenshot(page, screenshots / f"leaderboard-listing-{lang}.png")

        await page.locator("#sentence a").click()
        await expect(page).to_have_url(re.compile(r"/leaderboard/certificates/NPC-"))
        number = (await page.locator("#standings .muted a").text_content() or "").strip()
        await page.goto(f"{live_server}/certificates/verify?number={number}&lang={lang}")
        # The certificate's page says where it stands (filled in by its script).
        await expect(page.locator("#standing a")).to_have_text(re.compile(r"#\d|排名第 \d"))
        await full_page_screenshot(page, screenshots / f"leaderboard-certificate-{lang}.png")

        await page.goto(f"{live_server}/v/chengdu-summit/leaderboard/SUMMIT?lang={lang}")
        await expect(page.locator("#rows")).to_contain_text(name)
        await full_page_screenshot(page, screenshots / f"leaderboard-event-{lang}.png")

        await page.goto(f"{live_server}/v/chengdu-summit/event/SUMMIT?lang={lang}")
        await expect(page.locator("#event h1")).to_be_visible()
        # The script has read the JSON twin: the "updates by itself" line shows its time.
        await expect(page.locator("#live")).to_be_visible(timeout=10_000)
        await expect(page.locator("#updated")).to_have_text(re.compile(r"\d{2}:\d{2}"))
        await expect(page.locator("#participants")).not_to_have_text("0")
        # Other tests of the run may have added estimates at the demo's event: the page shows what
        # its JSON twin says: a percentage only once enough attendees have an estimate.
        api = await page.locator("#event").get_attribute("data-api")
        answer = await page.request.get(f"{live_server}{api}")
        assert answer.ok, api
        figures = await answer.json()
        if figures["enough_data"]:
            await expect(page.locator("#percent")).to_have_text(f"{figures['percent']} %")
        else:
            assert figures["footprint_basis"] == "too_few_estimates", figures
            await expect(page.locator("#percent")).to_have_text(_("not enough data yet"))
            await expect(page.locator("#not-enough")).to_be_visible()
        await full_page_screenshot(page, screenshots / f"event-neutrality-{lang}.png")
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        await context.close()
