"""The platform admin's reports as CSV files, with exact integers beside readable numbers.

Grams and minor units are the books' own integers; the tonnes and amount columns repeat
them as exact decimals (never floats) for spreadsheets. Text cells that a spreadsheet
would run as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from babel.numbers import get_currency_precision

from neutralpoint.credits.models import GRAMS_PER_TONNE
from neutralpoint.credits.overview import SalesRow, StockRow

STOCK_COLUMNS = (
    "key",
    "name",
    "held_grams",
    "reserved_grams",
    "sold_grams",
    "retired_grams",
    "due_grams",
    "retiring_grams",
    "held_tonnes",
    "reserved_tonnes",
    "sold_tonnes",
    "retired_tonnes",
    "due_tonnes",
    "retiring_tonnes",
)
SALES_COLUMNS = (
    "key",
    "name",
    "currency",
    "orders",
    "grams",
    "amount_minor",
    "owner_minor",
    "platform_minor",
    "venue_minor",
    "refunded_orders",
    "refunded_minor",
    "amount",
    "owed_to_owner",
    "platform_fee",
    "venue_share",
    "refunded",
)


def tonnes_text(grams: int) -> str:
    """Exact tonnes with six decimals: 1234567 g → ``1.234567``."""
    return f"{Decimal(grams).scaleb(-6):.6f}" if grams % GRAMS_PER_TONNE else str(grams // GRAMS_PER_TONNE)


def amount_text(minor: int, currency: str) -> str:
    """Exact amount in major units: 12345 CNY → ``123.45``."""
    digits = int(get_currency_precision(currency))
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(cell) if isinstance(cell, str) else cell for cell in row])
    return out.getvalue()


def stock_csv(rows: Iterable[StockRow]) -> str:
    grams = ("held_grams", "reserved_grams", "sold_grams", "retired_grams", "due_grams", "retiring_grams")
    return _write(
        STOCK_COLUMNS,
        (
            [
                str(row.key),
                row.label,
                *(getattr(row, name) for name in grams),
                *(tonnes_text(getattr(row, name)) for name in grams),
            ]
            for row in rows
        ),
    )


def sales_csv(rows: Iterable[SalesRow]) -> str:
    return _write(
        SALES_COLUMNS,
        (
            [
                str(row.key),
                row.label,
                row.currency,
                row.orders,
                row.grams,
                row.amount_minor,
                row.owner_minor,
                row.platform_minor,
                row.venue_minor,
                row.refunded_orders,
                row.refunded_minor,
                amount_text(row.amount_minor, row.currency),
                amount_text(row.owner_minor, row.currency),
                amount_text(row.platform_minor, row.currency),
                amount_text(row.venue_minor, row.currency),
                amount_text(row.refunded_minor, row.currency),
            ]
            for row in rows
        ),
    )
