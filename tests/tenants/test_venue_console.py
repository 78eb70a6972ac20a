"""The platform's console of venues: list and search, details, approve, suspend with a
reason, reactivate; what a suspended venue's visitors and members see; platform admins land
on the console after signing in."""

from __future__ import annotations

from typing import Any

import pytest
from tenant_flows import PASSWORD, SignedUp, post_form, sign_up, verify

from neutralpoint.database.engine import Database
from neutralpoint.tenants.accounts import ensure_platform_admin


async def _admin(client: Any, db: Database, unique: str) -> str:
    """``client`` signed in as a platform admin (through the page, which lands on the console)."""
    email = f"console-admin-{unique}@example.org"
    async with db.platform_session() as session:
        await ensure_platform_admin(session, email, PASSWORD)
    landed = await post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert (landed.status_code, landed.headers["location"]) == (303, "/platform/venues")
    return email


@pytest.fixture
async def admin(other_client: Any, db: Database, unique: str) -> Any:
    await _admin(other_client, db, unique)
    return other_client


async def test_lists_searches_and_pages_venues(client: Any, admin: Any, db: Database, unique: str) -> None:
    waiting = await sign_up(client, f"wait-{unique}", f"Owner-Wait-{unique}@example.org", name="Waiting Hall")
    # With no venue of their own, an admin's /venue is the console too.
    assert (await admin.get("/venue", follow_redirects=False)).headers["location"] == "/platform/venues"

    by_email = (await admin.get("/api/v1/platform/venues", params={"q": f"owner-wait-{unique.upper()}"})).json()
    assert [v["slug"] for v in by_email["venues"]] == [waiting.slug]
    assert by_email["venues"][0]["status"] == "pending"
    assert by_email["venues"][0]["owner_emails"] == [waiting.email.lower()]
    pending = (await admin.get("/api/v1/platform/venues", params={"q": unique, "status": "pending"})).json()
    assert [v["slug"] for v in pending["venues"]] == [waiting.slug]
    assert (await admin.get("/api/v1/platform/venues", params={"q": unique, "status": "active"})).json()["total"] == 0
    # A percent sign is searched for as itself.
    assert (await admin.get("/api/v1/platform/venues", params={"q": "%"})).json()["total"] == 0

    page = await admin.get("/platform/venues", params={"q": unique, "lang": "zh-Hans"})
    assert page.status_code == 200
    assert "Waiting Hall" in page.text
    assert "待批准" in page.text
    beyond = (await admin.get("/api/v1/platform/venues", params={"q": unique, "page": "2"})).json()
    assert (beyond["venues"], beyond["total"], beyond["page"], beyond["pages"]) == ([], 1, 2, 1)


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"status": "closed"}, "status", "unknown_choice"),
        ({"page": "0"}, "page", "too_small"),
        ({"page": "two"}, "page", "not_an_integer"),
        ({"q": "x" * 201}, "q", "too_long"),
    ],
)
async def test_bad_filters_are_refused_by_name(admin: Any, params: dict[str, str], field: str, code: str) -> None:
    answer = await admin.get("/api/v1/platform/venues", params=params)
    assert answer.status_code == 400
    refused = answer.json()["errors"]
    assert list(refused) == [field]
    assert refused[field]["code"] == code
    assert set(refused[field]["message"]) == {"en", "zh-Hans"}
    page = await admin.get("/platform/venues", params={**params, "lang": "zh-Hans"})
    assert page.status_code == 400
    assert refused[field]["message"]["zh-Hans"] in page.text


async def test_only_platform_admins_reach_the_console(client: Any, active_venue: SignedUp, unique: str) -> None:
    for path in ("/api/v1/platform/venues", f"/api/v1/platform/venues/{active_venue.slug}", "/platform/venues"):
        assert (await client.get(path)).status_code == 404
    answer = await client.post(f"/api/v1/platform/venues/{active_venue.slug}/suspend", json={"reason": "no"})
    assert answer.status_code == 404
    assert (await client.get(f"/api/v1/platform/venues/{active_venue.slug}/activity")).status_code == 404


async def test_approve_a_pending_venue(client: Any, admin: Any, unique: str) -> None:
    waiting = await sign_up(client, f"appr-{unique}", f"appr-{unique}@example.org")
    assert (await client.get(f"/v/{waiting.slug}")).status_code == 404  # pending: unknown to visitors
    approved = await post_form(admin, f"/platform/venues/{waiting.slug}/approve", {})
    assert (approved.status_code, approved.headers["location"]) == (
        303,
        f"/platform/venues/{waiting.slug}?done=approved",
    )
    assert (await client.get(f"/v/{waiting.slug}")).status_code == 200
    again = await admin.post(f"/api/v1/platform/venues/{waiting.slug}/approve")
    assert (again.status_code, again.json()["errors"]["status"]["code"]) == (409, "wrong_status")
    unknown = await admin.post(f"/api/v1/platform/venues/nope-{unique}/approve")
    assert (unknown.status_code, list(unknown.json()["errors"])) == (404, ["slug"])


async def test_suspend_with_a_reason_then_reactivate(
    client: Any, admin: Any, active_venue: SignedUp, unique: str
) -> None:
    slug = active_venue.slug
    created = await client.post(
        f"/api/v1/venues/{slug}/entry-points", json={"code": "DOOR", "name": "Door", "scenario": "meetings"}
    )
    assert created.status_code == 201, created.text

    no_reason = await admin.post(f"/api/v1/platform/venues/{slug}/suspend", json={"reason": "  "})
    assert (no_reason.status_code, no_reason.json()["errors"]["reason"]["code"]) == (400, "reason_required")
    page_refused = await post_form(admin, f"/platform/venues/{slug}/suspend", {"reason": ""})
    assert page_refused.status_code == 400

    suspended = await post_form(admin, f"/platform/venues/{slug}/suspend", {"reason": "Unpaid invoice\nsince May"})
    assert suspended.status_code == 303
    details = (await admin.get(f"/api/v1/platform/venues/{slug}")).json()
    assert details["venue"]["status"] == "suspended"
    assert details["venue"]["suspended_reason"] == "Unpaid invoice\nsince May"
    assert [e["code"] for e in details["entry_points"]] == ["DOOR"]
    assert [m["role"] for m in details["members"]] == ["owner"]
    assert details["hosts_url"] == "/api/v1/platform/hosts"

    # Visitors read that the venue is suspended, in their language; the QR code takes nothing.
    public = await client.get(f"/v/{slug}", headers={"accept-language": "zh-CN"})
    assert public.status_code == 403
    assert "此场所已在 NeutralPoint 上被暂停" in public.text
    entry = await client.get(f"/v/{slug}/DOOR", headers={"accept-language": "en"})
    assert entry.status_code == 403
    assert "This venue is suspended" in entry.text
    api = await client.get(f"/api/v1/public/venues/{slug}")
    assert (api.status_code, api.json()["errors"]["venue"]["code"]) == (403, "venue_suspended")
    estimate = await client.post(
        f"/api/v1/public/venues/{slug}/entry-points/DOOR/estimates", json={"inputs": {}}
    )
    assert (estimate.status_code, estimate.json()["errors"]["venue"]["code"]) == (403, "venue_suspended")
    # Its members read why, and no longer reach its console.
    mine = await client.get("/venue")
    assert "Unpaid invoice" in mine.text
    assert (await client.get(f"/venue/{slug}/")).status_code == 404
    me = (await client.get("/api/v1/me")).json()
    assert [v["suspended_reason"] for v in me["venues"]] == ["Unpaid invoice\nsince May"]

    console_page = await admin.get(f"/platform/venues/{slug}?lang=zh-Hans")
    assert console_page.status_code == 200
    assert "Unpaid invoice" in console_page.text
    assert "重新启用" in console_page.text
    reactivated = await admin.post(f"/api/v1/platform/venues/{slug}/reactivate")
    assert reactivated.status_code == 200
    assert reactivated.json()["venue"]["suspended_reason"] is None
    assert (await client.get(f"/v/{slug}")).status_code == 200
    assert (await client.get(f"/v/{slug}/DOOR")).status_code == 200
    activity = (await admin.get(f"/api/v1/platform/venues/{slug}/activity")).json()
    assert activity["estimates"] == 0
    assert activity["orders"] == 0


async def test_members_of_a_verified_venue_are_not_admins(client: Any, db: Database, unique: str) -> None:
    """Signing in lands a venue's owner on their venues, as before."""
    venue = await sign_up(client, f"land-{unique}", f"land-{unique}@example.org")
    await verify(client, db, venue.email)
    await client.post("/logout", headers={"x-csrftoken": client.cookies.get("np_csrf", "")})
    landed = await post_form(client, "/login", {"email": venue.email, "password": PASSWORD})
    assert landed.headers["location"] == "/venue"
