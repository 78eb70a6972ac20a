"""Which offers a venue shows its visitors, in which order, and which one first."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import stock
from neutralpoint.credits.field_checks import now_or_given
from neutralpoint.credits.models import (
    Allocation,
    Lot,
    Project,
    VenueOffer,
)
from neutralpoint.credits.schemas import OfferView
from neutralpoint.refusals import problem, refuse

# --- a venue's offers ---------------------------------------------------------------------


async def offers_for_venue(
    session: AsyncSession, tenant_id: uuid.UUID, *, now: datetime | None = None, include_hidden: bool = False
) -> list[OfferView]:
    """The venue's offers in its order, with grams free now (expired reservations count as
    free). Read only. The first visible offer is the default unless the venue chose one."""
    moment = now_or_given(now)
    entries = await stock.venue_allocations(session, tenant_id, moment, include_hidden=include_hidden)
    if not entries:
        return []
    expired_by_allocation, expired_by_lot = await stock.expired_held_grams(session, moment)
    lots = {
        lot.id: lot
        for lot in (
            await session.execute(select(Lot).where(Lot.id.in_({e.allocation.lot_id for e in entries})))
        ).scalars()
    }
    projects = {
        p.id: p
        for p in (
            await session.execute(select(Project).where(Project.id.in_({e.allocation.project_id for e in entries})))
        ).scalars()
    }
    lot_free = {lot_id: lot.available_grams + expired_by_lot.get(lot_id, 0) for lot_id, lot in lots.items()}

    def offer_free(allocation: Allocation) -> int:
        return allocation.available_grams + expired_by_allocation.get(allocation.id, 0)

    def chain_free(chain: Sequence[Allocation]) -> int:
        left = dict(lot_free)
        total = 0
        for allocation in chain:
            take = min(offer_free(allocation), left[allocation.lot_id])
            left[allocation.lot_id] -= take
            total += take
        return total

    visible = [e for e in entries if e.visible]
    chosen_default = next((e.allocation.id for e in visible if e.choice is not None and e.choice.is_default), None)
    default_id = chosen_default or (visible[0].allocation.id if visible else None)
    views = []
    for entry in entries:
        allocation = entry.allocation
        project = projects[allocation.project_id]
        others = [
            e.allocation
            for e in visible
            if e.allocation.project_id == allocation.project_id
            and e.allocation.currency == allocation.currency
            and e.allocation.id != allocation.id
        ]
        views.append(
            OfferView(
                allocation_id=allocation.id,
                project_id=project.id,
                project_slug=project.slug,
                project_name=dict(project.name),
                registry_code=project.registry_code,
                project_type=project.project_type,
                lot_id=allocation.lot_id,
                vintage_year=lots[allocation.lot_id].vintage_year,
                price_per_tonne_minor=allocation.price_per_tonne_minor,
                currency=allocation.currency,
                available_grams=chain_free([allocation]),
                project_available_grams=chain_free([allocation, *others]),
                position=entry.position,
                visible=entry.visible,
                is_default=allocation.id == default_id,
                valid_until=allocation.valid_until,
            )
        )
    return views


async def choose_offers(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    shown: Sequence[uuid.UUID],
    default_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> list[OfferView]:
    """A venue shows ``shown`` in this order (the others are hidden) with ``default_id``
    preselected. Only allocations offered to the venue can be chosen."""
    moment = now_or_given(now)
    entries = await stock.venue_allocations(session, tenant_id, moment, include_hidden=True)
    offered = {e.allocation.id for e in entries}
    order = list(dict.fromkeys(shown))
    if any(a not in offered for a in order):
        raise refuse(
            "shown",
            problem(
                "not_offered",
                "One of the chosen offers is not available to this venue.",
                "所选选项中有一个不向本场所提供。",
            ),
        )
    if default_id is not None and default_id not in order:
        raise refuse(
            "default_id",
            problem("unknown_choice", "The default must be one of the offers shown.", "默认项必须是显示的选项之一。"),
        )
    existing = {
        row.allocation_id: row
        for row in (await session.execute(select(VenueOffer).where(VenueOffer.tenant_id == tenant_id))).scalars()
    }
    for allocation_id in offered:
        row = existing.get(allocation_id)
        if row is None:
            row = VenueOffer(tenant_id=tenant_id, allocation_id=allocation_id)
            session.add(row)
        row.visible = allocation_id in order
        row.position = order.index(allocation_id) if allocation_id in order else len(order)
        row.is_default = allocation_id == default_id
    await session.flush()
    return await offers_for_venue(session, tenant_id, now=moment, include_hidden=True)
