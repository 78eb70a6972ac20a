"""The JSON twins under /api/v1: same rules as the pages, field-keyed bilingual errors."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy import select
from tenant_flows import BASE, PASSWORD, last_link, outbox

from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import User


async def _api_signup(client: Any, db: Database, unique: str, verify: bool = True) -> tuple[str, str]:
    slug, email = f"api-{unique}", f"api-{unique}@example.org"
    response = await client.post(
        "/api/v1/signup", json={"name": "API Hall", "slug": slug, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["venue"] == {
        "slug": slug,
        "name": "API Hall",
        "display_name": "API Hall",
        "status": "pending",
        "role": "owner",
        "dashboard_url": f"{BASE}/venue/{slug}/",
        "suspended_reason": None,
    }
    assert body["user"]["email_verified"] is False
    if verify:
        link = await last_link(db, email, "verify_email", r"https?://\S+/verify\?token=\S+")
        verified = await client.post("/api/v1/verify", json={"token": link.split("token=", 1)[1]})
        assert verified.status_code == 200
        assert verified.json()["email_verified"] is True
    return slug, email


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (15, 118, 110)).save(out, "PNG")
    return out.getvalue()


async def test_signup_verify_and_session_through_the_api(client: Any, db: Database, unique: str) -> None:
    slug, email = await _api_signup(client, db, unique)
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert [v["slug"] for v in me.json()["venues"]] == [slug]
    assert me.json()["venues"][0]["status"] == "active"

    assert (await client.post("/api/v1/logout")).status_code == 204
    assert (await client.get("/api/v1/me")).status_code == 401
    wrong = await client.post("/api/v1/login", json={"email": email, "password": "wrong password"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"]["password"]["code"] == "login_failed"
    mistyped_body = await client.post("/api/v1/login", json={"email": email, "password": 12})
    assert mistyped_body.status_code == 400
    assert list(mistyped_body.json()["errors"]) == ["password"]
    right = await client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert right.status_code == 200
    assert right.json()["user"]["email"] == email
    assert [v["slug"] for v in (await client.get("/api/v1/venues")).json()] == [slug]


async def test_api_errors_are_keyed_by_field_in_both_languages(client: Any, db: Database, unique: str) -> None:
    await _api_signup(client, db, unique, verify=False)
    await client.post("/api/v1/logout")
    taken = await client.post(
        "/api/v1/signup",
        json={"name": "", "slug": f"api-{unique}", "email": "bad", "password": "short"},
    )
    assert taken.status_code == 400
    errors = taken.json()["errors"]
    assert set(errors) == {"name", "slug", "email", "password"}
    assert errors["slug"]["code"] == "slug_taken"
    assert errors["slug"]["message"]["en"].startswith("This address is already taken")
    assert errors["slug"]["message"]["zh-Hans"].startswith("该地址已被占用")
    mistyped = await client.post("/api/v1/signup", json={"name": 5, "slug": "x"})
    assert mistyped.status_code == 400
    assert "errors" in mistyped.json()
    bad_token = await client.post("/api/v1/verify", json={"token": "nope"})
    assert bad_token.status_code == 400
    assert bad_token.json()["errors"]["token"]["code"] == "token_invalid"


def _shape(value: Any) -> Any:
    """A JSON value's shape: its keys and the types of its leaves."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    return type(value).__name__


async def test_signup_with_a_known_address_answers_like_a_new_one(
    client: Any, other_client: Any, db: Database, unique: str
) -> None:
    new = await other_client.post(
        "/api/v1/signup",
        json={
            "name": "New Hall",
            "slug": f"fresh-{unique}",
            "email": f"fresh-{unique}@example.org",
            "password": PASSWORD,
        },
    )
    _, email = await _api_signup(client, db, unique, verify=False)
    await client.post("/api/v1/logout")
    known = await client.post(
        "/api/v1/signup",
        json={"name": "New Hall", "slug": f"again-{unique}", "email": email, "password": "another long password"},
    )
    assert (known.status_code, new.status_code) == (201, 201)
    assert _shape(known.json()) == _shape(new.json())
    body = known.json()
    assert body["venue"]["slug"] == f"again-{unique}"
    assert body["venue"]["status"] == "pending"
    assert body["message"] == new.json()["message"]
    assert body["user"]["email"] == email
    # Nothing was created, nobody is signed in, and the address's holder was told.
    assert (await client.get("/api/v1/me")).status_code == 401
    async with db.platform_session() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one()
    assert body["user"]["id"] != str(user.id)
    assert len(await outbox(db, email, "signup_attempt")) == 1


async def test_branding_and_logo_through_the_api(client: Any, db: Database, unique: str) -> None:
    slug, _ = await _api_signup(client, db, unique)
    venue = await client.get(f"/api/v1/venues/{slug}")
    assert venue.status_code == 200
    assert venue.json()["location"] is None

    patched = await client.patch(
        f"/api/v1/venues/{slug}",
        json={
            "primary_color": "#123abc",
            "city": "Shanghai",
            "default_language": "zh-Hans",
            "enabled_scenarios": ["dummy"],
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["primary_color"] == "#123abc"
    assert body["location"]["city"] == "Shanghai"
    assert body["location"]["city_zh"] == "上海"
    assert body["enabled_scenarios"] == ["dummy"]
    assert body["display_name"] == "API Hall"

    bad = await client.patch(f"/api/v1/venues/{slug}", json={"display_name": "Changed", "primary_color": "blue"})
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["primary_color"]
    assert (await client.get(f"/api/v1/venues/{slug}")).json()["display_name"] == "API Hall"

    logo = await client.put(
        f"/api/v1/venues/{slug}/logo", files={"file": ("logo.bin", _png(), "application/octet-stream")}
    )
    assert logo.status_code == 200, logo.text
    assert logo.json()["logo_content_type"] == "image/png"
    assert logo.json()["logo_url"].startswith(f"{BASE}/v/{slug}/logo?v=")
    unsafe = await client.put(
        f"/api/v1/venues/{slug}/logo",
        files={"file": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "image/svg+xml")},
    )
    assert unsafe.status_code == 400
    assert unsafe.json()["errors"]["logo"]["code"] == "svg_event_attribute"
    removed = await client.delete(f"/api/v1/venues/{slug}/logo")
    assert removed.status_code == 200
    assert removed.json()["logo_url"] is None


async def test_entry_points_through_the_api(client: Any, other_client: Any, db: Database, unique: str) -> None:
    slug, _ = await _api_signup(client, db, unique)
    base = f"/api/v1/venues/{slug}/entry-points"
    created = await client.post(
        base,
        json={
            "name": "Gate",
            "scenario": "dummy",
            "event_name": "Expo",
            "event_starts_on": "2026-05-01",
            "event_ends_on": "2026-05-03",
            "presets": {"mode": "coach"},
        },
    )
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["public_url"] == f"{BASE}/v/{slug}/{entry['code']}"
    assert entry["presets"] == {"mode": "coach"}
    assert entry["event_starts_on"] == "2026-05-01"

    bad = await client.post(base, json={"name": "", "scenario": "dummy", "presets": {"nope": "x"}})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"name", "presets.nope"}
    nameless = await client.post(base, json={"name": "Gate 2", "scenario": "dummy", "event_starts_on": "2026-05-01"})
    assert nameless.status_code == 400
    assert nameless.json()["errors"]["event_name"]["code"] == "event_name_needed"
    unnamed = await client.patch(f"{base}/{entry['id']}", json={"event_name": None})
    assert unnamed.status_code == 400
    assert unnamed.json()["errors"]["event_name"]["code"] == "event_name_needed"

    listing = await client.get(base)
    assert [e["id"] for e in listing.json()] == [entry["id"]]

    # A code of one's own, saved in capitals and unique in the venue; PATCH changes it.
    chosen = await client.post(base, json={"name": "Gate 7", "scenario": "dummy", "code": "gate7"})
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["code"] == "GATE7"
    assert chosen.json()["public_url"] == f"{BASE}/v/{slug}/GATE7"
    again = await client.post(base, json={"name": "Gate 8", "scenario": "dummy", "code": "Gate7"})
    assert again.status_code == 400
    assert again.json()["errors"]["code"]["code"] == "code_taken"
    assert again.json()["errors"]["code"]["message"]["zh-Hans"]
    renamed = await client.patch(f"{base}/{chosen.json()['id']}", json={"code": "bad code"})
    assert renamed.status_code == 400
    assert renamed.json()["errors"]["code"]["code"] == "code_format"
    renamed = await client.patch(f"{base}/{chosen.json()['id']}", json={"code": entry["code"]})
    assert renamed.json()["errors"]["code"]["code"] == "code_taken"
    renamed = await client.patch(f"{base}/{chosen.json()['id']}", json={"code": "NewGate"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["public_url"] == f"{BASE}/v/{slug}/NEWGATE"
    assert (await client.delete(f"{base}/{chosen.json()['id']}")).status_code == 204
    one = await client.get(f"{base}/{entry['id']}")
    assert one.status_code == 200
    assert (one.json()["id"], one.json()["code"]) == (entry["id"], entry["code"])

    patched = await client.patch(f"{base}/{entry['id']}", json={"active": False, "event_ends_on": "2026-04-30"})
    assert patched.status_code == 400
    assert patched.json()["errors"]["event_ends_on"]["code"] == "date_order"
    patched = await client.patch(f"{base}/{entry['id']}", json={"active": False, "name": "Back gate"})
    assert patched.status_code == 200
    assert (patched.json()["active"], patched.json()["name"], patched.json()["presets"]) == (
        False,
        "Back gate",
        {"mode": "coach"},
    )

    svg = await client.get(f"{base}/{entry['id']}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    png = await client.get(f"{base}/{entry['id']}/qr.png?scale=4")
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    poster = await client.get(f"{base}/{entry['id']}/poster.pdf?size=A5")
    assert poster.content.startswith(b"%PDF")

    # Someone else's session sees none of it.
    await other_client.post(
        "/api/v1/signup",
        json={"name": "Other", "slug": f"other-{unique}", "email": f"other-{unique}@example.org", "password": PASSWORD},
    )
    assert (await other_client.get(base)).status_code == 404
    assert (await other_client.get(f"{base}/{entry['id']}")).status_code == 404
    assert (await other_client.patch(f"{base}/{entry['id']}", json={"name": "x"})).status_code == 404
    assert (await other_client.delete(f"{base}/{entry['id']}")).status_code == 404
    foreign = f"/api/v1/venues/other-{unique}/entry-points/{entry['id']}"
    assert (await other_client.get(foreign)).status_code == 404
    assert (await other_client.patch(foreign, json={"name": "x"})).status_code == 404

    assert (await client.delete(f"{base}/{entry['id']}")).status_code == 204
    assert (await client.get(base)).json() == []


async def test_members_and_invitations_through_the_api(
    client: Any, other_client: Any, db: Database, unique: str
) -> None:
    slug, email = await _api_signup(client, db, unique)
    members = await client.get(f"/api/v1/venues/{slug}/members")
    assert members.status_code == 200
    owner = members.json()["members"][0]
    assert (owner["email"], owner["role"]) == (email, "owner")

    last = await client.delete(f"/api/v1/venues/{slug}/members/{owner['id']}")
    assert last.status_code == 400
    assert last.json()["errors"]["member"]["code"] == "last_owner"
    demote = await client.patch(f"/api/v1/venues/{slug}/members/{owner['id']}", json={"role": "staff"})
    assert demote.status_code == 400

    invited_email = f"invitee-{unique}@example.org"
    invitation = await client.post(
        f"/api/v1/venues/{slug}/invitations", json={"email": invited_email, "role": "manager"}
    )
    assert invitation.status_code == 201
    assert invitation.json()["role"] == "manager"
    token = (await last_link(db, invited_email, "invitation", r"https?://\S+/invitations/\S+")).rsplit("/", 1)[1]

    info = await other_client.get(f"/api/v1/invitations/{token}")
    assert info.status_code == 200
    assert (info.json()["venue"], info.json()["has_account"]) == ("API Hall", False)
    short = await other_client.post(f"/api/v1/invitations/{token}/accept", json={"password": "short"})
    assert short.status_code == 400
    assert short.json()["errors"]["password"]["code"] == "password_too_short"
    accepted = await other_client.post(
        f"/api/v1/invitations/{token}/accept", json={"name": "Mia", "password": PASSWORD}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["venue"]["role"] == "manager"
    # The new manager's session works, but managing members is for owners.
    assert (await other_client.get(f"/api/v1/venues/{slug}/members")).status_code == 200
    assert (
        await other_client.post(f"/api/v1/venues/{slug}/invitations", json={"email": "z@example.org", "role": "staff"})
    ).status_code == 404

    listing = (await client.get(f"/api/v1/venues/{slug}/members")).json()
    manager = next(m for m in listing["members"] if m["email"] == invited_email)
    assert listing["invitations"] == []
    changed = await client.patch(f"/api/v1/venues/{slug}/members/{manager['id']}", json={"role": "staff"})
    assert changed.status_code == 200
    assert changed.json()["role"] == "staff"
    assert (await client.delete(f"/api/v1/venues/{slug}/members/{manager['id']}")).status_code == 204
    assert (await other_client.get(f"/api/v1/venues/{slug}")).status_code == 404


async def test_openapi_documents_the_venue_api(client: Any) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/signup", "post"),
        ("/api/v1/login", "post"),
        ("/api/v1/venues", "get"),
        ("/api/v1/venues/{slug}", "patch"),
        ("/api/v1/venues/{slug}/logo", "put"),
        ("/api/v1/venues/{slug}/entry-points", "post"),
        ("/api/v1/venues/{slug}/entry-points/{entry_id}", "patch"),
        ("/api/v1/venues/{slug}/entry-points/{entry_id}/qr.png", "get"),
        ("/api/v1/venues/{slug}/entry-points/{entry_id}/poster.pdf", "get"),
        ("/api/v1/venues/{slug}/members", "get"),
        ("/api/v1/venues/{slug}/invitations", "post"),
        ("/api/v1/venues/{slug}/members/{member_id}", "delete"),
        ("/v/{slug}/logo", "get"),
    ]:
        assert method in paths.get(path, {}), (path, method)
    signup = paths["/api/v1/signup"]["post"]
    assert "400" in signup["responses"]
    assert "VenueOut" in str(paths["/api/v1/venues/{slug}"]["patch"]["responses"]["200"])
