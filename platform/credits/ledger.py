"""The books: append-only entries chained by hash, and the lock that serialises writers.

Every movement of credits (acquire, allocate, reserve, release, sell, assign, retire,
refund, correction) appends one entry with its actor, time and reason. Entry ``n``
stores ``hash = sha256(canonical JSON of its fields + hash of entry n-1)``; the single
``ledger_head`` row holds the newest sequence number and hash, so an edit, a deletion in
the middle or at the end, or a re-ordering all show in ``verify_chain``.

Writers take the books lock (the head row, ``SELECT … FOR UPDATE`` on PostgreSQL; the
first write of the transaction on SQLite, whose writers are serialised anyway) before
touching any lot, so every credits transaction locks in the same order: head, then lots.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits.errors import LedgerConflict
from neutralpoint.credits.models import LedgerEntry, LedgerHead, LedgerKind
from neutralpoint.database.base import new_id

GENESIS_HASH = "0" * 64
HEAD_ID = 1


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


_HEAD_KEY = "neutralpoint.credits.ledger_head"


def _remember_head(session: AsyncSession, seq: int, digest: str) -> None:
    """Keep the head for the rest of this transaction, so appends need not re-read it."""
    transaction = session.sync_session.get_transaction()
    if transaction is not None:
        session.info[_HEAD_KEY] = (weakref.ref(transaction), seq, digest)


def _cached_head(session: AsyncSession) -> tuple[int, str] | None:
    cached = session.info.get(_HEAD_KEY)
    transaction = session.sync_session.get_transaction()
    if cached is None or transaction is None or cached[0]() is not transaction:
        return None
    return cached[1], cached[2]


async def lock_books(session: AsyncSession) -> None:
    """Serialise credits writers for the rest of this transaction (idempotent)."""
    if _dialect(session) == "postgresql":
        statement = "SELECT seq, hash FROM ledger_head WHERE id = :id FOR UPDATE"
    else:
        # On SQLite the first write takes the database's write lock, waiting up to busy_timeout.
        statement = "UPDATE ledger_head SET seq = seq WHERE id = :id RETURNING seq, hash"
    head = (await session.execute(text(statement), {"id": HEAD_ID})).one()
    _remember_head(session, head.seq, head.hash)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime in the ledger")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _text_id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def canonical_fields(
    *,
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
        "seq": seq,
        "kind": str(kind),
        "lot_id": _text_id(lot_id),
        "allocation_id": _text_id(allocation_id),
        "sale_id": _text_id(sale_id),
        # Labelled "tenant_id" since the first entries were written: hashes stay verifiable.
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


async def append(
    session: AsyncSession,
    kind: LedgerKind,
    *,
    actor: str,
    now: datetime,
    lot_id: uuid.UUID | None = None,
    allocation_id: uuid.UUID | None = None,
    sale_id: uuid.UUID | None = None,
    venue_id: uuid.UUID | None = None,
    order_ref: str | None = None,
    grams: int = 0,
    amount_minor: int | None = None,
    currency: str | None = None,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry (the caller holds the books lock); returns its sequence number."""
    cached = _cached_head(session)
    if cached is None:
        row = (await session.execute(select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == HEAD_ID))).one()
        cached = (row.seq, row.hash)
    head_seq, head_hash = cached
    seq = head_seq + 1
    fields = canonical_fields(
        seq=seq,
        kind=kind,
        lot_id=lot_id,
        allocation_id=allocation_id,
        sale_id=sale_id,
        venue_id=venue_id,
        order_ref=order_ref,
        grams=grams,
        amount_minor=amount_minor,
        currency=currency,
        actor=actor,
        reason=reason,
        details=details or {},
        created_at=now,
    )
    digest = entry_hash(fields, head_hash)
    await session.execute(
        insert(LedgerEntry).values(
            id=new_id(),
            seq=seq,
            kind=kind,
            lot_id=lot_id,
            allocation_id=allocation_id,
            sale_id=sale_id,
            venue_id=venue_id,
            order_ref=order_ref,
            grams=grams,
            amount_minor=amount_minor,
            currency=currency,
            actor=actor,
            reason=reason,
            details=fields["details"],
            created_at=now,
            prev_hash=head_hash,
            hash=digest,
        )
    )
    moved = await session.execute(
        update(LedgerHead)
        .where(LedgerHead.id == HEAD_ID, LedgerHead.seq == head_seq)
        .values(seq=seq, hash=digest)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.info.pop(_HEAD_KEY, None)
        raise LedgerConflict("the ledger head moved although the books were locked")
    _remember_head(session, seq, digest)
    return seq


@dataclass
class ChainReport:
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_chain(
    session: AsyncSession,
    *,
    on_entry: Callable[[LedgerEntry], None] | None = None,
    max_problems: int = 50,
) -> ChainReport:
    """Recompute every hash in sequence order and compare with the head; ``on_entry``
    sees each entry once (the audit sums the books in the same pass)."""
    report = ChainReport()
    prev_hash = GENESIS_HASH
    expected_seq = 1
    result = await session.stream_scalars(
        select(LedgerEntry).order_by(LedgerEntry.seq).execution_options(yield_per=1000)
    )
    async for entry in result:
        report.entries += 1
        if on_entry is not None:
            on_entry(entry)
        if len(report.problems) >= max_problems:
            continue
        if entry.seq != expected_seq:
            report.problems.append(f"ledger entry seq {entry.seq}: expected seq {expected_seq} (an entry is missing)")
        if entry.prev_hash != prev_hash:
            report.problems.append(f"ledger entry seq {entry.seq}: does not chain to the entry before it")
        if _hash_of(entry) != entry.hash:
            report.problems.append(f"ledger entry seq {entry.seq}: its content no longer matches its hash (edited)")
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
    head = (await session.execute(select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == HEAD_ID))).one()
    if head.seq != expected_seq - 1 or head.hash != prev_hash:
        report.problems.append(
            f"ledger head says seq {head.seq} but the chain ends at seq {expected_seq - 1} (entries removed or added)"
        )
    return report
