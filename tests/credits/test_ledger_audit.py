"""The ledger is append-only and chained; the audit (and ``neutralpoint credits audit``)
fails on any edit of the books."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import TextClause, Uuid, bindparam, select, text
from sqlalchemy.exc import DBAPIError

from neutralpoint.cli import main
from neutralpoint.credits import services
from neutralpoint.credits.ledger import GENESIS_HASH, canonical_fields, entry_hash
from neutralpoint.credits.models import LedgerEntry, LedgerKind
from neutralpoint.database.engine import Database
from neutralpoint.settings import get_settings

TRIGGERS = ("update", "delete")
APPEND_ONLY = ("ledger_entries", "ledger_anchors")


def by_lot(statement: str) -> TextClause:
    """Raw SQL whose ``:id`` is a UUID on every backend."""
    clause = text(statement)
    return clause.bindparams(bindparam("id", type_=Uuid)) if ":id" in statement else clause


async def tamper(owner_url: str, statement: str, params: dict[str, Any]) -> None:
    """Edit the books behind the application's back, as only the database owner can."""
    db = Database(owner_url)
    try:
        async with db.engine.begin() as conn:
            sqlite = db.engine.dialect.name == "sqlite"
            for table in APPEND_ONLY if sqlite else ():
                for action in TRIGGERS:
                    await conn.execute(text(f"DROP TRIGGER {table}_no_{action}"))
            await conn.execute(by_lot(statement), params)
            for table in APPEND_ONLY if sqlite else ():
                for action in TRIGGERS:
                    await conn.execute(
                        text(
                            f"CREATE TRIGGER {table}_no_{action} BEFORE {action.upper()} ON {table} "
                            f"BEGIN SELECT RAISE(ABORT, '{table.replace('_', ' ')} are append-only'); END"
                        )
                    )
    finally:
        await db.dispose()


async def last_assign(db: Database, lot_id: uuid.UUID) -> LedgerEntry:
    async with db.platform_session() as session:
        return (
            await session.execute(
                select(LedgerEntry)
                .where(LedgerEntry.chain_id == lot_id, LedgerEntry.kind == LedgerKind.ASSIGN)
                .order_by(LedgerEntry.seq.desc())
                .limit(1)
            )
        ).scalar_one()


def test_hash_is_over_canonical_content_and_previous_hash() -> None:
    from datetime import UTC, datetime

    fields = canonical_fields(
        chain_id=uuid.UUID(int=1),
        seq=1,
        kind="acquire",
        lot_id=uuid.UUID(int=1),
        allocation_id=None,
        sale_id=None,
        venue_id=None,
        order_ref=None,
        grams=5_000_000,
        amount_minor=15_000,
        currency="CNY",
        actor="admin",
        reason="lot acquired",
        details={"b": 1, "a": "二"},
        created_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    )
    digest = entry_hash(fields, GENESIS_HASH)
    assert len(digest) == 64
    assert entry_hash(dict(reversed(list(fields.items()))), GENESIS_HASH) == digest
    assert entry_hash({**fields, "grams": 5_000_001}, GENESIS_HASH) != digest
    assert entry_hash(fields, "1" * 64) != digest
    assert entry_hash({**fields, "chain": str(uuid.UUID(int=2))}, GENESIS_HASH) != digest


async def test_every_movement_is_in_the_ledger_with_actor_and_reason(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, 1_000_000, venues=[venue])
    sale = await factory.buy(venue, offer.id, 250_000)
    async with db.platform_session() as session:
        entries = (
            (await session.execute(select(LedgerEntry).where(LedgerEntry.lot_id == lot.id).order_by(LedgerEntry.seq)))
            .scalars()
            .all()
        )
        sells = (await session.execute(select(LedgerEntry).where(LedgerEntry.order_ref == sale.order_ref))).scalars()
        kinds = sorted(e.kind.value for e in sells)
    assert [(e.kind.value, e.grams) for e in entries] == [
        ("acquire", 1_000_000),
        ("allocate", 1_000_000),
        ("reserve", 250_000),
        ("assign", 250_000),
    ]
    assert all(e.actor and e.reason and e.created_at.tzinfo for e in entries)
    assert kinds == ["assign", "reserve", "sell"]
    assert entries[3].details == {"serial": lot.serial_first, "tonne": 0, "from": 0, "to": 250_000}


async def test_the_application_cannot_edit_or_delete_entries(db: Database, factory: Any) -> None:
    await factory.lot(await factory.project(), 1)
    async with db.platform_session() as session:
        await services.anchor_heads(session, actor="test")
    for statement in (
        "UPDATE ledger_entries SET grams = grams + 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_anchors SET actor = 'x'",
        "DELETE FROM ledger_anchors",
    ):
        with pytest.raises(DBAPIError) as caught:
            async with db.platform_session() as session:
                await session.execute(text(statement))
        assert "append-only" in str(caught.value) or "permission denied" in str(caught.value)


async def test_audit_fails_on_an_edited_entry_and_passes_once_restored(
    db: Database, factory: Any, database_urls: dict[str, str]
) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    other = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, 1_000_000, venues=[venue])
    await factory.allocation(other, 1_000_000, venues=[venue])
    await factory.buy(venue, offer.id, 300_000)
    entry = await last_assign(db, lot.id)
    await tamper(database_urls["owner"], "UPDATE ledger_entries SET grams = grams + 1 WHERE id = :id", {"id": entry.id})
    try:
        async with db.platform_session() as session:
            report = await services.audit(session)
        assert not report.ok
        edited = f"lot {lot.serial_first} entry {entry.seq}: its content no longer matches its hash (edited)"
        assert edited in report.problems
        assert any("sold is 300000 g but the ledger says 300001 g" in p for p in report.problems)
        assert not any(other.serial_first in p for p in report.problems)  # the other lot's chain is intact
    finally:
        await tamper(
            database_urls["owner"], "UPDATE ledger_entries SET grams = grams - 1 WHERE id = :id", {"id": entry.id}
        )
    async with db.platform_session() as session:
        assert (await services.audit(session)).ok


async def test_a_sale_knows_its_place_in_its_lots_chain(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, 1_000_000, venues=[venue])
    sale = await factory.buy(venue, offer.id, 200_000)
    async with db.platform_session() as session:
        sell = (
            await session.execute(
                select(LedgerEntry).where(LedgerEntry.sale_id == sale.id, LedgerEntry.kind == LedgerKind.SELL)
            )
        ).scalar_one()
        assign = (
            await session.execute(
                select(LedgerEntry).where(LedgerEntry.sale_id == sale.id, LedgerEntry.kind == LedgerKind.ASSIGN)
            )
        ).scalar_one()
        again = await services.get_sale(session, sale.order_ref)
    assert (sale.chain_lot_id, sale.chain_seq, sale.chain_hash) == (lot.id, sell.seq, sell.hash)
    assert again is not None
    assert (again.chain_seq, again.chain_hash) == (sell.seq, sell.hash)
    # acquire, allocate, reserve, assign, then the sale, whose hash covers its pieces' entries.
    assert (assign.seq, sell.seq) == (4, 5)
    assert sell.prev_hash == assign.hash
    assert sell.details["assigned"] == [f"{lot.id}:{assign.seq}:{assign.hash}"]


async def test_audit_notices_counters_moved_outside_the_services(
    db: Database, factory: Any, database_urls: dict[str, str]
) -> None:
    lot = await factory.lot(await factory.project(), 2)
    await tamper(database_urls["owner"], "UPDATE credit_lots SET sold_grams = 5 WHERE id = :id", {"id": lot.id})
    try:
        async with db.platform_session() as session:
            report = await services.audit(session)
        assert any(f"lot {lot.serial_first}: sold is 5 g but the ledger says 0 g" in p for p in report.problems)
        assert any("assigned pieces add up to 0 g" in p for p in report.problems)
    finally:
        await tamper(database_urls["owner"], "UPDATE credit_lots SET sold_grams = 0 WHERE id = :id", {"id": lot.id})


async def test_audit_notices_entries_removed_from_the_end(
    db: Database, factory: Any, database_urls: dict[str, str]
) -> None:
    lot = await factory.lot(await factory.project(), 1)
    await factory.allocation(lot, 500_000, venues=[await factory.venue()])
    async with db.platform_session() as session:
        last = (
            await session.execute(
                select(LedgerEntry).where(LedgerEntry.chain_id == lot.id).order_by(LedgerEntry.seq.desc()).limit(1)
            )
        ).scalar_one()
        row = {c.name: getattr(last, c.key) for c in LedgerEntry.__table__.columns}
    await tamper(database_urls["owner"], "DELETE FROM ledger_entries WHERE id = :id", {"id": last.id})
    try:
        async with db.platform_session() as session:
            report = await services.audit(session)
        assert (
            f"lot {lot.serial_first}: its head says entry 2 but the chain ends at entry 1 (entries removed or added)"
            in report.problems
        )
    finally:
        owner = Database(database_urls["owner"])
        try:
            async with owner.engine.begin() as conn:
                await conn.execute(LedgerEntry.__table__.insert().values(**row))
        finally:
            await owner.dispose()
    async with db.platform_session() as session:
        assert (await services.audit(session)).ok


async def rewrite_last_entry(owner_url: str, lot_id: uuid.UUID, reason: str) -> None:
    """Rewrite a lot's newest entry and re-hash it and the lot's head: a chain that is
    consistent in itself, as only someone with the database owner's rights could make."""
    db = Database(owner_url)
    try:
        async with db.platform_session() as session:
            entry = (
                await session.execute(
                    select(LedgerEntry).where(LedgerEntry.chain_id == lot_id).order_by(LedgerEntry.seq.desc()).limit(1)
                )
            ).scalar_one()
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
                reason=reason,
                details=entry.details,
                created_at=entry.created_at,
            )
            digest = entry_hash(fields, entry.prev_hash)
            entry_id = entry.id
        await tamper(
            owner_url,
            "UPDATE ledger_entries SET reason = :reason, hash = :hash WHERE id = :id",
            {"reason": reason, "hash": digest, "id": entry_id},
        )
        await tamper(
            owner_url, "UPDATE credit_lots SET chain_hash = :hash WHERE id = :id", {"hash": digest, "id": lot_id}
        )
    finally:
        await db.dispose()


async def test_anchors_catch_a_chain_rewritten_after_them(
    db: Database, factory: Any, database_urls: dict[str, str]
) -> None:
    lot = await factory.lot(await factory.project(), 1)
    async with db.platform_session() as session:
        anchor = await services.anchor_heads(session, actor="test")
        assert anchor is not None
        assert anchor.heads[str(lot.id)][0] == 1
        # Nothing moved since: no new anchor.
        assert await services.anchor_heads(session, actor="test") is None
    await rewrite_last_entry(database_urls["owner"], lot.id, "rewritten")
    try:
        async with db.platform_session() as session:
            report = await services.audit(session)
        assert report.problems == [
            f"lot {lot.serial_first} entry 1: differs from the head anchored by anchor {anchor.seq} (history rewritten)"
        ]
    finally:
        await rewrite_last_entry(database_urls["owner"], lot.id, "lot acquired")
    async with db.platform_session() as session:
        assert (await services.audit(session)).ok
    await tamper(
        database_urls["owner"],
        "UPDATE ledger_anchors SET actor = 'someone else' WHERE seq = :seq",
        {"seq": anchor.seq},
    )
    try:
        async with db.platform_session() as session:
            report = await services.audit(session)
        assert f"anchor {anchor.seq}: its content no longer matches its hash (edited)" in report.problems
    finally:
        await tamper(
            database_urls["owner"], "UPDATE ledger_anchors SET actor = 'test' WHERE seq = :seq", {"seq": anchor.seq}
        )


@pytest.fixture
def cli_env(database_urls: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    env = {
        "NEUTRALPOINT_ENV": "test",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_urls["app"],
        "DATABASE_MIGRATION_URL": database_urls["owner"],
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "LOG_LEVEL": "WARNING",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def test_cli_audit_exit_codes(cli_env: dict[str, str], database_urls: dict[str, str], unique: str) -> None:
    async def make_lot() -> tuple[uuid.UUID, str]:
        db = Database(database_urls["app"])
        try:
            async with db.platform_session() as session:
                owner = await services.create_project_owner(session, name="CLI owner", payout_currency="CNY")
                project = await services.create_project(
                    session,
                    owner_id=owner.id,
                    slug=f"cli-{unique}",
                    name={"en": "CLI project"},
                    registry_code="CCER",
                    registry_project_id=f"cli-{unique}",
                    project_type="methane",
                    country="CN",
                )
                lot = await services.create_lot(
                    session,
                    project_id=project.id,
                    vintage_year=2020,
                    serial_first=f"CLI-{unique}-0001",
                    serial_last=f"CLI-{unique}-0003",
                    quantity_tonnes=3,
                    unit_cost_minor=100,
                    cost_currency="CNY",
                    acquired_on=date(2024, 1, 1),
                    actor="cli-test",
                )
                return lot.id, lot.serial_first
        finally:
            await db.dispose()

    lot_id, serial_first = asyncio.run(make_lot())
    runner = CliRunner()
    passed = runner.invoke(main, ["credits", "audit"])
    assert passed.exit_code == 0, passed.output
    assert passed.output.startswith("audit passed: ")
    assert " entries, " in passed.output
    sql = "UPDATE ledger_entries SET reason = :reason WHERE chain_id = :id AND seq = 1"
    asyncio.run(tamper(database_urls["owner"], sql, {"reason": "edited", "id": lot_id}))
    try:
        failed = runner.invoke(main, ["credits", "audit"])
        assert failed.exit_code == 1
        assert "audit FAILED" in failed.output
        assert f"lot {serial_first} entry 1: its content no longer matches its hash (edited)" in failed.output
    finally:
        asyncio.run(tamper(database_urls["owner"], sql, {"reason": "lot acquired", "id": lot_id}))
    assert runner.invoke(main, ["credits", "audit"]).exit_code == 0
    anchored = runner.invoke(main, ["credits", "anchor"])
    assert anchored.exit_code == 0, anchored.output
    assert anchored.output.startswith("anchor ")
    assert runner.invoke(main, ["credits", "anchor"]).output.startswith("nothing to anchor")


async def test_lot_counters_cannot_go_negative_even_by_hand(db: Database, factory: Any) -> None:
    lot = await factory.lot(await factory.project(), 1)
    for column in ("reserved_grams", "sold_grams"):
        with pytest.raises(DBAPIError, match=r"(?i)check"):
            async with db.platform_session() as session:
                await session.execute(by_lot(f"UPDATE credit_lots SET {column} = -1 WHERE id = :id"), {"id": lot.id})
    with pytest.raises(DBAPIError, match=r"(?i)check"):
        async with db.platform_session() as session:
            await session.execute(by_lot("UPDATE credit_lots SET sold_grams = 2000000 WHERE id = :id"), {"id": lot.id})
