"""A venue's members and invitations: roles, inviting by e-mail, accepting, and the rule
that a venue keeps at least one owner. Expects a session scoped to the venue, except
``find_invitation``, which looks across venues by the token's hash alone."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.database.tenancy import Actor, act_as, scopes_disabled, use_tenant
from neutralpoint.refusals import Collector, FormErrors, problem
from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants import validation as check
from neutralpoint.tenants.accounts import email_taken
from neutralpoint.tenants.mail import invitation_message
from neutralpoint.tenants.models import (
    Invitation,
    Membership,
    Role,
    Tenant,
    User,
)
from neutralpoint.tenants.passwords import hash_password_async

ROLES = tuple(role.value for role in Role)


LAST_OWNER = problem(
    "last_owner",
    "A venue needs at least one owner: make someone else owner first.",
    "场所至少需要一位所有者：请先将其他成员设为所有者。",
)
INVITER_UNVERIFIED = problem(
    "inviter_unverified",
    "Confirm your own e-mail address before inviting anyone: open the link we mailed you, "
    "or have it sent again from your account page.",
    "邀请他人之前，请先确认您自己的电子邮箱：打开我们发给您的链接，或在账户页面重新发送。",
)
ALREADY_MEMBER = problem("already_member", "This person is already a member of the venue.", "此人已是该场所的成员。")


INVITATION_OTHER_EMAIL = problem(
    "invitation_other_email",
    "This invitation is for another e-mail address. Sign out, then open the link again.",
    "该邀请发给的是另一个电子邮箱。请退出登录后重新打开链接。",
)
INVITATION_SIGN_IN = problem(
    "invitation_sign_in",
    "An account with this e-mail address exists: sign in to accept the invitation.",
    "该电子邮箱已有账户：请登录后接受邀请。",
)


# --- members and invitations ----------------------------------------------------------------


async def members(session: AsyncSession) -> list[Membership]:
    rows = await session.execute(select(Membership).order_by(Membership.created_at))
    return list(rows.scalars().unique())


async def membership(session: AsyncSession, membership_id: uuid.UUID) -> Membership | None:
    rows = await session.execute(select(Membership).where(Membership.id == membership_id))
    return rows.scalars().unique().one_or_none()


async def open_invitations(session: AsyncSession) -> list[Invitation]:
    now = datetime.now(UTC)
    rows = await session.execute(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.created_at)
    )
    return list(rows.scalars())


async def invite(
    session: AsyncSession, settings: Settings, tenant: Tenant, inviter: User, raw: Mapping[str, Any], lang: str = "en"
) -> Invitation:
    """Invite someone by e-mail; inviting the same address again replaces the open invitation.

    Only an account whose own address is confirmed invites (403 otherwise): anyone can sign
    up with any address, and an invitation mails text of the inviter's choosing."""
    if inviter.email_verified_at is None:
        raise FormErrors({"email": INVITER_UNVERIFIED}, status_code=403)
    errors = Collector()
    email = check.email(errors, raw)
    role = check.choice(errors, raw, "role", ROLES)
    if "email" not in errors.errors:
        already = await session.execute(
            select(Membership.id).join(User, User.id == Membership.user_id).where(User.email == email)
        )
        if already.first() is not None:
            errors.add("email", ALREADY_MEMBER)
    errors.raise_if_any()
    for previous in (
        await session.execute(select(Invitation).where(Invitation.email == email, Invitation.accepted_at.is_(None)))
    ).scalars():
        await session.delete(previous)
    token, token_hash = tokens.new_link_token()
    invitation = Invitation(
        email=email,
        role=Role(role),
        token_hash=token_hash,
        invited_by=inviter.id,
        expires_at=datetime.now(UTC) + tokens.INVITATION_TTL,
    )
    session.add(invitation)
    link = f"{settings.base_url}/invitations/{token}"
    inviter_name = inviter.name or inviter.email
    session.add(invitation_message(email, tenant.display_name_in(lang), inviter_name, Role(role), link, lang))
    await session.flush()
    return invitation


async def revoke_invitation(session: AsyncSession, invitation_id: uuid.UUID) -> bool:
    found = (await session.execute(select(Invitation).where(Invitation.id == invitation_id))).scalar_one_or_none()
    if found is None:
        return False
    await session.delete(found)
    await session.flush()
    return True


async def find_invitation(session: AsyncSession, token: str) -> tuple[Invitation, Tenant] | None:
    """The invitation a link carries, with its venue; the session is then scoped to that venue.

    The lookup itself crosses venues (the link names no venue), by the token's hash only.
    """
    if not token or len(token) > 200:
        return None
    with scopes_disabled(session):
        row = (
            await session.execute(
                select(Invitation, Tenant)
                .join(Tenant, Tenant.id == Invitation.tenant_id)
                .where(Invitation.token_hash == tokens.link_token_hash(token))
            )
        ).first()
    if row is None:
        return None
    invitation, tenant = row
    use_tenant(session, tenant.id)
    return invitation, tenant


def invitation_open(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and invitation.expires_at > datetime.now(UTC)


async def accept_invitation(
    session: AsyncSession, invitation: Invitation, current_user: User | None, raw: Mapping[str, Any]
) -> User:
    """Join the venue: as the signed-in user with the invited address, or as a new account."""
    if current_user is not None:
        if current_user.email != invitation.email:
            raise FormErrors({"email": INVITATION_OTHER_EMAIL})
        user = current_user
    else:
        if await email_taken(session, invitation.email):
            raise FormErrors({"email": INVITATION_SIGN_IN})
        errors = Collector()
        name = check.optional_text(errors, raw, "name", rules.NAME_MAX)
        password = check.password(errors, raw)
        errors.raise_if_any()
        user = User(
            email=invitation.email,
            name=name or "",
            password_hash=await hash_password_async(password),
            # The link reached this address, which is what verification proves.
            email_verified_at=datetime.now(UTC),
        )
        session.add(user)
        await session.flush()
    # Whoever accepts joins by their own act: the audit log names them, signed in or not.
    act_as(session, Actor(user.id, user.email, invitation.role.value))
    existing = (await session.execute(select(Membership).where(Membership.user_id == user.id))).scalars().first()
    if existing is None:
        session.add(Membership(user_id=user.id, role=invitation.role))
    invitation.accepted_at = datetime.now(UTC)
    await session.flush()
    return user


async def _owner_count(session: AsyncSession) -> int:
    """Owners of the scoped venue, locked so two owners cannot demote each other at once."""
    owners = await session.execute(select(Membership.id).where(Membership.role == Role.OWNER).with_for_update())
    return len(owners.all())


async def is_last_owner(session: AsyncSession, target: Membership) -> bool:
    """Whether ``target`` is the scoped venue's only owner (who may be neither removed nor demoted)."""
    if target.role != Role.OWNER:
        return False
    owners = await session.execute(select(Membership.id).where(Membership.role == Role.OWNER).limit(2))
    return len(owners.all()) <= 1


async def change_role(session: AsyncSession, target: Membership, raw: Mapping[str, Any]) -> None:
    errors = Collector()
    role = check.choice(errors, raw, "role", ROLES)
    errors.raise_if_any()
    if target.role == Role.OWNER and role != Role.OWNER and await _owner_count(session) <= 1:
        raise FormErrors({"role": LAST_OWNER})
    target.role = Role(role)
    await session.flush()


async def remove_member(session: AsyncSession, target: Membership) -> None:
    if target.role == Role.OWNER and await _owner_count(session) <= 1:
        raise FormErrors({"member": LAST_OWNER})
    await session.delete(target)
    await session.flush()
