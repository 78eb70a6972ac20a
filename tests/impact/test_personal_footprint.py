"""The personal footprint through the real visitor and payments paths: a visitor's estimates
and certificates at every venue (page and JSON), kept by a mailed sign-in link that joins a
second device, downloaded, and deleted with the certificates still valid."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from board_world import neutralize
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shop_world import GRAMS, INPUTS, World
from sqlalchemy import select

from neutralpoint.certificates import signing
from neutralpoint.certificates.models import Certificate
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.impact import footprints
from neutralpoint.impact.models import FootprintSignInLink, Listing, Visibility
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments.models import Order
from neutralpoint.scenarios.models import Estimate
from neutralpoint.scenarios.submissions import VISITOR_COOKIE
from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants.hosts import host_directory
from neutralpoint.tenants.models import OutboxMessage, Tenant
from tests.conftest import TEST_BASE_URL, csrf_token
from tests.tenants.tenant_flows import second_browser

LINK = re.compile(r"https?://\S+/footprint/sign-in\?token=([A-Za-z0-9_-]+)")


@pytest.fixture
async def phone(client: AsyncTestClient[Litestar]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A second device: its own cookies, on the app ``client`` runs."""
    async with second_browser(client) as other:
        yield other


async def _mailed_token(db: Database, email: str) -> str:
    async with db.platform_session() as session:
        body = await session.scalar(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.recipient == email, OutboxMessage.kind == footprints.MAIL_KIND)
            .order_by(OutboxMessage.created_at.desc())
            .limit(1)
        )
    assert body, f"no sign-in mail for {email}"
    found = LINK.search(body)
    assert found, body
    return found.group(1)


async def _footprint(client: Any, lang: str = "en") -> dict[str, Any]:
    answer = await client.get(f"/api/v1/footprint?lang={lang}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    return body


async def test_one_visitor_at_two_venues_sees_both_with_names_dates_and_totals(
    world: World, jobs: JobQueue, client: Any
) -> None:
    first = await world.shop()
    second = await world.shop()
    assert (await _footprint(client))["estimates"] == []  # no cookie yet: nothing, and no error
    made = [await world.footprint(first), await world.footprint(second)]
    cookie = client.cookies.get(VISITOR_COOKIE)
    assert cookie
    assert "." in cookie
    reference = await neutralize(world, jobs, second, 50_000, "Ada")

    body = await _footprint(client)
    assert sorted(e["id"] for e in body["estimates"]) == sorted(made)
    assert {e["venue"] for e in body["estimates"]} == {first.slug, second.slug}
    assert all(e["grams"] == GRAMS and e["venue_name"]["en"] and e["entry_point_name"] for e in body["estimates"])
    assert all("UTC+8" in e["created_at_local"] for e in body["estimates"])  # the venues' clock (Asia/Shanghai)
    assert body["computed_grams"] == 2 * GRAMS
    # Paid in the sandbox: marked test mode, and counted apart from what live payments neutralized.
    assert (body["neutralized_grams"], body["neutralized_test_grams"]) == (0, 50_000)
    (order,) = body["orders"]
    assert order["reference"] == reference
    assert order["status"] == "fulfilled"
    assert order["neutralized"]
    assert order["test_mode"] is True
    assert order["certificate_number"].startswith("NPC-")
    assert order["certificate_url"].endswith(f"/certificates/{order['certificate_number']}")
    assert order["order_url"].endswith(f"/v/{second.slug}/orders/{reference}")

    for lang, words in (
        ("en", ("My footprint", "Test mode", "no money was taken")),
        ("zh-Hans", ("我的碳足迹", "测试模式", "未实际收款")),
    ):
        page = await client.get(f"/footprint?lang={lang}")
        assert page.status_code == 200
        assert all(w in page.text for w in words), lang
        assert 'id="test-mode"' in page.text
        assert page.text.count('class="tag warn test-mode"') == 1  # the one sandbox order
        assert 'id="neutralized-test"' in page.text
        assert order["certificate_number"] in page.text
        assert f"/v/{first.slug}/r/{made[0]}" in page.text

    # Reached from the result, order and certificate pages.
    for path in (
        f"/v/{first.slug}/r/{made[0]}",
        f"/v/{second.slug}/orders/{reference}",
        f"/certificates/{order['certificate_number']}",
    ):
        assert 'href="/footprint"' in (await client.get(path)).text, path


async def test_an_unsigned_or_altered_cookie_names_nobody(world: World, client: Any, settings: Settings) -> None:
    shop = await world.shop()
    await world.footprint(shop)
    signed = client.cookies.get(VISITOR_COOKIE)
    visitor = tokens.visitor_of_token(settings.secret_key, signed)
    assert visitor is not None
    for forged in (str(visitor), visitor.hex, signed[:-2] + ("AA" if not signed.endswith("AA") else "BB")):
        assert tokens.visitor_of_token(settings.secret_key, forged) is None
        client.cookies.set(VISITOR_COOKIE, forged)
        assert (await _footprint(client))["estimates"] == []


async def test_keep_my_history_joins_a_second_device_both_ways_without_duplicates(
    world: World, jobs: JobQueue, client: Any, phone: Any, db: Database
) -> None:
    shop = await world.shop()
    laptop_estimate = await world.footprint(shop)
    phone_world = World(world.db, phone)
    phone_estimate = await phone_world.footprint(shop)
    email = f"kept-{shop.slug}@example.org"

    asked = await client.post("/api/v1/footprint/keep", json={"email": email.upper()})
    assert asked.status_code == 202, asked.text
    laptop_token = await _mailed_token(db, email)
    kept = await client.post("/api/v1/footprint/sign-in", json={"token": laptop_token})
    assert kept.status_code == 200, kept.text
    assert kept.json()["kept"]
    assert kept.json()["email"] == email

    # A minute later the address gets no second mail, but the answer is the same.
    again = await phone.post("/api/v1/footprint/keep", json={"email": email})
    assert again.status_code == 202
    assert again.json() == asked.json()
    async with db.platform_session() as session:
        link = await session.scalar(select(FootprintSignInLink).where(FootprintSignInLink.email == email))
        assert link is not None
        assert link.token_hash == tokens.link_token_hash(laptop_token)  # only its hash is kept
        # The next link, as if a minute had passed.
        second_token, second_hash = tokens.new_link_token()
        session.add(FootprintSignInLink(token_hash=second_hash, email=email, expires_at=utcnow() + timedelta(hours=1)))
        await session.commit()

    joined = await phone.post("/api/v1/footprint/sign-in", json={"token": second_token})
    assert joined.status_code == 200, joined.text
    for device in (client, phone):
        ids = [e["id"] for e in (await _footprint(device))["estimates"]]
        assert sorted(ids) == sorted([laptop_estimate, phone_estimate]), device
    # What either device computes next shows on both.
    newer = await phone_world.footprint(shop)
    assert newer in [e["id"] for e in (await _footprint(client))["estimates"]]
    # Opening the same link twice joins nothing twice, and is refused the second time.
    used = await phone.post("/api/v1/footprint/sign-in", json={"token": second_token})
    assert used.status_code == 400
    assert used.json()["errors"]["token"]["code"] == "link_invalid"
    assert len((await _footprint(phone))["estimates"]) == 3


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_bad_links_and_addresses_are_refused_naming_the_field(
    lang: str, client: Any, db: Database, unique: str
) -> None:
    expired_token, expired_hash = tokens.new_link_token()
    async with db.platform_session() as session:
        session.add(
            FootprintSignInLink(
                token_hash=expired_hash, email=f"late-{unique}@example.org", expires_at=utcnow() - timedelta(seconds=1)
            )
        )
        await session.commit()
    words = {"en": "does not work", "zh-Hans": "无效"}[lang]
    for token in ("nonsense", expired_token, "x" * 300, ""):
        answer = await client.post("/api/v1/footprint/sign-in", json={"token": token})
        assert answer.status_code == 400, token
        error = answer.json()["errors"]["token"]
        assert error["code"] == "link_invalid"
        assert error["message"]["en"]
        assert error["message"]["zh-Hans"]
        page = await client.get(f"/footprint/sign-in?token={token}&lang={lang}")
        assert page.status_code == 400
        assert words in page.text
    for email in ("not-an-address", "a@b", "x" * 250 + "@example.org"):
        answer = await client.post("/api/v1/footprint/keep", json={"email": email})
        assert answer.status_code == 400, email
        assert set(answer.json()["errors"]) == {"email"}
    await client.get("/footprint")
    form = await client.post(
        f"/footprint/keep?lang={lang}",
        data={"email": "nope", "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert form.status_code == 400
    assert 'id="email-error"' in form.text
    assert {"en": "Enter an e-mail address", "zh-Hans": "请输入有效的电子邮箱地址"}[lang] in form.text
    refused = await client.post(
        f"/footprint/delete?lang={lang}", data={"_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert refused.status_code == 400
    assert 'id="confirm-error"' in refused.text
    assert (await client.request("DELETE", "/api/v1/footprint", json={})).json()["errors"]["confirm"]["code"] == (
        "required"
    )


async def test_the_page_forms_keep_and_sign_in_in_the_browser_way(world: World, client: Any, db: Database) -> None:
    shop = await world.shop()
    await world.footprint(shop)
    email = f"form-{shop.slug}@example.org"
    await client.get("/footprint")
    sent = await client.post(
        "/footprint/keep", data={"email": email, "_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/footprint?done=sent"
    token = await _mailed_token(db, email)
    offered = await client.get(f"/footprint/sign-in?token={token}")  # looking uses nothing up
    assert offered.status_code == 200
    assert "Join this device" in offered.text
    assert email in offered.text  # whose history it joins, said before the button
    used = await client.post(
        "/footprint/sign-in", data={"token": token, "_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert used.status_code == 303
    assert used.headers["location"] == "/footprint?done=kept"
    page = await client.get("/footprint?done=kept")
    assert email in page.text
    assert "this device is joined" in page.text


async def test_download_as_json_and_csv(world: World, jobs: JobQueue, client: Any) -> None:
    shop = await world.shop()
    estimate = await world.footprint(shop)
    reference = await neutralize(world, jobs, shop, 20_000)
    as_json = await client.get("/api/v1/footprint/download.json")
    assert as_json.status_code == 200
    assert "attachment" in as_json.headers["content-disposition"]
    assert [e["id"] for e in as_json.json()["estimates"]] == [estimate]
    as_csv = await client.get("/api/v1/footprint/download.csv")
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["kind"], r["grams_co2e"]) for r in rows] == [("estimate", str(GRAMS)), ("order", "20000")]
    assert rows[1]["order_reference"] == reference
    assert rows[1]["certificate_number"].startswith("NPC-")
    assert (rows[0]["test_mode"], rows[1]["test_mode"]) == ("", "yes")


async def test_delete_unlinks_everything_and_the_certificate_still_verifies(
    world: World, jobs: JobQueue, client: Any, db: Database, settings: Settings
) -> None:
    shop = await world.shop()
    estimate = await world.footprint(shop)
    buyer = f"ada-{shop.slug}@example.org"
    created = await world.order(
        shop, basis="mass", grams=30_000, buyer_name="Ada Lovelace", buyer_email=buyer, entry_point=shop.code
    )
    assert created.status_code == 201, created.text
    reference = str(created.json()["reference"])
    assert (await world.sandbox_pay(shop, reference)).status_code == 200
    await jobs.drain()
    async with db.platform_session() as session:
        receipts = select(OutboxMessage.id).where(OutboxMessage.recipient == buyer, OutboxMessage.kind == "receipt")
        assert len(list(await session.scalars(receipts))) == 1
    body = await _footprint(client)
    number = body["orders"][0]["certificate_number"]
    listed = await client.put(
        f"/api/v1/public/venues/{shop.slug}/orders/{reference}/listing",
        json={"visibility": "named", "public_name": "Ada"},
    )
    assert listed.status_code == 200, listed.text
    email = f"gone-{shop.slug}@example.org"
    await client.post("/api/v1/footprint/keep", json={"email": email})
    await client.post("/api/v1/footprint/sign-in", json={"token": await _mailed_token(db, email)})
    async with db.platform_session() as session:
        before = await session.scalar(select(Certificate).where(Certificate.number == number))
        assert before is not None
        assert before.holder == "Ada Lovelace"
        issued_payload = before.payload

    deleted = await client.request("DELETE", "/api/v1/footprint", json={"confirm": True})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"estimates_unlinked": 1, "orders_forgotten": 1, "certificates_relabelled": 1}
    assert (await _footprint(client)) | {"download_json": "", "download_csv": ""} == {
        "kept": False,
        "email": None,
        "language": "en",
        "computed_grams": 0,
        "neutralized_grams": 0,
        "neutralized_test_grams": 0,
        "estimates": [],
        "orders": [],
        "download_json": "",
        "download_csv": "",
    }
    async with db.platform_session() as session:
        after = await session.scalar(select(Certificate).where(Certificate.number == number))
        assert after is not None
        assert after.holder_is_anonymous
        assert after.payload != issued_payload
        order = await session.scalar(select(Order).where(Order.reference == reference))
        assert order is not None
        assert (order.visitor_id, order.buyer_name, order.buyer_email) == (None, "", "")
        kept_estimate = await session.scalar(select(Estimate).where(Estimate.id == uuid.UUID(estimate)))
        assert kept_estimate is not None
        assert kept_estimate.visitor_id is not None
        listing = await session.get(Listing, after.id)
        assert listing is not None
        assert listing.visibility == Visibility.HIDDEN
        assert listing.public_name == ""
        assert (await session.scalar(select(FootprintSignInLink).where(FootprintSignInLink.email == email))) is None
        assert list(await session.scalars(receipts)) == []  # the receipt left the outbox with the address
    # The payload issued with the name, and the one signed anew without it, both verify.
    for payload in (issued_payload, after.payload):
        verdict = (await client.get("/api/v1/public/certificates/verify", params={"p": payload})).json()
        assert verdict["valid"], verdict
        assert verdict["signature_valid"], verdict
        assert verdict["certificate"]["holder_is_anonymous"]
    keys = {
        k["kid"]: signing.b64decode(k["public_key"])
        for k in (await client.get("/.well-known/neutralpoint/certificate-keys.json")).json()["keys"]
    }
    assert signing.verify_payload(issued_payload, keys).holder == "Ada Lovelace"
    assert signing.verify_payload(after.payload, keys).holder == "Anonymous visitor"
    board = (await client.get(f"/api/v1/public/venues/{shop.slug}/leaderboard")).json()
    assert all(row["name"] != "Ada" for row in board["rows"])


async def test_a_venue_hosts_visitor_joins_the_platform_hosts_through_the_link(
    world: World, client: Any, phone: Any, db: Database
) -> None:
    """The two hosts' cookies differ: the venue host's result page links to the platform's
    host with a signed token, and opening it joins the two visitors."""
    on_platform, own_host = await world.shop(), await world.shop()
    host = f"co2-{own_host.slug}.example"
    async with db.platform_session() as session:
        tenant = await session.get(Tenant, own_host.venue_id)
        assert tenant is not None
        tenant.custom_host = host
        await session.commit()
    host_directory.invalidate()
    try:
        platform_estimate = await world.footprint(on_platform)
        made = await phone.post(
            f"/api/v1/public/venues/{own_host.slug}/entry-points/{own_host.code}/estimates",
            json={"inputs": INPUTS},
            headers={"host": host},
        )
        assert made.status_code == 201, made.text
        moved = await phone.get("/footprint", headers={"host": host}, follow_redirects=False)
        assert (moved.status_code, moved.headers["location"]) == (307, f"{TEST_BASE_URL}/footprint")
        result = await phone.get(f"/v/{own_host.slug}/r/{made.json()['id']}", headers={"host": host})
        link = re.search(r'href="(http://testserver\.local/footprint/join\?token=[^"]+)"', result.text)
        assert link, "a venue host's page links to the platform host's footprint with a join token"

        altered = link.group(1)[:-3] + ("abc" if not link.group(1).endswith("abc") else "xyz")
        refused = await client.get(altered, follow_redirects=False)
        assert (refused.status_code, refused.headers["location"]) == (303, "/footprint")
        # Opening the link only offers the join: another site sending a browser there joins nothing.
        offered = await client.get(link.group(1))
        assert offered.status_code == 200
        assert [e["id"] for e in (await _footprint(client))["estimates"]] == [platform_estimate]
        token = re.search(r'name="token" value="([^"]+)"', offered.text)
        assert token
        joined = await client.post(
            "/footprint/join",
            data={"token": token.group(1), "_csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        assert (joined.status_code, joined.headers["location"]) == (303, "/footprint")
        ids = {e["id"] for e in (await _footprint(client))["estimates"]}
        assert ids == {platform_estimate, made.json()["id"]}
        # The JSON twin: the same token joins (nothing new here), an altered one is refused by name.
        twin = await client.post("/api/v1/footprint/join", json={"token": token.group(1)})
        assert twin.status_code == 200, twin.text
        assert len(twin.json()["estimates"]) == 2
        bad = await client.post("/api/v1/footprint/join", json={"token": token.group(1) + "x"})
        assert bad.status_code == 400
        assert bad.json()["errors"]["token"]["code"] == "link_invalid"
        # Without the page's CSRF token (a form on another site), nothing is joined.
        forged = await phone.post("/footprint/join", data={"token": token.group(1)}, follow_redirects=False)
        assert forged.status_code == 403
    finally:
        async with db.platform_session() as session:
            tenant = await session.get(Tenant, own_host.venue_id)
            assert tenant is not None
            tenant.custom_host = None
            await session.commit()
        host_directory.invalidate()


HOST = TEST_BASE_URL.split("://", 1)[1]
#: A cookie from before the visitor's cookie was signed (a bare id), and other values no
#: release of ours wrote: each is a browser with no history here, never an error.
OLD_COOKIES = (
    "5b0e3c9e-2f1a-4c53-9a61-0d2f8c0f4e11",
    "5b0e3c9e2f1a4c539a610d2f8c0f4e11",
    "5b0e3c9e2f1a4c539a610d2f8c0f4e11.",
    "a.b.c",
    "x" * 4000,
    '"quoted"',
)


async def test_an_old_unsigned_cookie_is_a_new_visitor_on_every_footprint_page(
    world: World, client: Any, db: Database, settings: Settings
) -> None:
    shop = await world.shop()
    for old in OLD_COOKIES:
        client.cookies.clear()
        client.cookies.set(VISITOR_COOKIE, old, domain=HOST)
        for lang in ("en", "zh-Hans"):
            page = await client.get(f"/footprint?lang={lang}")
            assert page.status_code == 200, (old, page.text[:300])
            assert 'id="empty"' in page.text
        body = await _footprint(client)
        assert (body["estimates"], body["orders"]) == ([], [])
        for download in ("/api/v1/footprint/download.json", "/api/v1/footprint/download.csv"):
            assert (await client.get(download)).status_code == 200, (old, download)
        deleted = await client.post(
            "/footprint/delete", data={"confirm": "yes", "_csrf_token": csrf_token(client)}, follow_redirects=False
        )
        assert deleted.status_code == 303, (old, deleted.text[:300])
    # The next footprint names a new visitor with a signed cookie in place of the old one.
    client.cookies.clear()
    client.cookies.set(VISITOR_COOKIE, OLD_COOKIES[0], domain=HOST)
    made = await world.footprint(shop)
    signed = client.cookies.get(VISITOR_COOKIE)
    assert signed != OLD_COOKIES[0]
    assert tokens.visitor_of_token(settings.secret_key, signed) is not None
    assert [e["id"] for e in (await _footprint(client))["estimates"]] == [made]
    # Joining through a mailed link with an old cookie: a new visitor, signed.
    email = f"old-cookie-{shop.slug}@example.org"
    await client.post("/api/v1/footprint/keep", json={"email": email})
    token = await _mailed_token(db, email)
    async with second_browser(client) as other:
        other.cookies.set(VISITOR_COOKIE, OLD_COOKIES[1], domain=HOST)
        await other.get("/footprint")
        used = await other.post(
            "/footprint/sign-in", data={"token": token, "_csrf_token": csrf_token(other)}, follow_redirects=False
        )
        assert used.status_code == 303
        assert tokens.visitor_of_token(settings.secret_key, other.cookies.get(VISITOR_COOKIE)) is not None
        assert email in (await other.get("/footprint")).text


async def test_switching_language_keeps_the_links_token(
    world: World, client: Any, db: Database, settings: Settings
) -> None:
    """The mailed sign-in link and a venue host's join link carry a token: the language links
    of their pages keep it, so that the page read in the other language still works."""
    shop = await world.shop()
    await world.footprint(shop)
    email = f"lang-{shop.slug}@example.org"
    await client.post("/api/v1/footprint/keep", json={"email": email})
    token = await _mailed_token(db, email)
    english = await client.get(f"/footprint/sign-in?token={token}&lang=en")
    switch = re.search(r'<a href="([^"]+)" hreflang="zh-Hans"', english.text)
    assert switch
    chinese = await client.get(switch.group(1).replace("&amp;", "&"))
    assert chinese.status_code == 200
    assert email in chinese.text
    assert 'name="token" value="' + token in chinese.text
    assert '<html lang="zh-Hans">' in chinese.text

    visitor = tokens.visitor_of_token(settings.secret_key, client.cookies.get(VISITOR_COOKIE))
    assert visitor is not None
    join = tokens.host_join_token(settings.secret_key, visitor)
    offered = await client.get(f"/footprint/join?token={join}&lang=zh-Hans")
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', offered.text)
    assert switch
    english_join = await client.get(switch.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert english_join.status_code == 200  # not sent back to /footprint: the token came along
    assert f'name="token" value="{join}"' in english_join.text
    # A bad token is not carried into the language links.
    bad = await client.get("/footprint/sign-in?token=nonsense&lang=en")
    assert "nonsense" not in bad.text.split('class="langs"')[1].split("</nav>")[0]
