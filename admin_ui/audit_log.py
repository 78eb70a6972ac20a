"""The audit log's pages: a venue's own entries (``/venue/{slug}/audit-log``, managers and
owners, times on the venue's clock) and every entry for the platform's admins
(``/platform/audit-log``, in UTC, filterable by venue). Their JSON and CSV are
``/api/v1/venues/{slug}/audit-log`` and ``/api/v1/platform/audit-log`` (with ``.csv``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.refusals import FormErrors
from neutralpoint.tenants import audit_log
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember
from neutralpoint_admin.platform.pages import PlatformController, platform_page
from neutralpoint_admin.venue.pages import page, to_login, venue_context


def _asked(request: Request[Any, Any, Any], *keys: str) -> dict[str, str]:
    return {key: request.query_params.get(key, "") for key in keys}


def page_links(asked: dict[str, str], found: audit_log.AuditPage | None, base: str) -> dict[str, str]:
    """The previous and next pages' and the CSV's addresses, keeping the filters."""
    filters = {k: v for k, v in asked.items() if v and k != "page"}
    links = {"csv": f"{base}.csv?{urlencode(filters)}" if filters else f"{base}.csv"}
    if found is not None and found.page > 1:
        links["previous"] = "?" + urlencode({**filters, "page": found.page - 1})
    if found is not None and found.page < found.pages:
        links["next"] = "?" + urlencode({**filters, "page": found.page + 1})
    return links


class VenueAuditPages(Controller):
    path = "/venue"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/{slug:str}/audit-log", access=VenueAccess(Role.MANAGER))
    async def audit_log_page(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        access: NamedDependency[VenueMember],
    ) -> Template:
        asked = _asked(request, "entity", "action", "page")
        found = None
        errors = None
        try:
            query = audit_log.audit_query(asked, platform=False)
            found = await audit_log.venue_entries(db_session, access.tenant, query)
        except FormErrors as exc:
            errors = dict(exc.errors)
        return page(
            request,
            "audit/venue.html",
            status_code=400 if errors else 200,
            errors=errors,
            **venue_context(
                access,
                "audit_log",
                found=found,
                values=asked,
                entities=audit_log.entities(),
                actions=audit_log.ACTIONS,
                links=page_links(asked, found, f"/api/v1/venues/{slug}/audit-log"),
                time_zone=access.tenant.time_zone,
            ),
        )


class PlatformAuditPages(PlatformController):
    @get("/audit-log")
    async def audit_log_page(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        asked = _asked(request, "venue", "entity", "action", "page")
        found = None
        errors = None
        try:
            query = audit_log.audit_query(asked, platform=True)
            found = await audit_log.platform_entries(db_session, query)
        except FormErrors as exc:
            errors = dict(exc.errors)
        return platform_page(
            request,
            "audit/platform.html",
            section="audit_log",
            errors=errors,
            found=found,
            values=asked,
            entities=audit_log.entities(),
            actions=audit_log.ACTIONS,
            links=page_links(asked, found, "/api/v1/platform/audit-log"),
            time_zone="UTC",
        )


route_handlers: list[Any] = [VenueAuditPages, PlatformAuditPages]
