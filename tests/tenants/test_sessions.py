"""Server-side sessions: the cookie is a random id, and a copy of it stops working when the
session ends (sign-out, password change or reset, "sign out everywhere", lifetimes)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from tenant_flows import BASE, PASSWORD, last_link, log_in, outbox, post_form, sign_up, verify

from neutralpoint.app import create_app
from neutralpoint.database.engine import Database
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import User, WebSession
from neutralpoint.tenants.sessions import COOKIE_NAME, SINCE_KEY, store_key

NEW_PASSWORD = "a brand new long password"


def session_cookie(client: Any) -> str:
    return str(client.cookies.get(COOKIE_NAME, domain="testserver.local") or client.cookies.get(COOKIE_NAME) or "")


def copy_of(client: Any, into: Any) -> None:
    """Another browser made to carry ``client``'s session cookie, as someone who copied it would."""
    into.cookies.set(COOKIE_NAME, session_cookie(client), domain="testserver.local")


async def me(client: Any) -> int:
    return int((await client.get("/api/v1/me")).status_code)


@pytest.fixture
def thief(client: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    """A third browser on the same app, for a copied cookie."""
    other: AsyncTestClient[Litestar] = AsyncTestClient(app=client.app, base_url=BASE)
    other.blocking_portal = client.blocking_portal
    return other


async def test_the_cookie_is_a_random_id_and_the_store_keeps_its_hash(
    client: Any, db: Database, active_venue: Any
) -> None:
    cookie = session_cookie(client)
    assert re.fullmatch(r"[0-9a-f]{64}", cookie), cookie
    async with db.platform_session() as session:
        user = (await session.execute(select(User).where(User.email == active_venue.email))).scalar_one()
        row = await session.get(WebSession, store_key(cookie))
        assert await session.get(WebSession, cookie) is None
    assert row is not None
    assert str(user.id) not in cookie
    assert json.loads(row.value)["user_id"] == str(user.id)
    assert row.expires_at > datetime.now(UTC)


async def test_signing_in_starts_a_new_id(client: Any, other_client: Any, active_venue: Any) -> None:
    planted = "a" * 64
    other_client.cookies.set(COOKIE_NAME, planted, domain="testserver.local")
    await log_in(other_client, active_venue.email)
    assert session_cookie(other_client) not in ("", planted)
    assert await me(other_client) == 200
    before = session_cookie(client)
    await log_in(client, active_venue.email)
    assert session_cookie(client) != before


async def test_a_copied_cookie_stops_working_at_sign_out(client: Any, thief: Any, active_venue: Any) -> None:
    copy_of(client, thief)
    assert await me(thief) == 200
    out = await post_form(client, "/logout", {})
    assert out.status_code == 303
    assert await me(client) == 401
    assert await me(thief) == 401
    # The API's sign-out ends it the same way.
    await log_in(client, active_venue.email)
    copy_of(client, thief)
    assert await me(thief) == 200
    assert (await client.post("/api/v1/logout")).status_code == 204
    assert await me(thief) == 401


async def test_a_password_change_ends_the_other_sessions(client: Any, thief: Any, active_venue: Any) -> None:
    copy_of(client, thief)
    assert await me(thief) == 200
    changed = await post_form(
        client, "/account", {"name": "Owner", "current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 303, changed.text
    assert await me(client) == 200  # the browser that changed it goes on, under a new id
    assert await me(thief) == 401
    # A name alone changes no session.
    copy_of(client, thief)
    renamed = await post_form(client, "/account", {"name": "Owner again"})
    assert renamed.status_code == 303
    assert await me(thief) == 200
    # The API's twin does the same.
    answer = await client.patch(
        "/api/v1/me", json={"current_password": NEW_PASSWORD, "new_password": PASSWORD + " again"}
    )
    assert answer.status_code == 200, answer.text
    assert await me(client) == 200
    assert await me(thief) == 401
    wrong = await client.patch("/api/v1/me", json={"current_password": "not it", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 400
    assert "current_password" in wrong.json()["errors"]


async def test_a_password_reset_ends_every_session(
    client: Any, other_client: Any, thief: Any, db: Database, active_venue: Any
) -> None:
    copy_of(client, thief)
    asked = await post_form(other_client, "/password/forgot", {"email": active_venue.email})
    assert asked.status_code == 303
    link = (await last_link(db, active_venue.email, "password_reset", r"https?://\S+/password/reset\?token=\S+")).replace(
        BASE, ""
    )
    token = link.split("token=", 1)[1]
    reset = await post_form(
        other_client, "/password/reset", {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert reset.status_code == 303, reset.text
    assert await me(other_client) == 200
    assert await me(client) == 401
    assert await me(thief) == 401


async def test_sign_out_everywhere(client: Any, other_client: Any, thief: Any, active_venue: Any) -> None:
    await log_in(other_client, active_venue.email)
    copy_of(client, thief)
    page = await client.get("/account")
    assert 'action="/account/sign-out-everywhere"' in page.text
    out = await post_form(client, "/account/sign-out-everywhere", {})
    assert out.status_code == 303
    assert out.headers["location"] == "/login?signed_out=1"
    assert [await me(c) for c in (client, other_client, thief)] == [401, 401, 401]
    # The JSON twin.
    await log_in(client, active_venue.email)
    await log_in(other_client, active_venue.email)
    assert (await client.post("/api/v1/account/sign-out-everywhere")).status_code == 204
    assert [await me(c) for c in (client, other_client)] == [401, 401]
    assert (await client.post("/api/v1/account/sign-out-everywhere")).status_code == 401


async def test_the_chained_takeover_fails(
    client: Any, other_client: Any, thief: Any, db: Database, active_venue: Any, unique: str
) -> None:
    """Someone signs up with a manager's address and never confirms it; the owner invites
    that address; the manager resets the password and accepts. The first person's cookie
    must not open the venue."""
    manager = f"manager-{unique}@example.org"
    await sign_up(thief, f"squat-{unique}", manager)
    assert await me(thief) == 200
    invited = await post_form(
        client, f"/venue/{active_venue.slug}/members/invite", {"email": manager, "role": "manager"}
    )
    assert invited.status_code == 303, invited.text
    # The real manager: a new password through the mailed link, then the invitation.
    await post_form(other_client, "/password/forgot", {"email": manager})
    link = (await last_link(db, manager, "password_reset", r"https?://\S+/password/reset\?token=\S+")).replace(BASE, "")
    reset = await post_form(
        other_client,
        "/password/reset",
        {"token": link.split("token=", 1)[1], "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert reset.status_code == 303, reset.text
    invitation = (await last_link(db, manager, "invitation", r"https?://\S+/invitations/\S+")).replace(BASE, "")
    accepted = await post_form(other_client, invitation, {})
    assert accepted.status_code == 303, accepted.text
    assert (await other_client.get(f"/api/v1/venues/{active_venue.slug}")).status_code == 200
    # The first person's cookie opens nothing.
    assert await me(thief) == 401
    assert (await thief.get(f"/api/v1/venues/{active_venue.slug}")).status_code == 401
    assert (await thief.get(f"/api/v1/venues/{active_venue.slug}/members")).status_code == 401
    assert (await thief.get(f"/venue/{active_venue.slug}/", follow_redirects=False)).status_code == 303


async def test_removal_from_a_venue_counts_on_the_next_request(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    email = f"staff-{unique}@example.org"
    invited = await client.post(
        f"/api/v1/venues/{active_venue.slug}/invitations", json={"email": email, "role": "staff"}
    )
    assert invited.status_code == 201, invited.text
    link = (await last_link(db, email, "invitation", r"https?://\S+/invitations/\S+")).replace(BASE, "")
    token = link.rsplit("/", 1)[1]
    joined = await other_client.post(
        f"/api/v1/invitations/{token}/accept", json={"name": "Staff", "password": PASSWORD}
    )
    assert joined.status_code == 200, joined.text
    assert (await other_client.get(f"/api/v1/venues/{active_venue.slug}")).status_code == 200
    listed = (await client.get(f"/api/v1/venues/{active_venue.slug}/members")).json()
    member = next(m for m in listed["members"] if m["email"] == email)
    removed = await client.delete(f"/api/v1/venues/{active_venue.slug}/members/{member['id']}")
    assert removed.status_code == 204, removed.text
    assert (await other_client.get(f"/api/v1/venues/{active_venue.slug}")).status_code == 404
    assert await me(other_client) == 200  # still signed in, only not in that venue


async def test_an_idle_session_ends(client: Any, db: Database, active_venue: Any) -> None:
    cookie = session_cookie(client)
    assert await me(client) == 200
    async with db.platform_session() as session:
        await session.execute(
            update(WebSession)
            .where(WebSession.key == store_key(cookie))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    answer = await client.get("/api/v1/me")
    assert answer.status_code == 401
    assert session_cookie(client) in ("", "null")  # the browser was told to forget it


async def test_a_busy_session_renews_its_idle_deadline(
    client: Any, db: Database, settings: Settings, active_venue: Any
) -> None:
    key = store_key(session_cookie(client))
    soon = datetime.now(UTC) + timedelta(minutes=5)
    async with db.platform_session() as session:
        await session.execute(update(WebSession).where(WebSession.key == key).values(expires_at=soon))
    assert await me(client) == 200
    async with db.platform_session() as session:
        row = await session.get(WebSession, key)
    assert row is not None
    assert row.expires_at > datetime.now(UTC) + timedelta(minutes=settings.session_idle_minutes - 1)


async def test_a_session_ends_at_its_absolute_lifetime(
    client: Any, db: Database, settings: Settings, active_venue: Any
) -> None:
    key = store_key(session_cookie(client))
    async with db.platform_session() as session:
        row = await session.get(WebSession, key)
        assert row is not None
        data = json.loads(row.value)
        data[SINCE_KEY] = int(time.time()) - settings.session_max_hours * 3600 - 1
        row.value = json.dumps(data).encode()
    assert await me(client) == 401


async def test_visitors_get_no_session(other_client: Any, db: Database) -> None:
    """Anonymous pages write nothing to the store and set no session cookie."""
    async with db.platform_session() as session:
        before = len((await session.execute(select(WebSession.key))).all())
    for path in ("/", "/login", "/signup", "/api/v1/me"):
        response = await other_client.get(path)
        assert COOKIE_NAME not in response.headers.get("set-cookie", ""), path
    async with db.platform_session() as session:
        assert len((await session.execute(select(WebSession.key))).all()) <= before


async def test_sessions_live_in_redis_when_it_is_there(
    redis_url: str, settings: Settings, registry: ScenarioRegistry, db: Database, unique: str
) -> None:
    from redis.asyncio import Redis

    app = create_app(replace(settings, redis_url=redis_url), registry)
    async with AsyncTestClient(app=app, base_url=BASE) as browser:
        copy: AsyncTestClient[Litestar] = AsyncTestClient(app=app, base_url=BASE)
        copy.blocking_portal = browser.blocking_portal
        await sign_up(browser, f"redis-{unique}", f"redis-{unique}@example.org")
        cookie = session_cookie(browser)
        redis = Redis.from_url(redis_url)
        try:
            keys = [k.decode() for k in await redis.keys("*")]
            assert any(k.endswith(store_key(cookie)) for k in keys), keys
            assert not any(cookie in k for k in keys)
            async with db.platform_session() as session:
                assert await session.get(WebSession, store_key(cookie)) is None
            copy_of(browser, copy)
            assert await me(copy) == 200
            assert (await browser.post("/api/v1/logout")).status_code == 204
            assert await me(copy) == 401
            assert not any(k.decode().endswith(store_key(cookie)) for k in await redis.keys("*"))
        finally:
            await redis.aclose()


async def test_verification_keeps_the_session(client: Any, db: Database, unique: str) -> None:
    venue = await sign_up(client, f"keep-{unique}", f"keep-{unique}@example.org")
    await verify(client, db, venue.email)
    assert await me(client) == 200
    assert await outbox(db, venue.email, "verify_email")
