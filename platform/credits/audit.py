"""The audit: every invariant of the books, recomputed from scratch across all venues.

1. Per lot: available + reserved + sold = quantity, none negative; the same numbers
   follow from the ledger, from the holds and from the assigned pieces.
2. Each gram of each serial tonne belongs to at most one paid (not refunded) sale.
3. Each paid order is fulfilled exactly once: one sale, one ``sell`` entry.
4. Every sale's split adds up to its amount.
5. Every lot's hash chain verifies from its first entry to the head the lot row keeps;
   the anchors verify as a chain of their own, and every head they anchored is still in
   its lot's chain.

Run it in a platform session (``Database.platform_session()``): it reads every venue's rows.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits.ledger import verify_chains
from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    Allocation,
    FreeRange,
    Hold,
    HoldStatus,
    LedgerEntry,
    LedgerKind,
    Lot,
    Piece,
    PieceStatus,
    Reservation,
    ReservationStatus,
    Sale,
    SaleStatus,
    Tonne,
    TonneStatus,
)
from neutralpoint.credits.schemas import AuditReport

HELD_PIECES = (PieceStatus.ACTIVE, PieceStatus.RETAINED)


class _Books:
    """Per-lot and per-allocation sums rebuilt from the ledger alone."""

    def __init__(self) -> None:
        self.lots: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
        self.allocations: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
        self.sell_entries: Counter[str] = Counter()

    def visit(self, entry: LedgerEntry) -> None:
        kind, grams = entry.kind, entry.grams
        if entry.lot_id is None:
            if kind == LedgerKind.SELL and entry.order_ref:
                self.sell_entries[entry.order_ref] += 1
            return
        lot = self.lots[entry.lot_id]
        allocation = self.allocations[entry.allocation_id] if entry.allocation_id else Counter()
        if kind in (LedgerKind.ACQUIRE, LedgerKind.CORRECTION):
            lot["quantity"] += grams
        elif kind == LedgerKind.ALLOCATE:
            lot["allocated"] += grams
            allocation["offered"] += grams
        elif kind == LedgerKind.RESERVE:
            lot["reserved"] += grams
            allocation["reserved"] += grams
        elif kind == LedgerKind.RELEASE:
            lot["reserved"] -= grams
            allocation["reserved"] -= grams
        elif kind == LedgerKind.ASSIGN:
            lot["reserved"] -= grams
            lot["sold"] += grams
            allocation["reserved"] -= grams
            allocation["sold"] += grams
        elif kind == LedgerKind.REFUND and (entry.details or {}).get("released"):
            lot["sold"] -= grams
            allocation["sold"] -= grams
        elif kind == LedgerKind.RETIRE:
            lot["retired"] += grams


def _sum_by(rows: Any) -> dict[Any, int]:
    totals: dict[Any, int] = defaultdict(int)
    for key, grams in rows:
        totals[key] += grams
    return totals


async def audit(session: AsyncSession, *, max_problems: int = 200) -> AuditReport:
    report = AuditReport()
    problems = report.problems

    def problem(text: str) -> None:
        if len(problems) < max_problems:
            problems.append(text)

    books = _Books()
    chain = await verify_chains(session, on_entry=books.visit)
    report.entries = chain.entries
    report.anchors = chain.anchors
    for text in chain.problems:
        problem(text)

    lots = {lot.id: lot for lot in (await session.execute(select(Lot))).scalars()}
    allocations = {a.id: a for a in (await session.execute(select(Allocation))).scalars()}
    report.lots = len(lots)
    held = (
        await session.execute(select(Hold.lot_id, Hold.allocation_id, Hold.grams).where(Hold.status == HoldStatus.HELD))
    ).all()
    pieces = (
        await session.execute(
            select(
                Piece.sale_id,
                Piece.lot_id,
                Piece.allocation_id,
                Piece.tonne_index,
                Piece.gram_from,
                Piece.gram_to,
                Piece.status,
            )
        )
    ).all()
    holes = (
        await session.execute(select(FreeRange.lot_id, FreeRange.tonne_index, FreeRange.gram_from, FreeRange.gram_to))
    ).all()
    tonnes = (await session.execute(select(Tonne.lot_id, Tonne.tonne_index, Tonne.status))).all()

    held_by_lot = _sum_by((h.lot_id, h.grams) for h in held)
    held_by_allocation = _sum_by((h.allocation_id, h.grams) for h in held)
    sold_by_lot = _sum_by((p.lot_id, p.gram_to - p.gram_from) for p in pieces if p.status in HELD_PIECES)
    sold_by_allocation = _sum_by((p.allocation_id, p.gram_to - p.gram_from) for p in pieces if p.status in HELD_PIECES)
    holes_by_lot = _sum_by((h.lot_id, h.gram_to - h.gram_from) for h in holes)
    retired_by_lot = _sum_by((t.lot_id, GRAMS_PER_TONNE) for t in tonnes if t.status == TonneStatus.RETIRED)
    offered_by_lot = _sum_by((a.lot_id, a.grams_offered) for a in allocations.values())

    # 1. per lot: counters, ledger, holds, pieces and the fill cursor agree.
    for lot in lots.values():
        name = f"lot {lot.serial_first}"
        quantity = lot.quantity_grams
        if min(lot.reserved_grams, lot.sold_grams, lot.allocated_grams, lot.retired_grams) < 0:
            problem(f"{name}: a counter is negative")
        available = quantity - lot.reserved_grams - lot.sold_grams
        if available < 0:
            problem(f"{name}: reserved {lot.reserved_grams} + sold {lot.sold_grams} exceed quantity {quantity}")
        if available + lot.reserved_grams + lot.sold_grams != quantity:
            problem(f"{name}: available + reserved + sold != quantity")
        if lot.allocated_grams > quantity:
            problem(f"{name}: allocated {lot.allocated_grams} g exceed quantity {quantity}")
        ledger_lot = books.lots.get(lot.id, Counter())
        for label, counter in (
            ("quantity", quantity),
            ("allocated", lot.allocated_grams),
            ("reserved", lot.reserved_grams),
            ("sold", lot.sold_grams),
            ("retired", lot.retired_grams),
        ):
            if ledger_lot[label] != counter:
                problem(f"{name}: {label} is {counter} g but the ledger says {ledger_lot[label]} g")
        if held_by_lot.get(lot.id, 0) != lot.reserved_grams:
            problem(f"{name}: reserved {lot.reserved_grams} g but holds add up to {held_by_lot.get(lot.id, 0)} g")
        if sold_by_lot.get(lot.id, 0) != lot.sold_grams:
            problem(f"{name}: sold {lot.sold_grams} g but assigned pieces add up to {sold_by_lot.get(lot.id, 0)} g")
        if lot.fill_cursor > quantity or lot.fill_cursor - holes_by_lot.get(lot.id, 0) != lot.sold_grams:
            problem(f"{name}: fill cursor {lot.fill_cursor} minus free ranges does not match sold {lot.sold_grams}")
        if retired_by_lot.get(lot.id, 0) != lot.retired_grams:
            problem(
                f"{name}: retired {lot.retired_grams} g but retired tonnes add up to {retired_by_lot.get(lot.id, 0)} g"
            )
        if offered_by_lot.get(lot.id, 0) != lot.allocated_grams:
            problem(
                f"{name}: allocated {lot.allocated_grams} g but its offers add up to {offered_by_lot.get(lot.id, 0)} g"
            )

    for allocation in allocations.values():
        name = f"offer {allocation.id}"
        if min(allocation.reserved_grams, allocation.sold_grams) < 0:
            problem(f"{name}: a counter is negative")
        if allocation.reserved_grams + allocation.sold_grams > allocation.grams_offered:
            problem(f"{name}: reserved + sold exceed the grams offered")
        ledger_allocation = books.allocations.get(allocation.id, Counter())
        for label, counter in (
            ("offered", allocation.grams_offered),
            ("reserved", allocation.reserved_grams),
            ("sold", allocation.sold_grams),
        ):
            if ledger_allocation[label] != counter:
                problem(f"{name}: {label} is {counter} g but the ledger says {ledger_allocation[label]} g")
        if held_by_allocation.get(allocation.id, 0) != allocation.reserved_grams:
            problem(
                f"{name}: reserved {allocation.reserved_grams} g but holds say "
                f"{held_by_allocation.get(allocation.id, 0)} g"
            )
        if sold_by_allocation.get(allocation.id, 0) != allocation.sold_grams:
            problem(
                f"{name}: sold {allocation.sold_grams} g but pieces say {sold_by_allocation.get(allocation.id, 0)} g"
            )

    # 2. no gram of a tonne twice: paid pieces and free ranges are disjoint, below the cursor.
    spans: dict[tuple[uuid.UUID, int], list[tuple[int, int, str]]] = defaultdict(list)
    for p in pieces:
        if p.status in HELD_PIECES:
            spans[(p.lot_id, p.tonne_index)].append((p.gram_from, p.gram_to, "piece"))
    for h in holes:
        spans[(h.lot_id, h.tonne_index)].append((h.gram_from, h.gram_to, "free range"))
    for (lot_id, tonne), ranges in spans.items():
        spanned = lots.get(lot_id)
        if spanned is None:
            problem(f"pieces of an unknown lot {lot_id}")
            continue
        ranges.sort()
        for (a_from, a_to, a_kind), (b_from, b_to, b_kind) in pairwise(ranges):
            if b_from < a_to:
                problem(
                    f"lot {spanned.serial_first} tonne {tonne}: {a_kind} [{a_from}, {a_to}) overlaps "
                    f"{b_kind} [{b_from}, {b_to})"
                )
        if tonne * GRAMS_PER_TONNE + max(end for _, end, _ in ranges) > spanned.fill_cursor:
            problem(f"lot {spanned.serial_first} tonne {tonne}: grams beyond the fill cursor are in use")

    tonne_holes = {(h.lot_id, h.tonne_index) for h in holes}
    for t in tonnes:
        tonne_lot = lots.get(t.lot_id)
        fully_sold = tonne_lot is not None and tonne_lot.fill_cursor >= (t.tonne_index + 1) * GRAMS_PER_TONNE
        if not fully_sold or (t.lot_id, t.tonne_index) in tonne_holes:
            problem(f"tonne {t.tonne_index} of lot {t.lot_id} is {t.status.value} but not fully sold")

    # 3 and 4. sales: split, pieces, exactly one fulfilment.
    sales = (await session.execute(select(Sale))).scalars().all()
    report.sales = len(sales)
    pieces_by_sale: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for p in pieces:
        pieces_by_sale[p.sale_id].append(p)
    sale_refs = set()
    for sale in sales:
        sale_refs.add(sale.order_ref)
        if sale.owner_minor + sale.platform_minor + sale.venue_minor != sale.amount_minor:
            problem(f"sale {sale.order_ref}: split does not add up to {sale.amount_minor}")
        if min(sale.owner_minor, sale.platform_minor, sale.venue_minor) < 0:
            problem(f"sale {sale.order_ref}: a share is negative")
        own = pieces_by_sale.get(sale.id, [])
        if sum(p.gram_to - p.gram_from for p in own) != sale.grams:
            problem(
                f"sale {sale.order_ref}: pieces add up to {sum(p.gram_to - p.gram_from for p in own)} g, "
                f"not {sale.grams} g"
            )
        active = [p for p in own if p.status == PieceStatus.ACTIVE]
        if sale.status == SaleStatus.PAID and len(active) != len(own):
            problem(f"sale {sale.order_ref}: paid but some pieces are refunded")
        if sale.status == SaleStatus.REFUNDED and active:
            problem(f"sale {sale.order_ref}: refunded but pieces are still active")
        if books.sell_entries.get(sale.order_ref, 0) != 1:
            times = books.sell_entries.get(sale.order_ref, 0)
            problem(f"order {sale.order_ref}: fulfilled {times} times in the ledger")
    for order_ref in books.sell_entries:
        if order_ref not in sale_refs:
            problem(f"order {order_ref}: the ledger records a sale that does not exist")
    sold_reservations = (
        (await session.execute(select(Reservation.order_ref).where(Reservation.status == ReservationStatus.SOLD)))
        .scalars()
        .all()
    )
    for order_ref in sold_reservations:
        if order_ref not in sale_refs:
            problem(f"order {order_ref}: reservation marked sold without a sale")
    return report
