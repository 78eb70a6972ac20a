"""Cross-site calls to the JSON API: refused when they ride on the session cookie or sign in."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from tenant_flows import PASSWORD

from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import Tenant

EVIL = "https://evil.example"
SAME = "http://testserver.local"


def _login_body(email: str) -> str:
    return json.dumps({"email": email, "password": PASSWORD})


async def test_a_cross_site_text_plain_login_is_refused(other_client: Any, active_venue: Any) -> None:
    """The login CSRF of the issue: a form on another site posts text/plain JSON."""
    for headers, field in (
        ({"content-type": "text/plain", "origin": EVIL}, "origin"),
        ({"content-type": "text/plain", "sec-fetch-site": "cross-site"}, "origin"),
        ({"content-type": "text/plain"}, "content_type"),
        ({"content-type": "application/x-www-form-urlencoded", "origin": SAME}, "content_type"),
        ({"content-type": "application/json", "origin": EVIL}, "origin"),
        ({"content-type": "application/json", "origin": "null"}, "origin"),
        ({"content-type": "application/json", "sec-fetch-site": "same-site"}, "origin"),
    ):
        response = await other_client.post("/api/v1/login", content=_login_body(active_venue.email), headers=headers)
        assert response.status_code == 403, (headers, response.text)
        error = response.json()["errors"][field]
        assert error["code"] in ("cross_site", "not_json")
        assert error["message"]["zh-Hans"]
        assert "np_session" not in response.headers.get("set-cookie", "")
    assert (await other_client.get("/api/v1/me")).status_code == 401


async def test_same_origin_and_programs_sign_in(other_client: Any, active_venue: Any) -> None:
    for headers in (
        {"origin": SAME},
        {"sec-fetch-site": "same-origin"},
        {"sec-fetch-site": "same-origin", "origin": SAME},
        {"sec-fetch-site": "none"},
        {},  # a program: neither header
    ):
        other_client.cookies.clear()
        response = await other_client.post(
            "/api/v1/login",
            content=_login_body(active_venue.email),
            headers={"content-type": "application/json; charset=utf-8", **headers},
        )
        assert response.status_code == 200, (headers, response.text)
        assert (await other_client.get("/api/v1/me")).status_code == 200


async def test_cookie_authenticated_changes_need_json_from_the_same_origin(
    client: Any, db: Database, active_venue: Any
) -> None:
    url = f"/api/v1/venues/{active_venue.slug}"
    change = json.dumps({"display_name": "Changed by another site"})
    for headers in (
        {"content-type": "application/json", "origin": EVIL},
        {"content-type": "application/json", "sec-fetch-site": "cross-site"},
        {"content-type": "text/plain", "origin": SAME},
        {"content-type": "application/x-www-form-urlencoded"},
    ):
        refused = await client.patch(url, content=change, headers=headers)
        assert refused.status_code == 403, (headers, refused.text)
    for refused_call in (
        client.post("/api/v1/logout", headers={"origin": EVIL}),
        client.post("/api/v1/account/sign-out-everywhere", headers={"sec-fetch-site": "cross-site"}),
    ):
        assert (await refused_call).status_code == 403
    async with db.platform_session() as session:
        name = await session.scalar(select(Tenant.display_name).where(Tenant.slug == active_venue.slug))
    assert name != "Changed by another site"
    assert (await client.get("/api/v1/me")).status_code == 200
    ok = await client.patch(url, content=change, headers={"content-type": "application/json", "origin": SAME})
    assert ok.status_code == 200, ok.text
    # Reading stays open to any origin's navigation (no state changes).
    assert (await client.get(url, headers={"origin": EVIL, "sec-fetch-site": "cross-site"})).status_code == 200


async def test_the_pages_forms_keep_their_csrf_token_and_are_not_affected(client: Any, active_venue: Any) -> None:
    """Pages (not under /api/) are guarded by their CSRF token; an upload API takes multipart."""
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    uploaded = await client.put(
        f"/api/v1/venues/{active_venue.slug}/logo",
        files={"file": ("logo.png", png, "image/png")},
        headers={"origin": SAME},
    )
    assert uploaded.status_code in (200, 400), uploaded.text
    assert uploaded.status_code != 403
    cross = await client.put(
        f"/api/v1/venues/{active_venue.slug}/logo",
        files={"file": ("logo.png", png, "image/png")},
        headers={"origin": EVIL},
    )
    assert cross.status_code == 403


async def test_visitors_public_api_without_a_session_is_open_to_other_sites(client: Any) -> None:
    """No session cookie rides along: nothing of anyone's can be changed, so no check."""
    client.cookies.clear()
    response = await client.post(
        "/api/v1/account/password-reset",
        content=json.dumps({"email": "nobody@example.org"}),
        headers={"content-type": "application/json", "origin": EVIL},
    )
    assert response.status_code == 202, response.text
