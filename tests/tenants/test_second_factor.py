"""Two-step sign-in: a TOTP code after the password, recovery codes, replay refused, the code
throttled as passwords are, and platform admins made to turn it on in production.

Codes come from pyotp and the secret the platform handed out, for given times (``at``): the
services take ``now``, so no test waits for a clock."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pyotp
import pytest
from litestar import Litestar
from sqlalchemy import select
from tenant_flows import BASE, PASSWORD, last_link, log_in, post_form, sign_up, verify

from neutralpoint.app import create_app
from neutralpoint.database.engine import Database
from neutralpoint.refusals import FormErrors
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import authentication, second_factor
from neutralpoint.tenants.accounts import ensure_platform_admin
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import RecoveryCode, SignInFailure, User

RESET_LINK = r"https?://\S+/password/reset\?token=\S+"
T0 = datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC)
CLIENT = "198.51.100.7"


async def _user(db: Database, unique: str) -> User:
    async with db.platform_session() as session:
        user = User(email=f"totp-{unique}@example.org", name="", password_hash=hash_password(PASSWORD))
        session.add(user)
    return user


async def _turned_on(db: Database, settings: Settings, user: User, now: datetime = T0) -> tuple[pyotp.TOTP, list[str]]:
    async with db.platform_session() as session:
        mine = await session.get(User, user.id)
        assert mine is not None
        steps = await second_factor.start(session, settings, mine)
        codes = await second_factor.confirm(session, settings, mine, pyotp.TOTP(steps.secret).at(now), now)
    return pyotp.TOTP(steps.secret), codes


async def test_turning_on_needs_a_right_code_and_keeps_the_secret_sealed(
    db: Database, settings: Settings, unique: str
) -> None:
    user = await _user(db, unique)
    async with db.platform_session() as session:
        mine = await session.get(User, user.id)
        assert mine is not None
        steps = await second_factor.start(session, settings, mine)
        assert steps.uri.startswith("otpauth://totp/NeutralPoint:")
        assert f"secret={steps.secret}" in steps.uri
        totp = pyotp.TOTP(steps.secret)
        with pytest.raises(FormErrors) as wrong:
            await second_factor.confirm(session, settings, mine, totp.at(T0 - timedelta(minutes=5)), T0)
        assert wrong.value.errors["code"].code == "code_wrong"
        assert not mine.second_factor_on
        codes = await second_factor.confirm(session, settings, mine, totp.at(T0), T0)
        assert mine.second_factor_on
        assert second_factor.pending_steps(settings, mine) is None, "the secret is never shown again"
        with pytest.raises(FormErrors) as again:
            await second_factor.start(session, settings, mine)
        assert (again.value.status_code, again.value.errors["code"].code) == (409, "second_factor_on")
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT == len(set(codes))
    async with db.platform_session() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        assert stored.totp_secret is not None
        assert steps.secret not in stored.totp_secret
        assert second_factor.unseal(settings, stored.totp_secret, stored) == steps.secret
        hashes = (await session.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))).all()
        assert len(hashes) == len(codes)
        assert not set(codes) & {h for (h,) in hashes}


async def test_a_code_is_accepted_once_within_its_window(db: Database, settings: Settings, unique: str) -> None:
    user = await _user(db, unique)
    totp, _ = await _turned_on(db, settings, user, T0)
    now = T0 + timedelta(minutes=10)
    async with db.platform_session() as session:
        mine = await session.get(User, user.id)
        assert mine is not None
        assert not await second_factor.code_is_right(session, settings, mine, totp.at(now - timedelta(seconds=90)), now)
        assert not await second_factor.code_is_right(session, settings, mine, totp.at(now + timedelta(seconds=90)), now)
        assert await second_factor.code_is_right(session, settings, mine, totp.at(now - timedelta(seconds=30)), now)
        # The same code again, within its window: refused (replay); so is an earlier one.
        assert not await second_factor.code_is_right(session, settings, mine, totp.at(now - timedelta(seconds=30)), now)
        assert not await second_factor.code_is_right(session, settings, mine, totp.at(now - timedelta(seconds=60)), now)
        spaced = totp.at(now)
        assert await second_factor.code_is_right(session, settings, mine, f"{spaced[:3]} {spaced[3:]}", now)
        assert not await second_factor.code_is_right(session, settings, mine, spaced, now + timedelta(seconds=10))
        assert await second_factor.code_is_right(session, settings, mine, totp.at(now + timedelta(seconds=30)), now)


async def test_a_recovery_code_works_once(db: Database, settings: Settings, unique: str) -> None:
    user = await _user(db, unique)
    _, codes = await _turned_on(db, settings, user)
    async with db.platform_session() as session:
        mine = await session.get(User, user.id)
        assert mine is not None
        assert await second_factor.code_is_right(session, settings, mine, codes[0].upper().replace("-", " "), T0)
        assert not await second_factor.code_is_right(session, settings, mine, codes[0], T0)
        assert not await second_factor.code_is_right(session, settings, mine, "abcd-efgh-ijkm-npqr", T0)
        assert await second_factor.recovery_codes_left(session, mine) == len(codes) - 1


async def test_turning_off_needs_the_password_and_a_code(db: Database, settings: Settings, unique: str) -> None:
    user = await _user(db, unique)
    totp, codes = await _turned_on(db, settings, user)
    now = T0 + timedelta(minutes=1)
    async with db.platform_session() as session:
        mine = await session.get(User, user.id)
        assert mine is not None
        with pytest.raises(FormErrors) as refused:
            await second_factor.turn_off(session, settings, mine, "not the password", totp.at(now), now)
        assert set(refused.value.errors) == {"password"}
        with pytest.raises(FormErrors) as refused:
            await second_factor.turn_off(session, settings, mine, PASSWORD, "000000", now)
        assert refused.value.errors["code"].code == "code_wrong"
        with pytest.raises(FormErrors) as refused:
            await second_factor.turn_off(session, settings, mine, PASSWORD, "", now)
        assert refused.value.errors["code"].code == "code_required"
        await second_factor.turn_off(session, settings, mine, PASSWORD, codes[3], now)
        assert not mine.second_factor_on
        assert mine.totp_secret is None
        assert await second_factor.recovery_codes_left(session, mine) == 0


async def test_wrong_codes_are_throttled_like_passwords_and_the_password_again_does_not_help(
    db: Database, settings: Settings, unique: str
) -> None:
    user = await _user(db, unique)
    totp, _ = await _turned_on(db, settings, user)
    start = T0 + timedelta(minutes=5)
    async with db.platform_session() as session:
        signed = await authentication.sign_in_attempt(session, user.email, PASSWORD, CLIENT, now=start)
        assert signed is not None
        assert signed.second_factor_on
        for second in range(1, authentication.PAIR_FREE + 1):
            at = start + timedelta(seconds=second)
            assert not await authentication.second_step_attempt(session, settings, signed, "123456", CLIENT, at)
        soon = start + timedelta(seconds=authentication.PAIR_FREE, milliseconds=500)
        with pytest.raises(authentication.SignInThrottledError):
            await authentication.second_step_attempt(session, settings, signed, totp.at(soon), CLIENT, soon)
        # Typing the password again does not forget the wrong codes: it waits too.
        with pytest.raises(authentication.SignInThrottledError):
            await authentication.sign_in_attempt(session, user.email, PASSWORD, CLIENT, now=soon)
        later = start + timedelta(seconds=authentication.PAIR_FREE + 2)
        assert await authentication.second_step_attempt(session, settings, signed, totp.at(later), CLIENT, later)
        failures = await session.scalar(
            select(SignInFailure.id).where(SignInFailure.email_key == authentication.email_key(user.email))
        )
        assert failures is None, "a right code forgets this client's failures"


def _secret_on(page: str) -> str:
    found = re.search(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>', page)
    assert found, page
    return found.group(1).replace(" ", "")


async def test_pages_turn_it_on_and_sign_in_asks_for_the_code(client: Any, db: Database, unique: str) -> None:
    email = f"page-{unique}@example.org"
    venue = await sign_up(client, f"totp-{unique}", email)
    await verify(client, db, email)
    account = await client.get("/account?lang=en")
    assert "Set up two-step sign-in" in account.text
    assert (await post_form(client, "/account/two-factor/start", {})).status_code == 303
    setup = await client.get("/account/two-factor?lang=zh-Hans")
    assert setup.status_code == 200
    assert "<svg" in setup.text
    assert "扫描此二维码" in setup.text
    totp = pyotp.TOTP(_secret_on(setup.text))
    wrong = await post_form(client, "/account/two-factor/confirm", {"code": "000000"})
    assert wrong.status_code == 400
    assert "验证码不正确" in html.unescape(wrong.text)
    shown = await post_form(client, "/account/two-factor/confirm", {"code": totp.now()})
    assert shown.status_code == 200
    codes = re.findall(r"<code>([a-z2-9-]{19})</code>", shown.text)
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT
    on = await client.get("/account/two-factor?lang=en")
    assert "recovery codes left" in on.text
    assert 'class="secret"' not in on.text
    assert codes[0] not in on.text

    await post_form(client, "/logout", {})
    asked = await post_form(client, "/login", {"email": email, "password": PASSWORD, "next": f"/venue/{venue.slug}/"})
    assert (asked.status_code, asked.headers["location"]) == (303, f"/login/code?next=/venue/{venue.slug}/")
    # Between the password and the code, nobody is signed in.
    assert (await client.get("/api/v1/me")).status_code == 401
    assert (await client.get(f"/venue/{venue.slug}/", follow_redirects=False)).status_code == 303
    form = await client.get(asked.headers["location"] + "&lang=zh-Hans")
    assert form.status_code == 200
    assert "身份验证器" in form.text
    refused = await post_form(client, "/login/code", {"code": "000000", "next": f"/venue/{venue.slug}/"})
    assert refused.status_code == 400
    signed = await post_form(client, "/login/code", {"code": codes[1], "next": f"/venue/{venue.slug}/"})
    assert (signed.status_code, signed.headers["location"]) == (303, f"/venue/{venue.slug}/")
    assert (await client.get("/api/v1/me")).json()["user"]["email"] == email

    # Turning off: the password and a code.
    bad = await post_form(client, "/account/two-factor/disable", {"password": PASSWORD, "code": codes[1]})
    assert bad.status_code == 400, "a recovery code works once"
    off = await post_form(client, "/account/two-factor/disable", {"password": PASSWORD, "code": codes[2]})
    assert (off.status_code, off.headers["location"]) == (303, "/account/two-factor?off=1")
    await post_form(client, "/logout", {})
    await log_in(client, email)
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_the_json_twins(client: Any, db: Database, unique: str) -> None:
    email = f"api-{unique}@example.org"
    await sign_up(client, f"totp-api-{unique}", email)
    assert (await client.get("/api/v1/account/two-factor")).json() == {
        "enabled": False,
        "pending": False,
        "required": False,
        "recovery_codes_left": 0,
    }
    started = await client.post("/api/v1/account/two-factor")
    assert started.status_code == 201
    totp = pyotp.TOTP(started.json()["secret"])
    assert started.json()["otpauth_uri"] == totp.provisioning_uri(name=email, issuer_name="NeutralPoint")
    assert (await client.get("/api/v1/account/two-factor")).json()["pending"] is True
    refused = await client.post("/api/v1/account/two-factor/confirm", json={"code": "12"})
    assert (refused.status_code, refused.json()["errors"]["code"]["code"]) == (400, "code_wrong")
    assert refused.json()["errors"]["code"]["message"]["zh-Hans"]
    first = totp.now()
    confirmed = await client.post("/api/v1/account/two-factor/confirm", json={"code": first})
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert (await client.get("/api/v1/account/two-factor")).json()["recovery_codes_left"] == len(codes)
    again = await client.post("/api/v1/account/two-factor")
    assert (again.status_code, again.json()["errors"]["code"]["code"]) == (409, "second_factor_on")

    assert (await client.post("/api/v1/logout")).status_code == 204
    waiting = await client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert (waiting.status_code, waiting.json()["second_factor_required"]) == (202, True)
    assert (await client.get("/api/v1/me")).status_code == 401
    # The code that turned it on was used: within its window it is refused.
    replayed = await client.post("/api/v1/login/second-factor", json={"code": first})
    assert (replayed.status_code, replayed.json()["errors"]["code"]["code"]) == (400, "code_wrong")
    done = await client.post("/api/v1/login/second-factor", json={"code": codes[0]})
    assert done.status_code == 200, done.text
    assert done.json()["user"]["email"] == email
    assert (await client.get("/api/v1/me")).status_code == 200
    # A signed-in session has no second step waiting.
    stray = await client.post("/api/v1/login/second-factor", json={"code": codes[1]})
    assert (stray.status_code, stray.json()["errors"]["code"]["code"]) == (400, "second_step_missing")

    wrong = await client.post("/api/v1/account/two-factor/disable", json={"password": "nope", "code": codes[1]})
    assert (wrong.status_code, set(wrong.json()["errors"])) == (400, {"password"})
    off = await client.post("/api/v1/account/two-factor/disable", json={"password": PASSWORD, "code": codes[1]})
    assert (off.status_code, off.json()["enabled"]) == (200, False)
    assert (await client.post("/api/v1/logout")).status_code == 204
    plain = await client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert plain.status_code == 200


async def test_a_password_reset_leads_to_the_code_too(client: Any, db: Database, unique: str) -> None:
    email = f"reset-{unique}@example.org"
    await sign_up(client, f"totp-reset-{unique}", email)
    totp = pyotp.TOTP((await client.post("/api/v1/account/two-factor")).json()["secret"])
    codes = (await client.post("/api/v1/account/two-factor/confirm", json={"code": totp.now()})).json()
    await client.post("/api/v1/logout")
    assert (await client.post("/api/v1/account/password-reset", json={"email": email})).status_code == 202
    link = await last_link(db, email, "password_reset", RESET_LINK)
    token = link.split("token=", 1)[1]
    reset = await client.post(
        "/api/v1/account/password-reset/confirm", json={"token": token, "password": "a new long passphrase here"}
    )
    assert (reset.status_code, reset.json()["second_factor_required"]) == (202, True)
    assert (await client.get("/api/v1/me")).status_code == 401
    done = await client.post("/api/v1/login/second-factor", json={"code": codes["recovery_codes"][0]})
    assert done.status_code == 200


@pytest.fixture
async def production(settings: Settings, registry: ScenarioRegistry) -> AsyncIterator[httpx.AsyncClient]:
    """A browser on a production-mode application (no lifespan: the test needs no start-up checks)."""
    app: Litestar = create_app(replace(settings, environment="production"), registry)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def test_platform_admins_in_production_set_it_up_before_anything_else(
    production: httpx.AsyncClient, client: Any, db: Database, unique: str
) -> None:
    email = f"admin-{unique}@example.org"
    async with db.platform_session() as session:
        await ensure_platform_admin(session, email, "a long admin password")
    # In development (the suite's own application) it is optional.
    await log_in(client, email, "a long admin password")
    assert (await client.get("/api/v1/me")).status_code == 200
    assert (await client.get("/api/v1/account/two-factor")).json()["required"] is False

    await log_in(production, email, "a long admin password")
    sent = await production.get("/platform/hosts", headers={"accept": "text/html"})
    assert (sent.status_code, sent.headers["location"]) == (303, "/account/two-factor?required=1")
    assert (await production.get("/account", headers={"accept": "text/html"})).status_code == 303
    api = await production.get("/api/v1/me")
    assert (api.status_code, api.json()["errors"]["second_factor"]["code"]) == (403, "second_factor_required")
    page = await production.get("/account/two-factor?required=1&lang=zh-Hans")
    assert page.status_code == 200
    assert "平台管理员须先开启两步登录" in page.text
    assert (await production.get("/api/v1/account/two-factor")).json()["required"] is True
    started = await production.post("/api/v1/account/two-factor")
    totp = pyotp.TOTP(started.json()["secret"])
    confirmed = await production.post("/api/v1/account/two-factor/confirm", json={"code": totp.now()})
    assert confirmed.status_code == 200
    assert (await production.get("/api/v1/me")).status_code == 200
    assert (await production.get("/platform/hosts", headers={"accept": "text/html"})).status_code == 200


async def test_new_recovery_codes_need_the_password_and_an_app_code_and_end_the_old_ones(
    db: Database, settings: Settings, unique: str
) -> None:
    user = await _user(db, unique)
    totp, old = await _turned_on(db, settings, user)
    now = T0 + timedelta(minutes=2)
    async with db.platform_session() as session:
        mine = await session.get(User, user.id)
        assert mine is not None
        with pytest.raises(FormErrors) as refused:
            await second_factor.new_recovery_codes(session, settings, mine, "not the password", totp.at(now), now)
        assert set(refused.value.errors) == {"password"}
        with pytest.raises(FormErrors) as refused:
            await second_factor.new_recovery_codes(session, settings, mine, PASSWORD, old[0], now)
        assert refused.value.errors["code"].code == "app_code_required"
        with pytest.raises(FormErrors) as refused:
            await second_factor.new_recovery_codes(session, settings, mine, PASSWORD, "000000", now)
        assert refused.value.errors["code"].code == "code_wrong"
        assert await second_factor.code_is_right(session, settings, mine, old[1], now), "refusals kept the old codes"
        new = await second_factor.new_recovery_codes(session, settings, mine, PASSWORD, totp.at(now), now)
        assert len(new) == second_factor.RECOVERY_CODE_COUNT == len(set(new))
        assert not set(new) & set(old)
        assert await second_factor.recovery_codes_left(session, mine) == len(new)
        assert not await second_factor.code_is_right(session, settings, mine, old[2], now), "old codes stop working"
        assert await second_factor.code_is_right(session, settings, mine, new[0], now)
        await second_factor.turn_off(session, settings, mine, PASSWORD, new[1], now)
        with pytest.raises(FormErrors) as off:
            await second_factor.new_recovery_codes(session, settings, mine, PASSWORD, totp.at(now), now)
        assert (off.value.status_code, off.value.errors["code"].code) == (409, "second_factor_off")


async def test_new_recovery_codes_page_and_json_twin(client: Any, db: Database, unique: str) -> None:
    email = f"renew-{unique}@example.org"
    await sign_up(client, f"totp-renew-{unique}", email)
    assert (await client.get("/account/two-factor/recovery-codes", follow_redirects=False)).status_code == 303
    totp = pyotp.TOTP((await client.post("/api/v1/account/two-factor")).json()["secret"])
    # Each code is a step later than the one before (a code is accepted once), within the window.
    earlier = totp.at(datetime.now(UTC) - timedelta(seconds=30))
    first = (await client.post("/api/v1/account/two-factor/confirm", json={"code": earlier})).json()
    old = first["recovery_codes"]
    on = await client.get("/account/two-factor?lang=en")
    assert 'href="/account/two-factor/recovery-codes"' in on.text

    form = await client.get("/account/two-factor/recovery-codes?lang=zh-Hans")
    assert form.status_code == 200
    assert "生成新的恢复码" in form.text
    wrong = await post_form(client, "/account/two-factor/recovery-codes", {"password": PASSWORD, "code": old[0]})
    assert wrong.status_code == 400
    assert 'id="code-error"' in wrong.text
    assert "此处不能使用恢复码" in html.unescape(wrong.text)
    shown = await post_form(client, "/account/two-factor/recovery-codes", {"password": PASSWORD, "code": totp.now()})
    assert shown.status_code == 200
    assert "您之前的恢复码已失效" in shown.text
    page_codes = re.findall(r"<code>([a-z2-9-]{19})</code>", shown.text)
    assert len(page_codes) == second_factor.RECOVERY_CODE_COUNT
    assert not set(page_codes) & set(old)

    refused = await client.post(
        "/api/v1/account/two-factor/recovery-codes", json={"password": "nope", "code": page_codes[0]}
    )
    assert (refused.status_code, set(refused.json()["errors"])) == (400, {"password", "code"})
    assert refused.json()["errors"]["code"]["code"] == "app_code_required"
    renewed = await client.post(
        "/api/v1/account/two-factor/recovery-codes",
        json={"password": PASSWORD, "code": totp.at(datetime.now(UTC) + timedelta(seconds=30))},
    )
    assert renewed.status_code == 200, renewed.text
    api_codes = renewed.json()["recovery_codes"]
    assert len(api_codes) == second_factor.RECOVERY_CODE_COUNT
    assert (await client.get("/api/v1/account/two-factor")).json()["recovery_codes_left"] == len(api_codes)

    assert (await client.post("/api/v1/logout")).status_code == 204
    assert (await client.post("/api/v1/login", json={"email": email, "password": PASSWORD})).status_code == 202
    done = await client.post("/api/v1/login/second-factor", json={"code": api_codes[0]})
    assert done.status_code == 200


async def test_openapi_documents_the_sign_in_answers_and_the_second_factor_refusal(client: Any) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    login = paths["/api/v1/login"]["post"]["responses"]
    assert login["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/MeOut")
    assert login["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/SecondStepOut")
    reset = paths["/api/v1/account/password-reset/confirm"]["post"]["responses"]
    assert reset["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/UserOut")
    assert reset["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/SecondStepOut")
    for path, method in [("/api/v1/me", "get"), ("/api/v1/venues/{slug}", "patch")]:
        refused = paths[path][method]["responses"]["403"]
        assert refused["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorsOut"), path
        assert "two-step sign-in" in refused["description"]
    example = str(paths["/api/v1/me"]["get"]["responses"]["403"]["content"]["application/json"])
    assert "second_factor_required" in example
    # Two-step sign-in's own setup stays open, and public routes need no sign-in at all.
    for path, method in [
        ("/api/v1/account/two-factor", "get"),
        ("/api/v1/account/two-factor/recovery-codes", "post"),
        ("/api/v1/login", "post"),
    ]:
        # A state-changing call documents the cross-site refusal, never the second factor's.
        refused = paths[path][method]["responses"].get("403")
        assert refused is None or "two-step sign-in" not in refused["description"], path
        assert (refused is None) == (method == "get"), path
    codes = paths["/api/v1/account/two-factor/recovery-codes"]["post"]["responses"]
    assert codes["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/RecoveryCodesOut")
    assert {"400", "409", "429"} <= set(codes)
