"""A venue's impact report as JSON and CSV (the dashboard's page is its HTML face):
``/api/v1/venues/{slug}/impact`` and ``…/impact.csv``, for every member of the venue.

``period`` is ``day``, ``week`` or ``month``; ``from`` and ``to`` (YYYY-MM-DD, the venue's own
days, both included) bound it, by default the last 30 days, 12 weeks or 12 months. Days are
counted in the venue's time zone. Bad input is a 400 naming the field, in both languages.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.impact import reports
from neutralpoint.impact.reports import ELSEWHERE, ImpactReport, Tally
from neutralpoint.settings import Settings
from neutralpoint.tenants.access import VenueAccess, VenueMember
from neutralpoint.tenants.models import Role
from neutralpoint.web.api_errors import ErrorsOut
from neutralpoint.web.downloads import csv_download

VENUE = "/api/v1/venues/{slug:str}"
MEMBER = VenueAccess(Role.STAFF)
BAD_INPUT = {400: ResponseSpec(data_container=ErrorsOut, description="Bad period or dates, by field")}
PeriodParam = Annotated[str | None, QueryParameter(description="day (default), week or month", max_length=32)]
FromParam = Annotated[
    str | None, QueryParameter(name="from", description="First day, YYYY-MM-DD (venue's time zone)", max_length=32)
]
ToParam = Annotated[
    str | None, QueryParameter(name="to", description="Last day, YYYY-MM-DD (venue's time zone)", max_length=32)
]


class TallyOut(msgspec.Struct):
    estimates: int
    footprint_grams: int
    orders: int
    neutralized_grams: int

    @classmethod
    def of(cls, tally: Tally) -> TallyOut:
        return cls(tally.estimates, tally.footprint_grams, tally.orders, tally.neutralized_grams)


class ReportEntryPointOut(msgspec.Struct):
    """An entry point of the venue; ``key`` ``elsewhere`` (no id) gathers what came from none."""

    key: str
    id: uuid.UUID | None
    code: str
    name_en: str
    name_zh_hans: str
    active: bool
    totals: TallyOut


class ReportPeriodOut(msgspec.Struct):
    start: date
    #: The period's last day (a period cut by ``from`` or ``to`` still spans its whole days).
    end: date
    totals: TallyOut
    #: Keyed by the entry point's ``key``; entry points that counted nothing are left out.
    by_entry_point: dict[str, TallyOut]


class ImpactReportOut(msgspec.Struct):
    venue: str
    time_zone: str
    period: str
    first_day: date = msgspec.field(name="from")
    last_day: date = msgspec.field(name="to")
    totals: TallyOut = msgspec.field(default_factory=lambda: TallyOut(0, 0, 0, 0))
    entry_points: list[ReportEntryPointOut] = msgspec.field(default_factory=list)
    periods: list[ReportPeriodOut] = msgspec.field(default_factory=list)
    #: Orders and grams count test-mode orders (the deployment takes test payments only);
    #: a live deployment counts live orders only.
    test_mode: bool = False


def report_out(slug: str, report: ImpactReport) -> ImpactReportOut:
    wanted = report.range
    return ImpactReportOut(
        venue=slug,
        time_zone=report.time_zone,
        period=wanted.period,
        first_day=wanted.first,
        last_day=wanted.last,
        totals=TallyOut.of(report.total()),
        entry_points=[
            ReportEntryPointOut(
                key=line.key,
                id=None if line.key == ELSEWHERE else uuid.UUID(line.key),
                code=line.code,
                name_en=line.name_in("en"),
                name_zh_hans=line.name_in("zh-Hans"),
                active=line.active,
                totals=TallyOut.of(report.by_line(line.key)),
            )
            for line in report.lines
        ],
        periods=[
            ReportPeriodOut(
                start=start,
                end=reports.next_period(start, wanted.period) - timedelta(days=1),
                totals=TallyOut.of(report.by_period(start)),
                by_entry_point={
                    line.key: TallyOut.of(tally)
                    for line in report.lines
                    if (tally := report.cell(start, line.key)) != Tally()
                },
            )
            for start in report.periods
        ],
        test_mode=report.test_mode,
    )


async def venue_report(
    session: AsyncSession,
    settings: Settings,
    access: VenueMember,
    period: str | None,
    first: str | None,
    last: str | None,
) -> ImpactReport:
    """The report asked for; ``FormErrors`` (a 400 with each field's message) when it cannot be."""
    wanted = reports.report_range({"period": period, "from": first, "to": last}, access.tenant.time_zone)
    return await reports.impact_report(session, access.tenant, wanted, settings.payments_test_mode)


@get(
    VENUE + "/impact",
    tags=["impact"],
    access=MEMBER,
    responses=BAD_INPUT,
    summary="The venue's impact by entry point and period (its time zone)",
)
async def venue_impact(
    access: NamedDependency[VenueMember],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    period: PeriodParam = None,
    first: FromParam = None,
    last: ToParam = None,
) -> ImpactReportOut:
    """Visitors' estimates (how many, their footprints), orders fulfilled and grams neutralized:
    per period, per entry point, and in all. Refunded orders no longer count."""
    report = await venue_report(db_session, settings, access, period, first, last)
    return report_out(access.tenant.slug, report)


@get(
    VENUE + "/impact.csv",
    tags=["impact"],
    access=MEMBER,
    responses=BAD_INPUT,
    summary="The venue's impact report as CSV",
)
async def venue_impact_csv(
    access: NamedDependency[VenueMember],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    period: PeriodParam = None,
    first: FromParam = None,
    last: ToParam = None,
) -> Response[str]:
    """One row per period and entry point that counted anything (the same figures as the JSON)."""
    report = await venue_report(db_session, settings, access, period, first, last)
    name = f"impact-{access.tenant.slug}-{report.range.period}-{report.range.first}-{report.range.last}.csv"
    return csv_download(reports.report_csv(report), name)


route_handlers = [venue_impact, venue_impact_csv]
