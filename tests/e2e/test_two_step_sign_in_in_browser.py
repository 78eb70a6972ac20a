"""A venue owner turns on two-step sign-in on a phone (390 px), from the QR code's secret, and
signs in again with the password and a code. In a real Chromium, against the real server."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
from playwright.async_api import Browser, Page, expect

from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}


def _zh(english: str, context: str | None = None) -> str:
    """The Chinese the pages should show, from the same catalogues; it must be a translation."""
    functions = gettext_functions("zh-Hans")
    chinese: str = functions["pgettext"](context, english) if context else functions["plain_gettext"](english)
    assert chinese != english, f"no Chinese translation for {english!r}"
    return chinese


async def _submit(page: Page, button_name: str) -> None:
    async with page.expect_navigation():
        await page.get_by_role("button", name=button_name, exact=True).click()


async def test_turning_on_two_step_sign_in_and_signing_in_with_a_code(
    live_server: str, browser: Browser, unique: str, screenshots: Path
) -> None:
    slug = f"twostep-{unique}"
    email = f"owner-{unique}@example.org"
    context = await browser.new_context(locale="en-US", base_url=live_server, viewport=PHONE)
    page = await context.new_page()
    await page.goto("/signup?lang=en")
    await page.fill("#name", "Harbour Hotel")
    await page.fill("#slug", slug)
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await _submit(page, "Create the venue")

    await page.goto("/account?lang=en")
    await page.get_by_role("link", name="Set up two-step sign-in").click()
    await _submit(page, "Set up two-step sign-in")
    qr = page.locator(".qr-frame svg")
    await expect(qr).to_be_visible()
    box = await qr.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    secret = (await page.locator("code.secret").inner_text()).replace(" ", "")
    await full_page_screenshot(page, screenshots / "two-step-setup-en.png")
    await page.goto("/account/two-factor?lang=zh-Hans")
    await expect(page.get_by_role("heading", name=_zh("Two-step sign-in"))).to_be_visible()
    await full_page_screenshot(page, screenshots / "two-step-setup-zh.png")

    totp = pyotp.TOTP(secret)
    await page.fill("#code", totp.now())
    await _submit(page, _zh("Turn on"))
    await expect(page.get_by_role("heading", name=_zh("Two-step sign-in is on"))).to_be_visible()
    recovery = await page.locator(".recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    await full_page_screenshot(page, screenshots / "two-step-recovery-codes-zh.png")

    # Signed out, the password alone opens nothing: the code page asks for the code.
    await context.clear_cookies()
    await page.goto(f"/login?lang=en&next=/venue/{slug}/")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await _submit(page, "Sign in")
    assert "/login/code" in page.url, page.url
    await expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    await full_page_screenshot(page, screenshots / "two-step-code-en.png")
    await page.goto(page.url + "&lang=zh-Hans")
    await full_page_screenshot(page, screenshots / "two-step-code-zh.png")
    # The code of the next time step: the one that turned it on may not be used again.
    await page.fill("#code", totp.at(time.time() + 30))
    await _submit(page, _zh("Sign in"))
    assert page.url.rstrip("/").endswith(f"/venue/{slug}"), page.url
    for lang in ("en", "zh-Hans"):
        await page.goto(f"/account/two-factor?lang={lang}")
        await expect(page.locator("#password")).to_be_visible()
        await full_page_screenshot(page, screenshots / f"two-step-on-{lang}.png")
    await context.close()
