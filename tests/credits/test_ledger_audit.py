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


def by_lot(statement: str) -> TextClause:
    """Raw SQL whose ``:id`` is a UUID on every backend."""
    clause = text(statement)
    return clause.bindparams(bindparam("id", type_=Uuid)) if ":id" in statement else clause


async def tamper(owner_url: str, statement: str, params: dict[str, Any]) -> None:
    """Edit the books behind the application's back, as only the database owner can."""
    db = Database(owner_url)
    try:
        async with db.engine.begin() as conn:
            if db.engine.dialect.name == "sqlite":
                for action in TRIGGERS:
                    await conn.execute(text(f"DROP TRIGGER ledger_entries_no_{action}"))
            await conn.execute(by_lot(statement), params)
            if db.engine.dialect.name == "sqlite":
                for action in TRIGGERS:
                    await conn.execute(
                        text(
                            f"CREATE TRIGGER ledger_entries_no_{action} BEFORE {action.upper()} ON ledger_entries "
                            "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END"
                        )
                    )
    finally:
        await db.dispose()


async def last_assign_seq(db: Database) -> int:
    async with db.platform_session() as session:
        seq = (
            await session.execute(
                select(LedgerEntry.seq)
                .where(LedgerEntry.kind == LedgerKind.ASSIGN)
                .order_by(LedgerEntry.seq.desc())
                .limit(1)
            )
        ).scalar_one()
        return int(seq)


def test_hash_is_over_canonical_content_and_previous_hash() -> None:
    from datetime import UTC, datetime

    fields = canonical_fields(
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
    for statement in ("UPDATE ledger_entries SET grams = grams + 1", "DELETE FROM ledger_entries"):
        with pytest.raises(DBAPIError) as caught:
            async with db.platform_session() as session:
                await session.execute(text(statement))
        assert "append-only" in str(caught.value) or "permission denied" in str(caught.value)


async def test_audit_fails_on_an_edited_entry_and_passes_once_restored(
    db: Database, factory: Any, database_urls: dict[str, str]
) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, 1_000_000, venues=[venue])
    await factory.buy(venue, offer.id, 300_000)
    seq = await last_assign_seq(db)
    await tamper(database_urls["owner"], "UPDATE ledger_entries SET grams = grams + 1 WHERE seq = :seq", {"seq": seq})
    try:
        async with db.platform_session() as session:
            report = await services.audit(session)
        assert not report.ok
        assert any(f"seq {seq}: its content no longer matches its hash" in p for p in report.problems)
        assert any("sold is 300000 g but the ledger says 300001 g" in p for p in report.problems)
    finally:
        await tamper(
            database_urls["owner"], "UPDATE ledger_entries SET grams = grams - 1 WHERE seq = :seq", {"seq": seq}
        )
    async with db.platform_session() as session:
        assert (await services.audit(session)).ok


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
    await factory.lot(await factory.project(), 1)
    async with db.platform_session() as session:
        last = (await session.execute(select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(1))).scalar_one()
        row = {c.name: getattr(last, c.key) for c in LedgerEntry.__table__.columns}
    await tamper(database_urls["owner"], "DELETE FROM ledger_entries WHERE seq = :seq", {"seq": last.seq})
    try:
        async with db.platform_session() as session:
            report = await services.audit(session)
        assert any("ledger head says seq" in p for p in report.problems)
    finally:
        owner = Database(database_urls["owner"])
        try:
            async with owner.engine.begin() as conn:
                await conn.execute(LedgerEntry.__table__.insert().values(**row))
        finally:
            await owner.dispose()
    async with db.platform_session() as session:
        assert (await services.audit(session)).ok


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
    async def make_lot() -> int:
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
                seq = await session.execute(select(LedgerEntry.seq).where(LedgerEntry.lot_id == lot.id))
                return int(seq.scalar_one())
        finally:
            await db.dispose()

    seq = asyncio.run(make_lot())
    runner = CliRunner()
    passed = runner.invoke(main, ["credits", "audit"])
    assert passed.exit_code == 0, passed.output
    assert passed.output.startswith("audit passed: ")
    assert " entries, " in passed.output
    sql = "UPDATE ledger_entries SET reason = :reason WHERE seq = :seq"
    asyncio.run(tamper(database_urls["owner"], sql, {"reason": "edited", "seq": seq}))
    try:
        failed = runner.invoke(main, ["credits", "audit"])
        assert failed.exit_code == 1
        assert "audit FAILED" in failed.output
        assert f"seq {seq}: its content no longer matches its hash" in failed.output
    finally:
        asyncio.run(tamper(database_urls["owner"], sql, {"reason": "lot acquired", "seq": seq}))
    assert runner.invoke(main, ["credits", "audit"]).exit_code == 0


async def test_lot_counters_cannot_go_negative_even_by_hand(db: Database, factory: Any) -> None:
    lot = await factory.lot(await factory.project(), 1)
    for column in ("reserved_grams", "sold_grams"):
        with pytest.raises(DBAPIError, match=r"(?i)check"):
            async with db.platform_session() as session:
                await session.execute(by_lot(f"UPDATE credit_lots SET {column} = -1 WHERE id = :id"), {"id": lot.id})
    with pytest.raises(DBAPIError, match=r"(?i)check"):
        async with db.platform_session() as session:
            await session.execute(by_lot("UPDATE credit_lots SET sold_grams = 2000000 WHERE id = :id"), {"id": lot.id})
