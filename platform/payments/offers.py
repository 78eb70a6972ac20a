"""The venue's offers as a buyer sees them: each project with the price of the grams asked.

Prices come from the credits' pricing (grams × price per tonne, rounded up to the minor
unit; the provider's minimum charge when below it), so the price on the button is what
the reservation will quote.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import pricing
from neutralpoint.credits import services as credits
from neutralpoint.credits.models import Project, region_in
from neutralpoint.credits.public import country_name, photos_of, project_url
from neutralpoint.credits.schemas import OfferView
from neutralpoint.credits.vocabulary import project_type_name, registry_name
from neutralpoint.payments.schemas import OrderView, PricedOffer, ProjectFacts
from neutralpoint.scenarios.i18n import text_for


async def project_facts(session: AsyncSession, project_ids: set[uuid.UUID]) -> dict[uuid.UUID, ProjectFacts]:
    if not project_ids:
        return {}
    projects = (await session.execute(select(Project).where(Project.id.in_(project_ids)))).scalars().all()
    facts = {}
    for project in projects:
        photos = await photos_of(session, project)
        facts[project.id] = ProjectFacts(
            id=project.id,
            slug=project.slug,
            name=dict(project.name),
            country=project.country,
            region=project.region,
            region_zh_hans=project.region_zh_hans,
            project_type=project.project_type,
            registry_code=project.registry_code,
            registry_project_id=project.registry_project_id,
            photo_url=photos[0].url if photos else None,
            url=project_url(project),
        )
    return facts


def price_offer(offer: OfferView, project: ProjectFacts, grams: int) -> PricedOffer:
    quote = pricing.quote(grams, offer.price_per_tonne_minor, offer.currency)
    return PricedOffer(
        allocation_id=offer.allocation_id,
        project=project,
        vintage_year=offer.vintage_year,
        price_per_tonne_minor=offer.price_per_tonne_minor,
        currency=offer.currency,
        grams=grams,
        price_minor=quote.rounded_up_minor,
        exact_price_minor=quote.price_minor,
        below_minimum=quote.below_minimum,
        available_grams=offer.project_available_grams,
        sold_out=offer.project_available_grams < grams,
        is_default=offer.is_default,
    )


async def visible_offers(session: AsyncSession, tenant_id: uuid.UUID) -> list[OfferView]:
    return [o for o in await credits.offers_for_venue(session, tenant_id) if o.visible]


async def priced_offers(session: AsyncSession, tenant_id: uuid.UUID, grams: int) -> list[PricedOffer]:
    """The venue's visible offers in its order, each priced for ``grams`` (at least 1 g)."""
    offers = await visible_offers(session, tenant_id)
    facts = await project_facts(session, {o.project_id for o in offers})
    grams = max(grams, 1)
    return [price_offer(o, facts[o.project_id], grams) for o in offers]


def project_lines(offer: PricedOffer | OrderView, lang: str) -> dict[str, str]:
    """A project's name, place, type and registry in the visitor's language."""
    project = offer.project
    place = country_name(project.country, lang)
    region = region_in(project.region, project.region_zh_hans, lang)
    if region:
        place = f"{region}, {place}" if lang != "zh-Hans" else f"{place} {region}"
    return {
        "name": text_for(project.name, lang),
        "place": place,
        "type": project_type_name(project.project_type, lang),
        "registry": registry_name(project.registry_code, lang),
    }
