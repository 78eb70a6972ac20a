"""Changing or withdrawing an allocation once offered, through ledger entries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.credits import ledger, pricing, reasons, stock
from neutralpoint.credits.allocations import checked_venue_ids
from neutralpoint.credits.field_checks import now_or_given
from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    Allocation,
    AllocationStatus,
    AllocationVenue,
    LedgerKind,
    Lot,
)
from neutralpoint.credits.selling import check_actor
from neutralpoint.refusals import Collector, checked, problem, refuse

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
    problems = Collector()
    actor = problems.check(check_actor, actor) or ""
    unknown = sorted(set(values) - set(_ALLOCATION_FIELDS))
    if unknown:
        raise refuse(unknown[0], problem("unknown_field", "An offer has no such field.", "报价没有此字段。"))
    await ledger.lock_supply(session)
    current = (await stock.fresh_allocations(session, [allocation_id])).get(allocation_id)
    if current is None:
        raise refuse("allocation_id", problem("not_found", "There is no such offer.", "没有此配额。"))
    await ledger.lock_lots(session, [current.lot_id])  # the lot before its offer, as selling does
    moment = now_or_given(now)  # after the locks: the lot's chain sees the time of the write
    current = (await stock.fresh_allocations(session, [allocation_id]))[allocation_id]
    if current.status != AllocationStatus.ACTIVE:
        raise refuse("allocation_id", problem("wrong_state", "This offer was withdrawn.", "此配额已撤回。"))
    lot = await stock.fresh_lot(session, current.lot_id)
    changes: dict[str, Any] = {}
    delta = 0
    if "grams" in values:
        grams = problems.field("grams", rules.whole_number, values["grams"], minimum=1)
        if grams is not None:
            delta = grams - current.grams_offered
            if grams < current.reserved_grams + current.sold_grams:
                problems.add(
                    "grams",
                    problem(
                        "too_small",
                        "{grams} g of it are already reserved or sold.",
                        "其中已有 {grams} 克被预留或售出。",
                        grams=current.reserved_grams + current.sold_grams,
                    ),
                )
            elif delta > lot.unallocated_grams:
                problems.add(
                    "grams",
                    problem(
                        "too_large",
                        "Only {grams} g more of this lot are free to offer.",
                        "此批次只剩 {grams} 克可以再提供。",
                        grams=lot.unallocated_grams,
                    ),
                )
            changes["grams_offered"] = grams
    if "price_per_tonne_minor" in values:
        changes["price_per_tonne_minor"] = problems.field(
            "price_per_tonne_minor", rules.whole_number, values["price_per_tonne_minor"], minimum=1
        )
    if "currency" in values:
        changes["currency"] = problems.check(pricing.check_currency, values["currency"])
    if "split_bp" in values:
        split = values["split_bp"]
        if not isinstance(split, (tuple, list)) or len(split) != 3:
            problems.add(
                "owner_bp",
                problem("required", "Give the owner, platform and venue shares.", "请填写业主、平台和场所的分成。"),
            )
        else:
            problems.check(pricing.check_split, *split)
            changes.update(owner_bp=split[0], platform_bp=split[1], venue_bp=split[2])
    new_venues: list[uuid.UUID] | None = None
    if "venue_ids" in values or "all_venues" in values:
        all_venues = bool(values.get("all_venues", current.all_venues))
        new_venues = await checked_venue_ids(session, values.get("venue_ids", ()), problems)
        if all_venues and new_venues:
            problems.add(
                "venue_ids",
                problem(
                    "venues_conflict",
                    "Offer it either to all venues or to chosen ones, not both.",
                    "请提供给所有场所或选定的场所，不能两者兼有。",
                ),
            )
        if not all_venues and not new_venues and "venue_ids" not in problems.errors:
            problems.add(
                "venue_ids",
                problem(
                    "required",
                    "Choose at least one venue, or offer it to all venues.",
                    "请至少选择一个场所，或提供给所有场所。",
                ),
            )
        changes["all_venues"] = all_venues
    if "valid_from" in values:
        changes["valid_from"] = values["valid_from"]
    if "valid_until" in values:
        changes["valid_until"] = values["valid_until"]
    start = changes.get("valid_from", current.valid_from)
    end = changes.get("valid_until", current.valid_until)
    if not isinstance(start, datetime) or start.tzinfo is None:
        problems.add("valid_from", problem("required", "Enter when the offer starts.", "请输入生效时间。"))
    elif end is not None and end <= start:
        problems.add(
            "valid_until", problem("date_order", "The offer must end after it starts.", "截止时间必须晚于生效时间。")
        )
    problems.raise_if_any()
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
    why = checked("reason", rules.text, reason, required=True, max_length=2000)
    await ledger.lock_supply(session)
    current = (await stock.fresh_allocations(session, [allocation_id])).get(allocation_id)
    if current is None:
        raise refuse("allocation_id", problem("not_found", "There is no such offer.", "没有此配额。"))
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
