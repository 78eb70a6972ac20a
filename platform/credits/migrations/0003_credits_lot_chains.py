"""The ledger without a platform-wide lock: one hash chain per lot, anchors, sale positions.

``ledger_head`` (the one row every credit write waited on) goes. Each entry joins the
chain of its lot (``chain_id``; an entry about a sale as a whole, the chain of its
offer's lot) at a position ``seq`` counted per chain; each lot row keeps its chain's head;
``ledger_anchors`` records the heads of all chains at moments, itself chained; a sale
keeps the position and hash of its ``sell`` entry; ``credit_supply_lock`` serialises the
rare changes to the supply itself.

Existing entries are re-chained: the upgrade first verifies the single chain as it was
(and refuses to go on if it is broken), then hashes every entry into its lot's chain,
and writes a first anchor that also records the old chain's head. The downgrade
verifies the lots' chains and re-chains the entries into one, in time order.

Revision ID: credits_0003
Revises: credits_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from neutralpoint.database.base import UTCDateTime

revision: str = "credits_0003"
down_revision: str | Sequence[str] | None = "credits_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64
APPEND_ONLY = ("ledger_entries", "ledger_anchors")

# The hashing rules as they are at this revision, frozen here: later code may change.
ENTRY_FIELDS = (
    "kind", "lot_id", "allocation_id", "sale_id", "venue_id", "order_ref", "grams", "amount_minor",
    "currency", "actor", "reason", "details", "created_at",
)


def _digest(fields: Mapping[str, Any], prev_hash: str) -> str:
    payload = json.dumps(
        {"entry": fields, "prev_hash": prev_hash}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _fields(row: Mapping[Any, Any], seq: int, chain: uuid.UUID | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "seq": seq,
        "kind": str(row["kind"]),
        "lot_id": _text(row["lot_id"]),
        "allocation_id": _text(row["allocation_id"]),
        "sale_id": _text(row["sale_id"]),
        "tenant_id": _text(row["venue_id"]),
        "order_ref": row["order_ref"],
        "grams": row["grams"],
        "amount_minor": row["amount_minor"],
        "currency": row["currency"],
        "actor": row["actor"],
        "reason": row["reason"],
        "details": dict(row["details"] or {}),
        "created_at": _iso(row["created_at"]),
    }
    if chain is not None:  # the lots' chains name their chain; the single chain did not
        fields["chain"] = str(chain)
    return fields


def _anchor_hash(seq: int, heads: Mapping[str, Any], actor: str, details: Mapping[str, Any], at: datetime) -> str:
    fields = {"seq": seq, "heads": heads, "actor": actor, "details": dict(details), "created_at": _iso(at)}
    return _digest(fields, GENESIS_HASH)


def _entries(with_chain: bool) -> sa.TableClause:
    columns: list[sa.ColumnClause[Any]] = [
        sa.column("id", sa.Uuid()),
        sa.column("seq", sa.BigInteger()),
        sa.column("kind", sa.String()),
        sa.column("lot_id", sa.Uuid()),
        sa.column("allocation_id", sa.Uuid()),
        sa.column("sale_id", sa.Uuid()),
        sa.column("venue_id", sa.Uuid()),
        sa.column("order_ref", sa.String()),
        sa.column("grams", sa.BigInteger()),
        sa.column("amount_minor", sa.BigInteger()),
        sa.column("currency", sa.String()),
        sa.column("actor", sa.String()),
        sa.column("reason", sa.Text()),
        sa.column("details", sa.JSON()),
        sa.column("created_at", UTCDateTime()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    ]
    if with_chain:
        columns.append(sa.column("chain_id", sa.Uuid()))
    return sa.table("ledger_entries", *columns)


LOTS = sa.table("credit_lots", sa.column("id", sa.Uuid()), sa.column("chain_seq", sa.BigInteger()),
                sa.column("chain_hash", sa.String()))
SALES = sa.table("credit_sales", sa.column("id", sa.Uuid()), sa.column("chain_lot_id", sa.Uuid()),
                 sa.column("chain_seq", sa.BigInteger()), sa.column("chain_hash", sa.String()))
ALLOCATIONS = sa.table("credit_allocations", sa.column("id", sa.Uuid()), sa.column("lot_id", sa.Uuid()))
HEAD = sa.table("ledger_head", sa.column("id", sa.Integer()), sa.column("seq", sa.BigInteger()),
                sa.column("hash", sa.String()))
ANCHORS = sa.table("ledger_anchors", sa.column("seq", sa.BigInteger()), sa.column("heads", sa.JSON()),
                   sa.column("actor", sa.String()), sa.column("details", sa.JSON()),
                   sa.column("created_at", UTCDateTime()), sa.column("prev_hash", sa.String()),
                   sa.column("hash", sa.String()))


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _drop_triggers(tables: Sequence[str]) -> None:
    if _sqlite():
        for table in tables:
            for action in ("update", "delete"):
                op.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_{action}"))


def _create_triggers(tables: Sequence[str]) -> None:
    if _sqlite():
        for table in tables:
            for action in ("UPDATE", "DELETE"):
                op.execute(sa.text(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table.replace('_', ' ')} are append-only'); END"
                ))


def _rows_to_write(updates: list[dict[str, Any]], table: sa.TableClause, columns: Sequence[str]) -> None:
    if not updates:
        return
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(f"b_{name}") for name in columns})
    )
    op.get_bind().execute(statement, updates)


def upgrade() -> None:
    bind = op.get_bind()
    _drop_triggers(["ledger_entries"])
    op.add_column("credit_lots", sa.Column("chain_seq", sa.BigInteger(), server_default="0", nullable=False))
    op.add_column(
        "credit_lots", sa.Column("chain_hash", sa.String(length=64), server_default=GENESIS_HASH, nullable=False)
    )
    op.add_column("credit_sales", sa.Column("chain_lot_id", sa.Uuid(), nullable=True))
    op.add_column("credit_sales", sa.Column("chain_seq", sa.BigInteger(), nullable=True))
    op.add_column("credit_sales", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("chain_id", sa.Uuid(), nullable=True))
        batch.drop_constraint("uq_ledger_entries_seq", type_="unique")
    op.create_table(
        "ledger_anchors",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("heads", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_anchors")),
    )
    op.create_table(
        "credit_supply_lock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_supply_lock")),
    )
    op.execute(sa.text("INSERT INTO credit_supply_lock (id) VALUES (1)"))

    # Verify the single chain as it is, then hash every entry into its lot's chain.
    old = _entries(with_chain=False)
    rows = bind.execute(sa.select(old).order_by(old.c.seq)).mappings().all()
    prev, expected = GENESIS_HASH, 1
    for row in rows:
        if row["seq"] != expected or row["prev_hash"] != prev or _digest(_fields(row, row["seq"], None), prev) != row["hash"]:
            raise RuntimeError(
                f"the ledger's hash chain is broken at entry {row['seq']}: run `neutralpoint credits audit` "
                "with the previous release and repair the books before upgrading"
            )
        prev, expected = row["hash"], row["seq"] + 1
    head = bind.execute(sa.select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).one()
    if (head.seq, head.hash) != (expected - 1, prev):
        raise RuntimeError("the ledger head does not match the end of its chain: repair the books before upgrading")
    lot_of_offer = dict(bind.execute(sa.select(ALLOCATIONS.c.id, ALLOCATIONS.c.lot_id)).all())
    heads: dict[uuid.UUID, tuple[int, str]] = {}
    entry_updates, sale_updates = [], []
    for row in rows:
        chain = row["lot_id"] or lot_of_offer.get(row["allocation_id"])
        if chain is None:
            raise RuntimeError(f"ledger entry {row['seq']} names neither a lot nor a known offer")
        seq, prev_hash = heads.get(chain, (0, GENESIS_HASH))
        digest = _digest(_fields(row, seq + 1, chain), prev_hash)
        entry_updates.append(
            {"b_id": row["id"], "b_chain_id": chain, "b_seq": seq + 1, "b_prev_hash": prev_hash, "b_hash": digest}
        )
        heads[chain] = (seq + 1, digest)
        if row["kind"] == "sell" and row["sale_id"] is not None:
            sale_updates.append(
                {"b_id": row["sale_id"], "b_chain_lot_id": chain, "b_chain_seq": seq + 1, "b_chain_hash": digest}
            )
    new = _entries(with_chain=True)
    _rows_to_write(entry_updates, new, ["chain_id", "seq", "prev_hash", "hash"])
    _rows_to_write(sale_updates, SALES, ["chain_lot_id", "chain_seq", "chain_hash"])
    _rows_to_write(
        [{"b_id": lot, "b_chain_seq": seq, "b_chain_hash": digest} for lot, (seq, digest) in heads.items()],
        LOTS,
        ["chain_seq", "chain_hash"],
    )
    if rows:
        anchored = {str(lot): [seq, digest] for lot, (seq, digest) in sorted(heads.items(), key=lambda i: str(i[0]))}
        details = {"single_chain_head": [head.seq, head.hash]}
        at = datetime.now(UTC)
        actor = "migration:credits_0003"
        bind.execute(
            ANCHORS.insert().values(
                seq=1,
                heads=anchored,
                actor=actor,
                details=details,
                created_at=at,
                prev_hash=GENESIS_HASH,
                hash=_anchor_hash(1, anchored, actor, details, at),
            )
        )
    with op.batch_alter_table("ledger_entries") as batch:
        batch.alter_column("chain_id", existing_type=sa.Uuid(), nullable=False)
        batch.create_unique_constraint(op.f("uq_ledger_entries_chain_id_seq"), ["chain_id", "seq"])
    op.drop_table("ledger_head")
    _create_triggers(APPEND_ONLY)


def downgrade() -> None:
    bind = op.get_bind()
    _drop_triggers(APPEND_ONLY)
    new = _entries(with_chain=True)
    rows = bind.execute(sa.select(new).order_by(new.c.chain_id, new.c.seq)).mappings().all()
    chain, prev, expected = None, GENESIS_HASH, 1
    for row in rows:
        if row["chain_id"] != chain:
            chain, prev, expected = row["chain_id"], GENESIS_HASH, 1
        if row["seq"] != expected or row["prev_hash"] != prev or _digest(_fields(row, row["seq"], chain), prev) != row["hash"]:
            raise RuntimeError(
                f"the ledger chain of lot {chain} is broken at entry {row['seq']}: "
                "run `neutralpoint credits audit` and repair the books before downgrading"
            )
        prev, expected = row["hash"], row["seq"] + 1
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_constraint("uq_ledger_entries_chain_id_seq", type_="unique")
    in_time = sorted(rows, key=lambda r: (r["created_at"], str(r["chain_id"]), r["seq"]))
    prev, updates = GENESIS_HASH, []
    for seq, row in enumerate(in_time, start=1):
        digest = _digest(_fields(row, seq, None), prev)
        updates.append({"b_id": row["id"], "b_seq": seq, "b_prev_hash": prev, "b_hash": digest})
        prev = digest
    _rows_to_write(updates, _entries(with_chain=False), ["seq", "prev_hash", "hash"])
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("chain_id")
        batch.create_unique_constraint(op.f("uq_ledger_entries_seq"), ["seq"])
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    bind.execute(HEAD.insert().values(id=1, seq=len(in_time), hash=prev))
    op.drop_table("credit_supply_lock")
    op.drop_table("ledger_anchors")
    # Plain DROP COLUMN (SQLite 3.35+ too): no table rebuild that could lose a CHECK constraint.
    for table, column in (
        ("credit_sales", "chain_hash"),
        ("credit_sales", "chain_seq"),
        ("credit_sales", "chain_lot_id"),
        ("credit_lots", "chain_hash"),
        ("credit_lots", "chain_seq"),
    ):
        op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    _create_triggers(["ledger_entries"])
