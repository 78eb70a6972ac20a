"""Files a page or an API route hands over for saving: CSV exports of orders, payouts and reports."""

from __future__ import annotations

from litestar import Response


def csv_download(body: str, filename: str) -> Response[str]:
    """``body`` as a CSV attachment named ``filename``; never kept by a cache (the rows are private)."""
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
