"""The separately installed supermarket plugin in a real Chromium, against the real server: a
venue manager opens a supermarket entry point in the dashboard, and a shopper whose phone is
set to Chinese fills in a basket through the entry point's public address."""

from __future__ import annotations

import importlib.metadata
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from neutralpoint.database import Database
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import Membership, Role, Tenant, TenantStatus, User
from neutralpoint.web.formatting import format_grams
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

PASSWORD = "a long supermarket password"
PHONE = {"width": 390, "height": 844}
# From the plugin's golden case: 0.5 kg of beef is 49,740 g and a plastic carrier bag 10 g.
BEEF_KG = "0.5"
PLASTIC_BAGS = "3"
EXPECTED_GRAMS = 49_740 + 3 * 10
SOURCE = "How Bad Are Bananas? The carbon footprint of everything"


@pytest.fixture(autouse=True)
def _needs_the_wheel() -> None:
    try:
        importlib.metadata.distribution("neutralpoint-supermarket")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("neutralpoint-supermarket is not installed; run scripts/test (it installs the wheel first)")


def _zh(english: str) -> str:
    """The Chinese the platform's pages should show, from the same catalogues."""
    chinese: str = gettext_functions("zh-Hans")["plain_gettext"](english)
    assert chinese != english, f"no Chinese translation for {english!r}"
    return chinese


async def _shop_manager(db: Database) -> tuple[str, str]:
    """An active venue with a confirmed manager, made through the models: sign-up has its own test."""
    suffix = uuid.uuid4().hex[:8]
    email = f"market-{suffix}@example.org"
    async with db.platform_session() as session:
        tenant = Tenant(
            slug=f"market-{suffix}",
            name=f"Corner Market {suffix}",
            display_name=f"Corner Market {suffix}",
            contact_email=email,
            status=TenantStatus.ACTIVE,
            latitude="30.6598",
            longitude="104.0633",
        )
        user = User(
            email=email, name="Manager", password_hash=hash_password(PASSWORD), email_verified_at=datetime.now(UTC)
        )
        session.add_all([tenant, user])
        await session.flush()
        session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.MANAGER))
        return tenant.slug, email


async def _submit(page: Page, button_name: str) -> None:
    async with page.expect_navigation():
        await page.get_by_role("button", name=button_name).click()


async def test_manager_opens_a_supermarket_entry_point_and_a_chinese_shopper_computes_a_basket(
    live_server: str, browser: Browser, db: Database, screenshots: Path
) -> None:
    slug, email = await _shop_manager(db)

    # --- the manager signs in and creates a supermarket entry point ---------------------------
    manager = await browser.new_context(locale="en-US", base_url=live_server)
    page = await manager.new_page()
    await page.goto("/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await _submit(page, "Sign in")
    await page.goto(f"/venue/{slug}/entry-points/new")
    await expect(page.locator('#scenario option[value="supermarket"]')).to_have_count(1)
    await page.fill("#name_en", "Checkout 1")
    await page.select_option("#scenario", "supermarket")
    await page.check('input[name="active"]')
    await _submit(page, "Save")
    assert re.search(rf"/venue/{slug}/entry-points/[0-9a-f-]{{36}}", page.url), page.url
    entry_point_url = await page.locator("a.url").first.get_attribute("href")
    assert entry_point_url is not None
    assert entry_point_url.startswith(f"{live_server}/v/{slug}/")
    await manager.close()

    # --- a shopper scans it with a phone set to Chinese ---------------------------------------
    visitor = await browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = await visitor.new_page()
    await phone.goto(entry_point_url)
    await expect(phone.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    await expect(phone.get_by_text("超市购物").first).to_be_visible()
    await expect(phone.locator('label[for="f-bags_plastic"]')).to_contain_text("塑料购物袋")
    calculate = phone.get_by_role("button", name=_zh("Calculate my footprint"))
    await expect(calculate).to_be_visible()
    # Beef is no everyday item: it waits, folded, under the meat section, until the shopper opens it.
    beef = phone.locator("#f-beef_kg")
    await expect(beef).to_be_hidden()
    await phone.locator("details.more", has=beef).locator("summary").click()
    await phone.fill("#f-beef_kg", BEEF_KG)
    await phone.fill("#f-bags_plastic", PLASTIC_BAGS)
    await full_page_screenshot(phone, screenshots / "supermarket-entry-zh.png")
    async with phone.expect_navigation():
        await calculate.click()
    match = re.search(rf"/v/{slug}/r/([0-9a-f-]{{36}})$", phone.url)
    assert match, phone.url

    # The stored estimate is the basket's, and the page shows it with its source.
    stored = await visitor.request.get(f"{live_server}/api/v1/estimates/{match.group(1)}?venue={slug}")
    assert stored.status == 200
    estimate: dict[str, Any] = await stored.json()
    assert estimate["total_grams"] == EXPECTED_GRAMS
    shown = format_grams(EXPECTED_GRAMS, "zh-Hans")
    assert re.search(r"\bk?g$", shown), shown
    await expect(phone.locator("p.big")).to_contain_text(shown)
    await expect(phone.get_by_role("heading", name=_zh("Sources"))).to_be_visible()
    await expect(phone.locator("li[id^=source-]", has_text=SOURCE)).to_have_count(1)
    await full_page_screenshot(phone, screenshots / "supermarket-result-zh.png")
    await visitor.close()
