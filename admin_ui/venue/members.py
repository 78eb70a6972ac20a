"""A venue's members and invitations: inviting, changing a role, removing, withdrawing."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.settings import Settings
from neutralpoint.tenants import members
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember
from neutralpoint_admin.venue.pages import (
    form_values,
    mail_job,
    page,
    page_language,
    see_other,
    to_login,
    venue_context,
)

if TYPE_CHECKING:
    from neutralpoint.tenants.models import Membership


ROLE_ORDER = (Role.OWNER, Role.MANAGER, Role.STAFF)


class MemberPages(Controller):
    path = "/venue"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/{slug:str}/members", access=VenueAccess(Role.MANAGER))
    async def members(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        access: NamedDependency[VenueMember],
    ) -> Template:
        return await self._members_page(request, db_session, access)

    async def _members_page(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        access: VenueMember,
        *,
        errors: dict[str, FieldError] | None = None,
        values: dict[str, Any] | None = None,
        error_member: uuid.UUID | None = None,
    ) -> Template:
        return page(
            request,
            "venue/members.html",
            status_code=400 if errors else 200,
            errors=errors,
            **venue_context(
                access,
                "members",
                members=await members.members(session),
                invitations=await members.open_invitations(session),
                roles=ROLE_ORDER,
                values=values or {"role": Role.STAFF.value},
                error_member=error_member,
                invited=request.query_params.get("invited") == "1",
                removed=request.query_params.get("removed") == "1",
            ),
        )

    @post("/{slug:str}/members/invite", access=VenueAccess(Role.OWNER), rate_limit="invitations")
    async def invite(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        form = await request.form()
        values = form_values(form, "email", "role")
        try:
            async with db_session.begin_nested():
                await members.invite(
                    db_session,
                    settings,
                    access.tenant,
                    access.user,
                    values,
                    page_language(request, access.tenant.default_language),
                )
        except FormErrors as exc:
            return await self._members_page(request, db_session, access, errors=exc.errors, values=values)
        return see_other(f"/venue/{slug}/members?invited=1", background=mail_job(jobs))

    @post("/{slug:str}/members/{member_id:uuid}/role", access=VenueAccess(Role.OWNER))
    async def change_role(
        self,
        slug: FromPath[str],
        member_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        target = await members.membership(db_session, member_id)
        if target is None:
            raise NotFoundException()
        form = await request.form()
        try:
            async with db_session.begin_nested():
                await members.change_role(db_session, target, {"role": form.get("role", "")})
        except FormErrors as exc:
            await db_session.refresh(target)
            return await self._members_page(request, db_session, access, errors=exc.errors, error_member=member_id)
        return see_other(f"/venue/{slug}/members")

    async def _member(self, session: DbSession, member_id: uuid.UUID) -> Membership:
        target = await members.membership(session, member_id)
        if target is None:
            raise NotFoundException()
        return target

    async def _remove_page(
        self, request: Request[Any, Any, Any], session: DbSession, access: VenueMember, target: Membership
    ) -> Template:
        """What removing a member does, and the button that does it (``confirm=1``)."""
        last_owner = await members.is_last_owner(session, target)
        return page(
            request,
            "venue/confirm.html",
            errors={"member": members.LAST_OWNER} if last_owner else None,
            **venue_context(access, "members", member=target, removing_self=target.user_id == access.user.id),
        )

    @get("/{slug:str}/members/{member_id:uuid}/remove", access=VenueAccess(Role.OWNER))
    async def confirm_remove_member(
        self,
        slug: FromPath[str],
        member_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        access: NamedDependency[VenueMember],
    ) -> Template:
        target = await self._member(db_session, member_id)
        return await self._remove_page(request, db_session, access, target)

    @post("/{slug:str}/members/{member_id:uuid}/remove", access=VenueAccess(Role.OWNER))
    async def remove_member(
        self,
        slug: FromPath[str],
        member_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        """Removes only with ``confirm=1`` (the confirmation page's button); otherwise that page."""
        target = await self._member(db_session, member_id)
        form = await request.form()
        if form.get("confirm") != "1":
            return await self._remove_page(request, db_session, access, target)
        removing_self = target.user_id == access.user.id
        try:
            async with db_session.begin_nested():
                await members.remove_member(db_session, target)
        except FormErrors as exc:
            return await self._members_page(request, db_session, access, errors=exc.errors, error_member=member_id)
        return see_other("/venue?left=1" if removing_self else f"/venue/{slug}/members?removed=1")

    @post("/{slug:str}/invitations/{invitation_id:uuid}/revoke", access=VenueAccess(Role.OWNER))
    async def revoke(
        self,
        slug: FromPath[str],
        invitation_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
    ) -> Response[Any]:
        if not await members.revoke_invitation(db_session, invitation_id):
            raise NotFoundException()
        return see_other(f"/venue/{slug}/members")
