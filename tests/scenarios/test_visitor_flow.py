"""The visitor's calculator pages: entry page, submission, result, history, recomputation."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.middleware.csrf import generate_csrf_token
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select

import neutralpoint.web as web_package
from neutralpoint.app import create_app
from neutralpoint.database.engine import Database
from neutralpoint.fastpath.cache import EntryCache
from neutralpoint.scenarios import entries, estimates, overrides, snapshots
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.scenarios.models import Estimate, FactorSetSnapshot
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus
from neutralpoint.web.i18n import translations
from tests.scenarios.conftest import needs_fast_path

VALID = {
    "distance_km": "100",
    "mode": "train",
    "return_trip": "true",
    "nights": "2",
    "country": "cn",
    "meals": "2",
}
# 200 km × 0.03546 + 2 × 53.5 + 2 × 1.5 kg = 7,092 + 107,000 + 3,000 g
VALID_GRAMS = 117_092


def csrf_token(client: Any) -> str:
    """The CSRF token a page's form carries (Litestar's double-submit cookie)."""
    return str(client.cookies.get("np_csrf", ""))


async def _post(client: Any, url: str, data: dict[str, str], **headers: str) -> Any:
    await client.get(url)
    return await client.post(
        url, data={"_csrf_token": csrf_token(client), **data}, headers=headers, follow_redirects=False
    )


def _field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', page)
    return html.unescape(match.group(1)) if match else ""


# --- entry page -----------------------------------------------------------------------------------


async def test_entry_page_shows_the_brand_the_event_and_every_field_kind(client: Any, make_venue: Any) -> None:
    venue = await make_venue(color="#a83a12", logo_version=3)
    response = await client.get(venue.entry_point_url)
    assert response.status_code == 200
    page = response.text
    assert '<link rel="stylesheet" href="/brand/a83a12.css">' in page
    assert venue.display_name in page
    assert f'<img src="/v/{venue.slug}/logo?v=3"' in page
    assert "Digital Carbon Neutrality Summit" in page
    assert re.search(r"Sep 7\s*–\s*9, 2026", page)
    # number: unit, inputmode, range and step
    assert re.search(
        r'<input type="number" inputmode="decimal" id="f-distance_km" name="distance_km" value="" '
        r'min="0" max="40000" step="0.1">\s*<span>km</span>',
        page,
    )
    # integer
    assert 'inputmode="numeric" id="f-nights" name="nights" value="0" min="0" max="60" step="1" required' in page
    # five choices: a select; two: radios
    assert '<select id="f-mode" name="mode" required>' in page
    assert '<option value="ferry">Ferry</option>' in page
    assert '<input type="radio" name="country" value="cn" checked required>' in page
    # city: a plain text input, no datalist
    assert '<input type="text" id="f-origin" name="origin" value="" maxlength="80"' in page
    assert "<datalist" not in page
    # boolean checked by default; sections as fieldsets
    assert '<input type="checkbox" id="f-return_trip" name="return_trip" value="true" checked>' in page
    assert "<legend>Getting here</legend>" in page
    assert "<legend>Your stay</legend>" in page
    assert 'name="_csrf_token"' in page
    assert "<script" not in page


def _folds(page: str) -> dict[str, bool]:
    """Each fold of the form's details: its summary as the visitor reads it, and whether it is open."""
    found = re.findall(r'<details class="more"( open)?>\s*<summary>(.*?)</summary>', page, re.DOTALL)
    return {html.unescape(re.sub(r"<[^>]+>", "", summary)).strip(): bool(opened) for opened, summary in found}


def _form(page: str) -> str:
    return page.split('<form method="post"', 1)[1].split("</form>", 1)[0]


async def test_the_essentials_come_first_and_the_details_are_folded(client: Any, make_venue: Any) -> None:
    """A phone's first screen holds what most attendees answer; the rest waits, closed, below."""
    venue = await make_venue(scenario="meetings")
    form = _form((await client.get(venue.entry_point_url)).text)
    before_folds = form.split("<details", 1)[0]
    shown_first = [n for n in re.findall(r'name="([a-z_]+)"', before_folds) if not n.startswith("_")]
    assert shown_first == ["travel_mode", "travel_origin", "days", "hotel_nights"]
    assert _folds(form) == {
        "Getting here: more details (optional)": False,
        "Days and nights: more details (optional)": False,
        "Meals at the event (optional)": False,
    }
    # One "(optional)" per fold, none on a field: a city or a distance is needed for most
    # journeys, and a prefilled answer may simply be kept.
    assert form.count("(optional)") == 3
    assert 'name="travel_distance_km"' in form.split("Getting here: more details", 1)[1]
    assert "<script" not in form

    chinese = _form((await client.get(venue.entry_point_url + "?lang=zh-Hans")).text)
    assert list(_folds(chinese)) == [
        "交通：更多信息（选填）",
        "参会天数与住宿：更多信息（选填）",
        "会议期间用餐（选填）",
    ]


async def test_an_error_in_a_folded_field_opens_its_fold(client: Any, make_venue: Any, count_estimates: Any) -> None:
    venue = await make_venue(scenario="meetings")
    # As a browser posts the untouched form: the journey-back box is ticked by default.
    answers = {
        "travel_mode": "car_petrol",
        "travel_origin": "Chengdu",
        "travel_return": "true",
        "hotel_nights": "2",
        "hotel_guests": "9",
    }
    refused = await _post(client, venue.entry_point_url, answers)
    assert refused.status_code == 400
    assert _field_error(refused.text, "hotel_guests") == "Must be at most 4 guests."
    assert _folds(_form(refused.text)) == {
        "Getting here: more details (optional)": False,
        "Days and nights: more details (optional)": True,
        "Meals at the event (optional)": False,
    }
    # The cross-field rule of the travel helper names the folded distance: that fold opens. A fold
    # where the visitor changed an answer stays open too, so that they see it kept.
    no_origin = await _post(client, venue.entry_point_url, {**answers, "travel_origin": "", "hotel_guests": "2"})
    assert no_origin.status_code == 400
    assert _folds(_form(no_origin.text)) == {
        "Getting here: more details (optional)": True,
        "Days and nights: more details (optional)": True,
        "Meals at the event (optional)": False,
    }
    assert 'value="2"' in _form(no_origin.text).split('id="f-hotel_guests"', 1)[1][:200]
    assert await count_estimates(venue.id) == 0


async def test_an_attendee_cannot_attend_more_days_than_the_event_has(
    client: Any, make_venue: Any, count_estimates: Any, db: Database, registry: ScenarioRegistry
) -> None:
    """The venue's event runs 7-9 September: three days."""
    venue = await make_venue(scenario="meetings")
    answers = {"travel_mode": "rail_high_speed", "travel_distance_km": "300", "days": "4"}
    refused = await _post(client, venue.entry_point_url, answers)
    assert refused.status_code == 400
    assert _field_error(refused.text, "days") == "The event lasts 3 days."
    assert await count_estimates(venue.id) == 0

    accepted = await _post(client, venue.entry_point_url, {**answers, "days": "3"})
    assert accepted.status_code == 303
    estimate_id = accepted.headers["location"].rsplit("/", 1)[1]
    async with db.platform_session() as session:
        stored = await session.get(Estimate, uuid.UUID(estimate_id))
        assert stored is not None
        assert stored.context is not None
        assert stored.context["event_days"] == 3
        # A recomputation knows the event's length from the estimate, not the venue's today.
        assert sum(line.grams for line in estimates.recompute(stored, registry, {})) == stored.total_grams


async def test_a_code_typed_in_lower_case_finds_its_entry_point(client: Any, make_venue: Any, db: Database) -> None:
    venue = await make_venue()
    async with db.platform_session() as session:
        entry = await session.scalar(select(EntryPoint).where(EntryPoint.tenant_id == venue.id))
        assert entry is not None
        entry.code = "GATE7"
    page = await client.get(f"/v/{venue.slug}/gate7")
    assert page.status_code == 200
    assert f'action="/v/{venue.slug}/GATE7"' in page.text


async def test_preset_fields_are_hidden_and_applied(client: Any, make_venue: Any, db: Database) -> None:
    venue = await make_venue(presets={"country": "uk"})
    page = (await client.get(venue.entry_point_url)).text
    assert 'name="country"' not in page
    response = await _post(client, venue.entry_point_url, {**VALID, "country": "cn"})
    assert response.status_code == 303
    estimate_id = response.headers["location"].rsplit("/", 1)[1]
    async with db.platform_session() as session:
        estimate = await session.get(Estimate, uuid.UUID(estimate_id))
    assert estimate is not None
    assert estimate.inputs["country"] == "uk"
    assert [line["factor"] for line in estimate.breakdown] == ["train", "hotel_uk", "meal"]
    assert estimate.context == {"venue_location": [30.5728, 104.0668], "presets": {"country": "uk"}, "event_days": 3}


async def test_accept_language_picks_chinese_and_lang_query_switches_and_sticks(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    chinese = await client.get(venue.entry_point_url, headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in chinese.text
    assert "您从哪里出发？" in chinese.text
    assert "计算我的碳足迹" in chinese.text
    assert 'aria-label="语言"' in chinese.text
    assert f'href="{venue.entry_point_url}?lang=en"' in chinese.text

    switched = await client.get(venue.entry_point_url + "?lang=en", headers={"accept-language": "zh-CN"})
    assert '<html lang="en">' in switched.text
    assert "Where did you travel from?" in switched.text
    cookie = switched.headers["set-cookie"]
    assert "lang=en" in cookie
    assert f'href="{venue.entry_point_url}?lang=zh-Hans"' in switched.text

    remembered = await client.get(venue.entry_point_url, headers={"accept-language": "zh-CN"})
    assert '<html lang="en">' in remembered.text


async def test_venue_default_language_applies_without_a_browser_preference(client: Any, make_venue: Any) -> None:
    venue = await make_venue(default_language="zh-Hans")
    response = await client.get(venue.entry_point_url, headers={"accept-language": ""})
    assert '<html lang="zh-Hans">' in response.text


@pytest.mark.parametrize(
    "case", ["unknown_code", "unknown_slug", "inactive_entry", "pending_venue", "suspended_venue", "not_enabled"]
)
async def test_entry_points_that_are_not_open_are_404_in_the_visitors_language(
    client: Any, make_venue: Any, case: str
) -> None:
    venue = await make_venue(
        active=case != "inactive_entry",
        status={"pending_venue": TenantStatus.PENDING, "suspended_venue": TenantStatus.SUSPENDED}.get(
            case, TenantStatus.ACTIVE
        ),
        scenario="no-such-scenario" if case == "not_enabled" else "dummy",
    )
    url = {
        "unknown_code": f"/v/{venue.slug}/nope",
        "unknown_slug": f"/v/no-such-venue-{uuid.uuid4().hex[:6]}/{venue.code}",
    }.get(case, venue.entry_point_url)
    response = await client.get(url, headers={"accept-language": "zh-CN", "accept": "text/html"})
    assert "text/html" in response.headers["content-type"]
    assert venue.display_name not in response.text
    if case == "suspended_venue":
        # A venue the platform suspended says so, in the visitor's language, rather than vanish.
        assert response.status_code == 403
        assert "此场所已在 NeutralPoint 上被暂停" in response.text
        return
    assert response.status_code == 404
    assert "我们找不到该页面。" in response.text


async def test_page_weight_html_and_css_under_60_kb(client: Any, make_venue: Any) -> None:
    venue = await make_venue(logo_version=1)
    page = await client.get(venue.entry_point_url)
    css = await client.get("/static/app.css")
    assert css.status_code == 200
    assert "<script" not in page.text
    assert len(page.content) + len(css.content) < 60 * 1024


async def test_entry_page_and_submission_need_few_queries(
    app: Any, client: Any, make_venue: Any, count_estimates: Any
) -> None:
    """A QR burst: once an entry point was resolved, its page needs no query at all and a
    submission only its insert, in one transaction of the group commit (on PostgreSQL the
    driver runs that transaction itself, so SQLAlchemy sees no statement at all)."""
    needs_fast_path(app, "entry-cache")
    venue = await make_venue()
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append("SCOPE" if "app.enter_scope" in statement else statement.split(None, 1)[0].upper())

    engine = app.state.db.engine.sync_engine
    assert (await client.get(venue.entry_point_url)).status_code == 200
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = await client.get(venue.entry_point_url)
        assert page.status_code == 200
        assert statements == []
        group_commit = app.state.db.row_writer
        for _ in range(2):
            statements.clear()
            transactions = group_commit.transactions
            submitted = await client.post(
                venue.entry_point_url, data={"_csrf_token": csrf_token(client), **VALID}, follow_redirects=False
            )
            assert submitted.status_code == 303
            assert group_commit.transactions == transactions + 1
        # venue, entry point, the venue's measured factor values and the factor-set snapshot
        # were all seen by the first submission; the second only stores its estimate.
        assert statements == ([] if app.state.db.is_postgres else ["INSERT"])
        assert await count_estimates(venue.id) == 2
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_venue_suspended_or_renamed_after_a_visit_is_not_served_from_memory(
    client: Any, make_venue: Any, db: Database
) -> None:
    venue = await make_venue()
    assert (await client.get(venue.entry_point_url)).status_code == 200
    async with db.platform_session() as session:
        tenant = await session.get(Tenant, venue.id)
        assert tenant is not None
        tenant.slug = venue.slug + "-new"
    assert (await client.get(venue.entry_point_url, headers={"accept": "text/html"})).status_code == 404
    renamed = f"/v/{venue.slug}-new/{venue.code}"
    assert (await client.get(renamed)).status_code == 200
    async with db.platform_session() as session:
        tenant = await session.get(Tenant, venue.id)
        assert tenant is not None
        tenant.status = TenantStatus.SUSPENDED
    assert (await client.get(renamed, headers={"accept": "text/html"})).status_code == 403


async def test_a_remembered_page_carries_each_visitors_own_token_and_a_new_brand_at_once(
    client: Any, make_venue: Any, db: Database
) -> None:
    """The entry page is drawn once per language and kept; the CSRF field is each visitor's."""
    venue = await make_venue()
    tokens = []
    for _ in range(3):
        client.cookies.clear()
        page = await client.get(venue.entry_point_url)
        token = client.cookies.get("np_csrf")
        assert token
        assert f'name="_csrf_token" value="{token}"' in page.text
        assert page.text.count("_csrf_token") == 1
        tokens.append(token)
    assert len(set(tokens)) == 3
    async with db.platform_session() as session:
        tenant = await session.get(Tenant, venue.id)
        assert tenant is not None
        tenant.display_name = "Renamed Hall 改名"
    assert "Renamed Hall 改名" in (await client.get(venue.entry_point_url)).text


async def test_requests_arriving_as_the_memory_expires_share_one_lookup(
    db: Database, make_venue: Any, registry: ScenarioRegistry
) -> None:
    """Mid-burst expiry: the requests in flight wait for one lookup instead of each querying.

    (With the test's own ``db``: the app's engine belongs to the test client's event loop.)
    """
    venue = await make_venue()
    cache = EntryCache()
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "app.enter_scope" not in statement:
            statements.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        found = await asyncio.gather(
            *(entries.find_entry_point_setup(db, registry, venue.slug, venue.code, cache) for _ in range(20))
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert all(c is not None and c.entry_point is found[0].entry_point for c in found)
    # the venue, its entry point and its measured values: once, not twenty times
    assert 1 <= len(statements) <= 3, statements


async def test_a_visitor_leaving_mid_lookup_does_not_fail_the_others_waiting(
    db: Database, make_venue: Any, registry: ScenarioRegistry
) -> None:
    venue = await make_venue()
    cache = EntryCache()
    first = asyncio.create_task(entries.find_entry_point_setup(db, registry, venue.slug, venue.code, cache))
    await asyncio.sleep(0)  # the first request is now waiting on the database
    others = [
        asyncio.create_task(entries.find_entry_point_setup(db, registry, venue.slug, venue.code, cache))
        for _ in range(3)
    ]
    await asyncio.sleep(0)
    first.cancel()
    found = await asyncio.gather(*others)
    assert all(c is not None and c.entry_point.tenant.slug == venue.slug for c in found)
    with pytest.raises(asyncio.CancelledError):
        await first


# --- submitting ---------------------------------------------------------------------------------


async def test_valid_submission_stores_and_shows_the_result(client: Any, make_venue: Any, count_estimates: Any) -> None:
    venue = await make_venue()
    before = await count_estimates(venue.id)
    response = await _post(client, venue.entry_point_url, VALID)
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(rf"/v/{venue.slug}/r/[0-9a-f-]{{36}}", location)
    cookies = response.headers.get_list("set-cookie")
    visitor_cookie = next(c for c in cookies if c.startswith("np_visitor="))
    assert "HttpOnly" in visitor_cookie
    assert "SameSite=lax" in visitor_cookie or "SameSite=Lax" in visitor_cookie
    visitor_hex, signature = visitor_cookie.split("=", 1)[1].split(";", 1)[0].split(".")
    uuid.UUID(hex=visitor_hex)
    assert signature
    assert await count_estimates(venue.id) == before + 1

    result = await client.get(location)
    assert result.status_code == 200
    page = result.text
    assert "117 kg" in page
    assert "Rail" in page
    assert "Hotel night, China" in page
    assert re.search(r"200 <span class=\"help\">passenger-km</span>", page)
    assert "0.03546" in page
    assert "Greenhouse gas reporting: conversion factors 2025" in page
    assert 'href="https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"' in page
    assert '<span class="tag warn">estimate</span>' in page
    assert "Factor set version 2025.1." in page
    # 117,092 g × 365 / 8.4 t = 5.09 days; / 4.7 t = 9.09 days; / 208.71 g/km (direct + well-to-tank) = 561.0 km
    assert "about 5.1 days" in page
    assert "or 9.1 days" in page
    assert "561.0 km" in page
    assert "ourworldindata.org/grapher/co-emissions-per-capita" in page
    assert f'href="{venue.entry_point_url}"' in page
    assert f'href="/v/{venue.slug}/me"' in page


async def test_city_instead_of_distance_uses_the_travel_helper(client: Any, make_venue: Any, db: Database) -> None:
    venue = await make_venue()
    response = await _post(
        client, venue.entry_point_url, {**VALID, "distance_km": "", "origin": "Beijing", "mode": "plane"}
    )
    assert response.status_code == 303
    page = (await client.get(response.headers["location"])).text
    assert "From Beijing" in page
    assert "Flight" in page


async def test_rule_across_fields_from_the_calculation_is_shown_beside_the_field(
    client: Any, make_venue: Any, count_estimates: Any
) -> None:
    venue = await make_venue()
    response = await _post(client, venue.entry_point_url, {**VALID, "distance_km": "", "origin": ""})
    assert response.status_code == 400
    assert _field_error(response.text, "distance_km") == "Give your city or the distance."
    assert await count_estimates(venue.id) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mode", "", "This field is required."),
        ("nights", "", "This field is required."),
        ("distance_km", "-5", "Must be at least 0 km."),
        ("nights", "100000", "Must be at most 60 nights."),
        ("distance_km", "abc", "Enter a number in km."),
        ("nights", "1.5", "Enter a whole number."),
        ("distance_km", "12.345", "Use at most 1 decimal places."),
        ("mode", "rocket", "Choose one of the options."),
        ("note", "x" * 41, "Use at most 40 characters."),
        ("origin", "Xyzzy Nowhere", "We do not know the city “Xyzzy Nowhere”."),
        ("return_trip", "maybe", "Answer yes or no."),
    ],
)
async def test_invalid_input_is_refused_beside_the_field_and_nothing_is_stored(
    client: Any, make_venue: Any, count_estimates: Any, field: str, value: str, message: str
) -> None:
    venue = await make_venue()
    response = await _post(client, venue.entry_point_url, {**VALID, field: value})
    assert response.status_code == 400
    page = response.text
    assert _field_error(page, field) == message
    # The shared macros of refusals.html: the input is marked and points at its message.
    marked = re.search(rf'<[^>]*id="f-{field}"[^>]*>', page)
    assert marked, page
    assert 'aria-invalid="true"' in marked.group(0)
    assert re.search(rf'aria-describedby="(h-{field} )?{field}-error"', marked.group(0)), marked.group(0)
    assert 'role="alert"' in page
    # The title says so too: a screen reader announces it, where an alert on load may not be.
    assert "<title>Check your answers – " in page
    assert f'<a href="#f-{field}">' in page
    if field not in ("mode", "return_trip"):
        assert f'value="{html.escape(value)}"' in page  # what the visitor typed stays
    assert 'value="100"' in page or field == "distance_km"  # the other answers stay too
    assert await count_estimates(venue.id) == 0


async def test_errors_are_in_the_visitors_language(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    response = await _post(client, venue.entry_point_url + "?lang=zh-Hans", {**VALID, "nights": "100000"})
    assert response.status_code == 400
    assert _field_error(response.text, "nights") == "不能大于 60 晚。"
    assert "请检查以下填写内容：" in response.text


EXPIRED_EN = "This form had expired, so nothing was saved yet."
EXPIRED_ZH = "此表单已过期，因此尚未保存任何内容。"


async def test_submission_without_csrf_token_is_refused(client: Any, make_venue: Any, count_estimates: Any) -> None:
    venue = await make_venue()
    await client.get(venue.entry_point_url)
    response = await client.post(venue.entry_point_url, data=VALID, follow_redirects=False)
    assert response.status_code == 400
    assert EXPIRED_EN in response.text
    assert await count_estimates(venue.id) == 0


async def test_an_expired_token_gives_the_answers_back_in_the_visitors_language(
    client: Any, make_venue: Any, count_estimates: Any
) -> None:
    """The phone kept the page but lost the cookie: the answers come back, filled in, with a
    word in the visitor's language and a fresh token that works."""
    venue = await make_venue()
    await client.get(venue.entry_point_url + "?lang=zh-Hans")
    stale = csrf_token(client)
    client.cookies.delete("np_csrf")
    answered = {**VALID, "distance_km": "123.5", "meals": "3"}
    response = await client.post(venue.entry_point_url, data={"_csrf_token": stale, **answered}, follow_redirects=False)
    assert response.status_code == 400
    assert "<!DOCTYPE html>" in response.text[:100] or "<html" in response.text
    assert EXPIRED_ZH in response.text
    assert 'id="f-distance_km" name="distance_km" value="123.5"' in response.text
    assert 'name="meals" value="3"' in response.text
    assert await count_estimates(venue.id) == 0
    fresh = csrf_token(client)
    assert fresh
    assert fresh != stale
    assert f'name="_csrf_token" value="{fresh}"' in response.text
    again = await client.post(venue.entry_point_url, data={"_csrf_token": fresh, **answered}, follow_redirects=False)
    assert again.status_code == 303
    assert await count_estimates(venue.id) == 1
    english = await client.post(
        venue.entry_point_url,
        data={"_csrf_token": "", **answered},
        headers={"accept-language": "en"},
        follow_redirects=False,
    )
    assert english.status_code == 400
    assert EXPIRED_EN in english.text or EXPIRED_ZH in english.text  # the explicit choice of Chinese may stick


async def test_a_forged_or_someone_elses_token_is_refused(
    client: Any, make_venue: Any, count_estimates: Any, settings: Settings
) -> None:
    venue = await make_venue()
    await client.get(venue.entry_point_url)
    forged = generate_csrf_token("not-the-secret-key-of-this-platform-0123456789")
    someone_elses = generate_csrf_token(settings.secret_key)
    own = csrf_token(client)
    altered = own[:-1] + ("1" if own.endswith("0") else "0")  # the visitor's own token, one digit changed
    for token in (forged, someone_elses, altered, own[:-1], ""):
        response = await client.post(
            venue.entry_point_url, data={"_csrf_token": token, **VALID}, follow_redirects=False
        )
        assert response.status_code == 400, token
        assert EXPIRED_EN in response.text
    assert await count_estimates(venue.id) == 0


async def test_the_token_of_the_signed_in_pages_works_on_the_visitors_form(client: Any, make_venue: Any) -> None:
    """One cookie for both: a token set by Litestar's CSRF middleware is the visitor form's too."""
    venue = await make_venue()
    client.cookies.clear()
    assert (await client.get("/login")).status_code == 200
    token = csrf_token(client)
    assert token
    page = await client.get(venue.entry_point_url)
    assert "set-cookie" not in page.headers
    assert f'value="{token}"' in page.text
    submitted = await client.post(venue.entry_point_url, data={"_csrf_token": token, **VALID}, follow_redirects=False)
    assert submitted.status_code == 303


# --- result, history, isolation ---------------------------------------------------------------


async def test_result_is_scoped_to_the_venue_of_the_slug(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    other = await make_venue()
    response = await _post(client, venue.entry_point_url, VALID)
    estimate_id = response.headers["location"].rsplit("/", 1)[1]
    assert (await client.get(f"/v/{venue.slug}/r/{estimate_id}")).status_code == 200
    assert (await client.get(f"/v/{other.slug}/r/{estimate_id}", headers={"accept": "text/html"})).status_code == 404
    assert (await client.get(f"/v/{venue.slug}/r/{uuid.uuid4()}")).status_code == 404
    assert (await client.get(f"/v/{venue.slug}/r/not-a-uuid")).status_code == 404


async def test_anyone_with_the_link_sees_the_result(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    response = await _post(client, venue.entry_point_url, VALID)
    client.cookies.clear()  # another browser
    shared = await client.get(response.headers["location"])
    assert shared.status_code == 200
    assert "117 kg" in shared.text


async def test_chinese_sentences_follow_each_other_without_a_space(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    posted = await _post(client, venue.entry_point_url, VALID, **{"accept-language": "zh-CN"})
    page = (await client.get(posted.headers["location"], headers={"accept-language": "zh-CN"})).text
    assert "这是估算值" in page
    assert "。 " not in page


async def test_history_lists_this_visitors_estimates_newest_first(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    first = await _post(client, venue.entry_point_url, VALID)
    second = await _post(client, venue.entry_point_url, {**VALID, "nights": "0", "meals": "0"})
    page = (await client.get(f"/v/{venue.slug}/me")).text
    first_url, second_url = first.headers["location"], second.headers["location"]
    assert first_url in page
    assert second_url in page
    assert page.index(second_url) < page.index(first_url)
    assert "Test trip" in page
    # 117,092 + 7,092 g
    assert "124 kg" in page
    assert f'<a class="button" href="/v/{venue.slug}">Back to {venue.display_name}</a>' in page

    client.cookies.clear()  # another browser
    empty = (await client.get(f"/v/{venue.slug}/me")).text
    assert first_url not in empty
    assert "You have no footprints at this venue yet" in empty


# --- recomputation, snapshots, a removed plugin ------------------------------------------------


async def test_recompute_yields_the_stored_grams(
    client: Any, make_venue: Any, db: Database, registry: ScenarioRegistry
) -> None:
    venue = await make_venue()
    response = await _post(client, venue.entry_point_url, {**VALID, "distance_km": "", "origin": "Shanghai"})
    estimate_id = uuid.UUID(response.headers["location"].rsplit("/", 1)[1])
    async with db.platform_session() as session:
        estimate = await session.get(Estimate, estimate_id)
        assert estimate is not None
        snapshot = await snapshots.load_snapshot(session, "dummy", estimate.factor_set_version)
    assert snapshot is not None
    lines = estimates.recompute(estimate, registry, snapshots.snapshot_map([snapshot]))
    assert sum(line.grams for line in lines) == estimate.total_grams
    assert [line.as_dict() for line in lines] == estimate.breakdown


async def test_recompute_an_old_version_from_its_snapshot_when_the_plugin_dropped_it(
    make_venue: Any, db: Database, registry: ScenarioRegistry
) -> None:
    venue = await make_venue()
    scenario = registry.get("dummy")
    assert scenario is not None
    old = scenario.factor_set("2024.1")
    assert old is not None
    async with db.session() as session:
        entry = await entries.find_open_entry_point(session, venue.slug, venue.code)
        assert entry is not None
        computation = estimates.compute(scenario, registry, entry, {**VALID, "mode": "plane"}, "en")
        lines = scenario.calculate(computation.inputs, old, registry.context(venue_location=entry.tenant.location))
        computation = msgspec.structs.replace(computation, factor_set=old, published=old, lines=lines)
    estimate = await estimates.store_estimate(db, entry, computation, uuid.uuid4(), "en")
    assert estimate.factor_set_version == "2024.1"
    # 200 pkm × 0.17580 = 35,160 g (the 2025 factor would give 28,506 g)
    assert estimate.breakdown[0].grams == 35_160

    moved_on = ScenarioRegistry()
    moved_on.scenarios["dummy"] = replace(scenario, info=replace(scenario.info, factor_sets=(scenario.factors,)))
    async with db.platform_session() as session:
        snapshot = await snapshots.load_snapshot(session, "dummy", "2024.1")
    assert snapshot is not None
    with pytest.raises(estimates.RecomputeError):
        estimates.recompute(estimate, moved_on, {})
    lines = estimates.recompute(estimate, moved_on, snapshots.snapshot_map([snapshot]))
    assert sum(line.grams for line in lines) == estimate.total_grams


async def test_a_changed_factor_set_under_an_old_version_is_refused(db: Database) -> None:
    scenario_id = f"conflict-{uuid.uuid4().hex[:8]}"
    from neutralpoint.scenarios.factors import Factor, Source

    source = Source("Test publisher", "Test document", 2025)
    published = FactorSet.of(
        scenario_id, "1", [Factor("x", Decimal("1.5"), "unit", {"en": "X", "zh-Hans": "X"}, source)]
    )
    async with db.platform_session() as session:
        await snapshots.ensure_snapshot(session, published)
    async with db.platform_session() as session:
        await snapshots.ensure_snapshot(session, published)  # the same values again: fine
    changed = FactorSet.of(scenario_id, "1", [Factor("x", Decimal("1.6"), "unit", {"en": "X", "zh-Hans": "X"}, source)])
    with pytest.raises(snapshots.FactorSetConflictError):
        async with db.platform_session() as session:
            await snapshots.ensure_snapshot(session, changed)
    async with db.platform_session() as session:
        rows = (await session.scalars(select(FactorSetSnapshot).where(FactorSetSnapshot.scenario == scenario_id))).all()
    assert [row.fingerprint for row in rows] == [published.fingerprint]


async def test_result_renders_after_the_plugin_is_uninstalled(client: Any, make_venue: Any, settings: Settings) -> None:
    venue = await make_venue()
    response = await _post(client, venue.entry_point_url, VALID)
    location = response.headers["location"]
    without_dummy = create_app(settings, ScenarioRegistry.discover())
    async with AsyncTestClient(app=without_dummy, base_url="http://testserver.local") as other:
        result = await other.get(location)
        entry = await other.get(venue.entry_point_url, headers={"accept": "text/html"})
    assert result.status_code == 200
    assert "117 kg" in result.text
    assert "Hotel night, China" in result.text
    assert "Greenhouse gas reporting: conversion factors 2025" in result.text
    assert entry.status_code == 404


async def test_a_venues_measured_value_is_used_shown_and_recomputed(
    client: Any, make_venue: Any, db: Database, registry: ScenarioRegistry
) -> None:
    venue = await make_venue()
    async with db.session() as session:
        await overrides.save_override(
            session,
            venue.id,
            None,
            overrides.OverrideRequest(
                scenario="dummy",
                factor_key="hotel_cn",
                value=Decimal("20.0"),
                note="2025 energy bills",
                evidence=b"%PDF-1.4 bills",
                evidence_content_type="application/pdf",
                evidence_filename="bills.pdf",
            ),
        )
    response = await _post(client, venue.entry_point_url, VALID)
    assert response.status_code == 303
    page = (await client.get(response.headers["location"])).text
    # 7,092 + 2 × 20.0 kg + 3,000 g
    assert "50.1 kg" in page
    assert "Measured by the venue" in page
    assert "2025 energy bills" in page
    estimate_id = uuid.UUID(response.headers["location"].rsplit("/", 1)[1])
    async with db.platform_session() as session:
        estimate = await session.get(Estimate, estimate_id)
        assert estimate is not None
        snapshot = await snapshots.load_snapshot(session, "dummy", estimate.factor_set_version)
    assert estimate.total_grams == 50_092
    assert estimate.factor_fingerprint == registry.get("dummy").factors.fingerprint  # type: ignore[union-attr]
    assert list(estimate.context[overrides.RECORD_KEY]) == ["hotel_cn"]
    assert snapshot is not None
    lines = estimates.recompute(estimate, registry, snapshots.snapshot_map([snapshot]))
    assert sum(line.grams for line in lines) == 50_092

    other = await make_venue()  # another venue keeps the published value
    again = await _post(client, other.entry_point_url, VALID)
    assert "117 kg" in (await client.get(again.headers["location"])).text


# --- every loaded scenario, translations ------------------------------------------------------


async def test_every_loaded_scenario_renders_its_entry_page(
    client: Any, make_venue: Any, registry: ScenarioRegistry
) -> None:
    for scenario in registry.ordered():
        venue = await make_venue(scenario=scenario.id)
        page = (await client.get(venue.entry_point_url)).text
        for f in scenario.form.fields:
            assert html.escape(f.label["en"]) in page, (scenario.id, f.name)
        defaults = scenario.form.defaults()
        if all(f.name in defaults or not f.required for f in scenario.form.fields):
            raw = {name: str(v).lower() if isinstance(v, bool) else str(v) for name, v in defaults.items()}
            response = await _post(client, venue.entry_point_url, raw)
            assert response.status_code == 303, scenario.id


def test_every_template_string_has_a_chinese_translation() -> None:
    roots = [
        Path(estimates.__file__).parent / "templates",
        Path(web_package.__file__).parent / "templates",
    ]
    catalogue = translations("zh-Hans")
    missing = []
    for root in roots:
        for template in root.rglob("*.html"):
            for message in re.findall(r"""_\((["'])(.+?)\1""", template.read_text()):
                if catalogue.gettext(message[1]) == message[1]:
                    missing.append(f"{template.name}: {message[1]}")
    assert missing == []


@pytest.fixture(scope="module")
def app(app_both_ways: Any) -> Any:
    """Every test here runs with the whole fast path and without it."""
    return app_both_ways
