"""Sign-in throttling: growing waits for whoever keeps failing, per client and per account,
that a stranger cannot turn into a lock-out of the account's holder."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from tenant_flows import BASE, PASSWORD, last_link, post_form

from neutralpoint.database.engine import Database
from neutralpoint.tenants import authentication
from neutralpoint.tenants.authentication import (
    ACCOUNT_BUSY,
    ACCOUNT_WAIT,
    MAX_WAIT,
    PAIR_FREE,
    SIGN_IN_WINDOW,
    SignInThrottledError,
)
from neutralpoint.tenants.models import SignInFailure

THROTTLED = "Too many failed sign-ins from here."
WRONG = "not the password"


@asynccontextmanager
async def browser_at(client: Any, address: str) -> AsyncIterator[AsyncTestClient[Any]]:
    """Another browser on ``client``'s app, reaching it from the network address ``address``."""
    app = client.app

    async def from_address(scope: Any, receive: Any, send: Any) -> None:
        scope["client"] = (address, 50000)
        await app(scope, receive, send)

    other: AsyncTestClient[Any] = AsyncTestClient(app=from_address, base_url=BASE)  # type: ignore[arg-type]
    other.blocking_portal = client.blocking_portal
    yield other


async def _failures(db: Database, email: str) -> int:
    key = hashlib.sha256(email.lower().encode()).hexdigest()
    async with db.platform_session() as session:
        return int(
            await session.scalar(select(func.count()).select_from(SignInFailure).where(SignInFailure.email_key == key))
            or 0
        )


async def _seed(db: Database, emails: list[str], client: str, start: datetime) -> datetime:
    """Fail once for each of ``emails`` from ``client``, each as soon as allowed from ``start``
    on; returns when the last failure was."""
    at = start
    async with db.platform_session() as session:
        for email in emails:
            wait = await authentication.sign_in_wait(session, email, client, now=at)
            if wait is not None:
                at += wait + timedelta(microseconds=1)
            assert await authentication.sign_in_attempt(session, email, WRONG, client, now=at) is None
    return at


async def _try(session: Any, email: str, password: str, client: str, at: datetime) -> Any:
    """The user, ``None`` (wrong), or the wait when refused."""
    try:
        return await authentication.sign_in_attempt(session, email, password, client, now=at)
    except SignInThrottledError as exc:
        return exc.wait


async def test_the_holder_gets_in_while_a_stranger_hammers_the_address(
    client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    """A stranger tries every second for two minutes; the holder, elsewhere, gets in at
    once, and after a typing mistake within a minute. The stranger gets a handful of tries."""
    email = active_venue.email
    start = datetime.now(UTC)
    stranger, holder = f"198.51.100.{unique}", f"203.0.113.{unique}"
    tried = refused = 0
    holder_in_at = holder_again_at = None
    async with db.platform_session() as session:
        for second in range(120):
            at = start + timedelta(seconds=second)
            outcome = await _try(session, email, WRONG, stranger, at)
            if isinstance(outcome, timedelta):
                refused += 1
            else:
                assert outcome is None
                tried += 1
            if second == 40:
                assert await _try(session, email, WRONG, holder, at) is None  # a typing mistake
            if second > 40 and holder_again_at is None:
                user = await _try(session, email, PASSWORD, holder, at)
                if user is not None and not isinstance(user, timedelta):
                    holder_again_at = second
            if second == 30:
                user = await _try(session, email, PASSWORD, holder, at)
                assert user is not None
                assert not isinstance(user, timedelta)
                holder_in_at = second
    assert holder_in_at == 30
    assert holder_again_at is not None
    assert holder_again_at - 40 <= ACCOUNT_WAIT.total_seconds() <= 60
    assert tried <= PAIR_FREE + 7  # 3 free, then 1, 2, 4, 8, 16, 32, 64 s apart
    assert refused >= 100


async def test_the_waits_grow_and_stop_growing(db: Database, unique: str) -> None:
    email = f"grow-{unique}@example.org"
    client = f"192.0.2.{unique}"
    at = datetime.now(UTC)
    waits = []
    async with db.platform_session() as session:
        for _ in range(PAIR_FREE + 14):
            outcome = await _try(session, email, WRONG, client, at)
            assert outcome is None, outcome  # allowed: a failure
            wait = await authentication.sign_in_wait(session, email, client, now=at)
            waits.append(wait or timedelta(0))
            at += (wait or timedelta(0)) + timedelta(microseconds=1)
    seconds = [int(w.total_seconds()) for w in waits]
    assert seconds[: PAIR_FREE - 1] == [0] * (PAIR_FREE - 1)
    assert seconds[PAIR_FREE - 1 : PAIR_FREE + 5] == [1, 2, 4, 8, 16, 32]
    # Older failures leave the 15-minute window as the waits add up: the wait stops growing
    # there, and never passes MAX_WAIT.
    assert timedelta(seconds=256) <= max(waits) <= MAX_WAIT
    assert all(w <= MAX_WAIT for w in waits)


async def test_refused_tries_are_not_checked_nor_counted(
    other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    email = active_venue.email
    address = f"198.51.100.{unique[:3]}"
    # Ten failures over the last three minutes (the last seven 1 s, 2 s, … 64 s apart): now
    # 128 s to wait after the last.
    last = await _seed(db, [email] * 10, address, datetime.now(UTC) - timedelta(seconds=190))
    assert last < datetime.now(UTC) - timedelta(seconds=40)
    assert await _failures(db, email) == 10
    async with browser_at(other_client, address) as stranger:
        refused = await post_form(stranger, "/login", {"email": email.upper(), "password": PASSWORD})
        assert refused.status_code == 429
        assert 'id="email-error"' in refused.text
        assert THROTTLED in refused.text
        assert 'href="/password/forgot"' in refused.text
        assert 0 < int(refused.headers["retry-after"]) <= 128
        assert (await stranger.get("/venue", follow_redirects=False)).status_code == 303
        assert await _failures(db, email) == 10
        chinese = await post_form(stranger, "/login?lang=zh-Hans", {"email": email, "password": PASSWORD})
        assert chinese.status_code == 429
        assert "此处登录失败次数过多" in chinese.text
        api = await stranger.post("/api/v1/login", json={"email": email, "password": PASSWORD})
        assert api.status_code == 429
        assert api.json()["errors"]["email"]["code"] == "sign_in_throttled"
        assert api.json()["errors"]["email"]["message"]["zh-Hans"]
        assert "retry-after" in api.headers
    # The holder, from elsewhere, is not refused.
    async with browser_at(other_client, f"203.0.113.{unique[:3]}") as holder:
        assert (await post_form(holder, "/login", {"email": email, "password": PASSWORD})).status_code == 303


async def test_one_client_trying_many_addresses_slows_down(other_client: Any, db: Database, unique: str) -> None:
    address = f"198.51.100.{unique[:3]}"
    # Sixteen failures on as many addresses in the last minute and a half (the last six
    # 1 s, 2 s, … 32 s apart): now 64 s to wait, whatever the address.
    addresses = [f"m{n}-{unique}@example.org" for n in range(16)]
    await _seed(db, addresses, address, datetime.now(UTC) - timedelta(seconds=95))
    async with browser_at(other_client, address) as sprayer:
        slowed = await sprayer.post("/api/v1/login", json={"email": f"next-{unique}@example.org", "password": WRONG})
        assert slowed.status_code == 429
    async with browser_at(other_client, f"203.0.113.{unique[:3]}") as someone_else:
        fine = await someone_else.post("/api/v1/login", json={"email": f"next-{unique}@example.org", "password": WRONG})
        assert fine.status_code == 400


async def test_many_clients_on_one_address_each_wait_half_a_minute(db: Database, unique: str) -> None:
    email = f"busy-{unique}@example.org"
    at = datetime.now(UTC)
    async with db.platform_session() as session:
        for n in range(ACCOUNT_BUSY):
            assert await _try(session, email, WRONG, f"10.0.{n}.{unique}", at) is None
        wait = await authentication.sign_in_wait(session, email, f"10.0.0.{unique}", now=at)
        assert wait == ACCOUNT_WAIT
        # A client that never failed on it is not refused.
        assert await authentication.sign_in_wait(session, email, f"10.1.0.{unique}", now=at) is None


async def test_unknown_addresses_answer_alike(other_client: Any, active_venue: Any, unique: str) -> None:
    async with browser_at(other_client, f"198.51.100.{unique[:3]}") as stranger:
        for email in (active_venue.email, f"nobody-{unique}@example.org"):
            answers = [
                (await stranger.post("/api/v1/login", json={"email": email, "password": WRONG})).json()
                for _ in range(PAIR_FREE)
            ]
            assert all(a == answers[0] for a in answers)
            refused = await stranger.post("/api/v1/login", json={"email": email, "password": WRONG})
            assert refused.status_code == 429
            assert refused.json()["errors"]["email"]["code"] == "sign_in_throttled"


async def test_a_success_forgets_that_clients_failures(db: Database, active_venue: Any, unique: str) -> None:
    email = active_venue.email
    at = datetime.now(UTC)
    here, there = f"192.0.2.{unique}", f"198.51.100.{unique}"
    async with db.platform_session() as session:
        for _ in range(PAIR_FREE - 1):
            assert await _try(session, email, WRONG, here, at) is None
            assert await _try(session, email, WRONG, there, at) is None
        assert await _try(session, email, PASSWORD, here, at) not in (None,)
        assert await authentication.sign_in_wait(session, email, here, now=at) is None
    assert await _failures(db, email) == PAIR_FREE - 1  # the other client's stay


async def test_failures_older_than_the_window_no_longer_count_and_are_deleted(db: Database, unique: str) -> None:
    email = f"window-{unique}@example.org"
    client = f"192.0.2.{unique}"
    now = datetime.now(UTC)
    long_ago = now - SIGN_IN_WINDOW - timedelta(minutes=1)
    async with db.platform_session() as session:
        for _ in range(PAIR_FREE):
            assert await _try(session, email, WRONG, client, long_ago) is None
        assert await authentication.sign_in_wait(session, email, client, now=long_ago) is not None
    assert await _failures(db, email) == PAIR_FREE
    async with db.platform_session() as session:
        assert await authentication.sign_in_wait(session, email, client, now=now) is None
    assert await _failures(db, email) == 0


async def test_a_password_reset_lifts_every_wait(
    other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    email = active_venue.email
    address = f"198.51.100.{unique[:3]}"
    await _seed(db, [email] * 10, address, datetime.now(UTC) - timedelta(seconds=190))
    async with browser_at(other_client, address) as browser:
        assert (await post_form(browser, "/login", {"email": email, "password": PASSWORD})).status_code == 429
        reset = await post_form(browser, "/password/forgot", {"email": email})
        assert reset.status_code == 303
        link = await last_link(db, email, "password_reset", r"https?://\S+/password/reset\?token=\S+")
        token = link.replace(BASE, "").split("token=", 1)[1]
        new_password = "a brand new long password"
        done = await post_form(
            browser, "/password/reset", {"token": token, "password": new_password, "password_confirm": new_password}
        )
        assert done.status_code == 303
        assert await _failures(db, email) == 0
        await post_form(browser, "/logout", {})
        assert (await post_form(browser, "/login", {"email": email, "password": new_password})).status_code == 303
