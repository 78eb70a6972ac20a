"""Each built-in scenario's form on a 390 px phone, in English and Chinese, against the real
server: the essential fields are on the first screen, the details are folded (no JavaScript
involved), and an error in a folded field opens its fold."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from neutralpoint.database import Database
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus
from tests.conftest import full_page_screenshot

PHONE = {"width": 390, "height": 844}
LOCALES = {"en": "en-US", "zh-Hans": "zh-CN"}
#: What most visitors answer, shown before any fold, in the form's order.
ESSENTIALS = {
    "meetings": ["travel_mode", "travel_origin", "days", "hotel_nights"],
    "hotels": ["nights", "breakfast", "travel_mode", "travel_origin"],
    "restaurants": ["diners", "dish", "travel_mode", "travel_origin"],
    "scenic": ["group_size", "nights", "travel_mode", "travel_origin"],
}


@pytest.fixture(scope="module")
async def entry_points(db: Database) -> dict[str, str]:
    """One venue in Chengdu with an entry point per built-in scenario: scenario → its path."""
    suffix = uuid.uuid4().hex[:8]
    paths = {}
    async with db.platform_session() as session:
        tenant = Tenant(
            slug=f"phone-{suffix}",
            name="Phone Hall",
            display_name="Phone Hall",
            contact_email=f"phone-{suffix}@example.org",
            status=TenantStatus.ACTIVE,
            latitude="30.6598",
            longitude="104.0633",
        )
        session.add(tenant)
        await session.flush()
        for index, scenario in enumerate(ESSENTIALS):
            code = f"P{index}{suffix[:6].upper()}"
            session.add(EntryPoint(tenant_id=tenant.id, code=code, name=scenario, scenario=scenario, presets={}))
            paths[scenario] = f"/v/{tenant.slug}/{code}"
    return paths


@pytest.mark.parametrize("lang", list(LOCALES))
@pytest.mark.parametrize("scenario", list(ESSENTIALS))
async def test_the_first_screen_holds_the_essentials_and_the_details_are_folded(
    live_server: str, browser: Browser, entry_points: dict[str, str], screenshots: Path, scenario: str, lang: str
) -> None:
    context = await browser.new_context(
        locale=LOCALES[lang], viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    phone = await context.new_page()
    await phone.goto(f"{live_server}{entry_points[scenario]}?lang={lang}")
    await phone.screenshot(path=str(screenshots / f"form-{scenario}-{lang}.png"))
    await full_page_screenshot(phone, screenshots / f"form-{scenario}-{lang}-full.png")

    form = phone.locator("form.card")
    names = await form.locator("input[name], select[name]").evaluate_all(
        "els => els.filter(e => !e.closest('details') && e.type !== 'hidden').map(e => e.name)"
    )
    assert list(dict.fromkeys(names)) == ESSENTIALS[scenario]
    for name in ESSENTIALS[scenario]:
        field = form.locator(f'[name="{name}"]').first
        await expect(field).to_be_visible()
        box = await field.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= PHONE["height"], f"{name} is below the first screen ({box})"

    folds = form.locator("details.more")
    assert await folds.count() >= 1
    for index in range(await folds.count()):
        fold = folds.nth(index)
        assert await fold.get_attribute("open") is None
        await expect(fold.locator("input, select").first).to_be_hidden()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await context.close()


@pytest.mark.parametrize("lang", list(LOCALES))
async def test_an_error_in_a_folded_field_opens_its_fold(
    live_server: str, browser: Browser, entry_points: dict[str, str], screenshots: Path, lang: str
) -> None:
    context = await browser.new_context(locale=LOCALES[lang], viewport=PHONE, is_mobile=True, has_touch=True)
    phone = await context.new_page()
    await phone.goto(f"{live_server}{entry_points['meetings']}?lang={lang}")
    await phone.select_option("#f-travel_mode", "car_petrol")
    hotel = phone.locator("details.more", has=phone.locator("#f-hotel_guests"))
    await hotel.locator("summary").click()  # the visitor opens the fold, as on any phone
    await expect(phone.locator("#f-hotel_guests")).to_be_visible()
    await phone.fill("#f-hotel_guests", "9")
    # The server's check, not the browser's: what a visitor without a validating browser meets.
    await phone.evaluate("document.querySelector('form.card').noValidate = true")
    async with phone.expect_navigation():
        await phone.locator("form.card button[type=submit]").click()

    await expect(phone.locator("#problems")).to_be_visible()
    await expect(hotel).to_have_attribute("open", "")
    await expect(phone.locator("#hotel_guests-error")).to_be_visible()
    guests = phone.locator("#f-hotel_guests")
    await expect(guests).to_have_attribute("aria-invalid", "true")
    await expect(guests).to_have_attribute("aria-describedby", re.compile(r"(^| )hotel_guests-error$"))
    await expect(guests).to_have_value("9")
    journey = phone.locator("details.more", has=phone.locator("#f-travel_distance_km"))
    meals = phone.locator("details.more", has=phone.locator("#f-meals_vegan"))
    assert await journey.get_attribute("open") is None
    assert await meals.get_attribute("open") is None
    await full_page_screenshot(phone, screenshots / f"form-meetings-error-{lang}.png")

    # Corrected, but neither a city nor a distance: the travel helper refuses on the folded
    # distance, whose fold opens; the fold with the corrected answer stays open, showing it.
    await phone.fill("#f-hotel_guests", "2")
    await phone.evaluate("document.querySelector('form.card').noValidate = true")
    async with phone.expect_navigation():
        await phone.locator("form.card button[type=submit]").click()
    await expect(phone.locator("#travel_distance_km-error")).to_be_visible()
    await expect(journey).to_have_attribute("open", "")
    await expect(hotel).to_have_attribute("open", "")
    await expect(phone.locator("#f-hotel_guests")).to_have_value("2")
    assert await meals.get_attribute("open") is None
    await context.close()
