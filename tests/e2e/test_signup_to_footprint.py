"""A venue signs up, confirms its e-mail, brands itself, prints a QR code and poster; a visitor
scans it on a Chinese phone and computes a footprint. In a real Chromium, against the real server."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from neutralpoint.database import Database
from neutralpoint.tenants.models import OutboxMessage
from neutralpoint.web.formatting import format_grams
from neutralpoint.web.i18n import gettext_functions
from tests.conftest import full_page_screenshot

BRAND_COLOUR = "#8b1e3f"
BRAND_RGB = "rgb(139, 30, 63)"
PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}


def _zh(english: str) -> str:
    """The Chinese the pages should show, from the same catalogues; it must be a translation."""
    chinese: str = gettext_functions("zh-Hans")["plain_gettext"](english)
    assert chinese != english, f"no Chinese translation for {english!r}"
    return chinese


def _logo_png() -> bytes:
    """A small two-colour square, as a venue's logo file would be."""
    image = Image.new("RGB", (96, 96), (255, 255, 255))
    for x in range(16, 80):
        for y in range(16, 80):
            image.putpixel((x, y), (139, 30, 63) if (x // 16 + y // 16) % 2 else (15, 118, 110))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def _verification_link(db: Database, email: str) -> str:
    async with db.platform_session() as session:
        messages = (
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == email, OutboxMessage.kind == "verify_email")
                .order_by(OutboxMessage.created_at.desc())
            )
        ).all()
    assert messages, f"no verification e-mail in mail_outbox for {email}"
    links = re.findall(r"https?://\S+/verify\?token=\S+", messages[0].body_text)
    assert links, messages[0].body_text
    return links[0]


def _run(*command: str) -> str:
    """A poppler or zbar command line; the server is another process, so blocking here is harmless."""
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout


async def _submit(page: Page, button_name: str) -> None:
    async with page.expect_navigation():
        await page.get_by_role("button", name=button_name).click()


async def test_signup_brand_qr_and_visitor_calculation(
    live_server: str, browser: Browser, db: Database, unique: str, screenshots: Path, tmp_path: Path
) -> None:
    slug = f"summit-{unique}"
    email = f"owner-{unique}@example.org"

    # --- the venue signs up ------------------------------------------------------------------
    signup = await browser.new_context(locale="en-US", base_url=live_server)
    page = await signup.new_page()
    await page.goto("/signup")
    await page.fill("#name", "Green Summit Centre")
    await page.fill("#slug", slug)
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await _submit(page, "Create the venue")
    assert f"/venue/{slug}" in page.url
    await expect(page.get_by_text("waiting for e-mail confirmation")).to_be_visible()

    # --- it confirms its e-mail through the link in the outbox --------------------------------
    link = await _verification_link(db, email)
    assert link.startswith(live_server)
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Your e-mail address is confirmed")).to_be_visible()
    await signup.close()

    # --- it signs in from another browser ------------------------------------------------------
    admin = await browser.new_context(locale="en-US", base_url=live_server)
    page = await admin.new_page()
    await page.goto("/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await _submit(page, "Sign in")
    await page.goto(f"/venue/{slug}/")
    await expect(page.locator(".tag.ok", has_text="active")).to_be_visible()

    # --- branding: colour, logo, location, the meetings scenario -------------------------------
    await page.goto(f"/venue/{slug}/branding")
    await page.fill("#primary_color", BRAND_COLOUR)
    await page.fill("#city", "成都")
    meetings = page.locator('input[name="enabled_scenarios"][value="meetings"]')
    await meetings.check()
    await page.set_input_files("#logo", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _logo_png()}])
    await _submit(page, "Save")
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await expect(page.locator("img.logo-preview")).to_be_visible()

    # --- an entry point for the meetings calculator ---------------------------------------------
    await page.goto(f"/venue/{slug}/entry-points/new")
    await page.fill("#name_en", "Main hall")
    await page.select_option("#scenario", "meetings")
    await page.fill("#event_name_en", "Green Summit 2026")
    await page.check('input[name="active"]')
    await _submit(page, "Save")
    assert re.search(rf"/venue/{slug}/entry-points/[0-9a-f-]{{36}}", page.url), page.url
    entry_point_url = await page.locator("a.url").first.get_attribute("href")
    assert entry_point_url is not None
    assert entry_point_url.startswith(f"{live_server}/v/{slug}/")
    admin_entry_page = page.url.split("?", 1)[0]

    # --- its QR code (PNG) and poster (PDF) -------------------------------------------------------
    qr = await admin.request.get(f"{admin_entry_page}/qr.png?download=1&scale=20")
    assert qr.status == 200
    assert qr.headers["content-type"].startswith("image/png")
    qr_image = Image.open(io.BytesIO(await qr.body()))
    qr_image.load()
    assert qr_image.width == qr_image.height
    assert qr_image.width >= 200
    qr_path = screenshots / "qr.png"
    qr_path.write_bytes(await qr.body())
    if shutil.which("zbarimg"):
        assert _run("zbarimg", "--quiet", "--raw", str(qr_path)).strip() == entry_point_url

    poster = await admin.request.get(f"{admin_entry_page}/poster.pdf?size=A4")
    assert poster.status == 200
    assert poster.headers["content-type"].startswith("application/pdf")
    pdf = await poster.body()
    assert pdf.startswith(b"%PDF")
    pdf_path = tmp_path / "poster.pdf"
    pdf_path.write_bytes(pdf)
    poster_text = _run("pdftotext", str(pdf_path), "-")
    assert entry_point_url in "".join(poster_text.split()), poster_text
    _run("pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf_path), str(screenshots / "poster"))

    # --- a visitor scans it with a phone set to Chinese -----------------------------------------
    visitor = await browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = await visitor.new_page()
    await phone.goto(entry_point_url)
    await expect(phone.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    calculate = phone.get_by_role("button", name=_zh("Calculate my footprint"))
    await expect(calculate).to_be_visible()
    await expect(phone.locator(".brandmark img")).to_be_visible()
    header_colour = await phone.eval_on_selector("header.top", "e => getComputedStyle(e).backgroundColor")
    assert header_colour == BRAND_RGB
    await full_page_screenshot(phone, screenshots / "entry-zh.png")

    await phone.select_option("#f-travel_mode", "rail_high_speed")
    await phone.fill("#f-travel_origin", "Beijing")
    await phone.fill("#f-hotel_nights", "2")
    async with phone.expect_navigation():
        await calculate.click()
    match = re.search(rf"/v/{slug}/r/([0-9a-f-]{{36}})$", phone.url)
    assert match, phone.url

    # The page shows the stored total, in Chinese, with its sources.
    stored = await visitor.request.get(f"{live_server}/api/v1/estimates/{match.group(1)}?venue={slug}")
    assert stored.status == 200
    estimate: dict[str, Any] = await stored.json()
    assert estimate["total_grams"] > 0
    assert estimate["inputs"]["travel_mode"] == "rail_high_speed"
    await expect(phone.locator("p.big")).to_contain_text(format_grams(estimate["total_grams"], "zh-Hans"))
    await expect(phone.get_by_role("heading", name=_zh("Sources"))).to_be_visible()
    assert await phone.locator("li[id^=source-]").count() >= 1
    # On the phone every line of the breakdown reads top to bottom, each value beside its
    # label, and nothing needs a sideways scroll.
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    scroller = phone.locator("table.lines").locator("xpath=..")
    assert await scroller.evaluate("e => e.scrollWidth <= e.clientWidth")
    first_line = phone.locator("table.lines tbody tr").first
    share_label = await first_line.locator("td.share").evaluate("e => getComputedStyle(e, '::before').content")
    assert share_label == f'"{_zh("Share")}"'
    assert await first_line.locator("td.share .bar").is_visible()
    await full_page_screenshot(phone, screenshots / "result-zh.png")
    result_url = phone.url
    await visitor.close()

    # The result has its own address: shared to a desktop browser in English, it reads the same.
    await page.goto(result_url)
    await expect(page.get_by_role("heading", name="Sources")).to_be_visible()
    await expect(page.locator("table.lines thead")).to_be_visible()  # a table again on a wide screen
    await full_page_screenshot(page, screenshots / "result-en.png")

    # --- the dashboard lists the entry point -----------------------------------------------------
    await page.goto(f"/venue/{slug}/")
    await expect(page.get_by_role("link", name="Main hall")).to_be_visible()
    await full_page_screenshot(page, screenshots / "dashboard.png")
    await admin.close()
