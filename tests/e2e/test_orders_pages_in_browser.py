"""The order pages as people see them, at phone and desk width, in English and Chinese: a
venue's orders, every order and what is owed on the platform, the refund page, and an order.
Each page fits its width (tables scroll inside their card) and speaks the reader's language."""

from __future__ import annotations

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
from neutralpoint.tenants.models import Membership, Role, User
from neutralpoint.web.formatting import format_grams
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

PASSWORD = "a long orders password"
WIDTHS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 900}}


async def _user(db: Database, venue_id: uuid.UUID | None, *, admin: bool = False) -> str:
    email = f"{'admin' if admin else 'owner'}-{uuid.uuid4().hex[:8]}@example.org"
    async with db.platform_session() as session:
        user = User(
            email=email,
            name="Test",
            password_hash=hash_password(PASSWORD),
            email_verified_at=datetime.now(UTC),
            is_platform_admin=admin,
        )
        session.add(user)
        await session.flush()
        if venue_id is not None:
            session.add(Membership(tenant_id=venue_id, user_id=user.id, role=Role.OWNER))
    return email


async def _paid_order(api: httpx.AsyncClient, shop: Any, grams: int) -> str:
    """An order by mass, as "another amount" on the result page makes it, paid in the sandbox."""
    order = await api.post(
        f"/api/v1/public/venues/{shop.slug}/orders",
        json={"allocation_id": str(shop.allocation_id), "basis": "mass", "grams": grams, "buyer_name": "Li Wei"},
    )
    assert order.status_code == 201, order.text
    reference = str(order.json()["reference"])
    paid = await api.post(
        f"/api/v1/public/venues/{shop.slug}/orders/{reference}/sandbox-payment", json={"outcome": "succeed"}
    )
    assert paid.status_code == 200, paid.text
    return reference


async def _sign_in(page: Page, email: str) -> None:
    await page.goto("/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    async with page.expect_navigation():
        await page.locator("form button[type=submit]").last.click()


async def _fits(page: Page, width: int) -> None:
    overflow = await page.evaluate("document.scrollingElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow}px wide at {width}px"


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_order_pages_at_phone_and_desk_width(
    live_server: str, browser: Browser, db: Database, screenshots: Path, lang: str
) -> None:
    _ = gettext_functions(lang)["plain_gettext"]
    shop = await World(db, None).shop(tonnes=5)
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as api:
        kept = await _paid_order(api, shop, 117_092)
        refunded = await _paid_order(api, shop, 2_500_000)
    owner, admin = await _user(db, shop.venue_id), await _user(db, None, admin=True)
    locale = "zh-CN" if lang == "zh-Hans" else "en-GB"
    for size, viewport in WIDTHS.items():
        context = await browser.new_context(viewport=viewport, base_url=live_server, locale=locale)
        page = await context.new_page()
        try:
            await _sign_in(page, owner)
            await page.goto(f"/venue/{shop.slug}/orders?lang={lang}")
            await expect(page.locator("h1")).to_have_text(_("Orders"))
            await expect(page.locator("table")).to_contain_text(kept)
            await _fits(page, viewport["width"])
            await full_page_screenshot(page, screenshots / f"venue-orders-{size}-{lang}.png")
            # The certificates of those orders, on the venue's clock, one tab away.
            await page.locator('nav a[href$="/certificates"]').click()
            await expect(page.locator("h1")).to_have_text(_("Certificates"))
            await expect(page.locator("#certificates table")).to_contain_text("UTC+8")
            await _fits(page, viewport["width"])
            await full_page_screenshot(page, screenshots / f"venue-certificates-{size}-{lang}.png")
            await page.goto(f"/venue/{shop.slug}/orders?lang={lang}")

            if size == "phone":
                # The refund: the list's link, the page that says what it does, the button.
                await page.locator(f'a[href$="/orders/{refunded}/refund"]').click()
                await expect(page.locator("h1")).to_contain_text(refunded)
                await _fits(page, viewport["width"])
                await full_page_screenshot(page, screenshots / f"refund-page-{size}-{lang}.png")
                async with page.expect_navigation():
                    await page.locator("#confirm-refund").click()
                await expect(page.locator("p.notice")).to_have_text(
                    _("Order %(reference)s was refunded.") % {"reference": refunded}
                )
                await full_page_screenshot(page, screenshots / f"refund-done-{size}-{lang}.png")

            await page.goto(f"/v/{shop.slug}/orders/{kept}?lang={lang}")
            # An order by mass says what it neutralized, not that the buyer is carbon neutral.
            neutralized = _("%(grams)s CO₂e neutralized") % {"grams": format_grams(117_092, lang)}
            await expect(page.locator("h1")).to_have_text(neutralized, timeout=20_000)
            await _fits(page, viewport["width"])
            await full_page_screenshot(page, screenshots / f"order-page-{size}-{lang}.png")
            await context.clear_cookies()

            await _sign_in(page, admin)
            for path, name in (("/platform/orders", "platform-orders"), ("/platform/payouts?test=1", "payouts")):
                await page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
                await expect(page.locator("h1")).to_be_visible()
                await _fits(page, viewport["width"])
                await full_page_screenshot(page, screenshots / f"{name}-{size}-{lang}.png")
        finally:
            await context.close()
