"""The books: append-only entries, one hash chain per lot, the chains' heads anchored together.

Every movement of credits (acquire, allocate, reserve, release, sell, assign, retire,
refund, correction) appends one entry with its actor, time and reason to the chain of
the lot it moves (an entry about a sale as a whole goes to the chain of the sale's
primary offer's lot). Entry ``n`` of a chain stores ``hash = sha256(canonical JSON of
its fields + hash of entry n-1)``; the lot row holds the chain's head (``chain_seq``,
``chain_hash``), so an edit, a deletion in the middle or at the end, or a re-ordering
all show in ``verify_chains``. A periodic job writes an anchor, the heads of every chain
at one moment, itself hash-chained; the audit checks that every anchored head is still
in its chain, so a lot's history cannot be rewritten quietly after it was anchored.

Locking, the same order in every credits transaction, so nobody waits in a cycle:

1. ``lock_supply``: only changes to the supply itself (new lots, corrections, offers),
   rare admin writes that check across lots; selling never takes it.
2. ``lock_lots``: the rows of the lots the transaction moves, in id order (PostgreSQL
   ``SELECT … FOR NO KEY UPDATE``; on SQLite the first write takes the database's write
   lock). A lot's row guards its counters, its offers' counters and its chain's head, so
   purchases from different lots never wait on each other. A purchase from one lot takes
   the lock with the conditional UPDATE that takes its stock (``stock.take_from_lot``).
3. Then offers, reservations, sales, holds, pieces and tonnes.

Read the clock after the lots are locked: the entries of one chain then carry times in
the order they were written.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits.errors import LedgerConflict
from neutralpoint.credits.models import GENESIS_HASH, LedgerAnchor, LedgerEntry, LedgerKind, Lot, SupplyLock
from neutralpoint.database.base import new_id, utcnow
from neutralpoint.refusals import problem, refuse

__all__ = [
    "GENESIS_HASH",
    "ChainPosition",
    "ChainReport",
    "NewEntry",
    "RowChange",
    "anchor_heads",
    "append",
    "append_all",
    "canonical_fields",
    "entry_hash",
    "lock_lots",
    "lock_supply",
    "verify_chains",
]

SUPPLY_LOCK_ID = 1


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


# --- what this transaction holds -----------------------------------------------------------

_STATE_KEY = "neutralpoint.credits.books"


@dataclass
class _Held:
    """The locks this transaction holds and the heads of the locked lots' chains."""

    transaction: Callable[[], Any]
    heads: dict[uuid.UUID, tuple[int, str]] = field(default_factory=dict)
    supply: bool = False


def _held(session: AsyncSession) -> _Held:
    transaction = session.sync_session.get_transaction()
    if transaction is None:  # no transaction yet, so no lock either
        return _Held(transaction=lambda: None)
    state: _Held | None = session.info.get(_STATE_KEY)
    if state is not None and state.transaction() is transaction:
        return state
    fresh = _Held(transaction=weakref.ref(transaction))
    session.info[_STATE_KEY] = fresh
    return fresh


async def lock_supply(session: AsyncSession) -> None:
    """Serialise changes to the supply for the rest of this transaction (idempotent)."""
    if _held(session).supply:
        return
    if _dialect(session) == "postgresql":
        statement = select(SupplyLock.id).where(SupplyLock.id == SUPPLY_LOCK_ID).with_for_update()
        await session.execute(statement)
    else:
        # On SQLite the first write takes the database's write lock, waiting up to busy_timeout.
        await session.execute(text("UPDATE credit_supply_lock SET id = id WHERE id = :id"), {"id": SUPPLY_LOCK_ID})
    _held(session).supply = True


async def lock_lots(session: AsyncSession, lot_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Lot]:
    """Lock the rows of ``lot_ids`` (in id order) for the rest of this transaction and
    return them fresh. Lock every lot the transaction will move in one call, before
    touching offers, reservations or sales; a later call may lock more lots, but only
    lots it is sure no other transaction holds while waiting for ours (a new lot)."""
    ids = sorted(set(lot_ids))
    if not ids:
        return {}
    query = select(Lot).where(Lot.id.in_(ids)).order_by(Lot.id).execution_options(populate_existing=True)
    if _dialect(session) == "postgresql":
        # NO KEY UPDATE, the lock an UPDATE takes: rows that merely refer to the lot still insert.
        query = query.with_for_update(key_share=True)
    else:
        await session.execute(
            update(Lot)
            .where(Lot.id.in_(ids))
            .values(chain_seq=Lot.chain_seq)
            .execution_options(synchronize_session=False)
        )
    lots = {lot.id: lot for lot in (await session.execute(query)).scalars()}
    missing = [i for i in ids if i not in lots]
    if missing:
        raise refuse("lot_id", problem("not_found", "There is no such lot.", "没有此批次。"))
    held = _held(session)
    for lot in lots.values():
        held.heads[lot.id] = (lot.chain_seq, lot.chain_hash)
    return lots


def holding_lot(session: AsyncSession, lot_id: uuid.UUID, chain_seq: int, chain_hash: str) -> None:
    """Note that this transaction locked ``lot_id`` by updating its row (which returned its
    chain's head), as ``lock_lots`` would have."""
    _held(session).heads[lot_id] = (chain_seq, chain_hash)


def locked_lot_ids(session: AsyncSession) -> frozenset[uuid.UUID]:
    return frozenset(_held(session).heads)


# --- entries ------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime in the ledger")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _text_id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def canonical_fields(
    *,
    chain_id: uuid.UUID,
    seq: int,
    kind: str,
    lot_id: uuid.UUID | None,
    allocation_id: uuid.UUID | None,
    sale_id: uuid.UUID | None,
    venue_id: uuid.UUID | None,
    order_ref: str | None,
    grams: int,
    amount_minor: int | None,
    currency: str | None,
    actor: str,
    reason: str,
    details: Mapping[str, Any],
    created_at: datetime,
) -> dict[str, Any]:
    return {
        "chain": str(chain_id),
        "seq": seq,
        "kind": str(kind),
        "lot_id": _text_id(lot_id),
        "allocation_id": _text_id(allocation_id),
        "sale_id": _text_id(sale_id),
        # Labelled "tenant_id" since the first entries were written.
        "tenant_id": _text_id(venue_id),
        "order_ref": order_ref,
        "grams": grams,
        "amount_minor": amount_minor,
        "currency": currency,
        "actor": actor,
        "reason": reason,
        "details": dict(details),
        "created_at": _iso(created_at),
    }


def entry_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    payload = json.dumps(
        {"entry": fields, "prev_hash": prev_hash}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _hash_of(entry: LedgerEntry) -> str:
    fields = canonical_fields(
        chain_id=entry.chain_id,
        seq=entry.seq,
        kind=entry.kind,
        lot_id=entry.lot_id,
        allocation_id=entry.allocation_id,
        sale_id=entry.sale_id,
        venue_id=entry.venue_id,
        order_ref=entry.order_ref,
        grams=entry.grams,
        amount_minor=entry.amount_minor,
        currency=entry.currency,
        actor=entry.actor,
        reason=entry.reason,
        details=entry.details or {},
        created_at=entry.created_at,
    )
    return entry_hash(fields, entry.prev_hash)


@dataclass(frozen=True)
class NewEntry:
    """An entry to append; ``chain_id`` defaults to ``lot_id``."""

    kind: LedgerKind
    actor: str
    lot_id: uuid.UUID | None = None
    chain_id: uuid.UUID | None = None
    allocation_id: uuid.UUID | None = None
    sale_id: uuid.UUID | None = None
    venue_id: uuid.UUID | None = None
    order_ref: str | None = None
    grams: int = 0
    amount_minor: int | None = None
    currency: str | None = None
    reason: str = ""
    details: Mapping[str, Any] | Callable[[Sequence[ChainPosition]], Mapping[str, Any]] | None = None
    """The entry's details, or a function of where the entries before it in the same
    ``append_all`` went (an entry that names them, as a sale names its pieces')."""

    @property
    def chain(self) -> uuid.UUID:
        chain = self.chain_id or self.lot_id
        if chain is None:
            raise ValueError("a ledger entry belongs to a lot's chain: give lot_id or chain_id")
        return chain


@dataclass(frozen=True)
class ChainPosition:
    """Where an entry sits: the lot whose chain holds it, its position and its hash."""

    chain_id: uuid.UUID
    seq: int
    hash: str


@dataclass(frozen=True)
class RowChange:
    """Other columns of a lot's row to write in the same UPDATE that moves its chain's head,
    so that the row is written once; nothing is written unless every ``guard`` holds."""

    values: Mapping[str, Any]
    guard: Sequence[ColumnElement[bool]] = ()


async def append_all(
    session: AsyncSession,
    entries: Sequence[NewEntry],
    *,
    now: datetime,
    lot_changes: Mapping[uuid.UUID, RowChange] | None = None,
) -> list[ChainPosition]:
    """Append ``entries`` in order, each to its lot's chain; returns where each went.

    The lots are locked here if the transaction does not hold them yet (see ``lock_lots``).
    ``lot_changes`` are written with the head of their lot's chain, which ``entries`` must move.
    """
    if not entries:
        return []
    changes = dict(lot_changes or {})
    if not changes.keys() <= {e.chain for e in entries}:
        raise ValueError("a lot's row changes with its chain's head: append an entry to its chain")
    held = _held(session)
    unlocked = {e.chain for e in entries} - held.heads.keys()
    if unlocked:
        await lock_lots(session, unlocked)
        held = _held(session)
    start = {chain: held.heads[chain] for chain in {e.chain for e in entries}}
    rows: list[dict[str, Any]] = []
    positions: list[ChainPosition] = []
    for entry in entries:
        chain = entry.chain
        head_seq, head_hash = held.heads[chain]
        seq = head_seq + 1
        fields = canonical_fields(
            chain_id=chain,
            seq=seq,
            kind=entry.kind,
            lot_id=entry.lot_id,
            allocation_id=entry.allocation_id,
            sale_id=entry.sale_id,
            venue_id=entry.venue_id,
            order_ref=entry.order_ref,
            grams=entry.grams,
            amount_minor=entry.amount_minor,
            currency=entry.currency,
            actor=entry.actor,
            reason=entry.reason,
            details=(entry.details(positions) if callable(entry.details) else entry.details) or {},
            created_at=now,
        )
        digest = entry_hash(fields, head_hash)
        rows.append(
            {
                "id": new_id(),
                "chain_id": chain,
                "seq": seq,
                "kind": entry.kind,
                "lot_id": entry.lot_id,
                "allocation_id": entry.allocation_id,
                "sale_id": entry.sale_id,
                "venue_id": entry.venue_id,
                "order_ref": entry.order_ref,
                "grams": entry.grams,
                "amount_minor": entry.amount_minor,
                "currency": entry.currency,
                "actor": entry.actor,
                "reason": entry.reason,
                "details": fields["details"],
                "created_at": now,
                "prev_hash": head_hash,
                "hash": digest,
            }
        )
        held.heads[chain] = (seq, digest)
        positions.append(ChainPosition(chain, seq, digest))
    # render_nulls: every row in one INSERT, though entries leave different fields empty.
    await session.execute(insert(LedgerEntry).execution_options(render_nulls=True), rows)
    for chain, (old_seq, _) in start.items():
        new_seq, new_hash = held.heads[chain]
        change = changes.get(chain, RowChange({}))
        moved = await session.execute(
            update(Lot)
            .where(Lot.id == chain, Lot.chain_seq == old_seq, *change.guard)
            .values(chain_seq=new_seq, chain_hash=new_hash, **change.values)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            held.heads.clear()
            raise LedgerConflict(
                f"the chain of lot {chain} moved although the lot was locked, or its change {change.values} "
                "would break its bounds"
            )
    return positions


async def append(
    session: AsyncSession,
    kind: LedgerKind,
    *,
    actor: str,
    now: datetime,
    lot_id: uuid.UUID | None = None,
    chain_id: uuid.UUID | None = None,
    allocation_id: uuid.UUID | None = None,
    sale_id: uuid.UUID | None = None,
    venue_id: uuid.UUID | None = None,
    order_ref: str | None = None,
    grams: int = 0,
    amount_minor: int | None = None,
    currency: str | None = None,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> ChainPosition:
    """Append one entry to the chain of ``chain_id`` (default: ``lot_id``)."""
    entry = NewEntry(
        kind=kind,
        actor=actor,
        lot_id=lot_id,
        chain_id=chain_id,
        allocation_id=allocation_id,
        sale_id=sale_id,
        venue_id=venue_id,
        order_ref=order_ref,
        grams=grams,
        amount_minor=amount_minor,
        currency=currency,
        reason=reason,
        details=details,
    )
    return (await append_all(session, [entry], now=now))[0]


# --- anchors ------------------------------------------------------------------------------


def anchor_hash(
    *, seq: int, heads: Mapping[str, Any], actor: str, details: Mapping[str, Any], created_at: datetime, prev_hash: str
) -> str:
    fields = {
        "seq": seq,
        "heads": {key: list(value) for key, value in heads.items()},
        "actor": actor,
        "details": dict(details),
        "created_at": _iso(created_at),
    }
    return entry_hash(fields, prev_hash)


def _hash_of_anchor(anchor: LedgerAnchor) -> str:
    return anchor_hash(
        seq=anchor.seq,
        heads=anchor.heads,
        actor=anchor.actor,
        details=anchor.details or {},
        created_at=anchor.created_at,
        prev_hash=anchor.prev_hash,
    )


async def chain_heads(session: AsyncSession) -> dict[str, list[Any]]:
    """Every non-empty chain's head, as one statement sees them (each with its entries)."""
    rows = await session.execute(select(Lot.id, Lot.chain_seq, Lot.chain_hash).where(Lot.chain_seq > 0))
    return {str(row.id): [row.chain_seq, row.chain_hash] for row in sorted(rows, key=lambda r: str(r.id))}


async def anchor_heads(
    session: AsyncSession, *, actor: str, now: datetime | None = None, details: Mapping[str, Any] | None = None
) -> LedgerAnchor | None:
    """Anchor every chain's head now; ``None`` when nothing moved since the last anchor (or
    another anchor was written at the same moment). Takes no lock that selling waits for."""
    heads = await chain_heads(session)
    last = (
        await session.execute(
            select(LedgerAnchor).order_by(LedgerAnchor.seq.desc()).limit(1).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if last is not None and last.heads == heads:
        return None
    seq = 1 if last is None else last.seq + 1
    prev_hash = GENESIS_HASH if last is None else last.hash
    moment = now or utcnow()
    extra = dict(details or {})
    digest = anchor_hash(seq=seq, heads=heads, actor=actor, details=extra, created_at=moment, prev_hash=prev_hash)
    values = {
        "seq": seq,
        "heads": heads,
        "actor": actor,
        "details": extra,
        "created_at": moment,
        "prev_hash": prev_hash,
        "hash": digest,
    }
    dialect_insert = postgresql_insert if _dialect(session) == "postgresql" else sqlite_insert
    written = await session.execute(
        dialect_insert(LedgerAnchor)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["seq"])
        .returning(LedgerAnchor.seq)
    )
    if written.scalar_one_or_none() is None:
        return None
    return (
        await session.execute(
            select(LedgerAnchor).where(LedgerAnchor.seq == seq).execution_options(populate_existing=True)
        )
    ).scalar_one()


# --- verification -------------------------------------------------------------------------


@dataclass
class ChainReport:
    entries: int = 0
    chains: int = 0
    anchors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_chains(
    session: AsyncSession,
    *,
    on_entry: Callable[[LedgerEntry], None] | None = None,
    max_problems: int = 50,
) -> ChainReport:
    """Recompute every hash of every lot's chain in order, compare each chain's end with
    its lot's head, and check the anchors: their own chain, and that every head they
    anchored is still in its chain. ``on_entry`` sees each entry once (the audit sums the
    books in the same pass). Problems name the lot and the entry's position."""
    report = ChainReport()

    def finding(message: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(message)

    lots = {
        row.id: row for row in await session.execute(select(Lot.id, Lot.serial_first, Lot.chain_seq, Lot.chain_hash))
    }

    def name(chain: uuid.UUID) -> str:
        lot = lots.get(chain)
        return f"lot {lot.serial_first}" if lot is not None else f"chain {chain} (no such lot)"

    # Anchors first: what each chain must still contain.
    anchored: dict[tuple[uuid.UUID, int], list[tuple[int, str]]] = {}
    prev_hash, expected = GENESIS_HASH, 1
    anchors = await session.stream_scalars(
        select(LedgerAnchor).order_by(LedgerAnchor.seq).execution_options(yield_per=100)
    )
    async for anchor in anchors:
        report.anchors += 1
        if anchor.seq != expected:
            finding(f"anchor {anchor.seq}: expected anchor {expected} (an anchor is missing)")
        if anchor.prev_hash != prev_hash:
            finding(f"anchor {anchor.seq}: does not chain to the anchor before it")
        if _hash_of_anchor(anchor) != anchor.hash:
            finding(f"anchor {anchor.seq}: its content no longer matches its hash (edited)")
        for key, (seq, digest) in (anchor.heads or {}).items():
            anchored.setdefault((uuid.UUID(key), int(seq)), []).append((anchor.seq, str(digest)))
        prev_hash, expected = anchor.hash, anchor.seq + 1

    ends: dict[uuid.UUID, tuple[int, str]] = {}
    current: uuid.UUID | None = None
    prev_hash, expected = GENESIS_HASH, 1
    result = await session.stream_scalars(
        select(LedgerEntry).order_by(LedgerEntry.chain_id, LedgerEntry.seq).execution_options(yield_per=1000)
    )
    async for entry in result:
        report.entries += 1
        if on_entry is not None:
            on_entry(entry)
        if entry.chain_id != current:
            current = entry.chain_id
            report.chains += 1
            prev_hash, expected = GENESIS_HASH, 1
        where = f"{name(entry.chain_id)} entry {entry.seq}"
        if entry.seq != expected:
            finding(f"{where}: expected entry {expected} (an entry is missing)")
        if entry.prev_hash != prev_hash:
            finding(f"{where}: does not chain to the entry before it")
        if _hash_of(entry) != entry.hash:
            finding(f"{where}: its content no longer matches its hash (edited)")
        for anchor_seq, digest in anchored.pop((entry.chain_id, entry.seq), ()):
            if digest != entry.hash:
                finding(f"{where}: differs from the head anchored by anchor {anchor_seq} (history rewritten)")
        prev_hash, expected = entry.hash, entry.seq + 1
        ends[entry.chain_id] = (entry.seq, entry.hash)

    for chain, (seq, digest) in ends.items():
        lot = lots.get(chain)
        if lot is None:
            finding(f"{name(chain)}: entries of a chain without a lot")
        elif (lot.chain_seq, lot.chain_hash) != (seq, digest):
            finding(
                f"{name(chain)}: its head says entry {lot.chain_seq} but the chain ends at entry {seq} "
                "(entries removed or added)"
            )
    for lot in lots.values():
        if lot.id not in ends and (lot.chain_seq, lot.chain_hash) != (0, GENESIS_HASH):
            finding(f"{name(lot.id)}: its head says entry {lot.chain_seq} but its chain has no entries")
    for (chain, seq), seen in sorted(anchored.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        finding(f"{name(chain)} entry {seq}: anchored by anchor {seen[0][0]} but gone from its chain")
    return report
