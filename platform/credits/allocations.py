"""Allocations: a lot's grams offered to one venue or to all, at a price per tonne.

Checking, creating and reading offers; changing or withdrawing one is in
``allocation_changes``. Every change to grams appends a ledger entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.credits import ledger, pricing, reasons, stock
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
from neutralpoint.refusals import Collector, FieldError, problem
from neutralpoint.tenants.models import Tenant

# --- allocations --------------------------------------------------------------------------


async def checked_venue_ids(
    session: AsyncSession, venue_ids: Sequence[uuid.UUID], problems: Collector
) -> list[uuid.UUID]:
    ids = list(dict.fromkeys(venue_ids))
    if not all(isinstance(i, uuid.UUID) for i in ids):
        problems.add("venue_ids", problem("unknown_choice", "Choose venues from the list.", "请从列表中选择场所。"))
        return []
    found = set((await session.execute(select(Tenant.id).where(Tenant.id.in_(ids)))).scalars()) if ids else set()
    if len(found) != len(ids):
        problems.add(
            "venue_ids",
            problem("unknown_choice", "One of the chosen venues does not exist.", "所选场所中有一个不存在。"),
        )
    return ids


@dataclass(frozen=True)
class _CheckedAllocation:
    lot: Lot | None
    venue_ids: list[uuid.UUID]
    currency: str | None
    start: datetime


async def _check_allocation(
    session: AsyncSession,
    problems: Collector,
    *,
    lot_id: uuid.UUID | None,
    grams: int | None,
    price_per_tonne_minor: int | None,
    currency: str,
    owner_bp: int | None,
    platform_bp: int | None,
    venue_bp: int | None,
    venue_ids: Sequence[uuid.UUID],
    all_venues: bool,
    valid_from: datetime | None,
    valid_until: datetime | None,
    moment: datetime,
    lock: bool,
) -> _CheckedAllocation:
    """Every check of a new offer; the lot's free grams under the books lock when ``lock``."""
    problems.field("grams", rules.whole_number, grams, minimum=1)
    problems.field("price_per_tonne_minor", rules.whole_number, price_per_tonne_minor, minimum=1)
    code = problems.check(pricing.check_currency, currency)
    problems.check(pricing.check_split, owner_bp, platform_bp, venue_bp)
    ids = await checked_venue_ids(session, venue_ids, problems)
    if all_venues and ids:
        problems.add(
            "venue_ids",
            problem(
                "venues_conflict",
                "Offer it either to all venues or to chosen ones, not both.",
                "请提供给所有场所或选定的场所，不能两者兼有。",
            ),
        )
    if not all_venues and not ids and "venue_ids" not in problems.errors:
        problems.add(
            "venue_ids",
            problem(
                "required",
                "Choose at least one venue, or offer it to all venues.",
                "请至少选择一个场所，或提供给所有场所。",
            ),
        )
    start = valid_from or moment
    if valid_until is not None and valid_until <= start:
        problems.add(
            "valid_until", problem("date_order", "The offer must end after it starts.", "截止时间必须晚于生效时间。")
        )
    if lock:
        await ledger.lock_supply(session)
    lot = (
        (
            await session.execute(select(Lot).where(Lot.id == lot_id).execution_options(populate_existing=True))
        ).scalar_one_or_none()
        if isinstance(lot_id, uuid.UUID)
        else None
    )
    if lot is None:
        problems.add("lot_id", problem("required", "Choose the lot to offer.", "请选择要提供的批次。"))
    elif type(grams) is int and grams > lot.unallocated_grams:
        problems.add(
            "grams",
            problem(
                "too_large",
                "Only {grams} g of this lot are not offered yet.",
                "此批次尚未提供的只有 {grams} 克。",
                grams=lot.unallocated_grams,
            ),
        )
    return _CheckedAllocation(lot, ids, code, start)


async def allocation_problems(
    session: AsyncSession,
    *,
    lot_id: uuid.UUID | None,
    grams: int | None,
    price_per_tonne_minor: int | None,
    currency: str,
    owner_bp: int | None,
    platform_bp: int | None,
    venue_bp: int | None,
    venue_ids: Sequence[uuid.UUID] = (),
    all_venues: bool = False,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, FieldError]:
    """What ``create_allocation`` would refuse in these values, field by field, without
    writing anything; a value a form could not read is None."""
    problems = Collector()
    await _check_allocation(
        session,
        problems,
        lot_id=lot_id,
        grams=grams,
        price_per_tonne_minor=price_per_tonne_minor,
        currency=currency,
        owner_bp=owner_bp,
        platform_bp=platform_bp,
        venue_bp=venue_bp,
        venue_ids=venue_ids,
        all_venues=all_venues,
        valid_from=valid_from,
        valid_until=valid_until,
        moment=now_or_given(now),
        lock=False,
    )
    return problems.errors


async def create_allocation(
    session: AsyncSession,
    *,
    lot_id: uuid.UUID,
    grams: int,
    price_per_tonne_minor: int,
    currency: str,
    owner_bp: int,
    platform_bp: int,
    venue_bp: int,
    actor: str,
    venue_ids: Sequence[uuid.UUID] = (),
    all_venues: bool = False,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    is_demo: bool = False,
    now: datetime | None = None,
) -> Allocation:
    """Offer ``grams`` of a lot to ``venue_ids`` (or to every venue with ``all_venues``),
    at a price per tonne in a currency, between ``valid_from`` (default now) and
    ``valid_until`` (open-ended when None). The split is in basis points of each sale."""
    moment = now_or_given(now)
    problems = Collector()
    actor = problems.check(check_actor, actor) or ""
    checked = await _check_allocation(
        session,
        problems,
        lot_id=lot_id,
        grams=grams,
        price_per_tonne_minor=price_per_tonne_minor,
        currency=currency,
        owner_bp=owner_bp,
        platform_bp=platform_bp,
        venue_bp=venue_bp,
        venue_ids=venue_ids,
        all_venues=all_venues,
        valid_from=valid_from,
        valid_until=valid_until,
        moment=moment,
        lock=True,
    )
    lot, ids, code, start = checked.lot, checked.venue_ids, checked.currency, checked.start
    problems.raise_if_any()
    assert lot is not None
    moment = now_or_given(now)  # after the books lock: the ledger sees the time of the write
    start = valid_from or moment
    await stock.shift(
        session,
        Lot,
        lot.id,
        guard=[Lot.quantity_tonnes * GRAMS_PER_TONNE - Lot.allocated_grams >= grams],
        allocated_grams=grams,
    )
    allocation = Allocation(
        lot_id=lot.id,
        project_id=lot.project_id,
        grams_offered=grams,
        all_venues=all_venues,
        price_per_tonne_minor=price_per_tonne_minor,
        currency=code,
        valid_from=start,
        valid_until=valid_until,
        owner_bp=owner_bp,
        platform_bp=platform_bp,
        venue_bp=venue_bp,
        status=AllocationStatus.ACTIVE,
        is_demo=is_demo,
        created_by=actor,
        created_at=moment,
    )
    session.add(allocation)
    await session.flush()
    for venue in ids:
        session.add(AllocationVenue(allocation_id=allocation.id, venue_id=venue))
    await session.flush()
    await ledger.append(
        session,
        LedgerKind.ALLOCATE,
        actor=actor,
        now=moment,
        lot_id=lot.id,
        allocation_id=allocation.id,
        grams=grams,
        currency=code,
        reason=reasons.OFFERED,
        details={
            "price_per_tonne_minor": price_per_tonne_minor,
            "split_bp": [owner_bp, platform_bp, venue_bp],
            "all_venues": all_venues,
            "venues": sorted(str(i) for i in ids),
            "valid_from": start.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return allocation


async def list_allocations(session: AsyncSession, lot_id: uuid.UUID | None = None) -> list[Allocation]:
    query = select(Allocation).order_by(Allocation.created_at)
    if lot_id is not None:
        query = query.where(Allocation.lot_id == lot_id)
    return list((await session.execute(query)).scalars())


async def allocation_venue_ids(session: AsyncSession, allocation_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        (
            await session.execute(
                select(AllocationVenue.venue_id).where(AllocationVenue.allocation_id == allocation_id)
            )
        ).scalars()
    )
