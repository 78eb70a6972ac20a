"""Files a page or an API route hands over for saving: CSV exports of orders, payouts and reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from litestar import Response

#: What a spreadsheet would run as a formula when a cell begins with it.
FORMULA_STARTS = ("=", "+", "-", "@")


def csv_cell(value: object) -> object:
    """A text a spreadsheet would run as a formula, quoted as text; anything else as it is."""
    return "'" + value if isinstance(value, str) and value[:1] in FORMULA_STARTS else value


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A CSV file: the header, then the rows, every cell through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def csv_download(body: str, filename: str) -> Response[str]:
    """``body`` as a CSV attachment named ``filename``; never kept by a cache (the rows are private)."""
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
