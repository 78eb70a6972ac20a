"""Password reset: a signed link by e-mail that works once, for an hour, through the pages and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from tenant_flows import BASE, PASSWORD, last_link, outbox, post_form

from neutralpoint.database.engine import Database
from neutralpoint.settings import Settings
from neutralpoint.tenants import addresses, tokens
from neutralpoint.tenants.models import User

NEW_PASSWORD = "a brand new long password"
RESET_LINK = r"https?://\S+/password/reset\?token=\S+"
NEUTRAL = "If an account exists for that address, we sent a link to choose a new password."


def _altered(mac: str) -> str:
    """The signature with its first character changed: never, by chance, the same."""
    return ("B" if mac.startswith("A") else "A") + mac[1:]


async def _user(db: Database, email: str) -> User:
    async with db.platform_session() as session:
        return (await session.execute(select(User).where(User.email == email))).scalar_one()


async def _ask_for_link(browser: Any, db: Database, email: str) -> str:
    response = await post_form(browser, "/password/forgot", {"email": email})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/password/forgot?sent=1"
    return (await last_link(db, email, "password_reset", RESET_LINK)).replace(BASE, "")


async def _set_password(browser: Any, path: str, password: str, again: str | None = None) -> Any:
    token = path.split("token=", 1)[1]
    return await post_form(
        browser,
        "/password/reset",
        {"token": token, "password": password, "password_confirm": password if again is None else again},
    )


async def _signs_in(browser: Any, email: str, password: str) -> bool:
    response = await post_form(browser, "/login", {"email": email, "password": password})
    assert response.status_code in (303, 400), response.text
    return bool(response.status_code == 303)


async def test_reset_through_the_pages(other_client: Any, db: Database, active_venue: Any) -> None:
    email = active_venue.email
    login = await other_client.get("/login")
    assert 'href="/password/forgot"' in login.text
    assert "Forgot your password?" in login.text
    form = await other_client.get("/password/forgot")
    assert form.status_code == 200
    assert 'action="/password/forgot"' in form.text

    path = await _ask_for_link(other_client, db, email)
    sent = await other_client.get("/password/forgot?sent=1")
    assert NEUTRAL in sent.text
    messages = await outbox(db, email, "password_reset")
    assert len(messages) == 1
    assert "1 hour" in messages[0].body_text
    assert "重置" in messages[0].body_text
    assert path.startswith("/password/reset?token=")

    page = await other_client.get(path)
    assert page.status_code == 200
    assert email in page.text
    assert 'name="password_confirm"' in page.text
    done = await _set_password(other_client, path, NEW_PASSWORD)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/venue?password_changed=1"
    # Signed in by the reset.
    listing = await other_client.get("/venue?password_changed=1")
    assert listing.status_code == 200
    assert "Your new password is saved, and you are signed in." in listing.text
    assert f"/venue/{active_venue.slug}/" in listing.text
    assert (await _user(db, email)).password_hash.startswith("$argon2")

    await post_form(other_client, "/logout", {})
    assert not await _signs_in(other_client, email, PASSWORD)
    assert await _signs_in(other_client, email, NEW_PASSWORD)


async def test_the_same_link_works_only_once(other_client: Any, db: Database, active_venue: Any) -> None:
    path = await _ask_for_link(other_client, db, active_venue.email)
    assert (await _set_password(other_client, path, NEW_PASSWORD)).status_code == 303
    again = await other_client.get(path)
    assert again.status_code == 400
    assert "This link does not work" in again.text
    assert 'href="/password/forgot"' in again.text
    reuse = await _set_password(other_client, path, "yet another long password")
    assert reuse.status_code == 400
    assert "This link does not work" in reuse.text
    await post_form(other_client, "/logout", {})
    assert await _signs_in(other_client, active_venue.email, NEW_PASSWORD)


async def test_a_link_stops_working_when_the_password_changes(
    client: Any, other_client: Any, db: Database, active_venue: Any
) -> None:
    path = await _ask_for_link(other_client, db, active_venue.email)
    changed = await post_form(
        client, "/account", {"name": "", "current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 303
    assert (await other_client.get(path)).status_code == 400
    assert (await _set_password(other_client, path, "yet another long password")).status_code == 400
    assert await _signs_in(other_client, active_venue.email, NEW_PASSWORD)


async def test_an_expired_link_fails(other_client: Any, db: Database, settings: Settings, active_venue: Any) -> None:
    user = await _user(db, active_venue.email)
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    path = addresses.password_reset_link(settings, user, now=two_hours_ago).replace(BASE, "")
    page = await other_client.get(path)
    assert page.status_code == 400
    assert "This link does not work" in page.text
    assert (await _set_password(other_client, path, NEW_PASSWORD)).status_code == 400
    # Still inside the hour, the same kind of link works.
    fresh = addresses.password_reset_link(settings, user, now=datetime.now(UTC) - timedelta(minutes=50))
    assert (await other_client.get(fresh.replace(BASE, ""))).status_code == 200
    assert (await _user(db, active_venue.email)).password_hash == user.password_hash
    assert await _signs_in(other_client, active_venue.email, PASSWORD)


async def test_a_forged_link_fails(other_client: Any, db: Database, settings: Settings, active_venue: Any) -> None:
    user = await _user(db, active_venue.email)
    good = tokens.password_reset_token(settings.secret_key, user.id, user.email, user.password_hash)
    user_hex, expires, mac = good.split(".")
    forged = [
        f"{user_hex}.{int(expires) + 3600}.{mac}",
        f"{user_hex}.{expires}.{_altered(mac)}",
        tokens.password_reset_token(
            "another secret key, long enough 0123456789", user.id, user.email, user.password_hash
        ),
        # A verification link's token is signed for another purpose.
        tokens.verification_token(settings.secret_key, user.id, user.email),
        tokens.password_reset_token(settings.secret_key, user.id, user.email, "some other hash"),
        "garbage",
        "x" * 300,
        "",
    ]
    for token in forged:
        page = await other_client.get(f"/password/reset?token={token}")
        assert page.status_code == 400, token
        assert "This link does not work" in page.text
        posted = await post_form(
            other_client,
            "/password/reset",
            {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        )
        assert posted.status_code == 400, token
    assert (await _user(db, active_venue.email)).password_hash == user.password_hash


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    unknown = f"nobody-{unique}@example.org"
    known = await post_form(other_client, "/password/forgot", {"email": active_venue.email})
    missing = await post_form(other_client, "/password/forgot", {"email": unknown})
    assert (missing.status_code, missing.headers["location"]) == (known.status_code, known.headers["location"])
    assert await outbox(db, unknown) == []
    assert len(await outbox(db, active_venue.email, "password_reset")) == 1
    # Asking again within a minute sends nothing more (and still answers the same).
    again = await post_form(other_client, "/password/forgot", {"email": active_venue.email.upper()})
    assert again.headers["location"] == known.headers["location"]
    assert len(await outbox(db, active_venue.email, "password_reset")) == 1


async def test_a_bad_new_password_is_named_beside_the_field(other_client: Any, db: Database, active_venue: Any) -> None:
    before = (await _user(db, active_venue.email)).password_hash
    path = await _ask_for_link(other_client, db, active_venue.email)
    short = await _set_password(other_client, path, "short")
    assert short.status_code == 400
    assert 'id="password-error"' in short.text
    assert "at least 10 characters" in short.text
    differ = await _set_password(other_client, path, NEW_PASSWORD, again="not the same password")
    assert differ.status_code == 400
    assert 'id="password_confirm-error"' in differ.text
    assert "The two passwords are not the same." in differ.text
    assert (await _user(db, active_venue.email)).password_hash == before
    assert "password_changed" not in str(differ.headers.get("location"))
    # Nothing was used up: the link still works.
    assert (await _set_password(other_client, path, NEW_PASSWORD)).status_code == 303


async def test_the_pages_and_the_mail_in_chinese(other_client: Any, db: Database, active_venue: Any) -> None:
    page = await other_client.get("/password/forgot?lang=zh-Hans")
    assert "忘记密码" in page.text
    await _ask_for_link(other_client, db, active_venue.email)
    body = (await outbox(db, active_venue.email, "password_reset"))[-1].body_text
    assert body.startswith("您好")
    assert "Reset" not in body.split("——")[0]
    sent = await other_client.get("/password/forgot?sent=1")
    assert "如果该电子邮箱有对应的账户" in sent.text
    path = (await last_link(db, active_venue.email, "password_reset", RESET_LINK)).replace(BASE, "")
    short = await _set_password(other_client, path, "short")
    assert "设置新密码" in short.text
    assert "密码至少需要 10 个字符" in short.text


async def test_reset_through_the_api(client: Any, db: Database, active_venue: Any, unique: str) -> None:
    await client.post("/api/v1/logout")
    known = await client.post("/api/v1/account/password-reset", json={"email": active_venue.email})
    unknown = await client.post("/api/v1/account/password-reset", json={"email": f"nobody-{unique}@example.org"})
    empty = await client.post("/api/v1/account/password-reset", json={})
    assert known.status_code == unknown.status_code == empty.status_code == 202
    assert known.json() == unknown.json() == empty.json()
    assert "If an account exists" in known.json()["message"]
    assert await outbox(db, f"nobody-{unique}@example.org") == []
    token = (await last_link(db, active_venue.email, "password_reset", RESET_LINK)).split("token=", 1)[1]

    weak = await client.post("/api/v1/account/password-reset/confirm", json={"token": token, "password": "short"})
    assert weak.status_code == 400
    assert weak.json()["errors"]["password"]["code"] == "password_too_short"
    assert weak.json()["errors"]["password"]["message"]["zh-Hans"]

    ok = await client.post("/api/v1/account/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert ok.status_code == 200, ok.text
    assert ok.json()["email"] == active_venue.email
    assert (await client.get("/api/v1/me")).status_code == 200

    used = await client.post("/api/v1/account/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert used.status_code == 400
    assert used.json()["errors"]["token"]["code"] == "reset_link_invalid"
    forged = await client.post(
        "/api/v1/account/password-reset/confirm", json={"token": "garbage", "password": NEW_PASSWORD}
    )
    assert forged.status_code == 400
    assert list(forged.json()["errors"]) == ["token"]

    await client.post("/api/v1/logout")
    old = await client.post("/api/v1/login", json={"email": active_venue.email, "password": PASSWORD})
    assert old.status_code == 400
    new = await client.post("/api/v1/login", json={"email": active_venue.email, "password": NEW_PASSWORD})
    assert new.status_code == 200


async def test_openapi_documents_the_reset_api(client: Any) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "202" in paths["/api/v1/account/password-reset"]["post"]["responses"]
    confirm = paths["/api/v1/account/password-reset/confirm"]["post"]
    assert {"200", "400"} <= set(confirm["responses"])
    assert "429" in paths["/api/v1/login"]["post"]["responses"]
    assert "MeOut" in str(paths["/api/v1/login"]["post"]["responses"]["200"])
