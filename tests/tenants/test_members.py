"""Members and invitations: who may see and change what, and the invitation link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from sqlalchemy import select, update
from tenant_flows import (
    BASE,
    PASSWORD,
    csrf,
    invite_and_join,
    last_link,
    log_in,
    outbox,
    post_form,
    second_browser,
    sign_up,
    verify,
)

from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import Invitation, Membership, Role, Tenant, User


async def _membership(db: Database, slug: str, email: str) -> Membership | None:
    async with db.platform_session() as session:
        return (
            await session.execute(
                select(Membership)
                .join(Tenant, Tenant.id == Membership.tenant_id)
                .join(User, User.id == Membership.user_id)
                .where(Tenant.slug == slug, User.email == email)
            )
        ).scalar_one_or_none()


async def test_invited_person_creates_an_account_and_joins(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    email = f"manager-{unique}@example.org"
    await invite_and_join(client, other_client, db, active_venue.slug, email, "manager")
    membership = await _membership(db, active_venue.slug, email)
    assert membership is not None
    assert membership.role == Role.MANAGER
    async with db.platform_session() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one()
        assert user.email_verified_at is not None
        invitation = (await session.execute(select(Invitation).where(Invitation.email == email))).scalar_one()
        assert invitation.accepted_at is not None
        assert len(invitation.token_hash) == 64
    # The manager reaches branding and sees members, but cannot invite.
    assert (await other_client.get(f"/venue/{active_venue.slug}/branding")).status_code == 200
    members = await other_client.get(f"/venue/{active_venue.slug}/members")
    assert members.status_code == 200
    assert "Invite someone" not in members.text
    denied = await post_form(
        other_client,
        f"/venue/{active_venue.slug}/members/invite",
        {"email": f"x-{unique}@example.org", "role": "staff"},
    )
    assert denied.status_code == 404
    # The link works once.
    link = await last_link(db, email, "invitation", r"https?://\S+/invitations/\S+")
    again = await other_client.get(link.replace(BASE, ""))
    assert again.status_code == 404
    assert "This invitation does not work" in again.text


async def test_existing_account_signs_in_to_accept_and_a_stranger_cannot(
    client: Any, other_client: Any, app: Litestar, db: Database, active_venue: Any, unique: str
) -> None:
    email = f"existing-{unique}@example.org"
    await sign_up(other_client, f"own-{unique}", email)
    await post_form(other_client, "/logout", {})

    response = await post_form(client, f"/venue/{active_venue.slug}/members/invite", {"email": email, "role": "staff"})
    assert response.status_code == 303
    path = (await last_link(db, email, "invitation", r"https?://\S+/invitations/\S+")).replace(BASE, "")

    # Not signed in: the page asks to sign in, and posting a password does not create a second account.
    page = await other_client.get(path)
    assert "sign in to accept" in page.text
    refused = await post_form(other_client, path, {"password": PASSWORD})
    assert refused.status_code == 400
    assert await _membership(db, active_venue.slug, email) is None

    # Signed in as somebody else: refused.
    async with second_browser(client) as stranger:
        await sign_up(stranger, f"stranger-{unique}", f"stranger-{unique}@example.org")
        wrong = await post_form(stranger, path, {})
        assert wrong.status_code == 400
        assert "another e-mail address" in wrong.text
    assert await _membership(db, active_venue.slug, email) is None

    await log_in(other_client, email)
    accepted = await post_form(other_client, path, {})
    assert accepted.status_code == 303
    membership = await _membership(db, active_venue.slug, email)
    assert membership is not None
    assert membership.role == Role.STAFF


async def test_expired_invitation_is_refused(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    email = f"late-{unique}@example.org"
    await post_form(client, f"/venue/{active_venue.slug}/members/invite", {"email": email, "role": "staff"})
    path = (await last_link(db, email, "invitation", r"https?://\S+/invitations/\S+")).replace(BASE, "")
    async with db.platform_session() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.email == email)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    assert (await other_client.get(path)).status_code == 404
    refused = await post_form(other_client, path, {"name": "Late", "password": PASSWORD})
    assert refused.status_code == 404
    assert await _membership(db, active_venue.slug, email) is None


async def test_invitation_input_is_checked(client: Any, db: Database, active_venue: Any, unique: str) -> None:
    bad_email = await post_form(
        client, f"/venue/{active_venue.slug}/members/invite", {"email": "nope", "role": "staff"}
    )
    assert bad_email.status_code == 400
    assert 'id="email-error"' in bad_email.text
    bad_role = await post_form(
        client, f"/venue/{active_venue.slug}/members/invite", {"email": f"r-{unique}@example.org", "role": "king"}
    )
    assert bad_role.status_code == 400
    assert 'id="role-error"' in bad_role.text
    member = await post_form(
        client, f"/venue/{active_venue.slug}/members/invite", {"email": active_venue.email, "role": "staff"}
    )
    assert member.status_code == 400
    assert "already a member" in member.text
    assert await outbox(db, f"r-{unique}@example.org") == []


async def test_roles_change_but_the_last_owner_stays(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    slug = active_venue.slug
    owner = await _membership(db, slug, active_venue.email)
    assert owner is not None
    demote = await post_form(client, f"/venue/{slug}/members/{owner.id}/role", {"role": "manager"})
    assert demote.status_code == 400
    assert "at least one owner" in demote.text
    remove = await post_form(client, f"/venue/{slug}/members/{owner.id}/remove", {"confirm": "1"})
    assert remove.status_code == 400
    # The confirmation page says so before anyone presses a button.
    asked = await client.get(f"/venue/{slug}/members/{owner.id}/remove")
    assert asked.status_code == 200
    assert "at least one owner" in asked.text
    assert 'name="confirm"' not in asked.text
    assert (await _membership(db, slug, active_venue.email)) is not None

    email = f"second-{unique}@example.org"
    await invite_and_join(client, other_client, db, slug, email, "staff")
    second = await _membership(db, slug, email)
    assert second is not None
    promoted = await post_form(client, f"/venue/{slug}/members/{second.id}/role", {"role": "owner"})
    assert promoted.status_code == 303
    # With two owners, the first may step down.
    stepped = await post_form(client, f"/venue/{slug}/members/{owner.id}/role", {"role": "staff"})
    assert stepped.status_code == 303
    refreshed = await _membership(db, slug, active_venue.email)
    assert refreshed is not None
    assert refreshed.role == Role.STAFF
    # Now staff: the members page is out of reach.
    assert (await client.get(f"/venue/{slug}/members")).status_code == 404
    # The new owner removes the former one: the button asks first, then removes.
    members = await other_client.get(f"/venue/{slug}/members")
    assert f'<a class="button danger" href="/venue/{slug}/members/{owner.id}/remove">' in members.text
    asked = await other_client.get(f"/venue/{slug}/members/{owner.id}/remove")
    assert asked.status_code == 200
    assert f"Remove {active_venue.email} from Green Hall?" in asked.text
    assert f"({active_venue.email}) can no longer open this venue&#39;s dashboard" in asked.text
    unconfirmed = await post_form(other_client, f"/venue/{slug}/members/{owner.id}/remove", {})
    assert unconfirmed.status_code == 200
    assert await _membership(db, slug, active_venue.email) is not None
    removed = await post_form(other_client, f"/venue/{slug}/members/{owner.id}/remove", {"confirm": "1"})
    assert removed.status_code == 303
    assert removed.headers["location"] == f"/venue/{slug}/members?removed=1"
    assert "The member was removed" in (await other_client.get(removed.headers["location"])).text
    assert await _membership(db, slug, active_venue.email) is None
    assert (await client.get(f"/venue/{slug}/")).status_code == 404


async def test_staff_cannot_reach_members_or_branding(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    await invite_and_join(client, other_client, db, active_venue.slug, f"staff-{unique}@example.org", "staff")
    for path in ("members", "branding", "entry-points/new"):
        response = await other_client.get(f"/venue/{active_venue.slug}/{path}")
        assert response.status_code == 404, path
    assert (await other_client.get(f"/venue/{active_venue.slug}/entry-points")).status_code == 200


async def test_withdrawn_invitation_stops_working(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    email = f"withdrawn-{unique}@example.org"
    await post_form(client, f"/venue/{active_venue.slug}/members/invite", {"email": email, "role": "staff"})
    path = (await last_link(db, email, "invitation", r"https?://\S+/invitations/\S+")).replace(BASE, "")
    async with db.platform_session() as session:
        invitation = (await session.execute(select(Invitation).where(Invitation.email == email))).scalar_one()
    response = await post_form(client, f"/venue/{active_venue.slug}/invitations/{invitation.id}/revoke", {})
    assert response.status_code == 303
    assert (await other_client.get(path)).status_code == 404


async def test_roles_read_as_labels_in_english_and_stay_chinese_in_chinese(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    slug = active_venue.slug
    await invite_and_join(client, other_client, db, slug, f"label-{unique}@example.org", "manager")
    members = await client.get(f"/venue/{slug}/members?lang=en")
    options = re.findall(r'<option value="(\w+)"[^>]*>([^<]*)</option>', members.text)
    assert set(options) == {("owner", "Owner"), ("manager", "Manager"), ("staff", "Staff")}
    assert ">owner<" not in members.text
    dashboard = await client.get(f"/venue/{slug}/?lang=en")
    assert re.search(r"Your role</dt>\s*<dd>Owner</dd>", dashboard.text), dashboard.text
    assert re.search(r"Your role</dt>\s*<dd>Manager</dd>", (await other_client.get(f"/venue/{slug}/")).text)
    assert ">Owner</td>" in (await client.get("/venue?lang=en")).text

    chinese = await client.get(f"/venue/{slug}/members?lang=zh-Hans")
    options = re.findall(r'<option value="(\w+)"[^>]*>([^<]*)</option>', chinese.text)
    assert set(options) == {("owner", "所有者"), ("manager", "管理员"), ("staff", "员工")}
    dashboard = await client.get(f"/venue/{slug}/?lang=zh-Hans")
    assert re.search(r"您的角色</dt>\s*<dd>所有者</dd>", dashboard.text)
    # A credit project's owner is another word; the venue's role is not translated as it.
    assert "业主" not in dashboard.text + chinese.text


async def test_an_owner_leaving_the_venue_is_asked_first(
    client: Any, other_client: Any, db: Database, active_venue: Any, unique: str
) -> None:
    slug = active_venue.slug
    await invite_and_join(client, other_client, db, slug, f"co-owner-{unique}@example.org", "owner")
    me = await _membership(db, slug, active_venue.email)
    assert me is not None
    asked = await client.get(f"/venue/{slug}/members/{me.id}/remove")
    assert "Leave Green Hall?" in asked.text
    assert "You can no longer open this venue&#39;s dashboard, at once." in asked.text
    left = await post_form(client, f"/venue/{slug}/members/{me.id}/remove", {"confirm": "1"})
    assert left.headers["location"] == "/venue?left=1"
    assert "You left the venue." in (await client.get("/venue?left=1")).text
    assert await _membership(db, slug, active_venue.email) is None


async def test_an_unconfirmed_owner_invites_nobody(client: Any, db: Database, unique: str) -> None:
    """Anyone can sign up with any address: until it is confirmed, no invitation (text of the
    inviter's choosing) is mailed from the account, by the page or by the API."""
    venue = await sign_up(client, f"unconfirmed-{unique}", f"unconfirmed-{unique}@example.org")
    invitee = f"invitee-{unique}@example.org"
    page = await post_form(client, f"/venue/{venue.slug}/members/invite", {"email": invitee, "role": "staff"})
    assert page.status_code == 400
    assert "Confirm your own e-mail address before inviting anyone" in page.text
    chinese = await client.post(
        f"/venue/{venue.slug}/members/invite",
        data={"email": invitee, "role": "staff", "_csrf_token": csrf(client)},
        headers={"accept-language": "zh-CN"},
    )
    assert "请先确认您自己的电子邮箱" in chinese.text
    api = await client.post(f"/api/v1/venues/{venue.slug}/invitations", json={"email": invitee, "role": "staff"})
    assert api.status_code == 403
    assert api.json()["errors"]["email"]["code"] == "inviter_unverified"
    assert await outbox(db, invitee) == []
    # Confirmed, the same owner invites.
    await verify(client, db, venue.email)
    sent = await client.post(f"/api/v1/venues/{venue.slug}/invitations", json={"email": invitee, "role": "staff"})
    assert sent.status_code == 201
    assert len(await outbox(db, invitee, "invitation")) == 1
