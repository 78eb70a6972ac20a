"""Reading the numbers people type into forms, one rule for every form.

A comma is read only as a thousands separator in full groups of three ("1,500" or
"12,000.5"). Anything else with a comma ("1,5", "60,5", "1，5") is refused rather than
guessed: a decimal comma in many languages, dropping it would read ten times the value.
Exponents, ``NaN`` and ``Infinity`` are not numbers a person types, so they are refused too.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: The one shape with commas that is read: full groups of three digits before any point.
THOUSANDS_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class DecimalCommaError(ValueError):
    """A comma that is not a thousands separator: ask for a decimal point instead."""


def parse_decimal(raw: str) -> Decimal:
    """The exact value of ``raw`` ("1,500.25" → 1500.25), or ``ValueError``.

    ``DecimalCommaError`` (a ``ValueError``) when a comma is not in full thousands groups,
    so a form can say "write decimals with a point" rather than "enter a number".
    """
    text = raw.strip()
    if "," in text or "，" in text:
        if not THOUSANDS_GROUPED.fullmatch(text):
            raise DecimalCommaError(f"a comma that is not a thousands separator: {raw!r}")
        text = text.replace(",", "")
    if not _PLAIN.fullmatch(text):
        raise ValueError(f"not a number: {raw!r}")
    return Decimal(text)
