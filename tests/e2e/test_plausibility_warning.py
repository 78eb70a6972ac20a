"""An unlikely answer in a real Chromium at phone width: a conference visitor types a 14 km
flight, the footprint is computed as entered, and the result page says, in English and in
Chinese, beside the total, to check it (a warning, not a refusal)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.async_api import Browser, expect

from neutralpoint.database import Database
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus
from neutralpoint.web.formatting import format_grams
from neutralpoint.web.i18n import gettext_functions

PHONE = {"width": 390, "height": 844}
# 14 km one way at DESNZ's domestic row (with RF + well-to-tank) 0.26278 kg/km = 3,679 g, plus the
# meetings defaults of one attendee-day: venue energy 849 g and waste 260 g.
EXPECTED_GRAMS = 3679 + 849 + 260


def _zh(english: str) -> str:
    chinese: str = gettext_functions("zh-Hans")["plain_gettext"](english)
    assert chinese != english, f"no Chinese translation for {english!r}"
    return chinese


async def _conference_entry_point(db: Database) -> str:
    suffix = uuid.uuid4().hex[:8]
    async with db.platform_session() as session:
        tenant = Tenant(
            slug=f"summit-{suffix}",
            name=f"Summit {suffix}",
            display_name=f"Summit {suffix}",
            contact_email=f"summit-{suffix}@example.org",
            status=TenantStatus.ACTIVE,
            latitude="30.5728",
            longitude="104.0668",
        )
        session.add(tenant)
        await session.flush()
        session.add(EntryPoint(tenant_id=tenant.id, code=f"w{suffix[:6]}", name="Hall", scenario="meetings"))
        return f"/v/{tenant.slug}/w{suffix[:6]}"


async def test_a_14_km_flight_is_counted_and_flagged_in_both_languages(
    live_server: str, browser: Browser, db: Database, screenshots: Path
) -> None:
    entry_point_url = await _conference_entry_point(db)
    for locale, lang, calculate, heading, warning in (
        ("en-GB", "en", "Calculate my footprint", "Please check your answers", "A flight of 14 km is unusually short"),
        (
            "zh-CN",
            "zh-Hans",
            _zh("Calculate my footprint"),
            _zh("Please check your answers"),
            "14 公里的航程异常短",
        ),
    ):
        context = await browser.new_context(
            base_url=live_server, locale=locale, viewport=PHONE, is_mobile=True, has_touch=True
        )
        phone = await context.new_page()
        await phone.goto(entry_point_url)
        await phone.select_option("#f-travel_mode", "plane_economy")
        for name in ("travel_distance_km", "travel_return"):
            fold = phone.locator("details.more", has=phone.locator(f"#f-{name}"))
            if await fold.count() and not await fold.evaluate("e => e.open"):
                await fold.locator("summary").click()  # the visitor opens the fold, as on any phone
        await phone.fill("#f-travel_distance_km", "14")
        if await phone.locator("#f-travel_return").is_checked():
            await phone.locator("#f-travel_return").uncheck()
        async with phone.expect_navigation():
            await phone.get_by_role("button", name=calculate).click()
        assert re.search(r"/r/[0-9a-f-]{36}$", phone.url), phone.url

        await expect(phone.locator("p.big")).to_contain_text(format_grams(EXPECTED_GRAMS, lang))
        box = phone.locator(".caution")
        await expect(box).to_be_visible()
        await expect(box).to_contain_text(heading)
        await expect(box).to_contain_text(warning)
        # beside the result: the box follows the total, above the breakdown, on the first screen
        assert (await box.bounding_box() or {"y": PHONE["height"]})["y"] < PHONE["height"]
        await expect(phone.locator("table.lines a.tag.warn")).to_have_count(1)
        assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        await phone.screenshot(path=str(screenshots / f"result-warning-{lang}.png"), full_page=False)
        await context.close()
