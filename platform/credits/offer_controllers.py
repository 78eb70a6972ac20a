"""A venue's credit offers as JSON: ``GET``/``PUT /api/v1/venues/{slug}/offers`` (managers
and owners). The page is ``/venue/{slug}/offers`` in the admin UI; both call the same
services (``offers_for_venue``, ``choose_offers``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import services
from neutralpoint.credits.schemas import OfferOut, OffersIn, ordered_offers
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember


class VenueOffersApi(Controller):
    path = "/api/v1/venues/{slug:str}/offers"
    tags = ["venues"]  # noqa: RUF012
    opt = {"access": VenueAccess(Role.MANAGER)}  # noqa: RUF012

    @get("/", summary="The credit offers of a venue, shown ones first in their order")
    async def list_offers(
        self, db_session: NamedDependency[AsyncSession], access: NamedDependency[VenueMember]
    ) -> list[OfferOut]:
        offers = await services.offers_for_venue(db_session, access.tenant.id, include_hidden=True)
        return [OfferOut.of(o) for o in ordered_offers(offers)]

    @put("/", summary="Choose the offers visitors see, their order and the default")
    async def choose_offers(
        self,
        db_session: NamedDependency[AsyncSession],
        data: JSONBody[OffersIn],
        access: NamedDependency[VenueMember],
    ) -> list[OfferOut]:
        """``shown`` lists allocation ids in the order visitors see them; the rest are hidden.
        ``default_id``, one of ``shown``, is preselected (else the first shown)."""
        offers = await services.choose_offers(
            db_session, access.tenant.id, shown=data.shown, default_id=data.default_id
        )
        return [OfferOut.of(o) for o in ordered_offers(offers)]


route_handlers: list[Any] = [VenueOffersApi]
