"""Numbers for the platform admin's reports: stock and money, per project, lot, allocation,
venue or project owner. Read only; run in a platform session (they span every venue)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    Allocation,
    Hold,
    HoldStatus,
    Lot,
    Piece,
    PieceStatus,
    Project,
    Sale,
    SaleStatus,
    Tonne,
    TonneStatus,
)
from neutralpoint.credits.pricing import apportion
from neutralpoint.refusals import problem, refuse

StockGrouping = Literal["project", "lot", "allocation", "venue"]
SalesGrouping = Literal["project", "lot", "allocation", "venue", "owner"]


@dataclass(frozen=True)
class StockTotal:
    """Grams per group. ``held`` is what the platform holds (lot quantity; for an
    allocation, its grams offered; for a venue, what it reserved and sold)."""

    key: uuid.UUID
    held_grams: int
    reserved_grams: int
    sold_grams: int
    retired_grams: int
    due_grams: int
    retiring_grams: int


@dataclass(frozen=True)
class SalesTotal:
    """Money per group and currency; refunded sales are counted apart, not in the revenue."""

    key: uuid.UUID
    currency: str
    orders: int
    grams: int
    amount_minor: int
    owner_minor: int
    platform_minor: int
    venue_minor: int
    refunded_orders: int
    refunded_minor: int


async def stock_totals(session: AsyncSession, *, by: StockGrouping) -> list[StockTotal]:
    if by not in ("project", "lot", "allocation", "venue"):
        raise refuse(
            "by",
            problem(
                "unknown_choice",
                "Group stock by project, lot, allocation or venue.",
                "库存可按项目、批次、分配或场所分组。",
            ),
        )
    tonnes: dict[tuple[uuid.UUID, TonneStatus], int] = {
        (row.lot_id, row.status): row.tonnes
        for row in await session.execute(
            select(Tonne.lot_id, Tonne.status, func.count().label("tonnes")).group_by(Tonne.lot_id, Tonne.status)
        )
    }

    def tonne_grams(lot_id: uuid.UUID, status: TonneStatus) -> int:
        return tonnes.get((lot_id, status), 0) * GRAMS_PER_TONNE

    if by in ("project", "lot"):
        lots = (await session.execute(select(Lot))).scalars().all()
        totals: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0] * 6)
        for lot in lots:
            row = totals[lot.project_id if by == "project" else lot.id]
            for i, value in enumerate(
                (
                    lot.quantity_grams,
                    lot.reserved_grams,
                    lot.sold_grams,
                    lot.retired_grams,
                    tonne_grams(lot.id, TonneStatus.DUE),
                    tonne_grams(lot.id, TonneStatus.RETIRING),
                )
            ):
                row[i] += value
        return [StockTotal(key, *values) for key, values in totals.items()]
    if by == "allocation":
        allocations = (await session.execute(select(Allocation))).scalars().all()
        return [StockTotal(a.id, a.grams_offered, a.reserved_grams, a.sold_grams, 0, 0, 0) for a in allocations]
    reserved = {
        row.venue_id: int(row.grams)
        for row in await session.execute(
            select(Hold.venue_id, func.sum(Hold.grams).label("grams"))
            .where(Hold.status == HoldStatus.HELD)
            .group_by(Hold.venue_id)
        )
    }
    sold = {
        row.tenant_id: int(row.grams)
        for row in await session.execute(
            select(Piece.tenant_id, func.sum(Piece.gram_to - Piece.gram_from).label("grams"))
            .where(Piece.status.in_([PieceStatus.ACTIVE, PieceStatus.RETAINED]))
            .group_by(Piece.tenant_id)
        )
    }
    return [
        StockTotal(
            venue, reserved.get(venue, 0) + sold.get(venue, 0), reserved.get(venue, 0), sold.get(venue, 0), 0, 0, 0
        )
        for venue in sorted(set(reserved) | set(sold))
    ]


async def sales_totals(
    session: AsyncSession,
    *,
    by: SalesGrouping,
    since: datetime | None = None,
    until: datetime | None = None,
    test_mode: bool = False,
) -> list[SalesTotal]:
    """Revenue and what is owed to owners, the platform and venues, between two moments: of
    live sales, or of the test-mode ones alone (no money was taken) with ``test_mode``."""
    if by == "lot":
        return await _sales_per_lot(session, since=since, until=until, test_mode=test_mode)
    keys = {
        "project": Sale.project_id,
        "allocation": Sale.allocation_id,
        "venue": Sale.tenant_id,
        "owner": Project.owner_id,
    }
    if by not in keys:
        raise refuse(
            "by",
            problem(
                "unknown_choice",
                "Group sales by project, lot, allocation, venue or owner.",
                "销售可按项目、批次、分配、场所或业主分组。",
            ),
        )
    paid = Sale.status == SaleStatus.PAID

    def paid_sum(column: Any) -> Any:
        return func.coalesce(func.sum(case((paid, column), else_=0)), 0)

    key = keys[by]
    query = (
        select(
            key.label("key"),
            Sale.currency,
            func.sum(case((paid, 1), else_=0)).label("orders"),
            paid_sum(Sale.grams).label("grams"),
            paid_sum(Sale.amount_minor).label("amount"),
            paid_sum(Sale.owner_minor).label("owner"),
            paid_sum(Sale.platform_minor).label("platform"),
            paid_sum(Sale.venue_minor).label("venue"),
            func.sum(case((paid, 0), else_=1)).label("refunded_orders"),
            func.coalesce(func.sum(case((paid, 0), else_=Sale.amount_minor)), 0).label("refunded"),
        )
        .join(Project, Project.id == Sale.project_id)
        .where(Sale.test_mode.is_(test_mode))
        .group_by(key, Sale.currency)
        .order_by(key, Sale.currency)
    )
    if since is not None:
        query = query.where(Sale.created_at >= since)
    if until is not None:
        query = query.where(Sale.created_at < until)
    return [
        SalesTotal(
            key=row.key,
            currency=row.currency,
            orders=int(row.orders),
            grams=int(row.grams),
            amount_minor=int(row.amount),
            owner_minor=int(row.owner),
            platform_minor=int(row.platform),
            venue_minor=int(row.venue),
            refunded_orders=int(row.refunded_orders),
            refunded_minor=int(row.refunded),
        )
        for row in await session.execute(query)
    ]


async def _sales_per_lot(
    session: AsyncSession, *, since: datetime | None, until: datetime | None, test_mode: bool
) -> list[SalesTotal]:
    """One sale can take grams from several lots (it spills over when its allocation runs
    out), so each sale's owner, platform and venue parts are apportioned to its lots by the
    grams of its pieces (largest remainder); a lot's revenue is the sum of its three parts.
    Per sale, the lots' parts add up exactly to the sale's. A sale counts as an order in
    every lot it took grams from."""
    query = (
        select(
            Sale.id,
            Sale.currency,
            Sale.status,
            Sale.owner_minor,
            Sale.platform_minor,
            Sale.venue_minor,
            Allocation.lot_id,
        )
        .join(Allocation, Allocation.id == Sale.allocation_id)
        .where(Sale.test_mode.is_(test_mode))
    )
    if since is not None:
        query = query.where(Sale.created_at >= since)
    if until is not None:
        query = query.where(Sale.created_at < until)
    sales = (await session.execute(query)).all()
    grams: dict[uuid.UUID, dict[uuid.UUID, int]] = defaultdict(dict)
    pieces = (
        select(Piece.sale_id, Piece.lot_id, func.sum(Piece.gram_to - Piece.gram_from).label("grams"))
        .where(Piece.sale_id.in_(query.with_only_columns(Sale.id)))
        .group_by(Piece.sale_id, Piece.lot_id)
    )
    for row in await session.execute(pieces):
        grams[row.sale_id][row.lot_id] = int(row.grams)
    totals: dict[tuple[uuid.UUID, str], list[int]] = defaultdict(lambda: [0] * 8)
    for sale in sales:
        lots = grams.get(sale.id) or {sale.lot_id: 0}
        lot_ids = sorted(lots)
        weights = [lots[lot_id] for lot_id in lot_ids] if sum(lots.values()) else [1] * len(lot_ids)
        paid = sale.status == SaleStatus.PAID
        parts = [apportion(value, weights) for value in (sale.owner_minor, sale.platform_minor, sale.venue_minor)]
        for i, lot_id in enumerate(lot_ids):
            owner, platform, venue = (part[i] for part in parts)
            total = totals[(lot_id, sale.currency)]
            if paid:
                for j, value in enumerate((1, lots[lot_id], owner + platform + venue, owner, platform, venue)):
                    total[j] += value
            else:
                total[6] += 1
                total[7] += owner + platform + venue
    return [
        SalesTotal(key, currency, *values)
        for (key, currency), values in sorted(totals.items(), key=lambda item: (str(item[0][0]), item[0][1]))
    ]
