"""The platform's home, the reports of stock and money (with their CSV downloads), and
the audit of the books."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from neutralpoint.credits import csv_export, overview, reports, services
from neutralpoint.database.session import DbSession
from neutralpoint.tenants.access import User
from neutralpoint.web.downloads import csv_download
from neutralpoint_admin.platform.pages import PlatformController, page_language, platform_page


async def _money_footer(
    session: DbSession, by: str, sales: list[overview.SalesRow] | None
) -> list[overview.CurrencyTotal]:
    """Totals per currency under a sales table. Per lot, a sale that took grams from two
    lots is a row in each, so the orders are counted once from the per-project totals."""
    if sales is None:
        return []
    if by == "lot":
        return overview.money_by_currency(await reports.sales_totals(session, by="project"))
    return overview.money_by_currency(sales)


class ReportPages(PlatformController):
    @get("/")
    async def home(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession], user: NamedDependency[User]
    ) -> Template:
        summary = await overview.platform_summary(db_session)
        return platform_page(request, "platform/home.html", section="home", user=user, summary=summary)

    @get("/reports")
    async def reports(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        by: FromQuery[str] = "project",
    ) -> Template:
        if by not in overview.GROUPINGS:
            raise NotFoundException()
        lang = page_language(request)
        stock = await overview.stock_rows(db_session, by=by, lang=lang) if by in overview.STOCK_GROUPINGS else None
        sales = await overview.sales_rows(db_session, by=by, lang=lang) if by in overview.SALES_GROUPINGS else None
        return platform_page(
            request,
            "platform/reports.html",
            section="reports",
            by=by,
            groupings=overview.GROUPINGS,
            stock=stock,
            sales=sales,
            money=await _money_footer(db_session, by, sales),
        )

    @get("/reports/{by:str}/stock.csv")
    async def stock_csv(
        self, by: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[str]:
        if by not in overview.STOCK_GROUPINGS:
            raise NotFoundException()
        rows = await overview.stock_rows(db_session, by=by, lang=page_language(request))
        return csv_download(csv_export.stock_csv(rows), f"stock-by-{by}.csv")

    @get("/reports/{by:str}/sales.csv")
    async def sales_csv(
        self, by: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[str]:
        if by not in overview.SALES_GROUPINGS:
            raise NotFoundException()
        rows = await overview.sales_rows(db_session, by=by, lang=page_language(request))
        return csv_download(csv_export.sales_csv(rows), f"sales-by-{by}.csv")

    @get("/audit")
    async def audit(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        report = await services.audit(db_session)
        return platform_page(request, "platform/audit.html", section="audit", report=report)
