"""Venues' own host names for the platform's admins: every proven host and pending claim, and
the button that takes one back (a host pointed at the wrong venue, a domain that changed hands)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from neutralpoint.database.session import DbSession
from neutralpoint.refusals import FormErrors
from neutralpoint.tenants import host_claims
from neutralpoint.tenants.hosts import host_directory
from neutralpoint_admin.platform.pages import PlatformController, platform_page


class HostPages(PlatformController):
    @get("/hosts")
    async def hosts(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        return platform_page(
            request,
            "platform/hosts.html",
            section="hosts",
            claims=await host_claims.all_claims(db_session),
            revoked=request.query_params.get("revoked", ""),
        )

    @post("/hosts/revoke")
    async def revoke(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Response[Any]:
        form = await request.form()
        try:
            async with db_session.begin_nested():
                revoked = await host_claims.revoke(db_session, str(form.get("slug", "")), str(form.get("host", "")))
        except FormErrors as exc:
            return platform_page(
                request,
                "platform/hosts.html",
                section="hosts",
                status_code=exc.status_code,
                errors=exc.errors,
                claims=await host_claims.all_claims(db_session),
                revoked="",
            )
        return Redirect(
            path="/platform/hosts",
            query_params={"revoked": revoked.host},
            status_code=303,
            background=BackgroundTask(host_directory.invalidate),
        )


route_handlers: list[Any] = [HostPages]
