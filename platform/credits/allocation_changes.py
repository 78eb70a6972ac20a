"""Changing or withdrawing an allocation once offered, through ledger entries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import ledger, pricing, reasons, stock
from neutralpoint.credits.allocations import GRAMS_OFFERED, checked_venue_ids
from neutralpoint.credits.errors import CreditsInputError, Message
from neutralpoint.credits.field_checks import Problems, checked_text, checked_whole, now_or_given
from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    Allocation,
    AllocationStatus,
    AllocationVenue,
    LedgerKind,
    Lot,
)
from neutralpoint.credits.selling import check_actor

_ALLOCATION_FIELDS = (
    "grams",
    "price_per_tonne_minor",
    "currency",
    "split_bp",
    "venue_ids",
    "all_venues",
    "valid_from",
    "valid_until",
)


async def update_allocation(
    session: AsyncSession,
    allocation_id: uuid.UUID,
    *,
    actor: str,
    reason: str = reasons.OFFER_CHANGED,
    now: datetime | None = None,
    **values: Any,
) -> Allocation:
    """Change an offer: ``grams`` (not below what is reserved and sold, not above what the
    lot has free), ``price_per_tonne_minor``/``currency`` (for new reservations only),
    ``split_bp`` (owner, platform, venue; for new sales), the venues, the dates."""
    problems = Problems()
    actor = problems.run(check_actor, actor) or ""
    unknown = sorted(set(values) - set(_ALLOCATION_FIELDS))
    if unknown:
        raise CreditsInputError(unknown[0], "An offer has no such field.")
    await ledger.lock_supply(session)
    current = (await stock.fresh_allocations(session, [allocation_id])).get(allocation_id)
    if current is None:
        raise CreditsInputError("allocation_id", "There is no such offer.")
    await ledger.lock_lots(session, [current.lot_id])  # the lot before its offer, as selling does
    moment = now_or_given(now)  # after the locks: the lot's chain sees the time of the write
    current = (await stock.fresh_allocations(session, [allocation_id]))[allocation_id]
    if current.status != AllocationStatus.ACTIVE:
        raise CreditsInputError("allocation_id", "This offer was withdrawn.")
    lot = await stock.fresh_lot(session, current.lot_id)
    changes: dict[str, Any] = {}
    delta = 0
    if "grams" in values:
        grams = problems.run(checked_whole, values["grams"], "grams", minimum=1, what=GRAMS_OFFERED)
        if grams is not None:
            delta = grams - current.grams_offered
            if grams < current.reserved_grams + current.sold_grams:
                problems.add(
                    "grams",
                    Message(
                        "%(grams)s g of it are already reserved or sold.",
                        grams=current.reserved_grams + current.sold_grams,
                    ),
                )
            elif delta > lot.unallocated_grams:
                problems.add(
                    "grams",
                    Message("Only %(grams)s g more of this lot are free to offer.", grams=lot.unallocated_grams),
                )
            changes["grams_offered"] = grams
    if "price_per_tonne_minor" in values:
        changes["price_per_tonne_minor"] = problems.run(
            checked_whole,
            values["price_per_tonne_minor"],
            "price_per_tonne_minor",
            minimum=1,
            what=pricing.PRICE_PER_TONNE,
        )
    if "currency" in values:
        changes["currency"] = problems.run(pricing.check_currency, values["currency"])
    if "split_bp" in values:
        split = values["split_bp"]
        if not isinstance(split, (tuple, list)) or len(split) != 3:
            problems.add("owner_bp", "Give the owner, platform and venue shares.")
        else:
            problems.run(pricing.check_split, *split)
            changes.update(owner_bp=split[0], platform_bp=split[1], venue_bp=split[2])
    new_venues: list[uuid.UUID] | None = None
    if "venue_ids" in values or "all_venues" in values:
        all_venues = bool(values.get("all_venues", current.all_venues))
        new_venues = await checked_venue_ids(session, values.get("venue_ids", ()), problems)
        if all_venues and new_venues:
            problems.add("venue_ids", "Offer it either to all venues or to chosen ones, not both.")
        if not all_venues and not new_venues and "venue_ids" not in problems.errors:
            problems.add("venue_ids", "Choose at least one venue, or offer it to all venues.")
        changes["all_venues"] = all_venues
    if "valid_from" in values:
        changes["valid_from"] = values["valid_from"]
    if "valid_until" in values:
        changes["valid_until"] = values["valid_until"]
    start = changes.get("valid_from", current.valid_from)
    end = changes.get("valid_until", current.valid_until)
    if not isinstance(start, datetime) or start.tzinfo is None:
        problems.add("valid_from", "Enter when the offer starts.")
    elif end is not None and end <= start:
        problems.add("valid_until", "The offer must end after it starts.")
    problems.raise_any()
    if delta:
        await stock.shift(
            session,
            Lot,
            lot.id,
            guard=[Lot.quantity_tonnes * GRAMS_PER_TONNE - Lot.allocated_grams >= delta],
            allocated_grams=delta,
        )
    simple = {k: v for k, v in changes.items() if k != "grams_offered"}
    if delta:
        await stock.shift(
            session,
            Allocation,
            current.id,
            guard=[Allocation.grams_offered + delta >= Allocation.reserved_grams + Allocation.sold_grams],
            grams_offered=delta,
        )
    if simple:
        await session.execute(
            update(Allocation)
            .where(Allocation.id == current.id)
            .values(**simple)
            .execution_options(synchronize_session=False)
        )
    if new_venues is not None:
        await session.execute(delete(AllocationVenue).where(AllocationVenue.allocation_id == current.id))
        for venue in new_venues:
            session.add(AllocationVenue(allocation_id=current.id, venue_id=venue))
        await session.flush()
    await ledger.append(
        session,
        LedgerKind.ALLOCATE,
        actor=actor,
        now=moment,
        lot_id=lot.id,
        allocation_id=current.id,
        grams=delta,
        reason=reason,
        details={k: stock.iso(v) for k, v in changes.items()}
        | ({"venues": sorted(str(v) for v in new_venues)} if new_venues is not None else {}),
    )
    return (await stock.fresh_allocations(session, [current.id]))[current.id]


async def withdraw_allocation(
    session: AsyncSession, allocation_id: uuid.UUID, *, actor: str, reason: str, now: datetime | None = None
) -> Allocation:
    """Stop offering an allocation: its free grams go back to the lot at once; grams
    still reserved can be paid for, and go back to the lot if they are not."""
    actor = check_actor(actor)
    why = checked_text(reason, "reason", required=True, max_length=2000)
    await ledger.lock_supply(session)
    current = (await stock.fresh_allocations(session, [allocation_id])).get(allocation_id)
    if current is None:
        raise CreditsInputError("allocation_id", "There is no such offer.")
    await ledger.lock_lots(session, [current.lot_id])  # the lot before its offer, as selling does
    moment = now_or_given(now)  # after the locks: the lot's chain sees the time of the write
    current = (await stock.fresh_allocations(session, [allocation_id]))[allocation_id]
    if current.status == AllocationStatus.WITHDRAWN:
        return current
    free = current.available_grams
    await session.execute(
        update(Allocation)
        .where(Allocation.id == current.id)
        .values(status=AllocationStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    if free:
        await stock.shift(
            session, Allocation, current.id, guard=[stock.allocation_free_guard(free)], grams_offered=-free
        )
        await stock.shift(session, Lot, current.lot_id, guard=[Lot.allocated_grams >= free], allocated_grams=-free)
    await ledger.append(
        session,
        LedgerKind.ALLOCATE,
        actor=actor,
        now=moment,
        lot_id=current.lot_id,
        allocation_id=current.id,
        grams=-free,
        reason=why,
        details={"withdrawn": True},
    )
    return (await stock.fresh_allocations(session, [current.id]))[current.id]
