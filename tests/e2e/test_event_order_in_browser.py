"""The organiser pays for the event from the console, at phone width, in English and Chinese:
compute the whole event, see what is left after the attendees' own orders priced by each
offer, order it in one tap, pay in the sandbox, and find the event fully neutralized."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from payments.shop_world import World
from playwright.async_api import Browser, Page, expect

from neutralpoint.database.engine import Database
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import EntryPoint, Membership, Role, User
from neutralpoint.web.formatting import format_grams
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

PHONE = {"width": 390, "height": 844}
PASSWORD = "a long organiser password"
ATTENDEE = {"travel_mode": "rail_high_speed", "travel_distance_km": "300", "hotel_nights": 1, "meals_vegan": 1}
EVENT = {"attendees": "100", "venue_kwh": "2000"}


async def _summit(db: Database) -> tuple[Any, str, str]:
    """A venue offered credits, with a meetings entry point and a manager who signs in."""
    shop = await World(db, None).shop(tonnes=50)
    suffix = uuid.uuid4().hex[:8]
    email = f"organiser-{suffix}@example.org"
    async with db.platform_session() as session:
        entry = EntryPoint(
            tenant_id=shop.venue_id, code=f"m{suffix[:6]}", name="Summit hall", scenario="meetings", presets={}
        )
        user = User(
            email=email, name="Organiser", password_hash=hash_password(PASSWORD), email_verified_at=datetime.now(UTC)
        )
        session.add_all([entry, user])
        await session.flush()
        session.add(Membership(tenant_id=shop.venue_id, user_id=user.id, role=Role.MANAGER))
        return shop, entry.code, email


async def _attendee_neutralizes(api: httpx.AsyncClient, shop: Any, code: str) -> int:
    """One attendee's own footprint at the door, ordered and paid in the sandbox."""
    made = await api.post(f"/api/v1/public/venues/{shop.slug}/entry-points/{code}/estimates", json={"inputs": ATTENDEE})
    assert made.status_code == 201, made.text
    estimate = made.json()
    order = await api.post(
        f"/api/v1/public/venues/{shop.slug}/orders",
        json={"allocation_id": str(shop.allocation_id), "basis": "estimate", "estimate_id": estimate["id"]},
    )
    assert order.status_code == 201, order.text
    paid = await api.post(
        f"/api/v1/public/venues/{shop.slug}/orders/{order.json()['reference']}/sandbox-payment",
        json={"outcome": "succeed"},
    )
    assert paid.status_code == 200, paid.text
    return int(order.json()["grams"])


async def _submit(page: Page, button: Any) -> None:
    async with page.expect_navigation():
        await button.click()


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_the_organiser_pays_for_what_is_left_of_the_event(
    live_server: str, browser: Browser, db: Database, screenshots: Path, lang: str
) -> None:
    _ = gettext_functions(lang)["plain_gettext"]
    shop, code, email = await _summit(db)
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as api:
        attendees_grams = await _attendee_neutralizes(api, shop, code)

    context = await browser.new_context(
        viewport=PHONE, base_url=live_server, locale="zh-CN" if lang == "zh-Hans" else "en-GB"
    )
    page = await context.new_page()
    try:
        await page.goto("/login")
        await page.fill("#email", email)
        await page.fill("#password", PASSWORD)
        await _submit(page, page.locator("form button[type=submit]").last)
        event_page = f"/venue/{shop.slug}/entry-points/{await _entry_point_id(db, code)}/event-footprint?lang={lang}"
        await page.goto(event_page)
        for name, value in EVENT.items():
            await page.fill(f"#f-{name}", value)
        await page.select_option("#f-travel_source", "own")
        await _submit(page, page.locator("form.card button[type=submit]"))

        section = page.locator("#neutralize-event")
        await expect(section.locator("h2")).to_have_text(_("Neutralize the event"))
        total = await _event_total(db, code)
        assert total > attendees_grams
        await expect(section.locator("#remaining")).to_contain_text(format_grams(total - attendees_grams, lang))
        await section.scroll_into_view_if_needed()
        await full_page_screenshot(page, screenshots / f"event-order-{lang}.png")

        await _submit(page, section.locator("ul.offers li button").first)
        await expect(page).to_have_url(re.compile(rf"/v/{shop.slug}/orders/NP-"))
        reference = page.url.rsplit("/", 1)[1].split("?")[0]
        await expect(page.locator(".testmode")).to_be_visible()
        await page.locator("button[value=succeed]").click()
        await expect(page.locator("h1")).to_have_text(_("You are carbon neutral"), timeout=20_000)

        await page.goto(event_page)
        await expect(page.locator("#neutralize-event .notice")).to_have_text(_("The whole event is neutralized."))
        await expect(page.locator("#neutralize-event ul.offers")).to_have_count(0)
    finally:
        await context.close()
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as api:
        order = (await api.get(f"/api/v1/public/venues/{shop.slug}/orders/{reference}")).json()
    assert order["basis"] == "event"
    assert order["grams"] == total - attendees_grams
    assert order["status"] == "fulfilled"
    assert order["buyer_name"] == f"Summit {shop.slug.removeprefix('shop-')}"


async def _entry_point_id(db: Database, code: str) -> uuid.UUID:
    from sqlalchemy import select

    async with db.platform_session() as session:
        found = await session.scalar(select(EntryPoint.id).where(EntryPoint.code == code))
    assert found is not None
    return found


async def _event_total(db: Database, code: str) -> int:
    from sqlalchemy import select

    from neutralpoint.scenarios.models import Estimate

    async with db.platform_session() as session:
        found = await session.scalar(
            select(Estimate.total_grams)
            .join(EntryPoint, EntryPoint.id == Estimate.entry_point_id)
            .where(EntryPoint.code == code, Estimate.kind == "organiser")
        )
    assert found is not None
    return int(found)
