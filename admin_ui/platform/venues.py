"""The platform's console of venues: find a venue (either name, slug, an owner's address,
status, host name), read its details and activity, approve it, suspend it with a reason,
reactivate it. Platform admins land here after signing in. Host names are managed on their
own page (``/platform/hosts``), which this one links to. JSON twins:
``/api/v1/platform/venues…`` (``neutralpoint.tenants.console_controllers``) and
``…/{slug}/activity`` (``neutralpoint.payments.activity``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.payments.activity import venue_activity
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.tenants import console
from neutralpoint.tenants.hosts import host_directory
from neutralpoint_admin.platform.pages import PlatformController, platform_page, see_other

STATUS_OPTIONS = ("pending", "active", "suspended")


class VenuePages(PlatformController):
    @get("/venues")
    async def venues(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        raw = {key: request.query_params.get(key) for key in ("q", "status", "page")}
        try:
            query = console.venue_query(raw)
        except FormErrors as exc:
            return platform_page(
                request, "platform/venues.html", section="venues", errors=exc.errors, found=None, values=raw
            )
        found = await console.find_venues(db_session, query)
        return platform_page(request, "platform/venues.html", section="venues", found=found, values=raw)

    async def _venue_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        slug: str,
        *,
        errors: dict[str, FieldError] | None = None,
        status_code: int = 200,
        reason: str = "",
    ) -> Template:
        details = await console.venue_details(db_session, slug)
        return platform_page(
            request,
            "platform/venue.html",
            section="venues",
            status_code=status_code,
            errors=errors,
            details=details,
            activity=await venue_activity(db_session, details.tenant.id),
            done=request.query_params.get("done", ""),
            reason=reason,
        )

    @get("/venues/{slug:str}")
    async def venue(
        self, slug: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Template:
        return await self._venue_page(request, db_session, slug)

    @post("/venues/{slug:str}/approve")
    async def approve(
        self, slug: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[Any]:
        return await self._change(request, db_session, slug, "approved")

    @post("/venues/{slug:str}/suspend")
    async def suspend(
        self, slug: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[Any]:
        return await self._change(request, db_session, slug, "suspended")

    @post("/venues/{slug:str}/reactivate")
    async def reactivate(
        self, slug: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[Any]:
        return await self._change(request, db_session, slug, "reactivated")

    async def _change(
        self, request: Request[Any, Any, Any], db_session: DbSession, slug: str, done: str
    ) -> Response[Any]:
        form = await request.form()
        try:
            async with db_session.begin_nested():
                if done == "approved":
                    await console.approve(db_session, slug)
                elif done == "suspended":
                    await console.suspend(db_session, slug, {"reason": form.get("reason", "")})
                else:
                    await console.reactivate(db_session, slug)
        except FormErrors as exc:
            if exc.status_code == 404:
                raise
            status = 400 if exc.status_code == 400 else 409
            return await self._venue_page(
                request,
                db_session,
                slug,
                errors=dict(exc.errors),
                status_code=status,
                reason=str(form.get("reason", "")),
            )
        redirect = see_other(f"/platform/venues/{slug}?done={done}")
        redirect.background = BackgroundTask(host_directory.invalidate)
        return redirect


route_handlers: list[Any] = [VenuePages]
