"""Entry points: creating and editing them, who may, their QR codes and posters, the public page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update
from tenant_flows import invite_and_join, post_form

from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import EntryPoint, Tenant
from neutralpoint.tenants.tokens import CODE_ALPHABET
from neutralpoint.web.formatting import format_date_range
from tests.pdf_fonts import assert_every_font_is_an_embedded_subset, pdf_text

COLOUR = "#8b1e3f"


def entry_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": "Main hall",
        "scenario": "dummy",
        "event_name": "Green Summit",
        "event_starts_on": "2026-12-08",
        "event_ends_on": "2026-12-10",
        "active": "1",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


async def _brand(client: Any, slug: str) -> None:
    response = await post_form(
        client,
        f"/venue/{slug}/branding",
        {
            "display_name": "Green Hall",
            "primary_color": COLOUR,
            "default_language": "en",
            "city": "Chengdu",
            "custom_host": "",
            "enabled_scenarios": ["dummy"],
        },
    )
    assert response.status_code == 303


async def _create(client: Any, slug: str, **changes: Any) -> str:
    response = await post_form(client, f"/venue/{slug}/entry-points/new", entry_form(**changes))
    assert response.status_code == 303, response.text
    match = re.fullmatch(rf"/venue/{slug}/entry-points/([0-9a-f-]{{36}})\?saved=1", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def _entry(db: Database, entry_id: str) -> EntryPoint:
    async with db.platform_session() as session:
        return (await session.execute(select(EntryPoint).where(EntryPoint.id == uuid.UUID(entry_id)))).scalar_one()


async def test_manager_creates_an_entry_point_with_a_short_code(client: Any, db: Database, active_venue: Any) -> None:
    await _brand(client, active_venue.slug)
    entry_id = await _create(client, active_venue.slug, preset__dummy__mode="train")
    entry = await _entry(db, entry_id)
    assert len(entry.code) == 6
    assert set(entry.code) <= set(CODE_ALPHABET)
    assert entry.scenario == "dummy"
    assert entry.presets == {"mode": "train"}
    assert str(entry.event_starts_on) == "2026-12-08"
    assert entry.active is True

    page = await client.get(f"/venue/{active_venue.slug}/entry-points/{entry_id}?saved=1")
    url = f"http://testserver.local/v/{active_venue.slug}/{entry.code}"
    assert f'<a class="url" href="{url}">' in page.text
    listing = await client.get(f"/venue/{active_venue.slug}/entry-points")
    assert entry.code in listing.text
    dashboard = await client.get(f"/venue/{active_venue.slug}/")
    assert ">Main hall</a>" in dashboard.text

    # Editing: pause it, drop the preset, rename.
    edited = await post_form(
        client,
        f"/venue/{active_venue.slug}/entry-points/{entry_id}",
        entry_form(name="Side door", active=None, preset__dummy__mode=""),
    )
    assert edited.status_code == 303
    entry = await _entry(db, entry_id)
    assert (entry.name, entry.active, entry.presets) == ("Side door", False, {})


async def _count(db: Database, slug: str) -> int:
    async with db.platform_session() as session:
        tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one()
        return len((await session.execute(select(EntryPoint).where(EntryPoint.tenant_id == tenant.id))).all())


async def test_manager_chooses_the_code_and_changes_it(
    client: Any, other_client: Any, db: Database, active_venue: Any
) -> None:
    slug = active_venue.slug
    form = await client.get(f"/venue/{slug}/entry-points/new")
    assert 'name="code"' in form.text
    assert "Leave empty for a random code" in form.text
    # Typed in small letters, saved in capitals: the address is matched exactly.
    entry_id = await _create(client, slug, code=" summit ")
    assert (await _entry(db, entry_id)).code == "SUMMIT"
    assert (await other_client.get(f"/v/{slug}/SUMMIT")).status_code == 200

    # The same code, in any case, is taken in this venue.
    taken = await post_form(client, f"/venue/{slug}/entry-points/new", entry_form(name="Side door", code="Summit"))
    assert taken.status_code == 400
    assert 'id="code-error"' in taken.text
    assert "Another entry point of this venue already has this code" in taken.text
    assert 'value="Summit"' in taken.text
    assert await _count(db, slug) == 1

    edit_page = await client.get(f"/venue/{slug}/entry-points/{entry_id}")
    assert 'id="code" name="code" type="text" value="SUMMIT"' in edit_page.text
    assert "QR codes and posters printed with SUMMIT stop working" in edit_page.text

    edited = await post_form(client, f"/venue/{slug}/entry-points/{entry_id}", entry_form(code="forum26"))
    assert edited.status_code == 303, edited.text
    assert (await _entry(db, entry_id)).code == "FORUM26"
    assert (await other_client.get(f"/v/{slug}/FORUM26")).status_code == 200
    assert (await other_client.get(f"/v/{slug}/SUMMIT")).status_code == 404

    other_id = await _create(client, slug, name="Side door")
    clash = await post_form(client, f"/venue/{slug}/entry-points/{other_id}", entry_form(code="Forum26"))
    assert clash.status_code == 400
    assert "Another entry point of this venue already has this code" in clash.text
    emptied = await post_form(client, f"/venue/{slug}/entry-points/{other_id}", entry_form(code=""))
    assert emptied.status_code == 400
    assert 'id="code-error"' in emptied.text
    other = await _entry(db, other_id)
    assert len(other.code) == 6
    assert other.code != "FORUM26"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AB", "Use 3 to 16 letters (A–Z) or digits"),
        ("A" * 17, "Use 3 to 16 letters (A–Z) or digits"),
        ("SUM MIT", "Use 3 to 16 letters (A–Z) or digits"),
        ("GATE-1", "Use 3 to 16 letters (A–Z) or digits"),
        ("ÉTÉ2026", "Use 3 to 16 letters (A–Z) or digits"),
        ("api", "the address of one of the platform's own pages"),
        ("Login", "the address of one of the platform's own pages"),
    ],
)
async def test_a_bad_code_is_named_beside_its_field_and_nothing_is_written(
    client: Any, db: Database, active_venue: Any, code: str, message: str
) -> None:
    response = await post_form(client, f"/venue/{active_venue.slug}/entry-points/new", entry_form(code=code))
    assert response.status_code == 400
    error = re.search(r'<p class="error" id="code-error">([^<]*)</p>', response.text)
    assert error, response.text
    assert message in error.group(1).replace("&#39;", "'")
    assert await _count(db, active_venue.slug) == 0


def _preset_scenarios(html: str) -> set[str]:
    return set(re.findall(r'name="preset__([\w-]+)__', html))


async def test_forms_show_only_the_chosen_scenarios_presets(client: Any, db: Database, active_venue: Any) -> None:
    slug = active_venue.slug
    # A venue offering every installed scenario: the new form asks for none of their presets
    # (they would be ignored for every scenario but one) and says where they are set.
    new = await client.get(f"/venue/{slug}/entry-points/new")
    assert len(re.findall(r"<option value=", new.text.split('id="scenario"', 1)[1].split("</select>", 1)[0])) > 1
    assert _preset_scenarios(new.text) == set()
    assert "you set them on the entry point&#39;s page once it is saved" in new.text
    # The edit form shows the saved scenario's presets and no other's.
    entry_id = await _create(client, slug, preset__dummy__mode="train")
    edit = await client.get(f"/venue/{slug}/entry-points/{entry_id}")
    assert _preset_scenarios(edit.text) == {"dummy"}
    assert re.search(r'<option value="train" selected>', edit.text)
    assert "Choosing another scenario above clears these answers" in edit.text
    # A new entry point can only be of the one scenario a venue offers: its presets are there at once.
    await _brand(client, slug)
    single = await client.get(f"/venue/{slug}/entry-points/new")
    assert _preset_scenarios(single.text) == {"dummy"}
    assert "once it is saved" not in single.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required"),
        ({"scenario": "no-such"}, "scenario", "Choose one of the options"),
        ({"event_starts_on": "2026-13-01"}, "event_starts_on", "YYYY-MM-DD"),
        ({"event_starts_on": "2026-12-10", "event_ends_on": "2026-12-08"}, "event_ends_on", "on or after the start"),
        ({"preset__dummy__mode": "rocket"}, "presets-mode", "Choose one of the options"),
        ({"event_name": "e" * 161}, "event_name", "at most 160 characters"),
        ({"event_name": ""}, "event_name", "Name the event these dates belong to"),
        ({"event_name": " ", "event_starts_on": "", "event_ends_on": "2026-12-10"}, "event_name", "Name the event"),
    ],
)
async def test_bad_entry_point_input_is_named_and_nothing_is_written(
    client: Any, db: Database, active_venue: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    response = await post_form(client, f"/venue/{active_venue.slug}/entry-points/new", entry_form(**changes))
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    async with db.platform_session() as session:
        tenant = (await session.execute(select(Tenant).where(Tenant.slug == active_venue.slug))).scalar_one()
        count = len((await session.execute(select(EntryPoint).where(EntryPoint.tenant_id == tenant.id))).all())
    assert count == 0


async def test_staff_see_and_download_but_cannot_create_or_edit(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    entry_id = await _create(client, active_venue.slug)
    await invite_and_join(client, other_client, db, active_venue.slug, f"staff-{unique}@example.org", "staff")
    base = f"/venue/{active_venue.slug}/entry-points"
    assert (await other_client.get(base)).status_code == 200
    view = await other_client.get(f"{base}/{entry_id}")
    assert view.status_code == 200
    assert '<form method="post" action="/venue/' not in view.text.split("</header>", 1)[1]
    assert (await other_client.get(f"{base}/{entry_id}/qr.png")).status_code == 200
    assert (await other_client.get(f"{base}/{entry_id}/poster.pdf")).status_code == 200
    assert (await other_client.get(f"{base}/new")).status_code == 404
    assert (await post_form(other_client, f"{base}/new", entry_form())).status_code == 404
    assert (await post_form(other_client, f"{base}/{entry_id}", entry_form(name="Hijack"))).status_code == 404
    assert (await other_client.get(f"{base}/{entry_id}/delete")).status_code == 404
    assert (await post_form(other_client, f"{base}/{entry_id}/delete", {"confirm": "1"})).status_code == 404
    assert (await _entry(db, entry_id)).name == "Main hall"


async def test_another_venues_entry_point_is_a_404(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    from tenant_flows import sign_up

    entry_id = await _create(client, active_venue.slug)
    await sign_up(other_client, f"elsewhere-{unique}", f"elsewhere-{unique}@example.org")
    for suffix in ("", "/qr.svg", "/qr.png", "/poster.pdf"):
        response = await other_client.get(f"/venue/elsewhere-{unique}/entry-points/{entry_id}{suffix}")
        assert response.status_code == 404, suffix


async def test_qr_codes_are_svg_and_png_in_the_venue_colour(client: Any, db: Database, active_venue: Any) -> None:
    await _brand(client, active_venue.slug)
    entry_id = await _create(client, active_venue.slug)
    base = f"/venue/{active_venue.slug}/entry-points/{entry_id}"

    svg = await client.get(f"{base}/qr.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<?xml")
    assert COLOUR in svg.text

    png = await client.get(f"{base}/qr.png?scale=6&download=1")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"].startswith("attachment;")
    with Image.open(io.BytesIO(png.content)) as image:
        image.load()
        assert image.width == image.height
        colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=16) or []}
    assert (139, 30, 63) in colours
    assert (255, 255, 255) in colours

    assert (await client.get(f"{base}/qr.png?scale=500")).status_code == 400
    assert (await client.get(f"{base}/qr.png?scale=0")).status_code == 400


async def test_poster_pdf_carries_the_entry_url(client: Any, db: Database, active_venue: Any) -> None:
    await _brand(client, active_venue.slug)
    entry_id = await _create(client, active_venue.slug)
    entry = await _entry(db, entry_id)
    base = f"/venue/{active_venue.slug}/entry-points/{entry_id}"
    for size in ("A4", "A5"):
        response = await client.get(f"{base}/poster.pdf?size={size}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        if not shutil.which("pdftotext"):
            continue
        text = pdf_text(response.content)
        assert f"http://testserver.local/v/{active_venue.slug}/{entry.code}" in "".join(text.split())
        assert "Scan to measure and neutralize your footprint" in text
        assert "扫码计算并抵消您的碳足迹" in text
        assert "Main hall" in text
        # Every character comes from a font subset inside the file: nothing left to the reader's fonts.
        fonts = assert_every_font_is_an_embedded_subset(response.content)
        assert {font.name.split("+")[1] for font in fonts} == {"NotoSansSC-Regular"}
        assert b"STSong-Light" not in response.content
    assert (await client.get(f"{base}/poster.pdf?size=A0")).status_code == 400


async def test_public_page_lists_only_open_entry_points(client: Any, other_client: Any, active_venue: Any) -> None:
    await _create(client, active_venue.slug, name="Open door")
    await _create(client, active_venue.slug, name="Closed door", active=None)
    page = await other_client.get(f"/v/{active_venue.slug}/")
    assert page.status_code == 200
    assert "Open door" in page.text
    assert "Closed door" not in page.text
    assert page.headers["cache-control"] == "public, max-age=60"
    chinese = await other_client.get(f"/v/{active_venue.slug}/?lang=zh-Hans")
    assert "从这里开始" in chinese.text
    assert (await other_client.get("/v/no-such-venue-anywhere/")).status_code == 404


async def test_public_page_shows_the_event_and_its_dates_as_the_entry_page_does(
    client: Any, other_client: Any, db: Database, active_venue: Any
) -> None:
    slug = active_venue.slug
    event = "Panda Tea Forum 2026 熊猫茶论坛"
    entry_id = await _create(
        client, slug, name="Tea hall", event_name=event, event_starts_on="2026-12-03", event_ends_on="2026-12-05"
    )
    code = (await _entry(db, entry_id)).code
    # CLDR's Chinese interval changes between Babel releases ("2026年12月3日至5日" in 2.18,
    # "2026年12月3日 – 5日" in 2.19): what matters is that both pages say what the shared
    # formatter says, in Chinese, and never the ISO dates.
    chinese = format_date_range(date(2026, 12, 3), date(2026, 12, 5), "zh-Hans")
    assert chinese.startswith("2026年12月3日")
    assert chinese.endswith("5日")
    for lang, dates in (("zh-Hans", chinese), ("en", "Dec 3\u2009–\u20095, 2026")):
        visitor = await other_client.get(f"/v/{slug}/{code}?lang={lang}")
        assert dates in visitor.text
        public = await other_client.get(f"/v/{slug}/?lang={lang}")
        assert f'<span class="muted">{event} · {dates}</span>' in public.text, public.text
        assert "2026-12-03" not in public.text
        listing = await client.get(f"/venue/{slug}/entry-points?lang={lang}")
        assert f'<p class="muted">{event} · {dates}</p>' in listing.text

    # An entry point saved before event names were required: its dates, without a separator.
    async with db.platform_session() as session:
        await session.execute(update(EntryPoint).where(EntryPoint.id == uuid.UUID(entry_id)).values(event_name=None))
        await session.commit()
    listing = await client.get(f"/venue/{slug}/entry-points?lang=en")
    assert '<p class="muted">Dec 3\u2009–\u20095, 2026</p>' in listing.text
    assert "· Dec" not in listing.text


async def test_deleting_an_entry_point_asks_first_then_says_it_is_done(
    client: Any, other_client: Any, db: Database, active_venue: Any
) -> None:
    slug = active_venue.slug
    entry_id = await _create(client, slug, code="DOOR7")
    edit_page = await client.get(f"/venue/{slug}/entry-points/{entry_id}")
    # The button leads to a page that says what happens; it deletes nothing by itself.
    assert f'<a class="button danger" href="/venue/{slug}/entry-points/{entry_id}/delete">' in edit_page.text
    assert f'action="/venue/{slug}/entry-points/{entry_id}/delete"' not in edit_page.text

    confirm = await client.get(f"/venue/{slug}/entry-points/{entry_id}/delete")
    assert confirm.status_code == 200
    assert "Delete the entry point “Main hall”?" in confirm.text
    assert f"http://testserver.local/v/{slug}/DOOR7 stops working at once" in confirm.text
    assert "printed with the code DOOR7" in confirm.text
    assert '<input type="hidden" name="confirm" value="1">' in confirm.text

    # A post without the confirmation (an old form, a stray click) shows the same page.
    unconfirmed = await post_form(client, f"/venue/{slug}/entry-points/{entry_id}/delete", {})
    assert unconfirmed.status_code == 200
    assert "Delete the entry point “Main hall”?" in unconfirmed.text
    assert (await _entry(db, entry_id)).code == "DOOR7"
    assert (await other_client.get(f"/v/{slug}/DOOR7")).status_code == 200

    deleted = await post_form(client, f"/venue/{slug}/entry-points/{entry_id}/delete", {"confirm": "1"})
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"/venue/{slug}/entry-points?deleted=1"
    listing = await client.get(deleted.headers["location"])
    assert "The entry point was deleted. Its address, QR codes and posters no longer work." in listing.text
    assert (await client.get(f"/venue/{slug}/entry-points/{entry_id}")).status_code == 404
    assert (await client.get(f"/venue/{slug}/entry-points/{entry_id}/delete")).status_code == 404
    assert (await other_client.get(f"/v/{slug}/DOOR7")).status_code == 404


def _scan(folder: Path) -> dict[str, str]:
    """What a phone would read off the printed poster (rendered at 150 dpi) and the PNG code."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(folder / "poster.pdf"), str(folder / "poster")],
        check=True,
        timeout=60,
    )
    found = {}
    for image in ("poster.png", "qr.png"):
        decoded = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(folder / image)], capture_output=True, text=True, timeout=60
        )
        found[image] = decoded.stdout.strip()
    return found


@pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")), reason="needs zbarimg and pdftoppm")
async def test_the_printed_codes_scan_back_to_the_entry_url(
    client: Any, db: Database, active_venue: Any, tmp_path: Path
) -> None:
    await _brand(client, active_venue.slug)
    entry_id = await _create(client, active_venue.slug)
    entry = await _entry(db, entry_id)
    url = f"http://testserver.local/v/{active_venue.slug}/{entry.code}"
    base = f"/venue/{active_venue.slug}/entry-points/{entry_id}"
    (tmp_path / "poster.pdf").write_bytes((await client.get(f"{base}/poster.pdf?size=A5")).content)
    (tmp_path / "qr.png").write_bytes((await client.get(f"{base}/qr.png?scale=8")).content)
    assert _scan(tmp_path) == {"poster.png": url, "qr.png": url}


async def test_a_scenario_the_venue_has_not_turned_on_says_where_to_turn_it_on(
    client: Any, db: Database, active_venue: Any
) -> None:
    slug = active_venue.slug
    await _brand(client, slug)  # offers the dummy scenario only
    refused = await post_form(client, f"/venue/{slug}/entry-points/new", entry_form(scenario="meetings"))
    assert refused.status_code == 400
    assert 'id="scenario-error"' in refused.text
    assert "This venue does not offer “Conference / meeting” yet: tick it under Branding → Scenarios offered" in (
        refused.text
    )
    api = await client.post(f"/api/v1/venues/{slug}/entry-points", json={"name": "Hall", "scenario": "meetings"})
    assert api.status_code == 400
    error = api.json()["errors"]["scenario"]
    assert error["code"] == "scenario_not_enabled"
    assert error["message"]["zh-Hans"].startswith("本场馆尚未提供“会议”")
    unknown = await client.post(f"/api/v1/venues/{slug}/entry-points", json={"name": "Hall", "scenario": "no-such"})
    assert unknown.json()["errors"]["scenario"]["code"] == "unknown_choice"
    assert await _count(db, slug) == 0
