"""Orders in the dashboards, through the payments services only.

- ``/venue/<slug>/orders`` (managers and owners): the venue's orders, their refunds and a
  CSV; owners refund a whole order within the refund window, from a page that says what
  the refund does before it is done (``…/orders/<reference>/refund``);
- ``/platform/orders`` and ``/platform/payouts`` (platform admins): every order, refunds,
  and what is owed to each project owner from the orders' splits, each with a CSV; the
  same refund page (``/platform/orders/<reference>/refund``).

JSON twins: ``/api/v1/venues/{slug}/orders…`` and ``/api/v1/platform/{orders,payouts}``.
Access is declared on each route (``VenueAccess``, ``PLATFORM_ADMIN``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ExceptionHandlersMap

from neutralpoint.database.session import DbSession
from neutralpoint.database.tenancy import Actor, acting
from neutralpoint.payments import services
from neutralpoint.payments.management import MANAGER, OWNER
from neutralpoint.refusals import FormErrors
from neutralpoint.tenants import addresses
from neutralpoint.tenants.access import PLATFORM_ADMIN, Role, User, VenueMember
from neutralpoint.web.downloads import csv_download
from neutralpoint.web.templating import render
from neutralpoint_admin.venue.pages import page_language, see_other, to_login

TO_LOGIN: ExceptionHandlersMap = {NotAuthorizedException: to_login}
REFUNDABLE = ("paid", "fulfilled")
#: Renders the refund page in its console (venue or platform) from the refund's context.
RenderPage = Callable[..., Template]


def _venue_page(
    request: Request[Any, Any, Any],
    access: VenueMember,
    *,
    template: str = "orders/venue_orders.html",
    status_code: int = 200,
    **context: Any,
) -> Template:
    lang = page_language(request, access.tenant.default_language)
    return render(
        request,
        template,
        lang=lang,
        status_code=status_code,
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
    return _venue_page(request, access, rows=rows, refunded=await _refunded(db_session, request))


@get("/venue/{slug:str}/orders.csv", include_in_schema=False, access=MANAGER, exception_handlers=TO_LOGIN)
async def venue_orders_csv(
    access: NamedDependency[VenueMember], db_session: NamedDependency[DbSession]
) -> Response[str]:
    return csv_download(services.orders_csv(await services.list_orders(db_session)), f"orders-{access.tenant.slug}.csv")


async def _refunded(session: DbSession, request: Request[Any, Any, Any]) -> str:
    """The order the page says was just refunded, when our records say so (not the URL alone)."""
    reference = request.query_params.get("refunded") or ""
    order = await services.get_order(session, reference) if reference else None
    return order.reference if order is not None and order.status == "refunded" else ""


def _refund_context(order: services.OrderView, state: State, lang: str, back: str) -> dict[str, Any]:
    """What the refund page shows: the order, until when it may be refunded, and whether it still may."""
    deadline = order.paid_at + timedelta(days=state.settings.refund_window_days) if order.paid_at else None
    return {
        "order": order,
        "project": services.project_lines(order, lang),
        "deadline": deadline,
        "refundable_now": order.status in REFUNDABLE and (deadline is None or datetime.now(UTC) <= deadline),
        "window_days": state.settings.refund_window_days,
        "back": back,
    }


async def _refund_page(
    request: Request[Any, Any, Any],
    state: State,
    session: DbSession,
    reference: str,
    *,
    back: str,
    lang: str,
    render_page: RenderPage,
    error: str = "",
    status_code: int = 200,
) -> Template:
    order = await services.get_order(session, reference)
    if order is None:
        raise NotFoundException()
    return render_page(_refund_context(order, state, lang, back), error=error, status_code=status_code)


async def _refund(state: State, reference: str, actor: str, lang: str, by: Actor | None) -> tuple[str, int]:
    """The refund's refusal as a message in the page's language and its status ("" when it worked)."""
    try:
        await services.refund_order(
            state.db, services.shared_provider(state), state.settings, reference, actor=actor, by=by
        )
    except FormErrors as exc:
        status = exc.status_code if exc.status_code in (400, 404, 409, 502) else 400
        return next(iter(exc.messages(lang).values())), status
    return "", 200


@get(
    "/venue/{slug:str}/orders/{reference:str}/refund",
    include_in_schema=False,
    access=OWNER,
    exception_handlers=TO_LOGIN,
)
async def venue_refund_page(
    request: Request[Any, Any, Any],
    state: State,
    access: NamedDependency[VenueMember],
    db_session: NamedDependency[DbSession],
    reference: FromPath[str],
) -> Template:
    """What refunding this order does, and the button that does it (owners)."""
    return await _refund_page(
        request,
        state,
        db_session,
        reference,
        back=f"/venue/{access.tenant.slug}/orders",
        lang=page_language(request, access.tenant.default_language),
        render_page=_venue_refund_render(request, access),
    )


def _venue_refund_render(request: Request[Any, Any, Any], access: VenueMember) -> RenderPage:
    def render_page(context: dict[str, Any], *, error: str, status_code: int) -> Template:
        return _venue_page(
            request,
            access,
            template="orders/refund.html",
            status_code=status_code,
            error=error,
            refund_action=f"/venue/{access.tenant.slug}/orders/{context['order'].reference}/refund",
            **context,
        )

    return render_page


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
    lang = page_language(request, access.tenant.default_language)
    error, status = await _refund(state, order.reference, f"venue:{access.user.email}", lang, acting(db_session))
    back = f"/venue/{access.tenant.slug}/orders"
    if error:
        return await _refund_page(
            request,
            state,
            db_session,
            order.reference,
            back=back,
            lang=lang,
            render_page=_venue_refund_render(request, access),
            error=error,
            status_code=status,
        )
    return see_other(f"{back}?refunded={order.reference}")


def _platform_page(
    request: Request[Any, Any, Any], template: str, section: str, *, status_code: int = 200, **context: Any
) -> Template:
    return render(
        request,
        template,
        lang=page_language(request),
        status_code=status_code,
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
        request, "orders/platform_orders.html", "orders", rows=rows, refunded=await _refunded(db_session, request)
    )


@get("/platform/orders.csv", include_in_schema=False, access=PLATFORM_ADMIN, exception_handlers=TO_LOGIN)
async def platform_orders_csv(user: NamedDependency[User], db_session: NamedDependency[DbSession]) -> Response[str]:
    return csv_download(services.orders_csv(await services.list_orders(db_session)), "orders.csv")


def _platform_refund_render(request: Request[Any, Any, Any]) -> RenderPage:
    def render_page(context: dict[str, Any], *, error: str, status_code: int) -> Template:
        return _platform_page(
            request,
            "orders/refund.html",
            "orders",
            status_code=status_code,
            error=error,
            refund_action=f"/platform/orders/{context['order'].reference}/refund",
            **context,
        )

    return render_page


@get(
    "/platform/orders/{reference:str}/refund",
    include_in_schema=False,
    access=PLATFORM_ADMIN,
    exception_handlers=TO_LOGIN,
)
async def platform_refund_page(
    request: Request[Any, Any, Any],
    state: State,
    user: NamedDependency[User],
    db_session: NamedDependency[DbSession],
    reference: FromPath[str],
) -> Template:
    """What refunding any venue's order does, and the button that does it."""
    return await _refund_page(
        request,
        state,
        db_session,
        reference,
        back="/platform/orders",
        lang=page_language(request),
        render_page=_platform_refund_render(request),
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
    by = acting(db_session)
    error, status = await _refund(state, order.reference, f"platform:{user.email}", page_language(request), by)
    if error:
        return await _refund_page(
            request,
            state,
            db_session,
            order.reference,
            back="/platform/orders",
            lang=page_language(request),
            render_page=_platform_refund_render(request),
            error=error,
            status_code=status,
        )
    return see_other(f"/platform/orders?refunded={order.reference}")


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
    return csv_download(services.owed_csv(rows), "owed-to-project-owners.csv")


route_handlers: list[Any] = [
    venue_orders,
    venue_orders_csv,
    venue_refund_page,
    venue_refund,
    platform_orders,
    platform_orders_csv,
    platform_refund_page,
    platform_refund,
    platform_payouts,
    platform_payouts_csv,
]
