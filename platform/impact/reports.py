"""A venue's impact: its visitors' estimates, their orders and the grams neutralized, by entry
point and by day, week or month counted on the venue's own clock.

The database adds up each quarter of an hour (UTC) per entry point, on SQLite and PostgreSQL
alike; every time zone's offset is a whole number of quarters, so each quarter falls in
exactly one of the venue's days, and Python only has to put the quarters in their periods.
Expects a session scoped to the venue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from neutralpoint.payments.models import Order, OrderStatus
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.models import EntryPoint, Tenant
from neutralpoint.web.downloads import csv_text

PERIODS = ("day", "week", "month")
#: How far back a report looks when it is not told, per period.
DEFAULT_SPAN = {"day": 30, "week": 12, "month": 12}
#: The most periods one report may hold (a year of days; five years of weeks; ten of months).
MOST_PERIODS = {"day": 366, "week": 261, "month": 120}
QUARTER = 900  # seconds
VISITOR = "visitor"  # an estimate made by a visitor (not the organiser's whole event)
#: The line of whatever came from no entry point of the venue (its page, an event order).
ELSEWHERE = "elsewhere"


def _problem(code: str, en: str, zh: str) -> FieldError:
    return FieldError(code, text={"en": en, "zh-Hans": zh})


PERIOD_UNKNOWN = _problem("period_unknown", "Choose day, week or month.", "请选择按日、按周或按月。")
DATE_INVALID = _problem("date_invalid", "Enter a date as YYYY-MM-DD.", "请以 YYYY-MM-DD 格式输入日期。")
DATES_REVERSED = _problem("date_order", "The last day must be on or after the first day.", "结束日期不能早于开始日期。")


def _too_long(period: str) -> FieldError:
    most = MOST_PERIODS[period]
    names = {"day": ("days", "天"), "week": ("weeks", "周"), "month": ("months", "个月")}[period]
    return _problem(
        "range_too_long",
        f"A report holds at most {most} {names[0]}: choose a shorter range or a longer period.",
        f"一份报告最多包含 {most} {names[1]}：请缩短日期范围或选择更长的统计周期。",
    )


@dataclass(frozen=True)
class ReportRange:
    """Which periods a report counts: ``first`` to ``last`` (the venue's days, both included)."""

    period: str
    first: date
    last: date


def period_start(day: date, period: str) -> date:
    """The first day of the period ``day`` falls in (weeks start on Monday, as ISO's do)."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def next_period(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def periods_between(first: date, last: date, period: str) -> list[date]:
    starts = []
    current = period_start(first, period)
    while current <= last:
        starts.append(current)
        current = next_period(current, period)
    return starts


def today_at(time_zone: str, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(time_zone)).date()


def report_range(raw: Mapping[str, Any], time_zone: str, now: datetime | None = None) -> ReportRange:
    """The range asked for by ``period``, ``from`` and ``to`` (each optional); refuses with a
    message per field, in both languages, what cannot be counted."""
    errors: dict[str, FieldError] = {}
    period = str(raw.get("period") or "day").strip()
    if period not in PERIODS:
        errors["period"] = PERIOD_UNKNOWN
        period = "day"
    dates: dict[str, date | None] = {}
    for name in ("from", "to"):
        text = str(raw.get(name) or "").strip()
        try:
            dates[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = DATE_INVALID
            dates[name] = None
    today = today_at(time_zone, now)
    last = dates["to"] or today
    first = dates["from"]
    if first is None:
        first = period_start(last, period)
        for _ in range(DEFAULT_SPAN[period] - 1):
            first = period_start(first - timedelta(days=1), period)
    if "from" not in errors and "to" not in errors:
        if last < first:
            errors["to"] = DATES_REVERSED
        elif len(periods_between(first, last, period)) > MOST_PERIODS[period]:
            errors["from"] = _too_long(period)
    if errors:
        raise FormErrors(errors)
    return ReportRange(period, first, last)


@dataclass
class Tally:
    """What one entry point (or the whole venue) counted in one period (or in all of them)."""

    estimates: int = 0
    footprint_grams: int = 0
    orders: int = 0
    neutralized_grams: int = 0

    def add(self, other: Tally) -> None:
        self.estimates += other.estimates
        self.footprint_grams += other.footprint_grams
        self.orders += other.orders
        self.neutralized_grams += other.neutralized_grams


@dataclass(frozen=True)
class ReportLine:
    """An entry point of the report (``key`` its id), or ``ELSEWHERE``."""

    key: str
    code: str
    name_en: str | None
    name_zh_hans: str | None
    active: bool = True

    def name_in(self, lang: str) -> str:
        if self.key == ELSEWHERE:
            return "Elsewhere (venue page, event orders)" if lang != "zh-Hans" else "其他（场所主页、活动订单）"
        first, second = (self.name_zh_hans, self.name_en) if lang == "zh-Hans" else (self.name_en, self.name_zh_hans)
        return first or second or self.code


@dataclass
class ImpactReport:
    time_zone: str
    range: ReportRange
    periods: list[date]
    lines: list[ReportLine]
    cells: dict[tuple[date, str], Tally] = field(default_factory=dict)

    def cell(self, start: date, key: str) -> Tally:
        return self.cells.get((start, key)) or Tally()

    def by_period(self, start: date) -> Tally:
        total = Tally()
        for line in self.lines:
            total.add(self.cell(start, line.key))
        return total

    def by_line(self, key: str) -> Tally:
        total = Tally()
        for start in self.periods:
            total.add(self.cell(start, key))
        return total

    def total(self) -> Tally:
        total = Tally()
        for start in self.periods:
            total.add(self.by_period(start))
        return total


def _quarter(column: Any, dialect: str) -> ColumnElement[int]:
    """The UTC quarter-hour a moment falls in, counted from 1970, in the database's own words."""
    # Constants as literals, not parameters: GROUP BY must repeat the very same expression.
    quarter = literal_column(str(QUARTER), Integer)
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column) / quarter), Integer)
    return cast(func.strftime(literal_column("'%s'"), column), Integer) // quarter


def _utc_bounds(report: ReportRange, time_zone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(time_zone)
    start = datetime.combine(period_start(report.first, report.period), time(), zone)
    end = datetime.combine(report.last + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


async def impact_report(session: AsyncSession, tenant: Tenant, wanted: ReportRange) -> ImpactReport:
    """Estimates (by when they were made), and orders and grams neutralized (by when their
    credits were assigned; refunded orders no longer count), per entry point and period."""
    zone = tenant.time_zone
    dialect = session.get_bind().dialect.name
    start_utc, end_utc = _utc_bounds(wanted, zone)
    points = list((await session.execute(select(EntryPoint).order_by(EntryPoint.created_at))).scalars())
    by_id = {str(p.id): p for p in points}
    by_code = {p.code.upper(): str(p.id) for p in points}

    counted: dict[tuple[int, str], Tally] = {}

    estimate_quarter = _quarter(Estimate.created_at, dialect).label("quarter")
    estimates = await session.execute(
        select(
            estimate_quarter, Estimate.entry_point_id, func.count(), func.coalesce(func.sum(Estimate.total_grams), 0)
        )
        .where(Estimate.kind == VISITOR, Estimate.created_at >= start_utc, Estimate.created_at < end_utc)
        .group_by(estimate_quarter, Estimate.entry_point_id)
    )
    for quarter, entry_id, count, grams in estimates:
        key = str(entry_id) if entry_id is not None and str(entry_id) in by_id else ELSEWHERE
        tally = counted.setdefault((int(quarter), key), Tally())
        tally.estimates += int(count)
        tally.footprint_grams += int(grams)

    order_quarter = _quarter(Order.fulfilled_at, dialect).label("quarter")
    orders = await session.execute(
        select(
            order_quarter,
            Estimate.entry_point_id,
            Order.entry_point_code,
            func.count(),
            func.coalesce(func.sum(Order.grams), 0),
        )
        .outerjoin(Estimate, Estimate.id == Order.estimate_id)
        .where(Order.status == OrderStatus.FULFILLED, Order.fulfilled_at >= start_utc, Order.fulfilled_at < end_utc)
        .group_by(order_quarter, Estimate.entry_point_id, Order.entry_point_code)
    )
    for quarter, entry_id, code, count, grams in orders:
        # The estimate's entry point holds even when the entry point's code changed since.
        found = str(entry_id) if entry_id is not None and str(entry_id) in by_id else by_code.get((code or "").upper())
        tally = counted.setdefault((int(quarter), found or ELSEWHERE), Tally())
        tally.orders += int(count)
        tally.neutralized_grams += int(grams)

    starts = periods_between(wanted.first, wanted.last, wanted.period)
    report = ImpactReport(time_zone=zone, range=wanted, periods=starts, lines=[])
    tz = ZoneInfo(zone)
    for (quarter, key), tally in counted.items():
        local_day = datetime.fromtimestamp(quarter * QUARTER, UTC).astimezone(tz).date()
        report.cells.setdefault((period_start(local_day, wanted.period), key), Tally()).add(tally)

    report.lines = [ReportLine(str(p.id), p.code, p.name_en, p.name_zh_hans, active=p.active) for p in points]
    if any(key == ELSEWHERE for _, key in report.cells):
        report.lines.append(ReportLine(ELSEWHERE, "", None, None))
    return report


CSV_COLUMNS = (
    "period",
    "period_start",
    "time_zone",
    "entry_point_code",
    "entry_point_name_en",
    "entry_point_name_zh_hans",
    "estimates",
    "footprint_grams",
    "orders",
    "neutralized_grams",
)


def report_csv(report: ImpactReport) -> str:
    """One row per period and entry point that counted anything, oldest first."""
    rows: Iterable[tuple[object, ...]] = (
        (
            report.range.period,
            start.isoformat(),
            report.time_zone,
            line.code,
            line.name_in("en") if line.key == ELSEWHERE else line.name_en or "",
            line.name_in("zh-Hans") if line.key == ELSEWHERE else line.name_zh_hans or "",
            tally.estimates,
            tally.footprint_grams,
            tally.orders,
            tally.neutralized_grams,
        )
        for start in report.periods
        for line in report.lines
        if (tally := report.cell(start, line.key)) != Tally()
    )
    return csv_text(CSV_COLUMNS, rows)
