"""The way in: the front door, signing up, signing in and out, and a forgotten password."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.settings import Settings
from neutralpoint.tenants import accounts, authentication, password_reset, second_factor
from neutralpoint.tenants.access import PUBLIC, User
from neutralpoint.tenants.auth import (
    LOGIN_FAILED,
    begin_sign_in,
    current_user,
    second_step_user,
    sign_in,
    sign_out,
)
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


def landing(user: User) -> str:
    """Where signing in leads when no page asked for it: platform admins to the console of
    venues, everyone else to their venues."""
    return "/platform/venues" if user.is_platform_admin else "/venue"


def second_step_path(next_path: str) -> str:
    """The code page, which goes on to ``next_path`` once the code is right."""
    return f"/login/code?next={quote(next_path, safe='/')}"


class SignInPages(Controller):
    path = "/"
    include_in_schema = False
    opt = {"access": PUBLIC}  # noqa: RUF012
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/")
    async def home(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        """The platform's front door: what it is, and the way in for a venue (``GET /api/v1`` is its twin)."""
        user = await current_user(request, db_session)
        return page(request, "venue/home.html", user=user)

    @get("/signup")
    async def signup_form(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        user = await current_user(request, db_session)
        return page(request, "venue/signup.html", user=user, values={})

    @post("/signup", rate_limit="sign_up")
    async def signup(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
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
        if result.user is not None:
            # An address that had an account: nobody is signed in, and the answer is the same.
            sign_in(request, result.user)
        return see_other(f"/venue/{result.slug}/?welcome=1", background=mail_job(jobs))

    @get("/login")
    async def login_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(
            request,
            "venue/login.html",
            values={},
            next_path=local_path(request.query_params.get("next"), ""),
            signed_out=request.query_params.get("signed_out") == "1",
            expired=request.query_params.get("expired") == "1",
        )

    @post("/login")
    async def login(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Response[Any]:
        form = await request.form()
        next_path = local_path(form.get("next"), "")
        email = str(form.get("email", ""))
        try:
            client = request.client.host if request.client else ""
            user = await authentication.sign_in_attempt(db_session, email, str(form.get("password", "")), client)
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
        if not begin_sign_in(request, user):
            return see_other(second_step_path(next_path))
        return see_other(next_path or landing(user))

    @get("/login/code")
    async def second_step_form(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[Any]:
        """The code after the password, for an account with two-step sign-in."""
        next_path = local_path(request.query_params.get("next"), "")
        if await second_step_user(request, db_session) is None:
            return see_other("/login?expired=1")
        return page(request, "venue/login_code.html", next_path=next_path)

    @post("/login/code")
    async def second_step(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        form = await request.form()
        next_path = local_path(form.get("next"), "")
        user = await second_step_user(request, db_session)
        if user is None:
            return see_other("/login?expired=1")
        client = request.client.host if request.client else ""
        try:
            right = await authentication.second_step_attempt(
                db_session, settings, user, str(form.get("code", "")), client
            )
        except authentication.SignInThrottledError as exc:
            refused = page(
                request, "venue/login_code.html", status_code=429, next_path=next_path, errors={"code": exc.error}
            )
            refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        if not right:
            return page(
                request,
                "venue/login_code.html",
                status_code=400,
                next_path=next_path,
                errors={"code": second_factor.CODE_WRONG},
            )
        sign_in(request, user)
        return see_other(next_path or landing(user))

    @get("/password/forgot")
    async def password_forgot_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(
            request,
            "venue/password_forgot.html",
            values={},
            sent=request.query_params.get("sent") == "1",
        )

    @post("/password/forgot", rate_limit="password_reset")
    async def password_forgot(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Response[Any]:
        """The same answer whether or not an account has the address."""
        form = await request.form()
        await password_reset.request_password_reset(
            db_session, settings, str(form.get("email", "")), page_language(request)
        )
        return see_other("/password/forgot?sent=1", background=mail_job(jobs))

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
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
    ) -> Template:
        token = request.query_params.get("token") or ""
        user = await password_reset.password_reset_user(db_session, settings, token)
        return self._reset_page(request, user, token)

    @post("/password/reset", rate_limit="password_reset")
    async def password_reset(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
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
        if not begin_sign_in(request, user):
            return see_other(second_step_path("/venue?password_changed=1"))
        return see_other("/venue?password_changed=1")

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        sign_out(request)
        return see_other("/login?signed_out=1")
