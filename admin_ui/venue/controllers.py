"""Venue pages: sign-up, sign-in, password reset, e-mail verification, invitations, the
account page, and the venue dashboard (branding, members, entry points, QR codes and posters).

Every page works without JavaScript: forms post, and the answer is either the same form
again with each problem beside its field (status 400, nothing written) or a 303 to the
next page. Writes run in a savepoint, so a form that fails validation halfway leaves no
trace. A venue the signed-in person does not belong to, or a page above their role, is a
404, as in the API.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.jobs.queue import JobQueue
from neutralpoint.scenarios.forms import FieldError, FormErrors
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import accounts, addresses, authentication, branding, entry_points, members, password_reset
from neutralpoint.tenants.access import PUBLIC, SIGNED_IN, VenueAccess, VenueMember
from neutralpoint.tenants.auth import current_user, sign_in, sign_out
from neutralpoint.tenants.controllers import LOGIN_FAILED
from neutralpoint.tenants.hosts import host_directory
from neutralpoint.tenants.logos import LogoRejectedError, prepare_logo
from neutralpoint.tenants.models import EntryPoint, Membership, Role, Tenant, TenantStatus, User
from neutralpoint.tenants.printables import poster_response, qr_png_response, qr_svg_response
from neutralpoint.web.i18n import LANGUAGE_NAMES, LANGUAGES
from neutralpoint_admin.venue.pages import (
    form_values,
    local_path,
    page,
    page_language,
    see_other,
    to_login,
    venue_context,
)

ROLE_ORDER = (Role.OWNER, Role.MANAGER, Role.STAFF)


def _mail_job(jobs: JobQueue) -> BackgroundTask:
    return BackgroundTask(jobs.enqueue, "send_outbox")


# --- account pages ---------------------------------------------------------------------------------


class AccountPages(Controller):
    """The way in: public, except the pages of one's own account."""

    path = "/"
    include_in_schema = False
    opt = {"access": PUBLIC}  # noqa: RUF012
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/")
    async def home(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        """The platform's front door: what it is, and the way in for a venue (``GET /api/v1`` is its twin)."""
        user = await current_user(request, db_session)
        return page(request, "venue/home.html", user=user)

    @get("/signup")
    async def signup_form(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        user = await current_user(request, db_session)
        return page(request, "venue/signup.html", user=user, values={})

    @post("/signup")
    async def signup(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Response[Any]:
        form = await request.form()
        user = await current_user(request, db_session)
        values = form_values(form, "name", "slug", "email", "password")
        lang = page_language(request)
        try:
            async with db_session.begin_nested():
                result = await accounts.signup(db_session, settings, values, current_user=user, lang=lang)
        except FormErrors as exc:
            values.pop("password")
            return page(request, "venue/signup.html", status_code=400, user=user, values=values, errors=exc.errors)
        sign_in(request, result.user)
        return see_other(f"/venue/{result.tenant.slug}/?welcome=1", background=_mail_job(jobs))

    @get("/login")
    async def login_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(
            request,
            "venue/login.html",
            values={},
            next_path=local_path(request.query_params.get("next"), ""),
            signed_out=request.query_params.get("signed_out") == "1",
        )

    @post("/login")
    async def login(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Response[Any]:
        form = await request.form()
        next_path = local_path(form.get("next"), "/venue")
        email = str(form.get("email", ""))
        try:
            user = await authentication.sign_in_attempt(db_session, email, str(form.get("password", "")))
        except authentication.SignInThrottledError as exc:
            refused = page(
                request,
                "venue/login.html",
                status_code=429,
                values={"email": email},
                next_path=form.get("next", ""),
                errors={"email": exc.error},
            )
            refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        if user is None:
            return page(
                request,
                "venue/login.html",
                status_code=400,
                values={"email": email},
                next_path=form.get("next", ""),
                errors={"password": LOGIN_FAILED},
            )
        sign_in(request, user)
        return see_other(next_path)

    @get("/password/forgot")
    async def password_forgot_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(
            request,
            "venue/password_forgot.html",
            values={},
            sent=request.query_params.get("sent") == "1",
        )

    @post("/password/forgot")
    async def password_forgot(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Response[Any]:
        """The same answer whether or not an account has the address."""
        form = await request.form()
        await password_reset.request_password_reset(
            db_session, settings, str(form.get("email", "")), page_language(request)
        )
        return see_other("/password/forgot?sent=1", background=_mail_job(jobs))

    def _reset_page(
        self,
        request: Request[Any, Any, Any],
        user: User | None,
        token: str,
        errors: dict[str, FieldError] | None = None,
    ) -> Template:
        if user is None:
            return page(request, "venue/password_reset.html", status_code=400, invalid=True)
        return page(
            request,
            "venue/password_reset.html",
            status_code=400 if errors else 200,
            invalid=False,
            token=token,
            user_email=user.email,
            errors=errors,
        )

    @get("/password/reset")
    async def password_reset_form(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Template:
        token = request.query_params.get("token") or ""
        user = await password_reset.password_reset_user(db_session, settings, token)
        return self._reset_page(request, user, token)

    @post("/password/reset")
    async def password_reset(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        form = await request.form()
        token = str(form.get("token", ""))
        values = form_values(form, "password", "password_confirm")
        try:
            async with db_session.begin_nested():
                user = await password_reset.reset_password(db_session, settings, token, values)
        except FormErrors as exc:
            if "token" in exc.errors:
                return self._reset_page(request, None, token)
            return self._reset_page(
                request, await password_reset.password_reset_user(db_session, settings, token), token, exc.errors
            )
        sign_in(request, user)
        return see_other("/venue?password_changed=1")

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        sign_out(request)
        return see_other("/login?signed_out=1")

    @get("/verify")
    async def verify(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Template:
        token = request.query_params.get("token") or ""
        user = await accounts.verify_email(db_session, settings, token) if token else None
        signed_in = await current_user(request, db_session)
        return page(
            request, "venue/verify.html", status_code=200 if user else 400, verified=user is not None, user=signed_in
        )

    @post("/verify/resend", access=SIGNED_IN)
    async def resend(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
        user: NamedDependency[User],
    ) -> Response[Any]:
        venues = await accounts.venues_of(db_session, user)
        name = next((v.tenant.display_name for v in venues if v.tenant.status == TenantStatus.PENDING), "NeutralPoint")
        await accounts.queue_verification(db_session, settings, user, name, page_language(request))
        form = await request.form()
        back = local_path(form.get("next"), "/venue")
        separator = "&" if "?" in back else "?"
        return see_other(f"{back}{separator}resent=1", background=_mail_job(jobs))

    @get("/invitations/{token:str}")
    async def invitation(
        self, token: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return await self._invitation_page(token, request, db_session)

    async def _invitation_page(
        self,
        token: str,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        *,
        errors: dict[str, FieldError] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        signed_in = await current_user(request, session)
        found = await members.find_invitation(session, token)
        if found is None or not members.invitation_open(found[0]):
            return page(request, "venue/invitation.html", status_code=404, invitation=None, user=signed_in)
        invitation, tenant = found
        has_account = (await session.execute(select(User.id).where(User.email == invitation.email))).first() is not None
        return page(
            request,
            "venue/invitation.html",
            status_code=400 if errors else 200,
            invitation=invitation,
            venue=tenant,
            brand=tenant,
            user=signed_in,
            has_account=has_account,
            token=token,
            values=values or {},
            errors=errors,
        )

    @post("/invitations/{token:str}")
    async def accept_invitation(
        self, token: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        form = await request.form()
        signed_in = await current_user(request, db_session)
        found = await members.find_invitation(db_session, token)
        if found is None or not members.invitation_open(found[0]):
            return await self._invitation_page(token, request, db_session)
        invitation, tenant = found
        values = form_values(form, "name", "password")
        try:
            async with db_session.begin_nested():
                user = await members.accept_invitation(db_session, invitation, signed_in, values)
        except FormErrors as exc:
            return await self._invitation_page(
                token, request, db_session, errors=exc.errors, values={"name": values["name"]}
            )
        sign_in(request, user)
        return see_other(f"/venue/{tenant.slug}/?joined=1")

    @get("/account", access=SIGNED_IN)
    async def account(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], user: NamedDependency[User]
    ) -> Template:
        saved = request.query_params.get("saved") == "1"
        return page(request, "venue/account.html", user=user, values={"name": user.name}, saved=saved)

    @post("/account", access=SIGNED_IN)
    async def save_account(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], user: NamedDependency[User]
    ) -> Response[Any]:
        form = await request.form()
        values = form_values(form, "name", "current_password", "new_password")
        try:
            async with db_session.begin_nested():
                await accounts.update_account(db_session, user, values)
        except FormErrors as exc:
            return page(
                request,
                "venue/account.html",
                status_code=400,
                user=user,
                values={"name": values["name"]},
                errors=exc.errors,
                saved=False,
            )
        return see_other("/account?saved=1")


# --- the venue dashboard -------------------------------------------------------------------------------


def _branding_values(tenant: Tenant, registry: ScenarioRegistry) -> dict[str, Any]:
    return {
        "display_name": tenant.display_name,
        "primary_color": tenant.primary_color,
        "default_language": tenant.default_language,
        "city": branding.city_label(tenant, "en"),
        "custom_host": tenant.custom_host or "",
        "enabled_scenarios": [s.id for s in branding.enabled_scenarios(registry, tenant)],
    }


def _entry_values(entry: EntryPoint | None) -> dict[str, Any]:
    if entry is None:
        return {
            "name": "",
            "code": "",
            "scenario": "",
            "event_name": "",
            "event_starts_on": "",
            "event_ends_on": "",
            "presets": {},
            "active": True,
        }
    return {
        "name": entry.name,
        "code": entry.code,
        "scenario": entry.scenario,
        "event_name": entry.event_name or "",
        "event_starts_on": entry.event_starts_on.isoformat() if entry.event_starts_on else "",
        "event_ends_on": entry.event_ends_on.isoformat() if entry.event_ends_on else "",
        "presets": dict(entry.presets or {}),
        "active": entry.active,
    }


def _entry_form(form: FormMultiDict) -> dict[str, Any]:
    """The posted entry-point form; presets are named ``preset__<scenario>__<field>`` and only
    those of the chosen scenario count."""
    scenario = str(form.get("scenario", ""))
    prefix = f"preset__{scenario}__"
    presets = {key[len(prefix) :]: value for key, value in form.items() if key.startswith(prefix)}
    values = {
        "name": form.get("name", ""),
        "scenario": scenario,
        "event_name": form.get("event_name", ""),
        "event_starts_on": form.get("event_starts_on", ""),
        "event_ends_on": form.get("event_ends_on", ""),
        "presets": presets,
        "active": "active" in form,
    }
    if "code" in form:
        values["code"] = form.get("code", "")
    return values


class VenuePages(Controller):
    path = "/venue"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/", access=SIGNED_IN)
    async def venues(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], user: NamedDependency[User]
    ) -> Template:
        venues = await accounts.venues_of(db_session, user)
        return page(
            request,
            "venue/list.html",
            user=user,
            venues=venues,
            pending=any(v.tenant.status == TenantStatus.PENDING for v in venues),
            resent=request.query_params.get("resent") == "1",
            password_changed=request.query_params.get("password_changed") == "1",
            left=request.query_params.get("left") == "1",
        )

    @get("/{slug:str}", access=VenueAccess(Role.STAFF))
    async def dashboard(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> Template:
        entries = await entry_points.entry_points(db_session)
        scenarios = {s.id: s for s in registry.ordered()}
        return page(
            request,
            "venue/dashboard.html",
            **venue_context(
                access,
                "dashboard",
                entries=entries,
                scenarios=scenarios,
                entry_urls={e.id: addresses.entry_url(settings, access.tenant, e) for e in entries},
                venue_url=addresses.venue_url(settings, access.tenant),
                city=branding.city_label(access.tenant, page_language(request)),
                member_count=len(await members.members(db_session)),
                welcome=request.query_params.get("welcome") == "1",
                joined=request.query_params.get("joined") == "1",
                resent=request.query_params.get("resent") == "1",
            ),
        )

    # branding

    @get("/{slug:str}/branding", access=VenueAccess(Role.MANAGER))
    async def branding(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        return self._branding_page(request, access, registry, settings, _branding_values(access.tenant, registry))

    def _branding_page(
        self,
        request: Request[Any, Any, Any],
        access: VenueMember,
        registry: ScenarioRegistry,
        settings: Settings,
        values: dict[str, Any],
        errors: dict[str, FieldError] | None = None,
    ) -> Template:
        return page(
            request,
            "venue/branding.html",
            status_code=400 if errors else 200,
            errors=errors,
            **venue_context(
                access,
                "branding",
                values=values,
                scenarios=registry.ordered(),
                languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                saved=request.query_params.get("saved") == "1",
                logo_max_kb=settings.logo_max_bytes // 1024,
            ),
        )

    @post("/{slug:str}/branding", access=VenueAccess(Role.MANAGER))
    async def save_branding(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        form = await request.form()
        values: dict[str, Any] = form_values(
            form, "display_name", "primary_color", "default_language", "city", "custom_host"
        )
        values["enabled_scenarios"] = form.getall("enabled_scenarios", [])
        upload = form.get("logo")
        try:
            async with db_session.begin_nested():
                await branding.update_branding(db_session, settings, registry, access.tenant, values)
                if isinstance(upload, UploadFile) and upload.filename:
                    content = await upload.read(settings.logo_max_bytes + 1)
                    try:
                        logo = prepare_logo(content, settings.logo_max_bytes)
                    except LogoRejectedError as exc:
                        raise FormErrors({"logo": exc.error}) from None
                    branding.set_logo(access.tenant, logo)
                elif "remove_logo" in form and access.tenant.logo_content_type:
                    branding.set_logo(access.tenant, None)
                await db_session.flush()
        except FormErrors as exc:
            await db_session.refresh(access.tenant)
            return self._branding_page(request, access, registry, settings, values, exc.errors)
        return see_other(f"/venue/{slug}/branding?saved=1", background=BackgroundTask(host_directory.invalidate))

    # members

    @get("/{slug:str}/members", access=VenueAccess(Role.MANAGER))
    async def members(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        access: NamedDependency[VenueMember],
    ) -> Template:
        return await self._members_page(request, db_session, access)

    async def _members_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
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

    @post("/{slug:str}/members/invite", access=VenueAccess(Role.OWNER))
    async def invite(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
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
        return see_other(f"/venue/{slug}/members?invited=1", background=_mail_job(jobs))

    @post("/{slug:str}/members/{member_id:uuid}/role", access=VenueAccess(Role.OWNER))
    async def change_role(
        self,
        slug: FromPath[str],
        member_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
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

    async def _member(self, session: AsyncSession, member_id: uuid.UUID) -> Membership:
        target = await members.membership(session, member_id)
        if target is None:
            raise NotFoundException()
        return target

    async def _remove_page(
        self, request: Request[Any, Any, Any], session: AsyncSession, access: VenueMember, target: Membership
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
        db_session: NamedDependency[AsyncSession],
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
        db_session: NamedDependency[AsyncSession],
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
        db_session: NamedDependency[AsyncSession],
    ) -> Response[Any]:
        if not await members.revoke_invitation(db_session, invitation_id):
            raise NotFoundException()
        return see_other(f"/venue/{slug}/members")

    # entry points

    @get("/{slug:str}/entry-points", access=VenueAccess(Role.STAFF))
    async def entry_points(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> Template:
        entries = await entry_points.entry_points(db_session)
        return page(
            request,
            "venue/entry_points.html",
            **venue_context(
                access,
                "entry_points",
                entries=entries,
                scenarios={s.id: s for s in registry.ordered()},
                enabled={s.id for s in branding.enabled_scenarios(registry, access.tenant)},
                entry_urls={e.id: addresses.entry_url(settings, access.tenant, e) for e in entries},
                saved=request.query_params.get("saved") == "1",
                deleted=request.query_params.get("deleted") == "1",
            ),
        )

    def _entry_page(
        self,
        request: Request[Any, Any, Any],
        access: VenueMember,
        registry: ScenarioRegistry,
        settings: Settings,
        entry: EntryPoint | None,
        values: dict[str, Any],
        errors: dict[str, FieldError] | None = None,
    ) -> Template:
        scenarios = branding.enabled_scenarios(registry, access.tenant)
        # Presets belong to one scenario: the one they were given (or posted, maybe wrongly) for,
        # else the saved one when editing; on a new entry point, the venue's only scenario. A new
        # entry point of a venue with several gets its presets once it is saved.
        by_id = {s.id: s for s in scenarios}
        if values.get("presets") and values.get("scenario") in by_id:
            preset_scenario: LoadedScenario | None = by_id[values["scenario"]]
        elif entry is not None:
            preset_scenario = by_id.get(entry.scenario)
        else:
            preset_scenario = scenarios[0] if len(scenarios) == 1 else None
        return page(
            request,
            "venue/entry_point_form.html",
            status_code=400 if errors else 200,
            errors=errors,
            **venue_context(
                access,
                "entry_points",
                entry=entry,
                values=values,
                scenarios=scenarios,
                preset_scenario=preset_scenario,
                preset_fields=entry_points.preset_fields(preset_scenario),
                presets_later=preset_scenario is None and any(entry_points.preset_fields(s) for s in scenarios),
                entry_url=addresses.entry_url(settings, access.tenant, entry) if entry else None,
                read_only=not access.allows(Role.MANAGER),
                saved=request.query_params.get("saved") == "1",
            ),
        )

    @get("/{slug:str}/entry-points/new", access=VenueAccess(Role.MANAGER))
    async def new_entry_point(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        values = _entry_values(None)
        scenarios = branding.enabled_scenarios(registry, access.tenant)
        if scenarios:
            values["scenario"] = scenarios[0].id
        return self._entry_page(request, access, registry, settings, None, values)

    @post("/{slug:str}/entry-points/new", access=VenueAccess(Role.MANAGER))
    async def create_entry_point(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        values = _entry_form(await request.form())
        try:
            async with db_session.begin_nested():
                entry = await entry_points.create_entry_point(db_session, registry, access.tenant, values)
        except FormErrors as exc:
            return self._entry_page(request, access, registry, settings, None, values, exc.errors)
        return see_other(f"/venue/{slug}/entry-points/{entry.id}?saved=1")

    async def _entry(self, session: AsyncSession, entry_id: uuid.UUID) -> EntryPoint:
        entry = await entry_points.entry_point(session, entry_id)
        if entry is None:
            raise NotFoundException()
        return entry

    @get("/{slug:str}/entry-points/{entry_id:uuid}", access=VenueAccess(Role.STAFF))
    async def entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        entry = await self._entry(db_session, entry_id)
        return self._entry_page(request, access, registry, settings, entry, _entry_values(entry))

    @post("/{slug:str}/entry-points/{entry_id:uuid}", access=VenueAccess(Role.MANAGER))
    async def save_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        entry = await self._entry(db_session, entry_id)
        values = _entry_form(await request.form())
        try:
            async with db_session.begin_nested():
                await entry_points.update_entry_point(db_session, registry, access.tenant, entry, values)
        except FormErrors as exc:
            await db_session.refresh(entry)
            return self._entry_page(request, access, registry, settings, entry, values, exc.errors)
        return see_other(f"/venue/{slug}/entry-points/{entry.id}?saved=1")

    def _delete_page(
        self, request: Request[Any, Any, Any], access: VenueMember, settings: Settings, entry: EntryPoint
    ) -> Template:
        """What deleting an entry point does, and the button that does it (``confirm=1``)."""
        return page(
            request,
            "venue/confirm.html",
            **venue_context(
                access, "entry_points", entry=entry, entry_url=addresses.entry_url(settings, access.tenant, entry)
            ),
        )

    @get("/{slug:str}/entry-points/{entry_id:uuid}/delete", access=VenueAccess(Role.MANAGER))
    async def confirm_delete_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        entry = await self._entry(db_session, entry_id)
        return self._delete_page(request, access, settings, entry)

    @post("/{slug:str}/entry-points/{entry_id:uuid}/delete", access=VenueAccess(Role.MANAGER))
    async def delete_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        """Deletes only with ``confirm=1`` (the confirmation page's button); otherwise that page."""
        entry = await self._entry(db_session, entry_id)
        form = await request.form()
        if form.get("confirm") != "1":
            return self._delete_page(request, access, settings, entry)
        await entry_points.delete_entry_point(db_session, entry)
        return see_other(f"/venue/{slug}/entry-points?deleted=1")

    @get("/{slug:str}/entry-points/{entry_id:uuid}/qr.svg", access=VenueAccess(Role.STAFF))
    async def qr_svg(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
        scale: FromQuery[int] = 8,
        download: FromQuery[bool] = False,
    ) -> Response[bytes]:
        entry = await self._entry(db_session, entry_id)
        return qr_svg_response(settings, access.tenant, entry, scale, download)

    @get("/{slug:str}/entry-points/{entry_id:uuid}/qr.png", access=VenueAccess(Role.STAFF))
    async def qr_png(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
        scale: FromQuery[int] = 10,
        download: FromQuery[bool] = False,
    ) -> Response[bytes]:
        entry = await self._entry(db_session, entry_id)
        return qr_png_response(settings, access.tenant, entry, scale, download)

    @get("/{slug:str}/entry-points/{entry_id:uuid}/poster.pdf", access=VenueAccess(Role.STAFF))
    async def poster(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
        size: FromQuery[str] = "A4",
        download: FromQuery[bool] = False,
    ) -> Response[bytes]:
        entry = await self._entry(db_session, entry_id)
        return await poster_response(db_session, settings, access.tenant, entry, size, download)


route_handlers: list[Any] = [AccountPages, VenuePages]
