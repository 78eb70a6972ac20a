"""Numbers and dates as people read them: grams as g, kg or t; money in its currency's minor
units; an event's days in the reader's language."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.dates import format_date, format_interval
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
    than its whole digits (520.53 reads 521, not 520); exact values stay in the data."""
    number = Decimal(value)
    if not number:
        return Decimal(0)
    places = max(FACTOR_DIGITS - number.adjusted() - 1, 0)
    return number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


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
