"""Every answer carries the platform's headers, the fast path's shortcuts included."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from neutralpoint.app import create_app
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from tests.conftest import csrf_token

BASE = "http://testserver.local"
INPUTS = {"distance_km": 100, "mode": "train", "return_trip": True, "nights": 2, "country": "cn", "meals": 2}
FORM = {"distance_km": "100", "mode": "train", "return_trip": "true", "nights": "2", "country": "cn", "meals": "2"}


@pytest.fixture
def app(app_both_ways: Litestar) -> Litestar:
    return app_both_ways


def _check_headers(answer: Any) -> None:
    policy = answer.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self';" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-frame-options"] == "DENY"
    # The test settings serve plain http: no HSTS there.
    assert "strict-transport-security" not in answer.headers


async def test_visitor_pages_and_answers_carry_the_headers(app: Litestar, client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    entry = await client.get(venue.entry_point_url)
    assert entry.status_code == 200
    _check_headers(entry)
    assert "<style" not in entry.text
    assert " style=" not in entry.text
    # The form post: the fast path's shortcut answers it when the fast path is on.
    posted = await client.post(
        venue.entry_point_url, data={**FORM, "_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert posted.status_code == 303, posted.text
    _check_headers(posted)
    result = await client.get(posted.headers["location"])
    assert result.status_code == 200
    _check_headers(result)
    assert "<style" not in result.text
    assert " style=" not in result.text
    api = f"/api/v1/public/venues/{venue.slug}/entry-points/{venue.code}/estimates"
    created = await client.post(
        api, content=json.dumps({"inputs": INPUTS}), headers={"content-type": "application/json"}
    )
    assert created.status_code == 201
    _check_headers(created)
    refused = await client.post(api, json={"inputs": {**INPUTS, "nights": -1}})
    assert refused.status_code == 400
    _check_headers(refused)
    for path in ("/", "/v/no-such-venue/NOPE", "/static/app.css", f"/brand/{venue.color[1:]}.css", "/api/v1/scenarios"):
        _check_headers(await client.get(path))


async def test_html_and_json_are_compressed(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    for path in (venue.entry_point_url, "/schema/openapi.json"):
        answer = await client.get(path, headers={"accept-encoding": "gzip"})
        assert answer.status_code == 200
        assert answer.headers["content-encoding"] == "gzip", path
        assert "accept-encoding" in answer.headers["vary"].lower()
    raw = await client.get(venue.entry_point_url, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert raw.text.startswith("<!doctype html>")


async def test_options_lists_every_method_of_a_path(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    # Three controllers put GET and POST on a visitor's entry point, and GET, PUT and their kin on
    # others; the answer names every one.
    answer = await client.options(venue.entry_point_url)
    assert answer.status_code == 204
    assert answer.headers["allow"] == "GET, OPTIONS, POST"
    assert (await client.options("/login")).headers["allow"] == "GET, OPTIONS, POST"


async def test_the_schema_viewer_is_served_by_the_platform(client: Any) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    _check_headers(page)
    assert "<script>" not in page.text  # no inline script
    assert "cdn" not in page.text.lower()
    assert "https://" not in page.text
    assert 'data-spec-url="/schema/openapi.json"' in page.text
    for asset in ("/schema/assets/swagger-ui-bundle.js", "/schema/assets/swagger-ui.css", "/static/schema-viewer.js"):
        answer = await client.get(asset)
        assert answer.status_code == 200, asset
        assert len(answer.content) > 100


async def test_the_favicon(client: Any) -> None:
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert (await client.get("/static/favicon.svg")).headers["content-type"].startswith("image/svg")


async def test_hsts_in_production_over_https(settings: Settings, registry: ScenarioRegistry) -> None:
    production = create_app(replace(settings, environment="production", base_url="https://venues.example"), registry)
    # No lifespan: the static files need neither the database nor the job queue.
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="https://venues.example") as client:
        answer = await client.get("/static/app.css", headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["strict-transport-security"] == "max-age=63072000"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-encoding"] == "gzip"


async def test_the_development_server_sends_no_hsts(settings: Settings, registry: ScenarioRegistry) -> None:
    development = create_app(replace(settings, environment="development"), registry)
    async with AsyncTestClient(app=development, base_url=BASE) as client:
        answer = await client.get("/static/app.css")
    assert "strict-transport-security" not in answer.headers


async def test_the_order_page_lets_stripe_run_but_no_inline_script(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    answer = await client.get(f"/v/{venue.slug}/orders/NP-NOSUCHORDER")
    policy = answer.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self' https://js.stripe.com https://*.js.stripe.com" in policy
    assert "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com" in policy
    assert "connect-src 'self' https://api.stripe.com" in policy
    # Stripe.js's one inline style, by its hash; the page's own styles come from stylesheets.
    assert "style-src 'self' 'sha256-" in policy
    assert "frame-ancestors 'none'" in policy
