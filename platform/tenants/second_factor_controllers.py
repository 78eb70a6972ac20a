"""The JSON of two-step sign-in: turning it on and off and making new recovery codes
(``/api/v1/account/two-factor``), and the second step of signing in
(``/api/v1/login/second-factor``). The pages are in ``neutralpoint_admin``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.refusals import FormErrors
from neutralpoint.settings import Settings
from neutralpoint.tenants import accounts, authentication, schemas, second_factor
from neutralpoint.tenants.access import PUBLIC, SECOND_FACTOR_SETUP_OPT, SIGNED_IN, User
from neutralpoint.tenants.auth import second_step_user, sign_in
from neutralpoint.tenants.controllers import field_errors, user_out, venue_summary
from neutralpoint.web.api_errors import ErrorsOut
from neutralpoint.web.cross_site import STARTS_SESSION_OPT

SECOND_STEP_RESPONSES = {
    400: ResponseSpec(data_container=ErrorsOut, description="Wrong code (``code``), or no sign-in waits for one"),
    429: ResponseSpec(
        data_container=ErrorsOut,
        description="Too many failed sign-ins from this client lately; see the Retry-After header",
    ),
}
CONFLICT = {409: ResponseSpec(data_container=ErrorsOut, description="Already on, or nothing to confirm or turn off")}


async def two_factor_out(session: AsyncSession, settings: Settings, user: User) -> schemas.TwoFactorOut:
    return schemas.TwoFactorOut(
        enabled=user.second_factor_on,
        pending=second_factor.pending_steps(settings, user) is not None,
        required=user.is_platform_admin and settings.environment == "production",
        recovery_codes_left=await second_factor.recovery_codes_left(session, user) if user.second_factor_on else 0,
    )


class SecondStepApi(Controller):
    """The code after the password, for an account with two-step sign-in."""

    path = "/api/v1/login"
    tags = ["account"]  # noqa: RUF012
    opt = {"access": PUBLIC}  # noqa: RUF012

    @post(
        "/second-factor",
        status_code=200,
        responses=SECOND_STEP_RESPONSES,
        summary="Complete a sign-in with the authenticator app's code or a recovery code",
        opt={STARTS_SESSION_OPT: True},
    )
    async def second_step(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.SecondStepIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[schemas.MeOut]:
        """After ``POST /api/v1/login`` answered 202, within 5 minutes, from the same cookie. A
        code is accepted once, within 30 s either side; a recovery code once ever. Wrong codes
        count as failed sign-ins, with the same waits (429 with Retry-After)."""
        user = await second_step_user(request, db_session)
        if user is None:
            return field_errors({"code": authentication.SECOND_STEP_MISSING}, 400)
        try:
            right = await authentication.second_step_attempt(
                db_session, settings, user, data.code, request.client.host if request.client else ""
            )
        except authentication.SignInThrottledError as exc:
            return field_errors({"code": exc.error}, 429, {"Retry-After": str(exc.retry_after)})
        if not right:
            # Answered, not raised: the failure just recorded must be committed.
            return field_errors({"code": second_factor.CODE_WRONG}, 400)
        sign_in(request, user)
        venues = await accounts.venues_of(db_session, user)
        return Response(
            schemas.MeOut(user=user_out(user), venues=[venue_summary(settings, v.tenant, v.role) for v in venues])
        )


class TwoFactorApi(Controller):
    """One's own two-step sign-in; open to a platform admin who must still turn it on."""

    path = "/api/v1/account/two-factor"
    tags = ["account"]  # noqa: RUF012
    opt = {"access": SIGNED_IN, SECOND_FACTOR_SETUP_OPT: True}  # noqa: RUF012

    @get("/", summary="Whether two-step sign-in is on, being set up, or required")
    async def state(
        self,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> schemas.TwoFactorOut:
        return await two_factor_out(db_session, settings, user)

    @post("/", status_code=201, responses=CONFLICT, summary="Start turning on two-step sign-in: a new secret")
    async def start(
        self,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> schemas.TwoFactorSetupOut:
        """Put the secret in an authenticator app (``otpauth_uri`` as a QR code, or ``secret``
        typed in), then confirm with a code. Starting again replaces an unconfirmed secret."""
        steps = await second_factor.start(db_session, settings, user)
        return schemas.TwoFactorSetupOut(secret=steps.secret, otpauth_uri=steps.uri)

    @post(
        "/confirm",
        status_code=200,
        responses={**CONFLICT},
        summary="Turn on two-step sign-in with a code from the new secret",
    )
    async def confirm(
        self,
        data: JSONBody[schemas.SecondStepIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> schemas.TwoFactorEnabledOut:
        """Answers the recovery codes, this once: each stands in for a code once (a lost phone)."""
        codes = await second_factor.confirm(db_session, settings, user, data.code)
        return schemas.TwoFactorEnabledOut(enabled=True, recovery_codes=codes)

    @post(
        "/disable",
        status_code=200,
        responses={**CONFLICT, 429: SECOND_STEP_RESPONSES[429]},
        summary="Turn off two-step sign-in: the password and a current or recovery code",
    )
    async def disable(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.TwoFactorOffIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[schemas.TwoFactorOut]:
        """Wrong passwords and codes count as failed sign-ins, with the same waits."""
        client = request.client.host if request.client else ""
        try:
            await authentication.turn_off_attempt(db_session, settings, user, data.password, data.code, client)
        except authentication.SignInThrottledError as exc:
            return field_errors({"code": exc.error}, 429, {"Retry-After": str(exc.retry_after)})
        except FormErrors as exc:
            return field_errors(exc.errors, exc.status_code)
        return Response(await two_factor_out(db_session, settings, user))

    @post(
        "/recovery-codes",
        status_code=200,
        responses={**CONFLICT, 429: SECOND_STEP_RESPONSES[429]},
        summary="Make new recovery codes: the password and a current code from the app",
    )
    async def new_recovery_codes(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.NewRecoveryCodesIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[schemas.RecoveryCodesOut]:
        """Ten new recovery codes, shown in this answer only; every earlier one, used or not,
        stops working. A recovery code is refused as ``code`` (``app_code_required``). Wrong
        passwords and codes count as failed sign-ins, with the same waits."""
        client = request.client.host if request.client else ""
        try:
            codes = await authentication.new_recovery_codes_attempt(
                db_session, settings, user, data.password, data.code, client
            )
        except authentication.SignInThrottledError as exc:
            return field_errors({"code": exc.error}, 429, {"Retry-After": str(exc.retry_after)})
        except FormErrors as exc:
            return field_errors(exc.errors, exc.status_code)
        return Response(schemas.RecoveryCodesOut(recovery_codes=codes), headers={"Cache-Control": "no-store"})


route_handlers = [SecondStepApi, TwoFactorApi]
