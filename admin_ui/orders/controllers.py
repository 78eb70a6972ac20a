"""Orders in the dashboards, through the payments services only.

- ``/venue/<slug>/orders`` (managers and owners): the venue's orders, their refunds and a
  CSV; owners refund a whole order within the refund window;
- ``/platform/orders`` and ``/platform/payouts`` (platform admins): every order, refunds,
  and what is owed to each project owner from the orders' splits, each with a CSV.

JSON twins: ``/api/v1/venues/{slug}/orders…`` and ``/api/v1/platform/{orders,payouts}``.
Access is declared on each route (``VenueAccess``, ``PLATFORM_ADMIN``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ExceptionHandlersMap

from neutralpoint.database.session import DbSession
from neutralpoint.payments import services
from neutralpoint.payments.management import MANAGER, OWNER
from neutralpoint.refusals import FormErrors
from neutralpoint.tenants import addresses
from neutralpoint.tenants.access import PLATFORM_ADMIN, Role, User, VenueMember
from neutralpoint.web.templating import render
from neutralpoint_admin.venue.pages import page_language, see_other, to_login

TO_LOGIN: ExceptionHandlersMap = {NotAuthorizedException: to_login}
REFUNDABLE = ("paid", "fulfilled")


def _venue_page(request: Request[Any, Any, Any], access: NamedDependency[VenueMember], **context: Any) -> Template:
    lang = page_language(request, access.tenant.default_language)
    return render(
        request,
        "orders/venue_orders.html",
        lang=lang,
        headers={"Cache-Control": "no-store"},
        venue=access.tenant,
        brand=access.tenant,
        role=access.role,
        user=access.user,
        section="orders",
        can_manage=access.allows(Role.MANAGER),
        is_owner=access.allows(Role.OWNER),
        logo_url=addresses.logo_path(access.tenant),
        refundable=REFUNDABLE,
        **context,
    )


@get("/venue/{slug:str}/orders", include_in_schema=False, access=MANAGER, exception_handlers=TO_LOGIN)
async def venue_orders(
    request: Request[Any, Any, Any], access: NamedDependency[VenueMember], db_session: NamedDependency[DbSession]
) -> Template:
    rows = await services.list_orders(db_session)
    return _venue_page(
        request,
        access,
        rows=rows,
        refunded=request.query_params.get("refunded"),
        error=request.query_params.get("error", ""),
    )


@get("/venue/{slug:str}/orders.csv", include_in_schema=False, access=MANAGER, exception_handlers=TO_LOGIN)
async def venue_orders_csv(
    access: NamedDependency[VenueMember], db_session: NamedDependency[DbSession]
) -> Response[str]:
    text = services.orders_csv(await services.list_orders(db_session))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="orders-{access.tenant.slug}.csv"'},
    )


async def _refund(request: Request[Any, Any, Any], state: State, reference: str, actor: str) -> str:
    """The refund's outcome as a message in the page's language ("" when it worked)."""
    try:
        await services.refund_order(state.db, services.shared_provider(state), state.settings, reference, actor=actor)
    except FormErrors as exc:
        return next(iter(exc.messages(page_language(request)).values()))
    return ""


@post(
    "/venue/{slug:str}/orders/{reference:str}/refund",
    include_in_schema=False,
    access=OWNER,
    exception_handlers=TO_LOGIN,
    status_code=303,
)
async def venue_refund(
    request: Request[Any, Any, Any],
    state: State,
    access: NamedDependency[VenueMember],
    db_session: NamedDependency[DbSession],
    reference: FromPath[str],
) -> Response[Any]:
    order = await services.get_order(db_session, reference)
    if order is None:
        raise NotFoundException()
    await db_session.commit()
    error = await _refund(request, state, order.reference, f"venue:{access.user.email}")
    return _after_refund(f"/venue/{access.tenant.slug}/orders", order.reference, error)


def _after_refund(path: str, reference: str, error: str) -> Response[Any]:
    from urllib.parse import urlencode

    query = urlencode({"error": error} if error else {"refunded": reference})
    return see_other(f"{path}?{query}")


def _platform_page(request: Request[Any, Any, Any], template: str, section: str, **context: Any) -> Template:
    return render(
        request,
        template,
        lang=page_language(request),
        headers={"Cache-Control": "no-store"},
        section=section,
        refundable=REFUNDABLE,
        **context,
    )


@get("/platform/orders", include_in_schema=False, access=PLATFORM_ADMIN, exception_handlers=TO_LOGIN)
async def platform_orders(
    request: Request[Any, Any, Any], user: NamedDependency[User], db_session: NamedDependency[DbSession]
) -> Template:
    rows = await services.list_orders(db_session)
    return _platform_page(
        request,
        "orders/platform_orders.html",
        "orders",
        rows=rows,
        refunded=request.query_params.get("refunded"),
        error=request.query_params.get("error", ""),
    )


@get("/platform/orders.csv", include_in_schema=False, access=PLATFORM_ADMIN, exception_handlers=TO_LOGIN)
async def platform_orders_csv(user: NamedDependency[User], db_session: NamedDependency[DbSession]) -> Response[str]:
    text = services.orders_csv(await services.list_orders(db_session))
    return Response(
        text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="orders.csv"'}
    )


@post(
    "/platform/orders/{reference:str}/refund",
    include_in_schema=False,
    access=PLATFORM_ADMIN,
    exception_handlers=TO_LOGIN,
    status_code=303,
)
async def platform_refund(
    request: Request[Any, Any, Any],
    state: State,
    user: NamedDependency[User],
    db_session: NamedDependency[DbSession],
    reference: FromPath[str],
) -> Response[Any]:
    order = await services.get_order(db_session, reference)
    if order is None:
        raise NotFoundException()
    await db_session.commit()
    error = await _refund(request, state, order.reference, f"platform:{user.email}")
    return _after_refund("/platform/orders", order.reference, error)


@get("/platform/payouts", include_in_schema=False, access=PLATFORM_ADMIN, exception_handlers=TO_LOGIN)
async def platform_payouts(
    request: Request[Any, Any, Any], user: NamedDependency[User], db_session: NamedDependency[DbSession]
) -> Template:
    include_test = request.query_params.get("test") == "1"
    rows = await services.owed_to_owners(db_session, include_test=include_test)
    return _platform_page(request, "orders/payouts.html", "payouts", rows=rows, include_test=include_test)


@get("/platform/payouts.csv", include_in_schema=False, access=PLATFORM_ADMIN, exception_handlers=TO_LOGIN)
async def platform_payouts_csv(
    request: Request[Any, Any, Any], user: NamedDependency[User], db_session: NamedDependency[DbSession]
) -> Response[str]:
    rows = await services.owed_to_owners(db_session, include_test=request.query_params.get("test") == "1")
    return Response(
        services.owed_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="owed-to-project-owners.csv"'},
    )


route_handlers: list[Any] = [
    venue_orders,
    venue_orders_csv,
    venue_refund,
    platform_orders,
    platform_orders_csv,
    platform_refund,
    platform_payouts,
    platform_payouts_csv,
]
