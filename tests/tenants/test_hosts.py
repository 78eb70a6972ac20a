"""Custom host names: a venue's own address serves its pages; everything else is untouched."""

from __future__ import annotations

import re
from typing import Any

from tenant_flows import post_form

from neutralpoint.tenants.hosts import rewritten_path


def test_rewrite_rules() -> None:
    assert rewritten_path("/", "hall") == "/v/hall/"
    assert rewritten_path("/ABC234", "hall") == "/v/hall/ABC234"
    assert rewritten_path("/ABC234/", "hall") == "/v/hall/ABC234"
    for untouched in ("/static/app.css", "/health", "/api/v1/venues", "/login", "/v/hall/ABC234", "/a/b", "/x.png"):
        assert rewritten_path(untouched, "hall") is None, untouched


async def _set_host(client: Any, slug: str, host: str) -> None:
    response = await post_form(
        client,
        f"/venue/{slug}/branding",
        {
            "display_name": "Harbour Hotel",
            "primary_color": "#0f766e",
            "default_language": "en",
            "city": "",
            "custom_host": host,
            "enabled_scenarios": ["dummy"],
        },
    )
    assert response.status_code == 303, response.text


async def test_a_venue_host_serves_its_page_and_codes(
    client: Any, other_client: Any, active_venue: Any, unique: str
) -> None:
    host = f"co2-{unique}.harbour.example"
    created = await post_form(
        client,
        f"/venue/{active_venue.slug}/entry-points/new",
        {"name": "Lobby", "scenario": "dummy", "active": "1"},
    )
    assert created.status_code == 303
    await _set_host(client, active_venue.slug, host)

    home = await other_client.get("/", headers={"host": host})
    assert home.status_code == 200
    assert "Harbour Hotel" in home.text
    match = re.search(r'href="/([A-Z0-9]{6})"', home.text)
    assert match, "entry links use the short form on the venue's own host"
    code = match.group(1)

    # /<code> on the venue's host is exactly /v/<slug>/<code> on the platform's.
    on_host = await other_client.get(f"/{code}", headers={"host": host}, follow_redirects=False)
    direct = await other_client.get(f"/v/{active_venue.slug}/{code}", follow_redirects=False)
    assert on_host.status_code == direct.status_code
    assert on_host.status_code != 404

    css = await other_client.get("/static/app.css", headers={"host": host})
    assert css.status_code == 200
    assert (await other_client.get("/health", headers={"host": f"{host}:443"})).json() == {"status": "ok"}

    # The QR code now carries the venue's own address.
    api = await client.get(f"/api/v1/venues/{active_venue.slug}/entry-points")
    assert api.json()[0]["public_url"] == f"https://{host}/{code}"

    # A host nobody claimed is not rewritten; a host given up stops working at once.
    platform_home = await other_client.get("/")
    unclaimed = await other_client.get("/", headers={"host": f"nobody-{unique}.example"})
    assert (unclaimed.status_code, "Harbour Hotel" in unclaimed.text) == (platform_home.status_code, False)
    await _set_host(client, active_venue.slug, "")
    given_up = await other_client.get("/", headers={"host": host})
    assert (given_up.status_code, "Harbour Hotel" in given_up.text) == (platform_home.status_code, False)
