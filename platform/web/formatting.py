"""Numbers as people read them: grams as g, kg or t; money in its currency's minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
