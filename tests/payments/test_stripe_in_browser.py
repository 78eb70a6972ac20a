"""Paying through Stripe's Payment Element in a real Chromium, at phone width, in English
and Chinese: the server pays through localstripe, Stripe.js is a stand-in with Stripe's
shapes (``stripe_js_stand_in.js``: localstripe's own script has no Payment Element), the
webhook comes from localstripe, signed, and the order page shows what our database knows."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route, expect
from shop_world import GRAMS, Shop, World

from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import EntryPoint
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

PHONE = {"width": 390, "height": 844}
STAND_IN = Path(__file__).with_name("stripe_js_stand_in.js")
#: The stripe_server fixture's secret key: localstripe takes any ``sk_`` key.
SECRET_KEY = "sk_test_neutralpoint"
VISA = "4242424242424242"
DECLINED = "4000000000000341"  # attaches, then the charge is declined
#: An attendee's answers at a meetings door (the server runs the built-in scenarios only).
ATTENDEE = {"travel_mode": "rail_high_speed", "travel_distance_km": 300, "hotel_nights": 1, "meals_vegan": 1}


async def _footprint(world: World, db: Database, shop: Shop) -> str:
    """A visitor's footprint at a meetings door of the shop's venue, through the public API."""
    code = f"m{uuid.uuid4().hex[:6]}"
    async with db.platform_session() as session:
        session.add(EntryPoint(tenant_id=shop.venue_id, code=code, name="Hall", scenario="meetings", presets={}))
    made = await world.client.post(
        f"/api/v1/public/venues/{shop.slug}/entry-points/{code}/estimates", json={"inputs": ATTENDEE}
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def _stand_in_for_stripe(page: Page, localstripe: str) -> None:
    """Serve the stand-in where the page loads Stripe.js, and give localstripe the secret key
    it wants for what Stripe's API accepts from the browser with the publishable key."""

    async def script(route: Route) -> None:
        await route.fulfill(path=STAND_IN, content_type="application/javascript")

    async def api(route: Route) -> None:
        await route.continue_(headers={**route.request.headers, "authorization": f"Bearer {SECRET_KEY}"})

    await page.route(f"{localstripe}/js.stripe.com/v3/**", script)
    await page.route(f"{localstripe}/v1/**", api)


async def _card(page: Page, number: str) -> None:
    element = page.locator("#payment-element")
    await element.locator("input[name=cardnumber]").fill(number)
    await element.locator("input[name=exp-date]").fill("12 / 30")
    await element.locator("input[name=cvc]").fill("123")


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_pay_with_the_payment_element_then_webhook_then_fulfilled(
    stripe_world: World,
    stripe_server: str,
    localstripe: str,
    browser: Browser,
    db: Database,
    screenshots: Path,
    lang: str,
) -> None:
    _ = gettext_functions(lang)["plain_gettext"]
    shop = await stripe_world.shop()
    estimate_id = await _footprint(stripe_world, db, shop)
    context = await browser.new_context(viewport=PHONE, locale="zh-CN" if lang == "zh-Hans" else "en-GB")
    page = await context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    await _stand_in_for_stripe(page, localstripe)
    try:
        await page.goto(f"{stripe_server}/v/{shop.slug}/r/{estimate_id}?lang={lang}")
        await page.locator("#neutralize ul.offers li button").first.click()
        await expect(page).to_have_url(re.compile(rf"/v/{shop.slug}/orders/NP-"))
        reference = page.url.rsplit("/", 1)[1]
        answer: Any = await page.request.get(page.url)
        policy = answer.headers["content-security-policy"]
        assert "unsafe-inline" not in policy
        assert "script-src 'self' https://js.stripe.com" in policy
        await expect(page.locator("#payment-element input[name=cardnumber]")).to_be_visible()
        await page.fill("#buyer_name", "Li Wei")

        # Stripe returns to the order page, which waits for the webhook.
        await _card(page, VISA)
        await page.locator("#pay-button").click()
        await expect(page).to_have_url(re.compile(r"redirect_status=succeeded"))
        await expect(page.locator("h1")).to_have_text(_("You are carbon neutral"), timeout=20_000)
        await expect(page.locator("ol.serials li").first).to_contain_text("CN-CDCER-")
        await full_page_screenshot(page, screenshots / f"stripe-fulfilled-{lang}.png")
    finally:
        await context.close()
    order = await stripe_world.get(shop, reference)
    assert order["status"] == "fulfilled"
    assert order["buyer_name"] == "Li Wei"
    paid = [t for t in order["transitions"] if t["to_status"] == "paid"]
    assert [t["cause"] for t in paid] == ["payment_intent.succeeded"], order["transitions"]
    assert refused == []


async def test_the_return_address_does_not_make_an_order_paid(
    stripe_world: World, stripe_server: str, localstripe: str, browser: Browser
) -> None:
    """Stripe's return query on an unpaid order changes nothing: the page asks Stripe."""
    shop = await stripe_world.shop()
    created = await stripe_world.order(shop, basis="mass", grams=GRAMS)
    assert created.status_code == 201, created.text
    order = created.json()
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await _stand_in_for_stripe(page, localstripe)
    try:
        await page.goto(
            f"{stripe_server}/v/{shop.slug}/orders/{order['reference']}"
            f"?payment_intent={order['payment']['payment_id']}&redirect_status=succeeded"
        )
        await expect(page.locator("#payment-element input[name=cardnumber]")).to_be_visible()
        await expect(page.locator("#confirming")).to_have_count(0)
    finally:
        await context.close()
    assert (await stripe_world.get(shop, order["reference"]))["status"] == "awaiting_payment"


async def test_a_declined_card_is_named_beside_the_button_and_nothing_is_paid(
    stripe_world: World, stripe_server: str, localstripe: str, browser: Browser, screenshots: Path
) -> None:
    """(localstripe cannot confirm a PaymentIntent again after a declined charge, as Stripe
    can: the retry with another card is left to the Stripe API tests.)"""
    shop = await stripe_world.shop()
    created = await stripe_world.order(shop, basis="mass", grams=GRAMS)
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await _stand_in_for_stripe(page, localstripe)
    try:
        await page.goto(f"{stripe_server}/v/{shop.slug}/orders/{reference}")
        await _card(page, DECLINED)
        await page.locator("#pay-button").click()
        await expect(page.locator("#payment-message")).to_contain_text("declined")
        await expect(page.locator("#pay-button")).to_be_enabled()
        await full_page_screenshot(page, screenshots / "stripe-declined-en.png")
        await page.reload()
        await expect(page.locator("div.alert")).to_contain_text("The payment did not go through.")
    finally:
        await context.close()
    order = await stripe_world.get(shop, reference)
    assert order["status"] in ("awaiting_payment", "failed")
    assert order["paid_at"] is None
