"""Venue routes: the public logo and venue page, and the JSON API under ``/api/v1``.

The API authenticates with the same session cookie as the pages (``POST /api/v1/login``;
a call that changes something on it, or signs in, must be JSON from the platform's own
origin: ``neutralpoint.web.cross_site``) and follows the same rules: a venue you do not
belong to, or an object of it, is a 404; bad input is a 400 with
``{"errors": {field: {"code", "message": {"en", "zh-Hans"}}}}`` and nothing written. The
dashboard pages live in ``neutralpoint_admin.venue``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.tenancy import use_tenant
from neutralpoint.geography import load_cities
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.refusals import FieldError, FieldValidationError, FormErrors, problem
from neutralpoint.settings import Settings
from neutralpoint.tenants import (
    accounts,
    addresses,
    authentication,
    branding,
    entry_points,
    members,
    password_reset,
    schemas,
)
from neutralpoint.tenants.access import PUBLIC, SIGNED_IN, VenueAccess, VenueMember
from neutralpoint.tenants.auth import LOGIN_FAILED, begin_sign_in, current_user, end_other_sessions, sign_in, sign_out
from neutralpoint.tenants.hosts import SCOPE_KEY, host_directory
from neutralpoint.tenants.logos import SVG, SVG_CSP, prepare_logo
from neutralpoint.tenants.models import EntryPoint, Invitation, Membership, Role, Tenant, TenantStatus, User
from neutralpoint.tenants.printables import poster_response, qr_response
from neutralpoint.tenants.suspension import refuse_if_suspended
from neutralpoint.web.api_errors import ErrorsOut, refusal_response
from neutralpoint.web.cross_site import FORM_OPT, STARTS_SESSION_OPT
from neutralpoint.web.i18n import choose_language
from neutralpoint.web.templating import render

if TYPE_CHECKING:
    # The venues domain does not import the scenarios domain: the registry is handed in.
    from neutralpoint.scenarios.manager import ScenarioRegistry

TOKEN_INVALID = problem(
    "token_invalid",
    "This link is not valid any more. Sign in and ask for a new one.",
    "该链接已失效。请登录后重新获取。",
)
LOGIN_RESPONSES = {
    200: ResponseSpec(data_container=schemas.MeOut, description="Signed in: the account and its venues"),
    400: ResponseSpec(data_container=ErrorsOut, description="Wrong e-mail address or password"),
    429: ResponseSpec(
        data_container=ErrorsOut,
        description="Too many failed sign-ins from this client lately; see the Retry-After header",
    ),
}
SECOND_STEP_RESPONSE = {
    202: ResponseSpec(
        data_container=schemas.SecondStepOut,
        description="Right password; the account has two-step sign-in: send the code to /api/v1/login/second-factor",
    )
}
LOGIN_RESPONSES = {**LOGIN_RESPONSES, **SECOND_STEP_RESPONSE}
RESET_REQUESTED = "If an account exists for that address, we sent a link to choose a new password. It works for 1 hour."
YEAR = "public, max-age=31536000, immutable"


# --- conversions ----------------------------------------------------------------------------------


def user_out(user: User) -> schemas.UserOut:
    return schemas.UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        email_verified=user.email_verified_at is not None,
        is_platform_admin=user.is_platform_admin,
    )


def second_step_out() -> schemas.SecondStepOut:
    return schemas.SecondStepOut(
        second_factor_required=True,
        message="Enter the code from your authenticator app (or a recovery code) within 5 minutes.",
    )


def venue_summary(settings: Settings, tenant: Tenant, role: Role) -> schemas.VenueSummary:
    return schemas.VenueSummary(
        slug=tenant.slug,
        name=tenant.name,
        display_name=tenant.display_name,
        status=tenant.status.value,
        role=role.value,
        dashboard_url=f"{settings.base_url}/venue/{tenant.slug}/",
        suspended_reason=tenant.suspended_reason if tenant.status == TenantStatus.SUSPENDED else None,
    )


def decoy_user(email: str) -> schemas.UserOut:
    """A new account's answer for an address that already has one: it names no stored user."""
    return schemas.UserOut(id=uuid.uuid4(), email=email, name="", email_verified=False, is_platform_admin=False)


def pending_summary(settings: Settings, slug: str, name: str) -> schemas.VenueSummary:
    """A new pending venue's summary, for a sign-up that created none (the address had an account)."""
    return schemas.VenueSummary(
        slug=slug,
        name=name,
        display_name=name,
        status=TenantStatus.PENDING.value,
        role=Role.OWNER.value,
        dashboard_url=f"{settings.base_url}/venue/{slug}/",
    )


def venue_out(settings: Settings, registry: ScenarioRegistry, tenant: Tenant) -> schemas.VenueOut:
    location = None
    city = load_cities().by_id(tenant.city_id) if tenant.city_id is not None else None
    if city is not None and tenant.latitude and tenant.longitude:
        location = schemas.Location(
            city_id=city.id,
            city=city.name_en,
            city_zh=city.name_zh,
            latitude=tenant.latitude,
            longitude=tenant.longitude,
        )
    logo = addresses.logo_path(tenant)
    return schemas.VenueOut(
        slug=tenant.slug,
        name=tenant.name,
        display_name=tenant.display_name,
        display_name_en=tenant.display_name_en,
        display_name_zh_hans=tenant.display_name_zh_hans,
        status=tenant.status.value,
        contact_email=tenant.contact_email,
        primary_color=tenant.primary_color,
        default_language=tenant.default_language,
        time_zone=tenant.time_zone,
        location=location,
        custom_host=tenant.custom_host,
        enabled_scenarios=[s.id for s in branding.enabled_scenarios(registry, tenant)],
        logo_url=f"{settings.base_url}{logo}" if logo else None,
        logo_content_type=tenant.logo_content_type,
        logo_on_posters=addresses.logo_on_posters(tenant),
        public_url=addresses.venue_url(settings, tenant),
        is_demo=tenant.is_demo,
        pending_host=tenant.host_claim,
    )


def entry_point_out(settings: Settings, tenant: Tenant, entry: EntryPoint) -> schemas.EntryPointOut:
    api = f"{settings.base_url}/api/v1/venues/{tenant.slug}/entry-points/{entry.id}"
    return schemas.EntryPointOut(
        id=entry.id,
        code=entry.code,
        name=entry.name_in(tenant.default_language),
        name_en=entry.name_en,
        name_zh_hans=entry.name_zh_hans,
        scenario=entry.scenario,
        event_name=entry.event_name_in(tenant.default_language),
        event_name_en=entry.event_name_en,
        event_name_zh_hans=entry.event_name_zh_hans,
        event_starts_on=entry.event_starts_on,
        event_ends_on=entry.event_ends_on,
        presets=dict(entry.presets or {}),
        active=entry.active,
        public_url=addresses.entry_point_url(settings, tenant, entry),
        qr_svg_url=f"{api}/qr.svg",
        qr_png_url=f"{api}/qr.png",
        poster_url=f"{api}/poster.pdf",
        created_at=entry.created_at,
    )


def member_out(member: Membership) -> schemas.MemberOut:
    return schemas.MemberOut(
        id=member.id,
        user_id=member.user_id,
        email=member.user.email,
        name=member.user.name,
        role=member.role.value,
        created_at=member.created_at,
    )


def invitation_out(invitation: Invitation) -> schemas.InvitationOut:
    return schemas.InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role.value,
        expires_at=invitation.expires_at,
        accepted=invitation.accepted_at is not None,
    )


def send_mail_after_commit(jobs: JobQueue) -> BackgroundTask:
    """Enqueue the outbox job once the response is out, i.e. after the transaction committed."""
    return BackgroundTask(jobs.enqueue, "send_outbox")


# --- error answers -------------------------------------------------------------------------------


def field_errors(
    errors: dict[str, FieldError], status_code: int, headers: dict[str, str] | None = None
) -> Response[Any]:
    """The 400 answer's shape, returned rather than raised so that the transaction commits."""
    return refusal_response(FormErrors(errors, status_code=status_code), headers)


# --- public pages -------------------------------------------------------------------------------


@get("/v/{slug:str}/logo", tags=["public"], exclude_from_csrf=True, summary="A venue's logo", access=PUBLIC)
async def venue_logo(
    slug: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    version: Annotated[int | None, QueryParameter(name="v")] = None,
) -> Response[bytes]:
    """PNG or SVG; with ``?v=<logo_version>`` (as pages link it) it may be cached for a year."""
    async with state.db.engine.connect() as conn:
        row = (
            await conn.execute(
                select(Tenant.logo, Tenant.logo_content_type, Tenant.logo_version).where(
                    Tenant.slug == slug, Tenant.status != TenantStatus.SUSPENDED
                )
            )
        ).first()
    if row is None or row.logo is None or not row.logo_content_type:
        raise NotFoundException()
    etag = f'"logo-{slug}-{row.logo_version}"'
    headers = {
        "Cache-Control": YEAR if version == row.logo_version else "public, max-age=300",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
    }
    if row.logo_content_type == SVG:
        headers["Content-Security-Policy"] = SVG_CSP
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(bytes(row.logo), media_type=row.logo_content_type, headers=headers)


def _reader_language(request: Request[Any, Any, Any], tenant: Tenant, chosen: str | None = None) -> str:
    return choose_language(
        chosen or request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
        tenant.default_language,
    )


async def _public_venue(session: AsyncSession, slug: str) -> tuple[Tenant, list[EntryPoint]]:
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
    if tenant is not None:
        refuse_if_suspended(tenant)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        raise NotFoundException()
    use_tenant(session, tenant.id)
    entries = (
        await session.execute(
            select(EntryPoint).where(EntryPoint.active.is_(True)).order_by(EntryPoint.event_starts_on, EntryPoint.name)
        )
    ).scalars()
    return tenant, list(entries)


@get("/v/{slug:str}", include_in_schema=False, exclude_from_csrf=True, access=PUBLIC)
async def public_venue_page(
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Template:
    """The venue's own page: its brand and its active entry points."""
    tenant, entries = await _public_venue(db_session, slug)
    lang = _reader_language(request, tenant)
    on_own_host = request.scope.get("state", {}).get(SCOPE_KEY) == tenant.slug
    links = {entry.id: (f"/{entry.code}" if on_own_host else f"/v/{tenant.slug}/{entry.code}") for entry in entries}
    response = render(
        request,
        "tenants/public_venue.html",
        lang=lang,
        brand=tenant,
        venue=tenant,
        entries=entries,
        links=links,
        home_url="/" if on_own_host else f"/v/{tenant.slug}/",
        logo_url=addresses.logo_path(tenant),
        city=branding.city_label(tenant, lang),
        headers={"Cache-Control": "public, max-age=60", "Vary": "Accept-Language, Cookie"},
    )
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


@get("/api/v1/public/venues/{slug:str}", tags=["public"], summary="A venue's public page, as JSON", access=PUBLIC)
async def public_venue_api(
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    lang: Annotated[str | None, QueryParameter(description="en or zh-Hans")] = None,
) -> schemas.PublicVenueOut:
    tenant, entries = await _public_venue(db_session, slug)
    reader = _reader_language(request, tenant, lang)
    logo = addresses.logo_path(tenant)
    return schemas.PublicVenueOut(
        slug=tenant.slug,
        display_name=tenant.display_name_in(reader),
        lang=reader,
        primary_color=tenant.primary_color,
        default_language=tenant.default_language,
        time_zone=tenant.time_zone,
        logo_url=f"{settings.base_url}{logo}" if logo else None,
        url=addresses.venue_url(settings, tenant),
        entry_points=[
            schemas.PublicEntryPoint(
                code=entry.code,
                name=entry.name_in(reader),
                scenario=entry.scenario,
                event_name=entry.event_name_in(reader),
                event_starts_on=entry.event_starts_on,
                event_ends_on=entry.event_ends_on,
                url=addresses.entry_point_url(settings, tenant, entry),
            )
            for entry in entries
        ],
    )


# --- account API ---------------------------------------------------------------------------------


async def _me(request: Request[Any, Any, Any], session: AsyncSession, settings: Settings, user: User) -> schemas.MeOut:
    venues = await accounts.venues_of(session, user)
    return schemas.MeOut(user=user_out(user), venues=[venue_summary(settings, v.tenant, v.role) for v in venues])


class AccountApi(Controller):
    """Signing up, in and out, and the links mailed to a person: public, except ``/me``."""

    path = "/api/v1"
    tags = ["account"]  # noqa: RUF012
    opt = {"access": PUBLIC}  # noqa: RUF012

    @post(
        "/signup",
        status_code=201,
        summary="Sign up a venue",
        opt={STARTS_SESSION_OPT: True},
        rate_limit="sign_up",
    )
    async def signup(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.SignupIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Response[schemas.SignupOut]:
        """Creates the venue (pending), its owner, and mails a link to confirm the address.

        When already signed in, ``email`` and ``password`` are ignored and the venue is
        added to the signed-in account (active at once if its address is confirmed).

        An address that already has an account gets the same answer, status and shape
        (``user`` then describes no stored account), but nothing is created and nobody is
        signed in: its holder is mailed that someone tried to sign up, with links to sign
        in and to reset the password."""
        signed_in = await current_user(request, db_session)
        result = await accounts.signup(
            db_session, settings, schemas.present(data), current_user=signed_in, lang=data.language
        )
        if result.user is None or result.tenant is None:
            user, venue = decoy_user(result.email), pending_summary(settings, result.slug, result.name)
        else:
            sign_in(request, result.user)
            user, venue = user_out(result.user), venue_summary(settings, result.tenant, Role.OWNER)
        return Response(
            schemas.SignupOut(
                user=user,
                venue=venue,
                message="Check your e-mail to confirm the address and activate the venue."
                if venue.status == TenantStatus.PENDING.value
                else "The venue is active.",
            ),
            status_code=201,
            background=send_mail_after_commit(jobs),
        )

    @post(
        "/login",
        status_code=200,
        responses=LOGIN_RESPONSES,
        summary="Sign in (sets the session cookie)",
        opt={STARTS_SESSION_OPT: True},
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.LoginIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[schemas.MeOut | schemas.SecondStepOut]:
        """With two-step sign-in on, a right password answers 202 and signs nobody in: the
        code completes it (``POST /api/v1/login/second-factor``), throttled as passwords are.

        Whoever keeps failing waits (429 with Retry-After, even with the right password):
        after 3 failures for one address from one client, 1 s, then 2 s, 4 s, … up to 15
        minutes; after 10 failures from one client whatever the address, likewise; and every
        client that failed on an address with 10 recent failures waits at least 30 s. A client
        that never failed on an address is not refused for it, so its holder gets in while
        someone else guesses. Unknown addresses answer alike. Success forgets this client's
        failures for the address."""
        try:
            user = await authentication.sign_in_attempt(
                db_session, data.email, data.password, request.client.host if request.client else ""
            )
        except authentication.SignInThrottledError as exc:
            return field_errors({"email": exc.error}, 429, {"Retry-After": str(exc.retry_after)})
        if user is None:
            # Answered, not raised: the failure just recorded must be committed.
            return field_errors({"password": LOGIN_FAILED}, 400)
        if not begin_sign_in(request, user):
            return Response(second_step_out(), status_code=202)
        return Response(await _me(request, db_session, settings, user))

    @post("/logout", status_code=204, summary="Sign out")
    async def logout(self, request: Request[Any, Any, Any]) -> None:
        sign_out(request)

    @get("/me", summary="Who is signed in, and their venues", access=SIGNED_IN)
    async def me(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> schemas.MeOut:
        return await _me(request, db_session, settings, user)

    @patch("/me", summary="Change one's name or password", access=SIGNED_IN)
    async def update_me(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.AccountIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> schemas.MeOut:
        """The account page's twin. A ``new_password`` needs the ``current_password`` and
        ends every other session of the account; this one goes on under a new cookie."""
        values = schemas.present(data)
        values.setdefault("name", user.name)
        if await accounts.update_account(db_session, user, values):
            end_other_sessions(request, user)
        return await _me(request, db_session, settings, user)

    @post(
        "/account/sign-out-everywhere",
        status_code=204,
        summary="End every session of the account, this one included",
        access=SIGNED_IN,
    )
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], user: NamedDependency[User]
    ) -> None:
        """For a lost phone or a shared computer: every browser signed in to the account,
        this one too, must sign in again."""
        await accounts.end_all_sessions(db_session, user)
        sign_out(request)

    @post("/verify", status_code=200, summary="Confirm an e-mail address")
    async def verify(
        self,
        data: JSONBody[schemas.VerifyIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> schemas.UserOut:
        """The ``token`` from the link in the verification e-mail; activates the owner's venues."""
        user = await accounts.verify_email(db_session, settings, data.token)
        if user is None:
            raise FormErrors({"token": TOKEN_INVALID})
        return user_out(user)

    @post(
        "/verify/resend",
        status_code=202,
        summary="Mail a new verification link",
        access=SIGNED_IN,
        rate_limit="verification_mail",
    )
    async def resend(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
        user: NamedDependency[User],
    ) -> Response[schemas.Queued]:
        """At most one message a minute; ``queued`` says whether one was."""
        venues = await accounts.venues_of(db_session, user)
        name = next((v.tenant.display_name for v in venues if v.tenant.status == TenantStatus.PENDING), "NeutralPoint")
        queued = await accounts.queue_verification(db_session, settings, user, name)
        return Response(schemas.Queued(queued=queued), status_code=202, background=send_mail_after_commit(jobs))

    @post(
        "/account/password-reset",
        status_code=202,
        summary="Mail a link to choose a new password",
        rate_limit="password_reset",
    )
    async def password_reset(
        self,
        data: JSONBody[schemas.PasswordResetIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Response[schemas.PasswordResetRequested]:
        """Always 202 with the same message, whether or not an account has the address; the
        link works for 1 hour and only once. At most one message a minute per address."""
        await password_reset.request_password_reset(db_session, settings, data.email, data.language)
        return Response(
            schemas.PasswordResetRequested(message=RESET_REQUESTED),
            status_code=202,
            background=send_mail_after_commit(jobs),
        )

    @post(
        "/account/password-reset/confirm",
        status_code=200,
        summary="Choose a new password with the link's token",
        opt={STARTS_SESSION_OPT: True},
        rate_limit="password_reset",
        responses={
            200: ResponseSpec(data_container=schemas.UserOut, description="New password stored; signed in"),
            **SECOND_STEP_RESPONSE,
        },
    )
    async def password_reset_confirm(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.PasswordResetConfirmIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[schemas.UserOut | schemas.SecondStepOut]:
        """Stores the new password (same rules as sign-up) and signs in; with two-step sign-in
        on, 202: the code completes the sign-in (``POST /api/v1/login/second-factor``). A
        ``token`` that has expired, was used already or was forged is a 400 on ``token``; a
        weak password, on ``password``."""
        user = await password_reset.reset_password(db_session, settings, data.token, {"password": data.password})
        if not begin_sign_in(request, user):
            return Response(second_step_out(), status_code=202)
        return Response(user_out(user))

    @get("/invitations/{token:str}", summary="What an invitation link offers")
    async def invitation(
        self, token: FromPath[str], db_session: NamedDependency[AsyncSession]
    ) -> schemas.InvitationInfo:
        found = await members.find_invitation(db_session, token)
        if found is None or not members.invitation_open(found[0]):
            raise NotFoundException()
        invitation, tenant = found
        account = await db_session.execute(select(User.id).where(User.email == invitation.email))
        return schemas.InvitationInfo(
            venue=tenant.display_name,
            email=invitation.email,
            role=invitation.role.value,
            expires_at=invitation.expires_at,
            has_account=account.first() is not None,
        )

    @post(
        "/invitations/{token:str}/accept",
        status_code=200,
        summary="Accept an invitation",
        opt={STARTS_SESSION_OPT: True},
        rate_limit="invitations",
    )
    async def accept(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.AcceptInvitationIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> schemas.InvitationAccepted:
        """Signed in with the invited address: joins at once. Without an account: send a
        ``password`` (and a ``name``) to create one. Signs in either way."""
        signed_in = await current_user(request, db_session)
        found = await members.find_invitation(db_session, token)
        if found is None or not members.invitation_open(found[0]):
            raise NotFoundException()
        invitation, tenant = found
        user = await members.accept_invitation(db_session, invitation, signed_in, schemas.present(data))
        sign_in(request, user)
        return schemas.InvitationAccepted(venue=venue_summary(settings, tenant, invitation.role), user=user_out(user))


# --- venue API -----------------------------------------------------------------------------------------


class VenueApi(Controller):
    """A venue's own data; each route declares the least role it needs (staff by default)."""

    path = "/api/v1/venues"
    tags = ["venues"]  # noqa: RUF012
    opt = {"access": VenueAccess(Role.STAFF)}  # noqa: RUF012

    @get("/", summary="My venues", access=SIGNED_IN)
    async def list_venues(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> list[schemas.VenueSummary]:
        return [venue_summary(settings, v.tenant, v.role) for v in await accounts.venues_of(db_session, user)]

    @get("/{slug:str}", summary="A venue and its branding")
    async def get_venue(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> schemas.VenueOut:
        return venue_out(settings, registry, access.tenant)

    @patch(
        "/{slug:str}",
        summary="Change a venue's branding (manager)",
        access=VenueAccess(Role.MANAGER),
    )
    async def patch_venue(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.BrandingPatch],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> Response[schemas.VenueOut]:
        await branding.update_branding(db_session, settings, registry, access.tenant, schemas.present(data))
        return Response(
            venue_out(settings, registry, access.tenant), background=BackgroundTask(host_directory.invalidate)
        )

    @put(
        "/{slug:str}/logo",
        summary="Upload the venue's logo (manager)",
        access=VenueAccess(Role.MANAGER),
        opt={FORM_OPT: True},
    )
    async def put_logo(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        data: MultipartBody[schemas.LogoUpload],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> schemas.VenueOut:
        """Multipart field ``file``: PNG, JPEG or WebP (stored as PNG, at most 512 px) or a
        safe SVG; the type is read from the content, not the file name."""
        upload: UploadFile = data.file
        content = await upload.read(settings.logo_max_bytes + 1)
        try:
            logo = prepare_logo(content, settings.logo_max_bytes)
        except FieldValidationError as exc:
            raise FormErrors({"logo": exc.error}) from None
        branding.set_logo(access.tenant, logo)
        await db_session.flush()
        return venue_out(settings, registry, access.tenant)

    @delete(
        "/{slug:str}/logo",
        status_code=200,
        summary="Remove the venue's logo (manager)",
        access=VenueAccess(Role.MANAGER),
    )
    async def delete_logo(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> schemas.VenueOut:
        branding.set_logo(access.tenant, None)
        await db_session.flush()
        return venue_out(settings, registry, access.tenant)

    # entry points

    @get("/{slug:str}/entry-points", summary="Entry points")
    async def list_entry_points(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> list[schemas.EntryPointOut]:
        """Every entry point with its settings. (Visitors' public view of one is
        ``/api/v1/public/venues/{slug}/entry-points/{code}``.)"""
        return [entry_point_out(settings, access.tenant, e) for e in await entry_points.entry_points(db_session)]

    @post(
        "/{slug:str}/entry-points",
        status_code=201,
        summary="Create an entry point (manager)",
        access=VenueAccess(Role.MANAGER),
    )
    async def create_entry_point(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.EntryPointIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> schemas.EntryPointOut:
        """``presets`` may fix the answer of any choice field of the scenario's form."""
        entry = await entry_points.create_entry_point(db_session, registry, access.tenant, schemas.present(data))
        return entry_point_out(settings, access.tenant, entry)

    async def _entry_point_or_404(self, session: AsyncSession, entry_id: uuid.UUID) -> EntryPoint:
        entry = await entry_points.entry_point(session, entry_id)
        if entry is None:
            raise NotFoundException()
        return entry

    @get("/{slug:str}/entry-points/{entry_id:uuid}", summary="One entry point")
    async def get_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> schemas.EntryPointOut:
        tenant, entry = access.tenant, await self._entry_point_or_404(db_session, entry_id)
        return entry_point_out(settings, tenant, entry)

    @patch(
        "/{slug:str}/entry-points/{entry_id:uuid}",
        summary="Change an entry point (manager)",
        access=VenueAccess(Role.MANAGER),
    )
    async def patch_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.EntryPointPatch],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> schemas.EntryPointOut:
        tenant, entry = access.tenant, await self._entry_point_or_404(db_session, entry_id)
        await entry_points.update_entry_point(db_session, registry, tenant, entry, schemas.present(data))
        return entry_point_out(settings, tenant, entry)

    @delete(
        "/{slug:str}/entry-points/{entry_id:uuid}",
        status_code=204,
        summary="Delete an entry point (manager)",
        access=VenueAccess(Role.MANAGER),
    )
    async def delete_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> None:
        """Printed codes stop working; setting ``active`` to false keeps the code for later."""
        entry = await self._entry_point_or_404(db_session, entry_id)
        await entry_points.delete_entry_point(db_session, entry)

    @get("/{slug:str}/entry-points/{entry_id:uuid}/qr.svg", media_type="image/svg+xml", summary="QR code (SVG)")
    async def qr_svg(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
        scale: Annotated[int, QueryParameter(ge=1, le=40)] = 8,
        download: FromQuery[bool] = False,
    ) -> Response[bytes]:
        tenant, entry = access.tenant, await self._entry_point_or_404(db_session, entry_id)
        return qr_response(settings, tenant, entry, "svg", scale, download)

    @get("/{slug:str}/entry-points/{entry_id:uuid}/qr.png", media_type="image/png", summary="QR code (PNG)")
    async def qr_png(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
        scale: Annotated[int, QueryParameter(ge=1, le=40)] = 10,
        download: FromQuery[bool] = False,
    ) -> Response[bytes]:
        tenant, entry = access.tenant, await self._entry_point_or_404(db_session, entry_id)
        return qr_response(settings, tenant, entry, "png", scale, download)

    @get("/{slug:str}/entry-points/{entry_id:uuid}/poster.pdf", media_type="application/pdf", summary="Poster (PDF)")
    async def poster(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
        size: Annotated[str, QueryParameter(pattern="^(A4|A5|a4|a5)$")] = "A4",
        download: FromQuery[bool] = False,
    ) -> Response[bytes]:
        tenant, entry = access.tenant, await self._entry_point_or_404(db_session, entry_id)
        return await poster_response(db_session, settings, tenant, entry, size, download)

    # members

    @get("/{slug:str}/members", summary="Members and open invitations (manager)", access=VenueAccess(Role.MANAGER))
    async def list_members(
        self, slug: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> schemas.MembersOut:
        return schemas.MembersOut(
            members=[member_out(m) for m in await members.members(db_session)],
            invitations=[invitation_out(i) for i in await members.open_invitations(db_session)],
        )

    @post(
        "/{slug:str}/invitations",
        status_code=201,
        responses={
            403: ResponseSpec(
                data_container=ErrorsOut,
                description=(
                    "The inviter's own e-mail address is not confirmed yet (errors.email: inviter_unverified); "
                    "or, in production, a platform admin who has not turned on two-step sign-in "
                    "(errors.second_factor); or a call from another site (errors.origin, errors.content_type)"
                ),
            ),
        },
        summary="Invite someone (owner)",
        access=VenueAccess(Role.OWNER),
        rate_limit="invitations",
    )
    async def create_invitation(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.InvitationIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
        access: NamedDependency[VenueMember],
    ) -> Response[schemas.InvitationOut]:
        """Mails a link that works for 7 days; inviting the same address again replaces it. An
        owner whose own address is not confirmed yet invites nobody (403)."""
        invitation = await members.invite(db_session, settings, access.tenant, access.user, schemas.present(data))
        return Response(invitation_out(invitation), status_code=201, background=send_mail_after_commit(jobs))

    @delete(
        "/{slug:str}/invitations/{invitation_id:uuid}",
        status_code=204,
        summary="Withdraw an invitation (owner)",
        access=VenueAccess(Role.OWNER),
    )
    async def delete_invitation(
        self,
        slug: FromPath[str],
        invitation_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> None:
        if not await members.revoke_invitation(db_session, invitation_id):
            raise NotFoundException()

    async def _member(self, session: AsyncSession, member_id: uuid.UUID) -> Membership:
        member = await members.membership(session, member_id)
        if member is None:
            raise NotFoundException()
        return member

    @patch(
        "/{slug:str}/members/{member_id:uuid}",
        summary="Change a member's role (owner)",
        access=VenueAccess(Role.OWNER),
    )
    async def patch_member(
        self,
        slug: FromPath[str],
        member_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.RoleIn],
        db_session: NamedDependency[AsyncSession],
    ) -> schemas.MemberOut:
        """A venue always keeps at least one owner."""
        member = await self._member(db_session, member_id)
        await members.change_role(db_session, member, schemas.present(data))
        return member_out(member)

    @delete(
        "/{slug:str}/members/{member_id:uuid}",
        status_code=204,
        summary="Remove a member (owner)",
        access=VenueAccess(Role.OWNER),
    )
    async def delete_member(
        self,
        slug: FromPath[str],
        member_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> None:
        """Never the last owner."""
        member = await self._member(db_session, member_id)
        await members.remove_member(db_session, member)


route_handlers: list[Any] = [venue_logo, public_venue_page, public_venue_api, AccountApi, VenueApi]
