"""Which credit offers a venue's visitors see: ``/venue/<slug>/offers`` (managers and owners).

The platform admins offer lots to venues (allocations); a venue ticks the offers its
visitors see on the "pick a project" screen, numbers them in the order they appear and
picks the one preselected. The page calls ``choose_offers``; its JSON twin is
``GET``/``PUT /api/v1/venues/{slug}/offers`` (``neutralpoint.credits.offer_controllers``).
Someone else's venue, or a staff member, gets a 404, as on every venue page.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.credits import services
from neutralpoint.credits.schemas import OfferView, ordered_offers
from neutralpoint.database.session import DbSession
from neutralpoint.refusals import FieldError, FormErrors, problem
from neutralpoint.tenants import addresses
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember
from neutralpoint.web.templating import render
from neutralpoint_admin.venue.pages import page_language, see_other, to_login


def read_choice(
    form: FormMultiDict, offered: list[OfferView]
) -> tuple[list[uuid.UUID], uuid.UUID | None, dict[str, FieldError]]:
    """The ticked offers sorted by the numbers typed beside them (ties keep the page's order),
    the chosen default, and a message for each number that is not a whole number."""
    errors: dict[str, FieldError] = {}
    ticked = {str(v) for v in form.getall("shown", [])}
    numbered: list[tuple[int, int, uuid.UUID]] = []
    for index, offer in enumerate(offered):
        key = str(offer.allocation_id)
        raw = str(form.get(f"position_{key}", "") or "").strip()
        number = index + 1
        if raw:
            try:
                number = int(raw)
            except ValueError:
                errors[f"position_{key}"] = FieldError("not_an_integer")
        if key in ticked:
            numbered.append((number, index, offer.allocation_id))
    default_raw = str(form.get("default", "") or "").strip()
    default_id: uuid.UUID | None = None
    if default_raw:
        try:
            default_id = uuid.UUID(default_raw)
        except ValueError:
            errors["default"] = problem(
                "unknown_choice", "Choose the default among the offers shown.", "请在显示的选项中选择默认项。"
            )
    return [allocation_id for _, _, allocation_id in sorted(numbered)], default_id, errors


class VenueOffersPages(Controller):
    path = "/venue/{slug:str}/offers"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    def _page(
        self,
        request: Request[Any, Any, Any],
        access: VenueMember,
        offers: list[OfferView],
        *,
        errors: dict[str, FieldError] | None = None,
        form: FormMultiDict | None = None,
    ) -> Template:
        lang = page_language(request, access.tenant.default_language)
        values: dict[str, Any] = {}
        if form is not None:
            values = {
                "shown": {str(v) for v in form.getall("shown", [])},
                "default": str(form.get("default", "") or ""),
                "positions": {
                    str(o.allocation_id): str(form.get(f"position_{o.allocation_id}", "") or "") for o in offers
                },
            }
        return render(
            request,
            "offers/offers.html",
            lang=lang,
            status_code=400 if errors else 200,
            headers={"Cache-Control": "no-store"},
            venue=access.tenant,
            brand=access.tenant,
            role=access.role,
            user=access.user,
            section="offers",
            can_manage=access.allows(Role.MANAGER),
            is_owner=access.allows(Role.OWNER),
            logo_url=addresses.logo_path(access.tenant),
            offers=offers,
            values=values,
            refused=errors or {},
            saved=request.query_params.get("saved") == "1",
            request_path=request.url.path,
        )

    @get("/", access=VenueAccess(Role.MANAGER))
    async def offers(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        access: NamedDependency[VenueMember],
    ) -> Template:
        offers = await services.offers_for_venue(db_session, access.tenant.id, include_hidden=True)
        return self._page(request, access, ordered_offers(offers))

    @post("/", access=VenueAccess(Role.MANAGER))
    async def choose(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        offers = ordered_offers(await services.offers_for_venue(db_session, access.tenant.id, include_hidden=True))
        form = await request.form()
        shown, default_id, errors = read_choice(form, offers)
        if not errors:
            try:
                async with db_session.begin_nested():
                    await services.choose_offers(db_session, access.tenant.id, shown=shown, default_id=default_id)
            except FormErrors as exc:
                errors = {{"default_id": "default"}.get(k, k): v for k, v in exc.errors.items()}
        if errors:
            return self._page(request, access, offers, errors=errors, form=form)
        return see_other(f"/venue/{slug}/offers?saved=1")


route_handlers: list[Any] = [VenueOffersPages]
