"""The venue's certificates page: every certificate of its orders, newest first, filtered by
entry point and by the venue's own days, a page at a time, with the CSV and the JSON twin
(``/api/v1/venues/{slug}/certificates``) one link away."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.impact import venue_certificates
from neutralpoint.refusals import FormErrors
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember
from neutralpoint_admin.venue.pages import page, to_login, venue_context

FILTERS = ("entry_point", "from", "to")


class CertificatePages(Controller):
    path = "/venue"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/{slug:str}/certificates", access=VenueAccess(Role.MANAGER))
    async def certificates(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        access: NamedDependency[VenueMember],
    ) -> Template:
        asked = {key: request.query_params.get(key, "") for key in (*FILTERS, "page")}
        choices = await venue_certificates.entry_point_choices(db_session)
        filters = {key: asked[key] for key in FILTERS if asked[key]}
        query = urlencode(filters)
        context = venue_context(
            access,
            "certificates",
            asked=asked,
            entry_points=choices,
            csv_url=f"/api/v1/venues/{slug}/certificates.csv" + (f"?{query}" if query else ""),
            json_url=f"/api/v1/venues/{slug}/certificates" + (f"?{query}" if query else ""),
            page_url=f"/venue/{slug}/certificates?" + (f"{query}&" if query else ""),
        )
        try:
            found = await venue_certificates.find_certificates(db_session, access.tenant, asked)
        except FormErrors as exc:
            return page(request, "venue/certificates.html", status_code=400, errors=exc.errors, found=None, **context)
        return page(request, "venue/certificates.html", found=found, **context)
