"""One's own account: confirming the e-mail address, accepting an invitation, the account page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.settings import Settings
from neutralpoint.tenants import accounts, authentication, directory, members, second_factor
from neutralpoint.tenants.access import PUBLIC, SECOND_FACTOR_SETUP_OPT, SIGNED_IN, User
from neutralpoint.tenants.auth import current_user, end_other_sessions, sign_in, sign_out
from neutralpoint.tenants.qr import qr_svg_markup
from neutralpoint.tenants.schemas import TenantStatus
from neutralpoint_admin.venue.pages import (
    form_values,
    local_path,
    mail_job,
    page,
    page_language,
    see_other,
    to_login,
)

if TYPE_CHECKING:
    pass


class AccountPages(Controller):
    path = "/"
    include_in_schema = False
    opt = {"access": PUBLIC}  # noqa: RUF012
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/verify")
    async def verify(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
    ) -> Template:
        token = request.query_params.get("token") or ""
        user = await accounts.verify_email(db_session, settings, token) if token else None
        signed_in = await current_user(request, db_session)
        return page(
            request, "venue/verify.html", status_code=200 if user else 400, verified=user is not None, user=signed_in
        )

    @post("/verify/resend", access=SIGNED_IN, rate_limit="verification_mail")
    async def resend(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
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
        return see_other(f"{back}{separator}resent=1", background=mail_job(jobs))

    @get("/invitations/{token:str}")
    async def invitation(
        self, token: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Template:
        return await self._invitation_page(token, request, db_session)

    async def _invitation_page(
        self,
        token: str,
        request: Request[Any, Any, Any],
        session: DbSession,
        *,
        errors: dict[str, FieldError] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        signed_in = await current_user(request, session)
        found = await members.find_invitation(session, token)
        if found is None or not members.invitation_open(found[0]):
            return page(request, "venue/invitation.html", status_code=404, invitation=None, user=signed_in)
        invitation, tenant = found
        has_account = await directory.has_account(session, invitation.email)
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

    @post("/invitations/{token:str}", rate_limit="invitations")
    async def accept_invitation(
        self, token: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
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
        self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession], user: NamedDependency[User]
    ) -> Template:
        saved = request.query_params.get("saved") == "1"
        return page(request, "venue/account.html", user=user, values={"name": user.name}, saved=saved)

    @post("/account", access=SIGNED_IN)
    async def save_account(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession], user: NamedDependency[User]
    ) -> Response[Any]:
        form = await request.form()
        values = form_values(form, "name", "current_password", "new_password")
        try:
            async with db_session.begin_nested():
                password_changed = await accounts.update_account(db_session, user, values)
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
        if password_changed:
            end_other_sessions(request, user)
        return see_other("/account?saved=1")

    @post("/account/sign-out-everywhere", access=SIGNED_IN)
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession], user: NamedDependency[User]
    ) -> Response[Any]:
        """Every browser signed in to this account, this one too, must sign in again
        (``POST /api/v1/account/sign-out-everywhere`` is its twin)."""
        await accounts.end_all_sessions(db_session, user)
        sign_out(request)
        return see_other("/login?signed_out=1")


class TwoFactorPages(Controller):
    """Turning two-step sign-in on and off (``/api/v1/account/two-factor`` is the twin); open to a
    platform admin who must still turn it on."""

    path = "/account/two-factor"
    include_in_schema = False
    opt = {"access": SIGNED_IN, SECOND_FACTOR_SETUP_OPT: True}  # noqa: RUF012
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    async def _page(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        settings: Settings,
        user: User,
        *,
        status_code: int = 200,
        errors: dict[str, FieldError] | None = None,
    ) -> Template:
        steps = second_factor.pending_steps(settings, user)
        return page(
            request,
            "venue/two_factor.html",
            status_code=status_code,
            errors=errors,
            user=user,
            steps=steps,
            secret_groups=[steps.secret[i : i + 4] for i in range(0, len(steps.secret), 4)] if steps else [],
            qr=qr_svg_markup(steps.uri) if steps else "",
            codes_left=await second_factor.recovery_codes_left(session, user) if user.second_factor_on else 0,
            required=second_factor.setup_required(settings, user),
            turned_off=request.query_params.get("off") == "1",
        )

    @get("/")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Template:
        return await self._page(request, db_session, settings, user)

    @post("/start")
    async def start(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[Any]:
        """A new secret (replacing one not yet confirmed); the page then shows it."""
        try:
            async with db_session.begin_nested():
                await second_factor.start(db_session, settings, user)
        except FormErrors as exc:
            return await self._page(request, db_session, settings, user, status_code=409, errors=exc.errors)
        return see_other("/account/two-factor")

    @post("/confirm")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Template:
        """On: the recovery codes are shown in this answer, and never again."""
        form = await request.form()
        try:
            async with db_session.begin_nested():
                codes = await second_factor.confirm(db_session, settings, user, str(form.get("code", "")))
        except FormErrors as exc:
            return await self._page(request, db_session, settings, user, status_code=exc.status_code, errors=exc.errors)
        return page(request, "venue/two_factor_codes.html", user=user, codes=codes)

    @post("/disable")
    async def disable(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[Any]:
        form = await request.form()
        client = request.client.host if request.client else ""
        try:
            await authentication.turn_off_attempt(
                db_session, settings, user, str(form.get("password", "")), str(form.get("code", "")), client
            )
        except authentication.SignInThrottledError as exc:
            refused = await self._page(request, db_session, settings, user, status_code=429, errors={"code": exc.error})
            refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        except FormErrors as exc:
            return await self._page(request, db_session, settings, user, status_code=exc.status_code, errors=exc.errors)
        return see_other("/account/two-factor?off=1")

    @get("/recovery-codes")
    async def recovery_codes_form(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[Any]:
        """The password and a current code make new recovery codes (``POST
        /api/v1/account/two-factor/recovery-codes`` is the twin)."""
        if not user.second_factor_on:
            return see_other("/account/two-factor")
        return page(request, "venue/two_factor_recovery.html", user=user)

    @post("/recovery-codes")
    async def new_recovery_codes(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[Any]:
        """The new codes are shown in this answer, and never again; the old ones stop working."""
        form = await request.form()
        client = request.client.host if request.client else ""
        try:
            codes = await authentication.new_recovery_codes_attempt(
                db_session, settings, user, str(form.get("password", "")), str(form.get("code", "")), client
            )
        except authentication.SignInThrottledError as exc:
            refused = page(
                request, "venue/two_factor_recovery.html", status_code=429, user=user, errors={"code": exc.error}
            )
            refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        except FormErrors as exc:
            if exc.status_code == 409:
                return see_other("/account/two-factor")
            return page(
                request, "venue/two_factor_recovery.html", status_code=exc.status_code, user=user, errors=exc.errors
            )
        return page(request, "venue/two_factor_codes.html", user=user, codes=codes, renewed=True)
