"""Moving grams: counters, holds, serial pieces and free ranges, under the lots' locks.

Callers lock the lots they move first (``ledger.lock_lots``). Counters on lots and
allocations change only through ``shift``, an UPDATE whose WHERE clause re-checks the
bound it must keep (``available >= grams`` …), so even a caller that forgot the lock
cannot oversell: the update matches no row and ``LedgerConflict`` rolls the transaction
back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import ledger, reasons
from neutralpoint.credits.errors import LedgerConflict, SoldOut
from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    Allocation,
    AllocationStatus,
    AllocationVenue,
    FreeRange,
    Hold,
    HoldStatus,
    LedgerKind,
    Lot,
    Project,
    ProjectStatus,
    Reservation,
    ReservationStatus,
    Tonne,
    VenueOffer,
)
from neutralpoint.credits.serials import SerialRange
from neutralpoint.refusals import problem, refuse


async def try_shift(
    session: AsyncSession,
    model: type[Lot] | type[Allocation],
    row_id: uuid.UUID,
    *,
    guard: Sequence[ColumnElement[bool]] = (),
    **deltas: int,
) -> bool:
    """Add ``deltas`` to counters of one row if ``guard`` still holds; whether it did."""
    values = {name: getattr(model, name) + delta for name, delta in deltas.items()}
    result = await session.execute(
        update(model).where(model.id == row_id, *guard).values(**values).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def shift(
    session: AsyncSession,
    model: type[Lot] | type[Allocation],
    row_id: uuid.UUID,
    *,
    guard: Sequence[ColumnElement[bool]] = (),
    **deltas: int,
) -> None:
    """Add ``deltas`` to counters of one row, only if ``guard`` still holds."""
    if not await try_shift(session, model, row_id, guard=guard, **deltas):
        raise LedgerConflict(f"{model.__tablename__} {row_id}: the change {deltas} would break its bounds")


async def take_from_lot(session: AsyncSession, lot_id: uuid.UUID, grams: int) -> bool:
    """Reserve ``grams`` of a lot's free stock in one conditional UPDATE, which also takes
    the lot's lock (``ledger.lock_lots``) and reads its chain's head; False, and no lock,
    when fewer grams are free."""
    head = (
        await session.execute(
            update(Lot)
            .where(Lot.id == lot_id, lot_free_guard(grams))
            .values(reserved_grams=Lot.reserved_grams + grams)
            .returning(Lot.chain_seq, Lot.chain_hash)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if head is None:
        return False
    ledger.holding_lot(session, lot_id, head.chain_seq, head.chain_hash)
    return True


def lot_free_guard(grams: int) -> ColumnElement[bool]:
    return Lot.quantity_tonnes * GRAMS_PER_TONNE - Lot.reserved_grams - Lot.sold_grams >= grams


def allocation_free_guard(grams: int) -> ColumnElement[bool]:
    return Allocation.grams_offered - Allocation.reserved_grams - Allocation.sold_grams >= grams


async def fresh_lot(session: AsyncSession, lot_id: uuid.UUID) -> Lot:
    lot = (
        await session.execute(select(Lot).where(Lot.id == lot_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if lot is None:
        raise refuse("lot_id", problem("not_found", "There is no such lot.", "没有此批次。"))
    return lot


async def fresh_allocations(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Allocation]:
    rows = (
        await session.execute(
            select(Allocation).where(Allocation.id.in_(list(ids))).execution_options(populate_existing=True)
        )
    ).scalars()
    return {row.id: row for row in rows}


def serial_range_of(lot: Lot) -> SerialRange:
    return SerialRange(
        prefix=lot.serial_prefix,
        suffix=lot.serial_suffix,
        width=lot.serial_width,
        first_number=lot.serial_first_number,
        last_number=lot.serial_last_number,
        block_notation=lot.serial_block_notation,
    )


# --- what a venue offers -------------------------------------------------------------------


@dataclass(frozen=True)
class VenueAllocation:
    allocation: Allocation
    choice: VenueOffer | None
    position: int

    @property
    def visible(self) -> bool:
        return self.choice is None or self.choice.visible


async def venue_allocations(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime, *, include_hidden: bool = False
) -> list[VenueAllocation]:
    """Allocations offered to the venue now, in the venue's order.

    Allocations the venue has not ordered yet follow the ordered ones, oldest first; a
    hidden one is left out unless ``include_hidden``.
    """
    offered_here = select(AllocationVenue.allocation_id).where(AllocationVenue.venue_id == tenant_id)
    # The venue's choices come with their allocations, in the same statement.
    rows = (
        await session.execute(
            select(Allocation, VenueOffer)
            .join(Project, Project.id == Allocation.project_id)
            .outerjoin(VenueOffer, (VenueOffer.allocation_id == Allocation.id) & (VenueOffer.tenant_id == tenant_id))
            .where(
                Allocation.status == AllocationStatus.ACTIVE,
                Project.status == ProjectStatus.ACTIVE,
                Allocation.valid_from <= now,
                or_(Allocation.valid_until.is_(None), Allocation.valid_until > now),
                or_(Allocation.all_venues.is_(True), Allocation.id.in_(offered_here)),
            )
            .order_by(Allocation.created_at, Allocation.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    allocations = [allocation for allocation, _ in rows]
    choices = {allocation.id: choice for allocation, choice in rows if choice is not None}
    ranked = sorted(
        enumerate(allocations),
        key=lambda item: (0, choices[item[1].id].position, item[0]) if item[1].id in choices else (1, 0, item[0]),
    )
    listed = [VenueAllocation(allocation, choices.get(allocation.id), n) for n, (_, allocation) in enumerate(ranked)]
    return listed if include_hidden else [entry for entry in listed if entry.visible]


async def spill_chain(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    primary_id: uuid.UUID,
    now: datetime,
    *,
    require_offered: bool = True,
) -> list[Allocation]:
    """The chosen allocation, then the venue's other offers of the same project and currency.

    An order takes grams from them in this order when one runs out.
    """
    offers = [entry.allocation for entry in await venue_allocations(session, tenant_id, now)]
    primary = next((a for a in offers if a.id == primary_id), None)
    if primary is None:
        if require_offered:
            raise refuse(
                "allocation_id",
                problem("not_offered", "This offer is not available at this venue.", "此场所不提供此报价。"),
            )
        primary = (await fresh_allocations(session, [primary_id])).get(primary_id)
        if primary is None:
            raise refuse("allocation_id", problem("not_found", "There is no such offer.", "没有此配额。"))
    same = [a for a in offers if a.project_id == primary.project_id and a.currency == primary.currency]
    return [primary] + [a for a in same if a.id != primary.id]


async def expired_held_grams(session: AsyncSession, now: datetime) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """Grams held by reservations that expired but are not released yet: per allocation, per lot."""
    rows = (
        await session.execute(
            select(Hold.allocation_id, Hold.lot_id, Hold.grams).where(
                Hold.status == HoldStatus.HELD, Hold.expires_at <= now
            )
        )
    ).all()
    by_allocation: dict[uuid.UUID, int] = {}
    by_lot: dict[uuid.UUID, int] = {}
    for allocation_id, lot_id, grams in rows:
        by_allocation[allocation_id] = by_allocation.get(allocation_id, 0) + grams
        by_lot[lot_id] = by_lot.get(lot_id, 0) + grams
    return by_allocation, by_lot


# --- holds --------------------------------------------------------------------------------


async def plan_holds(session: AsyncSession, chain: Sequence[Allocation], grams: int) -> list[tuple[Allocation, int]]:
    """How many grams to take from each allocation of ``chain``, as they are now (the caller
    holds the lots' locks); ``SoldOut`` if too few."""
    allocations = await fresh_allocations(session, [a.id for a in chain])
    lots = {
        lot.id: lot
        for lot in (
            await session.execute(
                select(Lot)
                .where(Lot.id.in_({a.lot_id for a in allocations.values()}))
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    lot_left = {lot_id: lot.available_grams for lot_id, lot in lots.items()}
    plan: list[tuple[Allocation, int]] = []
    remaining = grams
    for link in chain:
        allocation = allocations.get(link.id)
        if allocation is None or allocation.status != AllocationStatus.ACTIVE:
            continue
        take = min(allocation.available_grams, lot_left[allocation.lot_id], remaining)
        if take > 0:
            plan.append((allocation, take))
            lot_left[allocation.lot_id] -= take
            remaining -= take
        if remaining == 0:
            return plan
    raise SoldOut(grams, grams - remaining)


async def apply_holds(
    session: AsyncSession,
    reservation: Reservation,
    plan: Sequence[tuple[Allocation, int]],
    *,
    actor: str,
    now: datetime,
) -> list[Hold]:
    for allocation, grams in plan:
        await shift(session, Allocation, allocation.id, guard=[allocation_free_guard(grams)], reserved_grams=grams)
        await shift(session, Lot, allocation.lot_id, guard=[lot_free_guard(grams)], reserved_grams=grams)
    return await record_holds(session, reservation, plan, actor=actor, now=now)


async def record_holds(
    session: AsyncSession,
    reservation: Reservation,
    plan: Sequence[tuple[Allocation, int]],
    *,
    actor: str,
    now: datetime,
) -> list[Hold]:
    """The holds of ``plan`` and their ``reserve`` entries, once the counters moved."""
    holds = []
    entries = []
    for allocation, grams in plan:
        hold = Hold(
            reservation_id=reservation.id,
            venue_id=reservation.tenant_id,
            order_ref=reservation.order_ref,
            allocation_id=allocation.id,
            lot_id=allocation.lot_id,
            grams=grams,
            status=HoldStatus.HELD,
            expires_at=reservation.expires_at,
            created_at=now,
        )
        session.add(hold)
        holds.append(hold)
        entries.append(
            ledger.NewEntry(
                LedgerKind.RESERVE,
                actor=actor,
                lot_id=allocation.lot_id,
                allocation_id=allocation.id,
                venue_id=reservation.tenant_id,
                order_ref=reservation.order_ref,
                grams=grams,
                reason=reasons.PURCHASE_STARTED,
                details={"expires_at": reservation.expires_at.isoformat()},
            )
        )
    await session.flush()
    await ledger.append_all(session, entries, now=now)
    return holds


async def return_to_lot_if_withdrawn(
    session: AsyncSession, allocation_id: uuid.UUID, grams: int, *, actor: str, now: datetime
) -> None:
    """Grams freed in a withdrawn allocation go back to the lot, not to the closed offer."""
    allocation = (await fresh_allocations(session, [allocation_id]))[allocation_id]
    if allocation.status != AllocationStatus.WITHDRAWN:
        return
    await shift(session, Allocation, allocation_id, guard=[allocation_free_guard(grams)], grams_offered=-grams)
    await shift(session, Lot, allocation.lot_id, guard=[Lot.allocated_grams >= grams], allocated_grams=-grams)
    await ledger.append(
        session,
        LedgerKind.ALLOCATE,
        actor=actor,
        now=now,
        lot_id=allocation.lot_id,
        allocation_id=allocation_id,
        grams=-grams,
        reason=reasons.FREED_BY_WITHDRAWAL,
    )


async def release_hold(
    session: AsyncSession, hold: Hold, status: HoldStatus, *, actor: str, now: datetime, reason: str
) -> None:
    await shift(
        session,
        Allocation,
        hold.allocation_id,
        guard=[Allocation.reserved_grams >= hold.grams],
        reserved_grams=-hold.grams,
    )
    await shift(session, Lot, hold.lot_id, guard=[Lot.reserved_grams >= hold.grams], reserved_grams=-hold.grams)
    hold.status = status
    await ledger.append(
        session,
        LedgerKind.RELEASE,
        actor=actor,
        now=now,
        lot_id=hold.lot_id,
        allocation_id=hold.allocation_id,
        venue_id=hold.venue_id,
        order_ref=hold.order_ref,
        grams=hold.grams,
        reason=reason,
        details={"cause": status.value},
    )
    await return_to_lot_if_withdrawn(session, hold.allocation_id, hold.grams, actor=actor, now=now)


async def settle_reservations(session: AsyncSession, reservation_ids: Iterable[uuid.UUID], now: datetime) -> None:
    """Mark reservations (those this session may see) whose holds are all gone as expired."""
    ids = list(set(reservation_ids))
    if not ids:
        return
    still_held = set(
        (
            await session.execute(
                select(Hold.reservation_id).where(Hold.reservation_id.in_(ids), Hold.status == HoldStatus.HELD)
            )
        ).scalars()
    )
    done = [i for i in ids if i not in still_held]
    if not done:
        return
    reservations = (
        await session.execute(
            select(Reservation).where(Reservation.id.in_(done), Reservation.status == ReservationStatus.RESERVED)
        )
    ).scalars()
    for reservation in reservations:
        reservation.status = ReservationStatus.EXPIRED
        reservation.updated_at = now
    await session.flush()


async def expired_hold_lots(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """The lots with holds that expired by ``now`` and are not released yet."""
    query = select(Hold.lot_id).where(Hold.status == HoldStatus.HELD, Hold.expires_at <= now).distinct()
    return sorted((await session.execute(query)).scalars())


async def expire_holds(
    session: AsyncSession,
    now: datetime,
    *,
    actor: str,
    lot_ids: Iterable[uuid.UUID],
    keep_reservation: uuid.UUID | None = None,
) -> int:
    """Release every expired hold on ``lot_ids`` (whose locks the caller holds), whichever
    venue's it is: holds are platform rows."""
    lots = list(lot_ids)
    if not lots:
        return 0
    query = select(Hold).where(Hold.status == HoldStatus.HELD, Hold.expires_at <= now, Hold.lot_id.in_(lots))
    if keep_reservation is not None:
        query = query.where(Hold.reservation_id != keep_reservation)
    holds = (await session.execute(query.order_by(Hold.expires_at, Hold.id))).scalars().all()
    for hold in holds:
        await release_hold(session, hold, HoldStatus.EXPIRED, actor=actor, now=now, reason=reasons.RESERVATION_EXPIRED)
    await session.flush()
    await settle_reservations(session, [h.reservation_id for h in holds], now)
    return len(holds)


# --- serial pieces ------------------------------------------------------------------------


async def free_ranges(session: AsyncSession, lot_id: uuid.UUID) -> list[FreeRange]:
    """The lot's holes (grams sold once and refunded), lowest tonne first."""
    query = select(FreeRange).where(FreeRange.lot_id == lot_id).order_by(FreeRange.tonne_index, FreeRange.gram_from)
    return list((await session.execute(query)).scalars())


async def take_positions(
    session: AsyncSession, lot: Lot, holes: list[FreeRange], cursor: int, grams: int
) -> tuple[list[tuple[int, int, int]], int, bool]:
    """Take ``grams`` of free positions of ``lot`` (whose lock the caller holds): holes first
    (lowest tonne first; ``holes`` shrinks as they are used, the session deletes or shortens
    their rows), then fresh grams from the fill cursor ``cursor``. Returns the
    ``(tonne_index, gram_from, gram_to)`` pieces, the new cursor, and whether a hole was used.
    Nothing is written to the lot's row: the caller moves its cursor."""
    pieces: list[tuple[int, int, int]] = []
    remaining = grams
    used_hole = False
    while holes and remaining > 0:
        hole = holes[0]
        take = min(remaining, hole.gram_to - hole.gram_from)
        pieces.append((hole.tonne_index, hole.gram_from, hole.gram_from + take))
        remaining -= take
        used_hole = True
        if take == hole.gram_to - hole.gram_from:
            holes.pop(0)
            await session.delete(hole)
        else:
            hole.gram_from += take
    while remaining > 0:
        tonne, start = divmod(cursor, GRAMS_PER_TONNE)
        end = min(GRAMS_PER_TONNE, start + remaining)
        pieces.append((tonne, start, end))
        cursor += end - start
        remaining -= end - start
    if cursor > lot.quantity_grams:
        raise LedgerConflict(f"lot {lot.id}: assignment ran past its last tonne")
    return merge_pieces(pieces), cursor, used_hole


def merge_pieces(pieces: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for tonne, start, end in pieces:
        if merged and merged[-1][0] == tonne and merged[-1][2] == start:
            merged[-1] = (tonne, merged[-1][1], end)
        else:
            merged.append((tonne, start, end))
    return merged


async def free_positions(session: AsyncSession, lot_id: uuid.UUID, tonne: int, start: int, end: int) -> None:
    """Put ``[start, end)`` of a tonne back on sale, merged with neighbouring holes."""
    neighbours = (
        (
            await session.execute(
                select(FreeRange).where(
                    FreeRange.lot_id == lot_id,
                    FreeRange.tonne_index == tonne,
                    or_(FreeRange.gram_to == start, FreeRange.gram_from == end),
                )
            )
        )
        .scalars()
        .all()
    )
    for hole in neighbours:
        start = min(start, hole.gram_from)
        end = max(end, hole.gram_to)
        await session.delete(hole)
    session.add(FreeRange(lot_id=lot_id, tonne_index=tonne, gram_from=start, gram_to=end))
    await session.flush()


async def tonne_fully_sold(session: AsyncSession, lot: Lot, tonne: int) -> bool:
    if lot.fill_cursor < (tonne + 1) * GRAMS_PER_TONNE:
        return False
    hole = (
        await session.execute(
            select(FreeRange.id).where(FreeRange.lot_id == lot.id, FreeRange.tonne_index == tonne).limit(1)
        )
    ).first()
    return hole is None


async def mark_due(session: AsyncSession, lot: Lot, tonnes: Iterable[int], now: datetime) -> list[Tonne]:
    """Queue every fully sold tonne among ``tonnes`` for registry retirement (``lot`` as the
    caller's lock holds it, its fill cursor current)."""
    serials = serial_range_of(lot)
    project: Project | None = None  # read only when a tonne is complete, which few sales do
    due = []
    for tonne in sorted(set(tonnes)):
        if not await tonne_fully_sold(session, lot, tonne):
            continue
        exists = (
            await session.execute(select(Tonne.id).where(Tonne.lot_id == lot.id, Tonne.tonne_index == tonne))
        ).first()
        if exists is not None:
            continue
        project = project or await session.get(Project, lot.project_id)
        assert project is not None
        row = Tonne(
            lot_id=lot.id,
            project_id=lot.project_id,
            tonne_index=tonne,
            serial=serials.serial(tonne),
            beneficiary=project.retirement_beneficiary,
            due_at=now,
        )
        session.add(row)
        due.append(row)
    await session.flush()
    return due


async def reopen_tonne(session: AsyncSession, lot_id: uuid.UUID, tonne: int) -> None:
    """A due tonne that is no longer fully sold leaves the retirement queue."""
    await session.execute(
        delete(Tonne).where(Tonne.lot_id == lot_id, Tonne.tonne_index == tonne, Tonne.request_id.is_(None))
    )


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
