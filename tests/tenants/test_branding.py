"""Branding: colours, language, location, host name, scenarios and the logo, through the page."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from tenant_flows import post_form

from neutralpoint.database.engine import Database
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import Tenant

SAFE_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="#0f766e"/></linearGradient></defs>'
    b'<style>.a{fill:url(#g)}</style><circle class="a" cx="5" cy="5" r="4"/><use xlink:href="#g"/></svg>'
)


def png(width: int = 64, height: int = 64, colour: tuple[int, int, int] = (139, 30, 63), kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, kind)
    return out.getvalue()


def branding(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "display_name_en": "Green Hall",
        "primary_color": "#8b1e3f",
        "default_language": "en",
        "city": "",
        "custom_host": "",
        "enabled_scenarios": ["dummy"],
    }
    form.update(changes)
    return form


async def _tenant(db: Database, slug: str) -> Tenant:
    async with db.platform_session() as session:
        tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one()
        await session.refresh(tenant, ["logo"])
        return tenant


async def _upload(client: Any, slug: str, name: str, content: bytes, content_type: str) -> Any:
    return await post_form(client, f"/venue/{slug}/branding", branding(), files={"logo": (name, content, content_type)})


async def test_branding_saves_every_field(client: Any, db: Database, active_venue: Any, unique: str) -> None:
    host = f"co2-{unique}.example.org"
    response = await post_form(
        client,
        f"/venue/{active_venue.slug}/branding",
        branding(
            display_name_en="绿色会堂 Green Hall",
            primary_color="#8B1E3F",
            default_language="zh-Hans",
            city="成都",
            custom_host=host.upper(),
        ),
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/venue/{active_venue.slug}/branding?saved=1"
    tenant = await _tenant(db, active_venue.slug)
    assert tenant.display_name == "绿色会堂 Green Hall"
    assert tenant.primary_color == "#8b1e3f"
    assert tenant.default_language == "zh-Hans"
    assert (tenant.city_id, tenant.latitude, tenant.longitude) == (1815286, "30.6667", "104.0667")
    # Claimed, not yet proven (tests/tenants/test_host_proof.py): nothing serves it yet.
    assert (tenant.custom_host, tenant.host_claim) == (None, host)
    assert tenant.enabled_scenarios == ["dummy"]
    page = await client.get(f"/venue/{active_venue.slug}/branding?saved=1")
    assert 'role="status">Saved.' in page.text
    assert 'value="Chengdu"' in page.text
    # Clearing the location and the host.
    cleared = await post_form(client, f"/venue/{active_venue.slug}/branding", branding(city="", custom_host=""))
    assert cleared.status_code == 303
    tenant = await _tenant(db, active_venue.slug)
    assert (tenant.city_id, tenant.latitude, tenant.custom_host, tenant.host_claim) == (None, None, None, None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("primary_color", "red", "#rrggbb"),
        ("primary_color", "#12345", "#rrggbb"),
        ("default_language", "fr", "Choose one of the options"),
        ("display_name_en", "", "Give a name in English or in Chinese"),
        ("city", "Xyzzy Nowhere", "We do not know the city"),
        ("custom_host", "https://co2.example.org/", "without http://"),
        ("custom_host", "localhost", "without http://"),
        ("custom_host", "10.0.0.1", "without http://"),
        ("custom_host", "bad_host.example.org", "without http://"),
        ("custom_host", "testserver.local", "own host name"),
        ("enabled_scenarios", ["no-such-scenario"], "Choose one of the options"),
        ("enabled_scenarios", [], "Enable at least one scenario"),
    ],
)
async def test_bad_branding_is_named_and_nothing_is_written(
    client: Any, db: Database, active_venue: Any, field: str, value: Any, message: str
) -> None:
    form = branding(**{"display_name_en": "Renamed Hall", field: value})
    response = await post_form(client, f"/venue/{active_venue.slug}/branding", form)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    tenant = await _tenant(db, active_venue.slug)
    assert tenant.display_name == "Green Hall"


async def test_a_name_only_claimed_may_be_claimed_by_another_venue(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    """Whoever proves it first gets it (tests/tenants/test_host_proof.py): a claim alone
    cannot keep a name from its real owner."""
    from tenant_flows import sign_up

    host = f"shared-{unique}.example.org"
    assert (
        await post_form(client, f"/venue/{active_venue.slug}/branding", branding(custom_host=host))
    ).status_code == 303
    await sign_up(other_client, f"rival-{unique}", f"rival-{unique}@example.org")
    response = await post_form(other_client, f"/venue/rival-{unique}/branding", branding(custom_host=host))
    assert response.status_code == 303
    mine, theirs = await _tenant(db, active_venue.slug), await _tenant(db, f"rival-{unique}")
    assert (mine.host_claim, theirs.host_claim, mine.custom_host, theirs.custom_host) == (host, host, None, None)
    assert mine.host_claim_token != theirs.host_claim_token


async def test_png_logo_is_reencoded_and_served_with_a_versioned_cache(
    client: Any, db: Database, active_venue: Any
) -> None:
    response = await _upload(client, active_venue.slug, "photo.png", png(1200, 600), "image/png")
    assert response.status_code == 303
    tenant = await _tenant(db, active_venue.slug)
    assert tenant.logo_content_type == "image/png"
    assert tenant.logo is not None
    with Image.open(io.BytesIO(tenant.logo)) as stored:
        assert stored.format == "PNG"
        assert stored.size == (512, 256)

    url = f"/v/{active_venue.slug}/logo?v={tenant.logo_version}"
    served = await client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert "immutable" in served.headers["cache-control"]
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == tenant.logo
    unversioned = await client.get(f"/v/{active_venue.slug}/logo")
    assert unversioned.headers["cache-control"] == "public, max-age=300"
    cached = await client.get(url, headers={"if-none-match": served.headers["etag"]})
    assert cached.status_code == 304

    page = await client.get(f"/venue/{active_venue.slug}/branding")
    assert url in page.text

    removed = await post_form(client, f"/venue/{active_venue.slug}/branding", branding(remove_logo="1"))
    assert removed.status_code == 303
    tenant_after = await _tenant(db, active_venue.slug)
    assert tenant_after.logo is None
    assert tenant_after.logo_version == tenant.logo_version + 1
    assert (await client.get(f"/v/{active_venue.slug}/logo")).status_code == 404


async def test_jpeg_and_webp_become_png(client: Any, db: Database, active_venue: Any) -> None:
    for kind in ("JPEG", "WEBP"):
        response = await _upload(
            client, active_venue.slug, f"logo.{kind.lower()}", png(80, 40, kind=kind), "image/jpeg"
        )
        assert response.status_code == 303, kind
        tenant = await _tenant(db, active_venue.slug)
        assert tenant.logo_content_type == "image/png"
        assert tenant.logo is not None
        assert tenant.logo.startswith(b"\x89PNG")


async def test_oversized_logo_is_refused(client: Any, db: Database, active_venue: Any, settings: Settings) -> None:
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > settings.logo_max_bytes
    response = await _upload(client, active_venue.slug, "big.png", out.getvalue(), "image/png")
    assert response.status_code == 400
    assert 'id="logo-error"' in response.text
    assert f"at most {settings.logo_max_bytes // 1024} KB" in response.text
    assert (await _tenant(db, active_venue.slug)).logo is None


async def test_the_content_decides_not_the_file_name(client: Any, db: Database, active_venue: Any) -> None:
    disguised_png = await _upload(client, active_venue.slug, "logo.svg", png(), "image/svg+xml")
    assert disguised_png.status_code == 303
    assert (await _tenant(db, active_venue.slug)).logo_content_type == "image/png"

    disguised_svg = await _upload(client, active_venue.slug, "logo.png", SAFE_SVG, "image/png")
    assert disguised_svg.status_code == 303
    tenant = await _tenant(db, active_venue.slug)
    assert tenant.logo_content_type == "image/svg+xml"
    served = await client.get(f"/v/{active_venue.slug}/logo?v={tenant.logo_version}")
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert served.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert served.content == SAFE_SVG

    text = await _upload(client, active_venue.slug, "logo.png", b"just some text, not an image", "image/png")
    assert text.status_code == 400
    assert "Upload a PNG, JPEG, WebP or SVG image" in text.text
    gif = await _upload(client, active_venue.slug, "logo.png", png(kind="GIF"), "image/png")
    assert gif.status_code == 400
    assert (await _tenant(db, active_venue.slug)).logo_content_type == "image/svg+xml"


MALICIOUS_SVGS = {
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "onload": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>',
    "javascript": (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<a xlink:href="javascript:alert(1)"><rect width="1" height="1"/></a></svg>'
    ),
    "foreignObject": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject width="9" height="9">'
        b'<div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject></svg>'
    ),
    "external href": (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        b'<image href="https://tracker.example/x.png" width="1" height="1"/></svg>'
    ),
}


@pytest.mark.parametrize("case", sorted(MALICIOUS_SVGS))
async def test_unsafe_svg_is_refused_with_a_clear_message(
    client: Any, db: Database, active_venue: Any, case: str
) -> None:
    response = await _upload(client, active_venue.slug, "logo.svg", MALICIOUS_SVGS[case], "image/svg+xml")
    assert response.status_code == 400
    assert 'id="logo-error"' in response.text
    assert "which a logo may not have" in response.text
    assert (await _tenant(db, active_venue.slug)).logo is None


async def test_the_owner_is_told_that_an_svg_logo_is_not_printed_on_posters(
    client: Any, db: Database, active_venue: Any
) -> None:
    slug = active_venue.slug
    warning = "Posters are printed without this logo"
    assert (await _upload(client, slug, "logo.png", png(), "image/png")).status_code == 303
    page = await client.get(f"/venue/{slug}/branding")
    assert warning not in page.text
    assert (await client.get(f"/api/v1/venues/{slug}")).json()["logo_on_posters"] is True
    created = await post_form(client, f"/venue/{slug}/entry-points/new", {"name": "Door", "scenario": "dummy"})
    entry = created.headers["location"].split("?")[0]
    assert "Posters are printed without" not in (await client.get(entry)).text
    assert b"/Subtype /Image" in (await client.get(f"{entry}/poster.pdf")).content

    assert (await _upload(client, slug, "logo.svg", SAFE_SVG, "image/svg+xml")).status_code == 303
    page = await client.get(f"/venue/{slug}/branding")
    assert f'<p class="warning" id="logo-posters">{warning}' in page.text
    assert "海报打印时不会包含此标志" in (await client.get(f"/venue/{slug}/branding?lang=zh-Hans")).text
    assert (await client.get(f"/api/v1/venues/{slug}")).json()["logo_on_posters"] is False
    entry_page = await client.get(f"{entry}?lang=en")
    assert "Posters are printed without your logo, an SVG" in entry_page.text
    # The poster itself is still made, without the logo.
    poster = await client.get(f"{entry}/poster.pdf")
    assert poster.status_code == 200
    assert b"/Subtype /Image" not in poster.content
