"""Sign-up, e-mail verification, sign-in and sign-out, through the pages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from tenant_flows import PASSWORD, last_link, log_in, outbox, post_form, sign_up, verify

from neutralpoint.database.engine import Database
from neutralpoint.tenants.audit import AuditEntry
from neutralpoint.tenants.models import Membership, Role, Tenant, TenantStatus, User


def _altered(mac: str) -> str:
    """The signature with its first character changed: never, by chance, the same."""
    return ("B" if mac.startswith("A") else "A") + mac[1:]


async def _tenant(db: Database, slug: str) -> Tenant | None:
    async with db.platform_session() as session:
        return (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()


async def test_signup_mails_a_link_that_activates_the_venue(client: Any, db: Database, unique: str) -> None:
    slug, email = f"summit-{unique}", f"Owner-{unique}@Example.org"
    await sign_up(client, slug, email)

    tenant = await _tenant(db, slug)
    assert tenant is not None
    assert tenant.status == TenantStatus.PENDING
    address = email.lower()
    async with db.platform_session() as session:
        user = (await session.execute(select(User).where(User.email == address))).scalar_one()
        assert user.password_hash.startswith("$argon2")
        assert user.email_verified_at is None
        membership = (await session.execute(select(Membership).where(Membership.user_id == user.id))).scalar_one()
        assert membership.role == Role.OWNER
        assert membership.tenant_id == tenant.id

    # Signed in straight away, the owner sees the dashboard with the pending notice.
    dashboard = await client.get(f"/venue/{slug}/?welcome=1")
    assert dashboard.status_code == 200
    assert "waiting for e-mail confirmation" in dashboard.text
    assert "Send the link again" in dashboard.text

    messages = await outbox(db, address, "verify_email")
    assert len(messages) == 1
    link = await last_link(db, address, "verify_email", r"https?://\S+/verify\?token=\S+")
    assert link.startswith("http://testserver.local/verify?token=")

    await verify(client, db, address)
    tenant = await _tenant(db, slug)
    assert tenant is not None
    assert tenant.status == TenantStatus.ACTIVE
    page = await client.get(f"/venue/{slug}/")
    assert 'class="tag ok"' in page.text
    # The public page opens once the venue is active.
    public = await client.get(f"/v/{slug}/")
    assert public.status_code == 200


async def test_a_tampered_or_foreign_token_does_not_verify(client: Any, db: Database, unique: str) -> None:
    await sign_up(client, f"tamper-{unique}", f"tamper-{unique}@example.org")
    link = await last_link(db, f"tamper-{unique}@example.org", "verify_email", r"https?://\S+/verify\?token=\S+")
    token = link.split("token=", 1)[1]
    user_hex, expires, mac = token.split(".")
    for bad in (f"{user_hex}.{int(expires) + 1}.{mac}", f"{user_hex}.{expires}.{_altered(mac)}", "garbage", ""):
        response = await client.get(f"/verify?token={bad}")
        assert response.status_code == 400
        assert "This link does not work" in response.text
    tenant = await _tenant(db, f"tamper-{unique}")
    assert tenant is not None
    assert tenant.status == TenantStatus.PENDING


async def test_resend_is_limited_to_one_message_a_minute(client: Any, db: Database, unique: str) -> None:
    email = f"resend-{unique}@example.org"
    await sign_up(client, f"resend-{unique}", email)
    response = await post_form(client, "/verify/resend", {"next": "/venue"})
    assert response.status_code == 303
    assert response.headers["location"] == "/venue?resent=1"
    # The sign-up mail is less than a minute old: no second message yet.
    assert len(await outbox(db, email, "verify_email")) == 1
    listing = await client.get("/venue?resent=1")
    assert "Please confirm your e-mail address" in listing.text


async def test_a_taken_slug_is_refused_beside_the_field(client: Any, other_client: Any, unique: str) -> None:
    await sign_up(client, f"taken-{unique}", f"first-{unique}@example.org")
    response = await post_form(
        other_client,
        "/signup",
        {"name": "Copy", "slug": f"taken-{unique}", "email": f"second-{unique}@example.org", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert 'id="slug-error"' in response.text
    assert "This address is already taken" in response.text
    assert 'id="email-error"' not in response.text


async def test_signing_up_with_a_known_address_answers_as_for_a_new_one_and_mails_its_holder(
    client: Any, other_client: Any, db: Database, unique: str
) -> None:
    email = f"known-{unique}@example.org"
    await sign_up(client, f"known-{unique}", email)
    # The same answer as a new address's: a 303 to the new venue's dashboard.
    again = await post_form(
        other_client,
        "/signup?lang=zh-Hans",
        {"name": "Copy", "slug": f"copy-{unique}", "email": email.upper(), "password": "another long password"},
    )
    assert again.status_code == 303
    assert again.headers["location"] == f"/venue/copy-{unique}/?welcome=1"
    # Nothing was created and nobody signed in: the dashboard asks to sign in.
    assert await _tenant(db, f"copy-{unique}") is None
    follow = await other_client.get(again.headers["location"], follow_redirects=False)
    assert follow.status_code == 303
    assert follow.headers["location"].startswith("/login")
    async with db.platform_session() as session:
        assert await session.scalar(select(func.count()).select_from(User).where(User.email == email)) == 1
    # The holder learns of it, in the language of the page first, with the ways in.
    [message] = await outbox(db, email, "signup_attempt")
    assert message.body_text.index("有人使用您的电子邮箱注册") < message.body_text.index("Someone tried to sign up")
    assert "http://testserver.local/login" in message.body_text
    assert "http://testserver.local/password/forgot" in message.body_text
    # A second try within the minute mails nothing more.
    await post_form(
        other_client,
        "/signup",
        {"name": "Copy", "slug": f"copy2-{unique}", "email": email, "password": "another long password"},
    )
    assert len(await outbox(db, email, "signup_attempt")) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "ab", "3 to 40 lower-case letters"),
        ("slug", "-leading", "3 to 40 lower-case letters"),
        ("slug", "has space", "3 to 40 lower-case letters"),
        ("slug", "under_score", "3 to 40 lower-case letters"),
        ("slug", "x" * 41, "3 to 40 lower-case letters"),
        ("slug", "admin", "reserved"),
        ("slug", "api", "reserved"),
        ("slug", "login", "reserved"),
        ("email", "not-an-email", "e-mail address such as"),
        ("email", "", "This field is required"),
        ("password", "short", "at least 10 characters"),
        ("name", "", "This field is required"),
        ("name", "n" * 121, "at most 120 characters"),
    ],
)
async def test_bad_signup_input_is_named_and_nothing_is_written(
    other_client: Any, db: Database, unique: str, field: str, value: str, message: str
) -> None:
    data = {"name": "Venue", "slug": f"good-{unique}", "email": f"good-{unique}@example.org", "password": PASSWORD}
    data[field] = value
    response = await post_form(other_client, "/signup", data)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert await _tenant(db, f"good-{unique}") is None
    assert await outbox(db, f"good-{unique}@example.org") == []


async def test_signup_page_answers_in_chinese(other_client: Any, unique: str) -> None:
    response = await post_form(
        other_client,
        "/signup?lang=zh-Hans",
        {"name": "", "slug": f"zh-{unique}", "email": f"zh-{unique}@example.org", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert "此项为必填项" in response.text


async def test_login_logout_and_login_required(client: Any, other_client: Any, active_venue: Any) -> None:
    slug = active_venue.slug
    anonymous = await other_client.get(f"/venue/{slug}/", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next=/venue/{slug}"
    api = await other_client.get(f"/api/v1/venues/{slug}")
    assert api.status_code == 401

    wrong = await post_form(other_client, "/login", {"email": active_venue.email, "password": "not the password"})
    assert wrong.status_code == 400
    assert "The e-mail address or the password is wrong" in wrong.text
    unknown = await post_form(other_client, "/login", {"email": "nobody-here@example.org", "password": PASSWORD})
    assert unknown.status_code == 400

    ok = await post_form(
        other_client, "/login", {"email": active_venue.email, "password": PASSWORD, "next": f"/venue/{slug}/"}
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == f"/venue/{slug}/"
    assert (await other_client.get(f"/venue/{slug}/")).status_code == 200

    out = await post_form(other_client, "/logout", {})
    assert out.status_code == 303
    assert (await other_client.get(f"/venue/{slug}/", follow_redirects=False)).status_code == 303


async def test_login_refuses_to_redirect_off_site(other_client: Any, active_venue: Any) -> None:
    response = await post_form(
        other_client, "/login", {"email": active_venue.email, "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/venue"


async def test_a_signed_in_owner_adds_a_second_venue_active_at_once(
    client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    response = await post_form(client, "/signup", {"name": "Second Hall", "slug": f"second-{unique}"})
    assert response.status_code == 303
    tenant = await _tenant(db, f"second-{unique}")
    assert tenant is not None
    assert tenant.status == TenantStatus.ACTIVE
    listing = await client.get("/venue")
    assert f"/venue/{active_venue.slug}/" in listing.text
    assert f"/venue/second-{unique}/" in listing.text


async def test_other_people_cannot_see_a_venue(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    await sign_up(other_client, f"intruder-{unique}", f"intruder-{unique}@example.org")
    for path in (f"/venue/{active_venue.slug}/", f"/venue/{active_venue.slug}/branding", "/venue/no-such-venue-here/"):
        response = await other_client.get(path, headers={"accept": "text/html"})
        assert response.status_code == 404, path
    api = await other_client.get(f"/api/v1/venues/{active_venue.slug}")
    assert api.status_code == 404


async def test_account_page_changes_name_and_password(client: Any, db: Database, active_venue: Any) -> None:
    wrong = await post_form(
        client, "/account", {"name": "Ana", "current_password": "nope", "new_password": "a new long password"}
    )
    assert wrong.status_code == 400
    assert 'id="current_password-error"' in wrong.text
    ok = await post_form(
        client, "/account", {"name": "Ana", "current_password": PASSWORD, "new_password": "a new long password"}
    )
    assert ok.status_code == 303
    await post_form(client, "/logout", {})
    await log_in(client, active_venue.email, "a new long password")
    page = await client.get("/account")
    assert 'value="Ana"' in page.text
    # The platform's audit log has the change, by the person themself; never the hash.
    async with db.platform_session() as session:
        user_id = await session.scalar(select(User.id).where(User.email == active_venue.email))
        entries = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "user", AuditEntry.entity_id == str(user_id))
            )
        ).all()
    [change] = [e for e in entries if e.action == "update"]
    assert change.actor_email == active_venue.email
    assert change.after["name"] == "Ana"
    assert change.after["password_hash"] == "[redacted]"
    assert "$argon2" not in str(change.before) + str(change.after)
