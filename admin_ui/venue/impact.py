"""The venue's impact report page: its visitors' estimates, orders and grams neutralized by
entry point and by day, week or month (the venue's time zone), drawn as SVG on the server,
with the CSV and the JSON twin (``/api/v1/venues/{slug}/impact``) one link away."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.impact import badges, charts, reports
from neutralpoint.refusals import FormErrors
from neutralpoint.settings import Settings
from neutralpoint.tenants import entry_points
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember
from neutralpoint.web.i18n import gettext_functions
from neutralpoint_admin.venue.pages import page, page_language, to_login, venue_context


def report_charts(report: reports.ImpactReport, lang: str, colour: str) -> dict[str, Any]:
    """Both charts of a report, titled in the reader's language."""
    _ = gettext_functions(lang)["plain_gettext"]
    neutralized = _("Grams of CO₂e neutralized, by entry point")
    estimates = _("Footprints measured by visitors, by entry point")
    described = _("One bar per period; the table below gives the same figures.")
    return {
        "neutralized_chart": charts.report_chart(
            report, "neutralized", lang, colour, title=neutralized, description=described
        ),
        "estimates_chart": charts.report_chart(
            report, "estimates", lang, colour, title=estimates, description=described
        ),
        "period_labels": {p: charts.period_label(p, report.range.period, lang) for p in report.periods},
    }


class ImpactPages(Controller):
    path = "/venue"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/{slug:str}/impact", access=VenueAccess(Role.STAFF))
    async def impact(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        tenant = access.tenant
        lang = page_language(request)
        asked = {key: request.query_params.get(key, "") for key in ("period", "from", "to")}
        try:
            wanted = reports.report_range(asked, tenant.time_zone)
        except FormErrors as exc:
            return page(
                request,
                "venue/impact.html",
                status_code=400,
                errors=exc.errors,
                **venue_context(access, "impact", asked=asked, report=None, periods=reports.PERIODS),
            )
        report = await reports.impact_report(db_session, tenant, wanted, settings.payments_test_mode)
        shown = []
        events = [e for e in await entry_points.entry_points(db_session) if e.event_name_en or e.event_name_zh_hans]
        for code in (None, *(e.code for e in events)):
            badge = await badges.find_badge(db_session, slug, code, lang, settings.payments_test_mode)
            if badge is not None:
                svg, _png, link = badges.badge_addresses(settings.base_url, badge)
                shown.append({"badge": badge, "svg": svg, "snippet": badges.badge_snippet(badge, svg, link)})
        query = urlencode({"period": wanted.period, "from": wanted.first.isoformat(), "to": wanted.last.isoformat()})
        return page(
            request,
            "venue/impact.html",
            **venue_context(
                access,
                "impact",
                asked={"period": wanted.period, "from": wanted.first.isoformat(), "to": wanted.last.isoformat()},
                report=report,
                periods=reports.PERIODS,
                csv_url=f"/api/v1/venues/{slug}/impact.csv?{query}",
                json_url=f"/api/v1/venues/{slug}/impact?{query}",
                badges=shown,
                **report_charts(report, lang, tenant.primary_color),
            ),
        )
