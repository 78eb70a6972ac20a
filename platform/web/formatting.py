"""Numbers and dates as people read them: grams as g, kg or t; money in its currency's minor
units; an event's days in the reader's language; moments in the venue's time zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_skeleton, get_datetime_format
from babel.numbers import format_currency, get_currency_precision

BABEL_LOCALES = {"en": "en", "zh-Hans": "zh_Hans_CN"}


def format_grams(grams: int, lang: str = "en") -> str:
    """``12 g``, ``3.4 kg``, ``1.25 t`` — from exact integers, rounded only for display."""
    if grams < 1000:
        return f"{grams} g"
    if grams < 1_000_000:
        kg = (Decimal(grams) / 1000).quantize(Decimal("0.1") if grams < 100_000 else Decimal(1), ROUND_HALF_UP)
        return f"{kg:,} kg"
    tonnes = (Decimal(grams) / 1_000_000).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{tonnes:,} t"


def format_money(minor_units: int, currency: str, lang: str = "en") -> str:
    precision = get_currency_precision(currency)
    amount = Decimal(minor_units).scaleb(-precision)
    return format_currency(amount, currency, locale=BABEL_LOCALES.get(lang, "en"))


def format_decimal(value: Decimal | int | str) -> str:
    number = Decimal(value)
    text = f"{number:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


#: Significant digits a factor is shown with: 0.9635284 reads 0.964, 0.00012345 reads 0.000123.
FACTOR_DIGITS = 3


def shown_factor(value: Decimal | int | str) -> Decimal:
    """A factor rounded (half up) to ``FACTOR_DIGITS`` significant digits, but never fewer
    than its whole digits (520.53 reads 521, not 520), without trailing zeros (0.260265
    reads 0.26 in the JSON as on the page); exact values stay in the data."""
    number = Decimal(value)
    if not number:
        return Decimal(0)
    places = max(FACTOR_DIGITS - number.adjusted() - 1, 0)
    rounded = number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1))
    return rounded.normalize()


def format_factor(value: Decimal | int | str) -> str:
    """A factor as pages show it: ``shown_factor`` with thousands separators, no trailing zeros."""
    return format_decimal(shown_factor(value))


@lru_cache(maxsize=4096)
def format_date_range(start: date | None, end: date | None, lang: str = "en") -> str:
    """An event's days as the visitor's entry page shows them: ``Dec 3 – 5, 2026``,
    ``2026年12月3日至5日``; one day in full; nothing without dates. (Babel's interval
    formatting is slow and an event's dates rarely change: each range is formatted once.)"""
    locale = BABEL_LOCALES.get(lang, "en")
    if start and end and end != start:
        return str(format_interval(start, end, "yMMMd", locale=locale))
    single = start or end
    return str(format_date(single, "long", locale=locale)) if single else ""


def in_time_zone(moment: datetime, time_zone: str | None) -> datetime:
    """The same moment on the wall clocks of ``time_zone`` (an IANA name; none: UTC)."""
    return moment.astimezone(ZoneInfo(time_zone or "UTC"))


def zone_label(moment: datetime) -> str:
    """``UTC+8``, ``UTC-3:30``, ``UTC``: the offset a reader anywhere understands, unlike "CST"."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_when(moment: datetime | None, lang: str = "en", time_zone: str | None = None) -> str:
    """A moment as a venue's reader reads it: ``Dec 7, 2026, 14:05 UTC+8``, ``2026年12月7日 14:05 UTC+8``."""
    if moment is None:
        return ""
    local = in_time_zone(moment, time_zone)
    locale = BABEL_LOCALES.get(lang, "en")
    day = format_skeleton("yMMMd", local, locale=locale)
    # The locale's own way of joining a date and a time: "Dec 8, 2026, 01:30", "2026年12月8日 01:30".
    joined = str(get_datetime_format("medium", locale=locale)).replace("{1}", day).replace("{0}", f"{local:%H:%M}")
    return f"{joined} {zone_label(local)}"


def format_stamp(moment: datetime | None, time_zone: str | None = None, *, day: bool = False) -> str:
    """A moment on a list that mixes venues, on the clock of the row's venue and naming it:
    ``2026-12-07 14:03 (Asia/Shanghai)``; the platform's own rows (no zone) ``2026-12-07 06:03 UTC``.
    ``day``: the date alone, ``2026-12-07 (Asia/Shanghai)``."""
    if moment is None:
        return ""
    zone = time_zone or "UTC"
    local = in_time_zone(moment, zone)
    shown = f"{local:%Y-%m-%d}" if day else f"{local:%Y-%m-%d %H:%M}"
    return f"{shown} UTC" if zone == "UTC" else f"{shown} ({zone})"


def format_clock(moment: datetime | None, lang: str = "en", time_zone: str | None = None) -> str:
    """The time of day only, with its zone: ``14:05 UTC+8`` (for today's deadlines)."""
    if moment is None:
        return ""
    local = in_time_zone(moment, time_zone)
    return f"{local:%H:%M} {zone_label(local)}"


def format_day(moment: datetime | date | None, lang: str = "en", time_zone: str | None = None) -> str:
    """The day a moment falls on in the venue's time zone: ``Dec 7, 2026``, ``2026年12月7日``."""
    if moment is None:
        return ""
    day = in_time_zone(moment, time_zone).date() if isinstance(moment, datetime) else moment
    return str(format_date(day, "medium", locale=BABEL_LOCALES.get(lang, "en")))
