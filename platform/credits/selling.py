"""A visitor's purchase: reserve grams, confirm the paid sale with exact serial pieces,
release or expire what was not paid, refund what was.

Each write checks what it can first, then locks the rows of the lots it moves
(``ledger.lock_lots``, in id order), then reads the clock, so purchases of different lots
and venues run side by side while those of one lot queue for the few statements that
move its counters and its ledger chain. Functions work in a venue's session
(``use_tenant``) and in a platform session (jobs, webhooks).

An order's reference (``order_ref``) is unique across the platform. ``reserve`` makes one
when it is not given (``new_order_ref``); a reference another venue already uses is
refused with a message, never a database error.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from neutralpoint.credits import ledger, pricing, reasons, stock
from neutralpoint.credits.errors import BelowMinimumCharge, SoldOut
from neutralpoint.credits.models import (
    Allocation,
    FreeRange,
    Hold,
    HoldStatus,
    LedgerKind,
    Lot,
    Piece,
    PieceStatus,
    Reservation,
    ReservationStatus,
    RetirementRequest,
    Sale,
    SaleStatus,
    Tonne,
    TonneStatus,
)
from neutralpoint.credits.schemas import HoldView, PieceView, RefundView, ReservationView, SaleView
from neutralpoint.database.base import new_id, utcnow
from neutralpoint.database.tenancy import UnscopedQueryError, current_tenant
from neutralpoint.refusals import FormErrors, problem, refuse

DEFAULT_RESERVATION_TTL = timedelta(minutes=30)
"""How long grams stay reserved when ``RESERVATION_MINUTES`` was not configured."""
MAX_ORDER_GRAMS = 1_000_000_000
"""One order buys at most 1,000 tonnes: more is a typo, not a visitor."""
ORDER_REF_PREFIX = "np-"

_reservation_ttl = DEFAULT_RESERVATION_TTL


def use_reservation_minutes(minutes: int) -> None:
    """Make ``minutes`` (the ``RESERVATION_MINUTES`` setting) the life of a new reservation
    whose caller gives no ``ttl``; the web app and the worker call it at startup."""
    global _reservation_ttl
    if type(minutes) is not int or minutes <= 0:
        raise ValueError("RESERVATION_MINUTES is a whole number of minutes above 0")
    _reservation_ttl = timedelta(minutes=minutes)


def reservation_ttl() -> timedelta:
    """How long a new reservation holds its grams unless its caller says otherwise."""
    return _reservation_ttl


def new_order_ref() -> str:
    """A fresh order reference: ``np-`` and 24 random base-32 characters (120 bits)."""
    return ORDER_REF_PREFIX + base64.b32encode(secrets.token_bytes(15)).decode("ascii").lower()


def _now(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime given; use neutralpoint.database.utcnow()")
    return now


def check_order_ref(order_ref: str) -> str:
    value = (order_ref or "").strip()
    if not value or len(value) > 64:
        raise refuse(
            "order_ref",
            problem(
                "reference_format", "An order reference has 1 to 64 characters.", "订单编号长度为 1 到 64 个字符。"
            ),
        )
    return value


def check_grams(grams: int, field: str = "grams") -> int:
    if type(grams) is not int:
        raise refuse(field, problem("not_an_integer", "Grams are a whole number.", "克数须为整数。"))
    if grams <= 0:
        raise refuse(field, problem("too_small", "Buy at least one gram.", "至少购买 1 克。"))
    if grams > MAX_ORDER_GRAMS:
        raise refuse(field, problem("too_large", "One order buys at most 1,000 tonnes.", "每个订单最多购买 1,000 吨。"))
    return grams


def check_actor(actor: str) -> str:
    value = (actor or "").strip()
    if not value or len(value) > 254:
        raise refuse(
            "actor",
            problem("actor_invalid", "Say who does this (1 to 254 characters).", "请说明操作人（1 到 254 个字符）。"),
        )
    return value


async def _reservation(session: AsyncSession, order_ref: str, *, lock: bool = False) -> Reservation | None:
    query = select(Reservation).where(Reservation.order_ref == order_ref).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update(key_share=True)
    return (await session.execute(query)).scalar_one_or_none()


async def _sale(session: AsyncSession, order_ref: str, *, lock: bool = False) -> Sale | None:
    query = select(Sale).where(Sale.order_ref == order_ref).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update(key_share=True)
    return (await session.execute(query)).scalar_one_or_none()


async def _holds(session: AsyncSession, reservation_id: uuid.UUID) -> list[Hold]:
    return list(
        (
            await session.execute(
                select(Hold)
                .where(Hold.reservation_id == reservation_id)
                .order_by(Hold.created_at, Hold.id)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )


async def reservation_view(
    session: AsyncSession, reservation: Reservation, holds: Sequence[Hold] | None = None
) -> ReservationView:
    if holds is None:
        holds = await _holds(session, reservation.id)
    return ReservationView(
        id=reservation.id,
        tenant_id=reservation.tenant_id,
        order_ref=reservation.order_ref,
        allocation_id=reservation.allocation_id,
        project_id=reservation.project_id,
        grams=reservation.grams,
        amount_minor=reservation.amount_minor,
        currency=reservation.currency,
        status=reservation.status.value,
        expires_at=reservation.expires_at,
        holds=tuple(HoldView(h.lot_id, h.allocation_id, h.grams, h.status.value) for h in holds),
    )


async def pieces_of_sale(session: AsyncSession, sale_id: uuid.UUID) -> tuple[PieceView, ...]:
    pieces = (
        (
            await session.execute(
                select(Piece).where(Piece.sale_id == sale_id).order_by(Piece.lot_id, Piece.tonne_index, Piece.gram_from)
            )
        )
        .scalars()
        .all()
    )
    if not pieces:
        return ()
    lot_ids = {p.lot_id for p in pieces}
    rows = await session.execute(select(Lot.id, Lot.vintage_year).where(Lot.id.in_(lot_ids)))
    vintages: dict[uuid.UUID, int] = {row.id: row.vintage_year for row in rows}
    tonnes = {
        (row.lot_id, row.tonne_index): row
        for row in (
            await session.execute(
                select(Tonne).where(Tonne.lot_id.in_(lot_ids), Tonne.tonne_index.in_({p.tonne_index for p in pieces}))
            )
        ).scalars()
    }
    request_ids = {t.request_id for t in tonnes.values() if t.request_id is not None}
    requests = (
        {
            r.id: r
            for r in (
                await session.execute(select(RetirementRequest).where(RetirementRequest.id.in_(request_ids)))
            ).scalars()
        }
        if request_ids
        else {}
    )
    views = []
    for piece in pieces:
        tonne = tonnes.get((piece.lot_id, piece.tonne_index))
        request = requests.get(tonne.request_id) if tonne is not None and tonne.request_id else None
        retired = tonne is not None and tonne.status == TonneStatus.RETIRED and request is not None
        views.append(
            PieceView(
                lot_id=piece.lot_id,
                vintage_year=vintages[piece.lot_id],
                serial=piece.serial,
                tonne_index=piece.tonne_index,
                gram_from=piece.gram_from,
                gram_to=piece.gram_to,
                status=piece.status.value,
                retirement_status=tonne.status.value if tonne is not None else None,
                retirement_reference=request.registry_reference if retired and request else None,
                retirement_url=request.registry_url if retired and request else None,
            )
        )
    return tuple(views)


async def sale_view(session: AsyncSession, sale: Sale, *, created: bool = False) -> SaleView:
    return view_of_sale(sale, await pieces_of_sale(session, sale.id), created=created)


def view_of_sale(sale: Sale, pieces: tuple[PieceView, ...], *, created: bool) -> SaleView:
    """A sale as callers see it, with pieces read back or built from what was just written."""
    return SaleView(
        id=sale.id,
        tenant_id=sale.tenant_id,
        order_ref=sale.order_ref,
        project_id=sale.project_id,
        allocation_id=sale.allocation_id,
        grams=sale.grams,
        amount_minor=sale.amount_minor,
        currency=sale.currency,
        owner_minor=sale.owner_minor,
        platform_minor=sale.platform_minor,
        venue_minor=sale.venue_minor,
        status=sale.status.value,
        created_at=sale.created_at,
        refunded_at=sale.refunded_at,
        pieces=pieces,
        created=created,
        chain_lot_id=sale.chain_lot_id,
        chain_seq=sale.chain_seq,
        chain_hash=sale.chain_hash,
    )


async def quote_offer(
    session: AsyncSession, *, tenant_id: uuid.UUID, allocation_id: uuid.UUID, grams: int, now: datetime | None = None
) -> pricing.Quote:
    """What ``grams`` of one of the venue's offers cost (read only)."""
    check_grams(grams)
    chain = await stock.spill_chain(session, tenant_id, allocation_id, _now(now))
    return pricing.quote(grams, chain[0].price_per_tonne_minor, chain[0].currency)


def _same_order(existing: Reservation, tenant_id: uuid.UUID, allocation_id: uuid.UUID, grams: int) -> bool:
    same = (existing.tenant_id, existing.allocation_id, existing.grams) == (tenant_id, allocation_id, grams)
    return same and existing.status in (ReservationStatus.RESERVED, ReservationStatus.SOLD)


ANOTHER_RESERVATION = problem(
    "reference_taken", "This order already has another reservation.", "此订单已有另一项预留。"
)
REFERENCE_TAKEN = problem(
    "reference_taken",
    "This order reference is already used by another order: use a new reference.",
    "此订单编号已被另一个订单使用：请换一个新编号。",
)


async def reserve(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    allocation_id: uuid.UUID,
    grams: int,
    order_ref: str | None = None,
    actor: str = "visitor",
    now: datetime | None = None,
    ttl: timedelta | None = None,
    round_up_to_minimum: bool = False,
) -> ReservationView:
    """Hold ``grams`` for an order, from the chosen offer and, when it runs out, from the
    venue's other offers of the same project and currency (in the venue's order).

    Raises ``SoldOut`` when all of them together have too few grams, and
    ``BelowMinimumCharge`` when the price is below the provider's minimum unless
    ``round_up_to_minimum`` (then the reservation's amount is the minimum). Calling it
    again for the same order with the same grams and offer returns the same reservation.
    Without ``order_ref`` a new reference is made (``ReservationView.order_ref``); without
    ``ttl`` the reservation lasts ``reservation_ttl()`` (``RESERVATION_MINUTES``).
    """
    if now is not None:
        _now(now)
    given_ref = order_ref is not None
    order_ref = new_order_ref() if order_ref is None else check_order_ref(order_ref)
    check_grams(grams)
    actor = check_actor(actor)
    ttl = reservation_ttl() if ttl is None else ttl
    if ttl <= timedelta(0):
        raise refuse("ttl", problem("too_small", "A reservation must last some time.", "预留的有效时间必须大于零。"))
    scope = current_tenant(session)
    if scope is not None and scope != tenant_id:
        raise UnscopedQueryError("Reservation belongs to another venue")
    # No look for an earlier reservation of this order first: the reservation's insert
    # finds it (its reference is unique), and a refusal below looks for it before it
    # refuses a repeated call that it would have answered with the first reservation.
    try:
        return await _reserve_new(
            session,
            tenant_id=tenant_id,
            allocation_id=allocation_id,
            grams=grams,
            order_ref=order_ref,
            actor=actor,
            now=now,
            ttl=ttl,
            round_up_to_minimum=round_up_to_minimum,
        )
    except (SoldOut, BelowMinimumCharge, FormErrors):
        existing = await _reservation(session, order_ref) if given_ref else None
        if existing is None:
            raise
        if _same_order(existing, tenant_id, allocation_id, grams):
            return await reservation_view(session, existing)
        raise refuse("order_ref", ANOTHER_RESERVATION) from None


async def _reserve_new(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    allocation_id: uuid.UUID,
    grams: int,
    order_ref: str,
    actor: str,
    now: datetime | None,
    ttl: timedelta,
    round_up_to_minimum: bool,
) -> ReservationView:
    chain = await stock.spill_chain(session, tenant_id, allocation_id, _now(now))
    primary = chain[0]
    price = pricing.quote(grams, primary.price_per_tonne_minor, primary.currency)
    if price.below_minimum and not round_up_to_minimum:
        raise BelowMinimumCharge(price)

    lot_ids = {a.lot_id for a in chain}
    # One lot (the usual case): its stock is taken by one conditional UPDATE, which is the
    # lock, and the offer's by a second; otherwise, or when either has too few, plan.
    taken = len(lot_ids) == 1 and await stock.take_from_lot(session, primary.lot_id, grams)
    if not taken:
        await ledger.lock_lots(session, lot_ids)
    moment = _now(now)  # after the lock: expiry and the ledger see the time of the write
    if taken and not await stock.try_shift(
        session, Allocation, primary.id, guard=[stock.allocation_free_guard(grams)], reserved_grams=grams
    ):
        await stock.shift(session, Lot, primary.lot_id, reserved_grams=-grams)
        taken = False
    plan = [(primary, grams)]
    if not taken:
        try:
            plan = await stock.plan_holds(session, chain, grams)
        except SoldOut:
            if not await stock.expire_holds(session, moment, actor="system:expiry", lot_ids=lot_ids):
                raise
            plan = await stock.plan_holds(session, chain, grams)
    reservation = Reservation(
        id=new_id(),
        tenant_id=tenant_id,
        order_ref=order_ref,
        allocation_id=primary.id,
        project_id=primary.project_id,
        grams=grams,
        amount_minor=price.rounded_up_minor,
        currency=price.currency,
        status=ReservationStatus.RESERVED,
        expires_at=moment + ttl,
        created_at=moment,
        updated_at=moment,
    )
    values = {column.key: getattr(reservation, column.key) for column in Reservation.__table__.columns}
    dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # The reference is unique across venues; another venue's row is invisible here, so the
    # database's unique index answers, without an error that would end the transaction.
    written = await session.execute(
        dialect_insert(Reservation)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["order_ref"])
        .returning(Reservation.id)
    )
    if written.scalar_one_or_none() is None:
        if taken:  # give the grams back: this order is another's, or already held
            await stock.shift(session, Allocation, primary.id, reserved_grams=-grams)
            await stock.shift(session, Lot, primary.lot_id, reserved_grams=-grams)
        existing = await _reservation(session, order_ref)
        if existing is None:
            raise refuse("order_ref", REFERENCE_TAKEN)
        if _same_order(existing, tenant_id, allocation_id, grams):
            return await reservation_view(session, existing)
        raise refuse("order_ref", ANOTHER_RESERVATION)
    if taken:
        holds = await stock.record_holds(session, reservation, plan, actor=actor, now=moment)
    else:
        holds = await stock.apply_holds(session, reservation, plan, actor=actor, now=moment)
    return await reservation_view(session, reservation, holds)


async def get_reservation(session: AsyncSession, order_ref: str) -> ReservationView | None:
    reservation = await _reservation(session, check_order_ref(order_ref))
    return None if reservation is None else await reservation_view(session, reservation)


async def release_reservation(
    session: AsyncSession,
    *,
    order_ref: str,
    actor: str,
    reason: str = reasons.PURCHASE_CANCELLED,
    now: datetime | None = None,
) -> ReservationView:
    """Cancel an unpaid order: its grams go back on sale at once."""
    if now is not None:
        _now(now)
    order_ref = check_order_ref(order_ref)
    actor = check_actor(actor)
    reservation = await _reservation(session, order_ref)
    if reservation is None:
        raise refuse("order_ref", problem("not_found", "There is no reservation for this order.", "此订单没有预留。"))
    held_lots = {h.lot_id for h in await _holds(session, reservation.id) if h.status == HoldStatus.HELD}
    await ledger.lock_lots(session, held_lots)
    moment = _now(now)
    reservation = await _reservation(session, order_ref, lock=True)
    assert reservation is not None
    if reservation.status == ReservationStatus.SOLD:
        raise refuse(
            "order_ref",
            problem(
                "wrong_state",
                "This order is paid: refund it instead of releasing it.",
                "此订单已付款：请退款，而不是释放预留。",
            ),
        )
    holds = await _holds(session, reservation.id)
    for hold in holds:
        if hold.status == HoldStatus.HELD:
            if hold.lot_id not in held_lots:  # taken again by a late payment since we looked: lock it too
                await ledger.lock_lots(session, [hold.lot_id])
            await stock.release_hold(session, hold, HoldStatus.RELEASED, actor=actor, now=moment, reason=reason)
    if reservation.status == ReservationStatus.RESERVED:
        reservation.status = ReservationStatus.RELEASED
        reservation.updated_at = moment
    await session.flush()
    return await reservation_view(session, reservation, holds)


async def expire_reservations(
    session: AsyncSession,
    *,
    now: datetime | None = None,
    actor: str = "system:expiry",
    lot_ids: Iterable[uuid.UUID] | None = None,
) -> int:
    """Release expired holds (all venues' in a platform session) on ``lot_ids``, or on every
    lot that has some; returns how many. The job calls it lot by lot, so that each
    transaction locks one lot only."""
    if now is not None:
        _now(now)
    lots = list(lot_ids) if lot_ids is not None else await stock.expired_hold_lots(session, _now(now))
    locked = await ledger.lock_lots(session, lots)
    moment = _now(now)
    count = await stock.expire_holds(session, moment, actor=actor, lot_ids=locked)
    stale = (
        (
            await session.execute(
                select(Reservation.id).where(
                    Reservation.status == ReservationStatus.RESERVED, Reservation.expires_at <= moment
                )
            )
        )
        .scalars()
        .all()
    )
    await stock.settle_reservations(session, stale, moment)
    return count


async def _reservation_to_sell(
    session: AsyncSession, order_ref: str, *, lock: bool = False
) -> tuple[Reservation, Allocation, list[Hold]] | None:
    """The order's reservation, its offer and its holds (oldest first), in one statement;
    with ``lock``, the reservation's row is locked as ``_reservation`` locks it."""
    query = (
        select(Reservation, Allocation, Hold)
        .join(Allocation, Allocation.id == Reservation.allocation_id)
        .outerjoin(Hold, Hold.reservation_id == Reservation.id)
        .where(Reservation.order_ref == order_ref)
        .order_by(Hold.created_at, Hold.id)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(key_share=True, of=Reservation)
    rows = (await session.execute(query)).all()
    if not rows:
        return None
    return rows[0][0], rows[0][1], [row[2] for row in rows if row[2] is not None]


async def _existing_sale(session: AsyncSession, order_ref: str) -> SaleView:
    sale = await _sale(session, order_ref)
    assert sale is not None, "a sold reservation has its sale"
    return await sale_view(session, sale)


@dataclass
class _FromLot:
    """What one sale takes from one locked lot, gathered so that the lot's row (counters,
    fill cursor, chain head) is written once."""

    lot: Lot
    holes: list[FreeRange]
    cursor: int
    grams: int = 0
    tonnes: set[int] = field(default_factory=set)
    used_hole: bool = False


async def confirm_sale(
    session: AsyncSession,
    *,
    order_ref: str,
    amount_minor: int | None = None,
    currency: str | None = None,
    actor: str = "payments",
    now: datetime | None = None,
    test_mode: bool = False,
) -> SaleView:
    """Turn a paid order's reservation into a sale with exact serial pieces (``test_mode``:
    paid through a test provider, left out of the platform's revenue).

    Idempotent: a second call for the same order returns the first sale (``created`` is
    False) and changes nothing. A payment that arrives after its reservation expired
    takes the grams again if they are still free, and raises ``SoldOut`` otherwise (the
    payment must then be refunded). ``amount_minor``/``currency``, when given, must be
    what the reservation quoted. The sale's ``chain_lot_id``/``chain_seq``/``chain_hash``
    locate its ``sell`` entry in the ledger.

    A sale exists exactly when its reservation is sold (both are written here, together), so
    the reservation's status answers "sold already?". Everything is read before the lots
    are locked to learn which lots to lock, then read once more under the locks; the lots'
    rows are written once each, with their chains' heads.
    """
    if now is not None:
        _now(now)
    order_ref = check_order_ref(order_ref)
    actor = check_actor(actor)
    found = await _reservation_to_sell(session, order_ref)
    if found is None:
        raise refuse("order_ref", problem("not_found", "There is no reservation for this order.", "此订单没有预留。"))
    reservation, primary, holds = found
    if reservation.status == ReservationStatus.SOLD:
        return await _existing_sale(session, order_ref)
    if currency is not None and currency.strip().upper() != reservation.currency:
        raise refuse(
            "currency",
            problem(
                "currency_mismatch",
                "This order was quoted in {quoted}, not {given}.",
                "此订单的报价币种为 {quoted}，而非 {given}。",
                quoted=reservation.currency,
                given=currency,
            ),
        )
    if amount_minor is not None and amount_minor != reservation.amount_minor:
        raise refuse(
            "amount_minor",
            problem(
                "amount_mismatch",
                "This order was quoted at {quoted}, not {given} (minor units).",
                "此订单的报价为 {quoted}，而非 {given}（最小货币单位）。",
                quoted=reservation.amount_minor,
                given=amount_minor,
            ),
        )
    first_look = _now(now)
    held = [h for h in holds if h.status == HoldStatus.HELD]
    lot_ids = {h.lot_id for h in held} | {primary.lot_id}
    chain: list[Allocation] = []
    if sum(h.grams for h in held) < reservation.grams or any(h.expires_at <= first_look for h in held):
        # Some grams went (or may go, being past their time) back on sale: take them again.
        chain = await stock.spill_chain(
            session, reservation.tenant_id, reservation.allocation_id, first_look, require_offered=False
        )
        lot_ids |= {a.lot_id for a in chain}
    locked = await ledger.lock_lots(session, lot_ids)
    moment = _now(now)
    found = await _reservation_to_sell(session, order_ref, lock=True)
    assert found is not None
    reservation, primary, holds = found
    if reservation.status == ReservationStatus.SOLD:
        return await _existing_sale(session, order_ref)
    holds = [h for h in holds if h.status == HoldStatus.HELD]
    missing = reservation.grams - sum(h.grams for h in holds)
    if missing > 0:
        if not chain:
            chain = await stock.spill_chain(
                session, reservation.tenant_id, reservation.allocation_id, moment, require_offered=False
            )
            locked |= await ledger.lock_lots(session, {a.lot_id for a in chain} - locked.keys())
        await stock.expire_holds(
            session,
            moment,
            actor="system:expiry",
            lot_ids=ledger.locked_lot_ids(session),
            keep_reservation=reservation.id,
        )
        plan = await stock.plan_holds(session, chain, missing)
        holds += await stock.apply_holds(session, reservation, plan, actor=actor, now=moment)
    split = pricing.split_amount(reservation.amount_minor, primary.owner_bp, primary.platform_bp, primary.venue_bp)
    sale = Sale(
        id=new_id(),
        tenant_id=reservation.tenant_id,
        order_ref=order_ref,
        reservation_id=reservation.id,
        allocation_id=primary.id,
        project_id=reservation.project_id,
        grams=reservation.grams,
        amount_minor=reservation.amount_minor,
        currency=reservation.currency,
        owner_minor=split.owner_minor,
        platform_minor=split.platform_minor,
        venue_minor=split.venue_minor,
        status=SaleStatus.PAID,
        created_at=moment,
        test_mode=test_mode,
    )
    taken: dict[uuid.UUID, _FromLot] = {}
    pieces: list[Piece] = []
    entries: list[ledger.NewEntry] = []
    for hold in holds:
        g = hold.grams
        source = taken.get(hold.lot_id)
        if source is None:
            if hold.lot_id not in locked:  # not expected: every held lot was locked above
                locked |= await ledger.lock_lots(session, [hold.lot_id])
            lot = locked[hold.lot_id]
            source = taken[hold.lot_id] = _FromLot(lot, await stock.free_ranges(session, lot.id), lot.fill_cursor)
        positions, source.cursor, used_hole = await stock.take_positions(
            session, source.lot, source.holes, source.cursor, g
        )
        source.grams += g
        source.used_hole |= used_hole
        serials = stock.serial_range_of(source.lot)
        for tonne, start, end in positions:
            serial = serials.serial(tonne)
            source.tonnes.add(tonne)
            pieces.append(
                Piece(
                    id=new_id(),
                    tenant_id=sale.tenant_id,
                    sale_id=sale.id,
                    lot_id=hold.lot_id,
                    allocation_id=hold.allocation_id,
                    tonne_index=tonne,
                    serial=serial,
                    gram_from=start,
                    gram_to=end,
                    status=PieceStatus.ACTIVE,
                    created_at=moment,
                )
            )
            entries.append(
                ledger.NewEntry(
                    LedgerKind.ASSIGN,
                    actor=actor,
                    lot_id=hold.lot_id,
                    allocation_id=hold.allocation_id,
                    sale_id=sale.id,
                    venue_id=sale.tenant_id,
                    order_ref=order_ref,
                    grams=end - start,
                    reason=reasons.PIECE_ASSIGNED,
                    details={"serial": serial, "tonne": tonne, "from": start, "to": end},
                )
            )
        hold.status = HoldStatus.SOLD
    entries.append(
        ledger.NewEntry(
            LedgerKind.SELL,
            actor=actor,
            chain_id=primary.lot_id,
            allocation_id=primary.id,
            sale_id=sale.id,
            venue_id=sale.tenant_id,
            order_ref=order_ref,
            grams=sale.grams,
            amount_minor=sale.amount_minor,
            currency=sale.currency,
            reason=reasons.ORDER_PAID,
            details=lambda assigned: {
                "owner": split.owner_minor,
                "platform": split.platform_minor,
                "venue": split.venue_minor,
                # The sale's hash covers its pieces, wherever their lots' chains are.
                "assigned": [f"{p.chain_id}:{p.seq}:{p.hash}" for p in assigned],
            },
        )
    )
    changes = {
        lot_id: ledger.RowChange(
            values={
                "reserved_grams": Lot.reserved_grams - source.grams,
                "sold_grams": Lot.sold_grams + source.grams,
                "fill_cursor": source.cursor,
                "locked": True,
            },
            guard=[Lot.reserved_grams >= source.grams, Lot.fill_cursor == source.lot.fill_cursor],
        )
        for lot_id, source in taken.items()
    }
    sold = (await ledger.append_all(session, entries, now=moment, lot_changes=changes))[-1]
    for source in taken.values():
        set_committed_value(source.lot, "fill_cursor", source.cursor)
        set_committed_value(source.lot, "locked", True)
    sale.chain_lot_id, sale.chain_seq, sale.chain_hash = sold.chain_id, sold.seq, sold.hash
    session.add(sale)
    await session.flush()  # before its pieces, which refer to it
    for hold in holds:
        await stock.shift(
            session,
            Allocation,
            hold.allocation_id,
            guard=[Allocation.reserved_grams >= hold.grams],
            reserved_grams=-hold.grams,
            sold_grams=hold.grams,
        )
    session.add_all(pieces)
    reservation.status = ReservationStatus.SOLD
    reservation.updated_at = moment
    await session.flush()
    due: dict[tuple[uuid.UUID, int], Tonne] = {}
    for source in taken.values():
        for tonne_row in await stock.mark_due(session, source.lot, source.tonnes, moment):
            due[(tonne_row.lot_id, tonne_row.tonne_index)] = tonne_row
    if any(source.used_hole for source in taken.values()):
        # A refunded hole's tonne may have a retirement row already: read the pieces back.
        return await sale_view(session, sale, created=True)
    return _new_sale_view(sale, pieces, {lot_id: source.lot for lot_id, source in taken.items()}, due)


def _new_sale_view(
    sale: Sale, pieces: Sequence[Piece], lots: dict[uuid.UUID, Lot], due: dict[tuple[uuid.UUID, int], Tonne]
) -> SaleView:
    """The view of a sale just made from fresh grams, from what this transaction wrote: a
    tonne past the fill cursor has never been sold whole, so its only retirement row is
    the one ``mark_due`` has just queued."""
    views = []
    for piece in sorted(pieces, key=lambda p: (p.lot_id, p.tonne_index, p.gram_from)):
        tonne = due.get((piece.lot_id, piece.tonne_index))
        views.append(
            PieceView(
                lot_id=piece.lot_id,
                vintage_year=lots[piece.lot_id].vintage_year,
                serial=piece.serial,
                tonne_index=piece.tonne_index,
                gram_from=piece.gram_from,
                gram_to=piece.gram_to,
                status=piece.status.value,
                retirement_status=tonne.status.value if tonne is not None else None,
                retirement_reference=None,
                retirement_url=None,
            )
        )
    return view_of_sale(sale, tuple(views), created=True)


async def get_sale(session: AsyncSession, order_ref: str) -> SaleView | None:
    sale = await _sale(session, check_order_ref(order_ref))
    return None if sale is None else await sale_view(session, sale)


async def refund_sale(
    session: AsyncSession,
    *,
    order_ref: str,
    actor: str,
    reason: str = reasons.ORDER_REFUNDED,
    now: datetime | None = None,
) -> RefundView:
    """Refund a sale. Grams of tonnes not yet submitted for retirement go back on sale;
    grams of tonnes already retiring or retired stay retired, on the platform's own
    account. The ledger records which, piece by piece. Idempotent."""
    if now is not None:
        _now(now)
    order_ref = check_order_ref(order_ref)
    actor = check_actor(actor)
    sale = await _sale(session, order_ref)
    if sale is None:
        raise refuse("order_ref", problem("not_found", "There is no sale for this order.", "此订单没有销售记录。"))
    summary_chain = sale.chain_lot_id
    if summary_chain is None:
        summary_chain = (await stock.fresh_allocations(session, [sale.allocation_id]))[sale.allocation_id].lot_id
    piece_lots = (await session.execute(select(Piece.lot_id).where(Piece.sale_id == sale.id).distinct())).scalars()
    await ledger.lock_lots(session, {summary_chain, *piece_lots})
    moment = _now(now)
    sale = await _sale(session, order_ref, lock=True)
    assert sale is not None
    pieces: Sequence[Piece] = (
        (
            await session.execute(
                select(Piece).where(Piece.sale_id == sale.id).order_by(Piece.tonne_index, Piece.gram_from)
            )
        )
        .scalars()
        .all()
    )
    if sale.status == SaleStatus.REFUNDED:
        return RefundView(
            order_ref=order_ref,
            amount_minor=sale.amount_minor,
            currency=sale.currency,
            released_grams=sum(p.grams for p in pieces if p.status == PieceStatus.REFUNDED),
            retained_grams=sum(p.grams for p in pieces if p.status == PieceStatus.RETAINED),
            already_refunded=True,
        )
    released = retained = 0
    for piece in pieces:
        if piece.status != PieceStatus.ACTIVE:
            continue
        tonne = (
            await session.execute(
                select(Tonne).where(Tonne.lot_id == piece.lot_id, Tonne.tonne_index == piece.tonne_index)
            )
        ).scalar_one_or_none()
        keeps_retired = tonne is not None and tonne.status in (TonneStatus.RETIRING, TonneStatus.RETIRED)
        if keeps_retired:
            piece.status = PieceStatus.RETAINED
            retained += piece.grams
        else:
            piece.status = PieceStatus.REFUNDED
            released += piece.grams
            g = piece.grams
            await stock.shift(
                session, Allocation, piece.allocation_id, guard=[Allocation.sold_grams >= g], sold_grams=-g
            )
            await stock.shift(session, Lot, piece.lot_id, guard=[Lot.sold_grams >= g], sold_grams=-g)
            await stock.reopen_tonne(session, piece.lot_id, piece.tonne_index)
            await stock.free_positions(session, piece.lot_id, piece.tonne_index, piece.gram_from, piece.gram_to)
        await ledger.append(
            session,
            LedgerKind.REFUND,
            actor=actor,
            now=moment,
            lot_id=piece.lot_id,
            allocation_id=piece.allocation_id,
            sale_id=sale.id,
            venue_id=sale.tenant_id,
            order_ref=order_ref,
            grams=piece.grams,
            reason=reason,
            details={
                "serial": piece.serial,
                "tonne": piece.tonne_index,
                "from": piece.gram_from,
                "to": piece.gram_to,
                "released": not keeps_retired,
                "account": "platform" if keeps_retired else "available",
            },
        )
        if not keeps_retired:
            await stock.return_to_lot_if_withdrawn(session, piece.allocation_id, piece.grams, actor=actor, now=moment)
    sale.status = SaleStatus.REFUNDED
    sale.refunded_at = moment
    await ledger.append(
        session,
        LedgerKind.REFUND,
        actor=actor,
        now=moment,
        chain_id=summary_chain,
        allocation_id=sale.allocation_id,
        sale_id=sale.id,
        venue_id=sale.tenant_id,
        order_ref=order_ref,
        grams=sale.grams,
        amount_minor=sale.amount_minor,
        currency=sale.currency,
        reason=reason,
        details={"released_grams": released, "retained_grams": retained},
    )
    await session.flush()
    return RefundView(
        order_ref=order_ref,
        amount_minor=sale.amount_minor,
        currency=sale.currency,
        released_grams=released,
        retained_grams=retained,
    )
