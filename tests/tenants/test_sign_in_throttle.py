"""Sign-in throttling: 10 failures for one address within 15 minutes lock that address out."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from tenant_flows import BASE, PASSWORD, last_link, post_form, sign_up

from neutralpoint.database.engine import Database
from neutralpoint.tenants import authentication
from neutralpoint.tenants.models import SignInFailure

THROTTLED = "Too many failed sign-ins for this address."


async def _fail(browser: Any, email: str, times: int) -> None:
    for _ in range(times):
        response = await post_form(browser, "/login", {"email": email, "password": "not the password"})
        assert response.status_code == 400, response.text


async def _failures(db: Database, email: str) -> int:
    key = hashlib.sha256(email.lower().encode()).hexdigest()
    async with db.platform_session() as session:
        return int(
            await session.scalar(select(func.count()).select_from(SignInFailure).where(SignInFailure.email_key == key))
            or 0
        )


async def test_after_ten_failures_even_the_right_password_is_refused(
    other_client: Any, db: Database, active_venue: Any
) -> None:
    email = active_venue.email
    await _fail(other_client, email, 10)
    assert await _failures(db, email) == 10
    async with db.platform_session() as session:
        stored = list((await session.execute(select(SignInFailure.email_key))).scalars())
        assert email not in stored
        assert all(len(key) == 64 for key in stored)

    refused = await post_form(other_client, "/login", {"email": email.upper(), "password": PASSWORD})
    assert refused.status_code == 429
    assert 'id="email-error"' in refused.text
    assert THROTTLED in refused.text
    assert 'href="/password/forgot"' in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert (await other_client.get("/venue", follow_redirects=False)).status_code == 303
    # Refused attempts are not counted: the lock does not grow.
    assert await _failures(db, email) == 10

    chinese = await post_form(other_client, "/login?lang=zh-Hans", {"email": email, "password": PASSWORD})
    assert chinese.status_code == 429
    assert "该邮箱登录失败次数过多" in chinese.text

    api = await other_client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert api.status_code == 429
    assert api.json()["errors"]["email"]["code"] == "sign_in_throttled"
    assert api.json()["errors"]["email"]["message"]["zh-Hans"]
    assert "retry-after" in api.headers


async def test_a_success_before_the_limit_clears_the_count(other_client: Any, db: Database, active_venue: Any) -> None:
    email = active_venue.email
    await _fail(other_client, email, 9)
    ok = await post_form(other_client, "/login", {"email": email, "password": PASSWORD})
    assert ok.status_code == 303
    assert await _failures(db, email) == 0
    await post_form(other_client, "/logout", {})
    await _fail(other_client, email, 9)
    again = await post_form(other_client, "/login", {"email": email, "password": PASSWORD})
    assert again.status_code == 303


async def test_another_address_is_unaffected(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    second = await sign_up(other_client, f"second-{unique}", f"second-{unique}@example.org")
    await post_form(other_client, "/logout", {})
    await _fail(other_client, active_venue.email, 10)
    locked = await post_form(other_client, "/login", {"email": active_venue.email, "password": PASSWORD})
    assert locked.status_code == 429
    unlocked = await post_form(other_client, "/login", {"email": second.email, "password": PASSWORD})
    assert unlocked.status_code == 303


async def test_unknown_addresses_are_throttled_the_same_way(other_client: Any, unique: str) -> None:
    email = f"nobody-{unique}@example.org"
    await _fail(other_client, email, 10)
    response = await post_form(other_client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert THROTTLED in response.text


async def test_api_failures_count_too(other_client: Any, db: Database, active_venue: Any) -> None:
    email = active_venue.email
    for _ in range(10):
        wrong = await other_client.post("/api/v1/login", json={"email": email, "password": "not the password"})
        assert wrong.status_code == 400
        assert wrong.json()["errors"]["password"]["code"] == "login_failed"
    assert await _failures(db, email) == 10
    refused = await other_client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 429
    page = await post_form(other_client, "/login", {"email": email, "password": PASSWORD})
    assert page.status_code == 429


async def test_failures_older_than_the_window_no_longer_count_and_are_deleted(db: Database, unique: str) -> None:
    email = f"window-{unique}@example.org"
    now = datetime.now(UTC)
    long_ago = now - authentication.SIGN_IN_WINDOW - timedelta(minutes=1)
    async with db.platform_session() as session:
        for _ in range(authentication.SIGN_IN_LIMIT):
            assert await authentication.sign_in_attempt(session, email, "wrong password", now=long_ago) is None
        assert await authentication.sign_in_wait(session, email, now=long_ago) is not None
    assert await _failures(db, email) == authentication.SIGN_IN_LIMIT
    async with db.platform_session() as session:
        assert await authentication.sign_in_wait(session, email, now=now) is None
    assert await _failures(db, email) == 0

    # The lock lasts until the oldest failure of the last ten leaves the window.
    first = now - timedelta(minutes=10)
    async with db.platform_session() as session:
        for offset in range(authentication.SIGN_IN_LIMIT):
            await authentication.sign_in_attempt(
                session, email, "wrong password", now=first + timedelta(seconds=offset)
            )
        wait = await authentication.sign_in_wait(session, email, now=now)
        assert wait is not None
        assert timedelta(minutes=4, seconds=59) <= wait <= timedelta(minutes=5)


async def test_a_password_reset_lifts_the_lock(other_client: Any, db: Database, active_venue: Any) -> None:
    email = active_venue.email
    await _fail(other_client, email, 10)
    reset = await post_form(other_client, "/password/forgot", {"email": email})
    assert reset.status_code == 303
    link = await last_link(db, email, "password_reset", r"https?://\S+/password/reset\?token=\S+")
    token = link.replace(BASE, "").split("token=", 1)[1]
    new_password = "a brand new long password"
    done = await post_form(
        other_client, "/password/reset", {"token": token, "password": new_password, "password_confirm": new_password}
    )
    assert done.status_code == 303
    assert await _failures(db, email) == 0
    await post_form(other_client, "/logout", {})
    assert (await post_form(other_client, "/login", {"email": email, "password": new_password})).status_code == 303
