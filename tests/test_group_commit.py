"""Group commit: rows arriving together share a transaction, each is acknowledged only once
committed, a bad row fails alone, and row-level security checks every row (PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from neutralpoint.database import Database
from neutralpoint.database.writer import DirectWriter
from neutralpoint.fastpath.group_commit import MAX_PARAMETERS, GroupCommit, ScopedInsert, connect
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.models import EntryPoint, Tenant

ENTRY_POINTS = EntryPoint.__table__
ESTIMATES = Estimate.__table__


@pytest.fixture(params=[True, False], ids=["own-writer", "sqlalchemy-core"])
def make_writer(request: pytest.FixtureRequest, db: Database) -> Callable[..., GroupCommit]:
    """Group commits that write their batches with the ``writer`` piece (PostgreSQL) and without it."""
    if request.param and not db.is_postgres:
        pytest.skip("the writer's own statement is PostgreSQL's; SQLite is written through SQLAlchemy Core")

    def make(**options: Any) -> GroupCommit:
        return GroupCommit(db.engine, own_writer=request.param, **options)

    return make


@pytest.fixture
async def two_venues(db: Database, unique: str) -> dict[str, uuid.UUID]:
    ids = {}
    async with db.platform_session() as session:
        for name in ("a", "b"):
            tenant = Tenant(
                slug=f"gc-{name}-{unique}",
                name=f"Group commit {name}",
                display_name=f"Group commit {name}",
                contact_email=f"gc-{name}-{unique}@example.org",
            )
            session.add(tenant)
            await session.flush()
            ids[name] = tenant.id
    return ids


def _entry_point_row(tenant_id: uuid.UUID, code: str) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "tenant_id": tenant_id, "code": code, "name_en": f"Hall {code}", "scenario": "meetings"}


async def _codes_of(db: Database, tenant_id: uuid.UUID) -> dict[str, uuid.UUID]:
    async with db.platform_session() as session:
        rows = await session.execute(
            select(EntryPoint.code, EntryPoint.tenant_id).where(EntryPoint.tenant_id == tenant_id)
        )
        return {row.code: row.tenant_id for row in rows}


async def test_rows_arriving_together_share_transactions_and_are_committed_on_return(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    writer = make_writer()
    rows = [(two_venues["a" if i % 2 else "b"], f"G{i:03d}") for i in range(60)]

    async def write(tenant_id: uuid.UUID, code: str) -> str:
        await writer.insert(ENTRY_POINTS, tenant_id, _entry_point_row(tenant_id, code))
        # Acknowledged means committed: another connection sees the row at once.
        async with db.platform_session() as session:
            found = await session.scalar(
                select(func.count())
                .select_from(EntryPoint)
                .where(EntryPoint.code == code, EntryPoint.tenant_id == tenant_id)
            )
        assert found == 1
        return code

    written = await asyncio.gather(*(write(t, c) for t, c in rows))

    assert sorted(written) == sorted(c for _, c in rows)
    assert 1 <= writer.transactions < len(rows) / 4, writer.transactions
    a, b = await _codes_of(db, two_venues["a"]), await _codes_of(db, two_venues["b"])
    assert sorted(a) == sorted(c for t, c in rows if t == two_venues["a"])
    assert sorted(b) == sorted(c for t, c in rows if t == two_venues["b"])


async def test_a_lone_row_is_written_at_once(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    writer = make_writer()
    await writer.insert(ENTRY_POINTS, two_venues["a"], _entry_point_row(two_venues["a"], "LONE1"))
    assert writer.transactions == 1
    assert "LONE1" in await _codes_of(db, two_venues["a"])


async def test_a_row_handed_over_as_the_writer_finishes_is_written(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    """The next row arrives in the step after its writer acknowledged the last one (before
    the writer's done-callbacks have run): it must get a writer, not wait forever."""
    writer = make_writer(max_in_flight=1)
    a = two_venues["a"]

    async def one_after_another() -> None:
        for i in range(5):
            await writer.insert(ENTRY_POINTS, a, _entry_point_row(a, f"SEQ{i}"))

    await asyncio.wait_for(one_after_another(), timeout=10)
    assert {f"SEQ{i}" for i in range(5)} <= set(await _codes_of(db, a))
    assert writer.transactions == 5


async def test_column_defaults_and_types_are_applied(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    """Rows leave out what has a default (presets, active, created_at): it is filled in as the ORM would."""
    writer = make_writer()
    a = two_venues["a"]
    await writer.insert(ENTRY_POINTS, a, {**_entry_point_row(a, "DEF1"), "presets": {"country": "中国", "nights": 2}})
    await writer.insert(ENTRY_POINTS, a, _entry_point_row(a, "DEF2"))
    async with db.platform_session() as session:
        entry_points = {
            entry_point.code: entry_point
            for entry_point in await session.scalars(select(EntryPoint).where(EntryPoint.tenant_id == a))
        }
    assert entry_points["DEF1"].presets == {"country": "中国", "nights": 2}
    assert entry_points["DEF2"].presets == {}
    assert entry_points["DEF2"].active is True
    assert entry_points["DEF2"].created_at.tzinfo is not None


async def test_a_bad_row_fails_alone(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    writer = make_writer()
    a = two_venues["a"]
    good = [writer.insert(ENTRY_POINTS, a, _entry_point_row(a, f"OK{i}")) for i in range(8)]
    # Same venue and code twice: the unique constraint refuses the second one.
    clash = [
        writer.insert(ENTRY_POINTS, a, _entry_point_row(a, "SAME")),
        writer.insert(ENTRY_POINTS, a, _entry_point_row(a, "SAME")),
    ]

    results = await asyncio.gather(*good, *clash, return_exceptions=True)

    assert results[:8] == [None] * 8
    failures = [r for r in results[8:] if isinstance(r, Exception)]
    assert len(failures) == 1
    assert isinstance(failures[0], IntegrityError)
    entry_points = await _codes_of(db, a)
    assert sorted(entry_points) == sorted([*(f"OK{i}" for i in range(8)), "SAME"])


async def test_a_bad_row_of_one_venue_leaves_the_other_venues_rows_written_once(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    """Each venue's rows are their own transaction: B's failure retries B's rows, never A's."""
    writer = make_writer()
    a, b = two_venues["a"], two_venues["b"]
    inserts = [writer.insert(ENTRY_POINTS, a, _entry_point_row(a, f"A{i}")) for i in range(4)]
    inserts += [
        writer.insert(ENTRY_POINTS, b, _entry_point_row(b, "TWICE")),
        writer.insert(ENTRY_POINTS, b, _entry_point_row(b, "TWICE")),
    ]
    inserts += [writer.insert(ENTRY_POINTS, b, _entry_point_row(b, "B0"))]

    results = await asyncio.gather(*inserts, return_exceptions=True)

    assert [r is None for r in results] == [True] * 4 + [True, False, True]
    assert sorted(await _codes_of(db, a)) == ["A0", "A1", "A2", "A3"]
    assert sorted(await _codes_of(db, b)) == ["B0", "TWICE"]


@pytest.mark.pg
async def test_every_row_is_written_under_its_venues_scope(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    """Handed over as venue A, a row of venue B is refused by row-level security."""
    writer = make_writer()
    with pytest.raises(DBAPIError, match="row-level security"):
        await writer.insert(ENTRY_POINTS, two_venues["a"], _entry_point_row(two_venues["b"], "SNEAK"))
    assert "SNEAK" not in await _codes_of(db, two_venues["b"])


@pytest.mark.pg
async def test_the_scope_ends_with_the_rows_statement(db: Database, two_venues: dict[str, uuid.UUID]) -> None:
    """The scope is entered inside the INSERT's own statement (app.enter_scope): the
    connection that ran it, a writer's own, keeps none of it."""
    a = two_venues["a"]
    row = _entry_point_row(a, "SCOPED")
    connection = await connect(db.engine)
    try:
        await ScopedInsert(ENTRY_POINTS, tuple(row), db.engine.dialect).execute(connection, a, [row])
        assert await connection.fetchval("select current_setting('app.scope', true)") in (None, "")
    finally:
        await connection.close()
    assert "SCOPED" in await _codes_of(db, a)


@pytest.mark.pg
async def test_a_writer_keeps_its_connection_until_it_is_closed(db: Database, two_venues: dict[str, uuid.UUID]) -> None:
    writer = GroupCommit(db.engine)
    a = two_venues["a"]
    try:
        for i in range(3):
            await writer.insert(ENTRY_POINTS, a, _entry_point_row(a, f"KEPT{i}"))
        assert writer.open_connections == 1  # one writer at a time, one connection, used again
    finally:
        await writer.close()
    assert writer.open_connections == 0


async def test_drain_waits_for_rows_handed_over(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    writer = make_writer()
    a = two_venues["a"]
    tasks = [asyncio.create_task(writer.insert(ENTRY_POINTS, a, _entry_point_row(a, f"DR{i}"))) for i in range(5)]
    await asyncio.sleep(0)
    await writer.drain()
    assert all(t.done() for t in tasks)
    assert {f"DR{i}" for i in range(5)} <= set(await _codes_of(db, a))


async def test_rows_of_a_writer_stopped_with_the_process_are_told_so(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    """A writer cancelled mid-transaction (the server stopping) fails its rows instead of leaving them waiting."""
    writer = make_writer(max_in_flight=1)
    a = two_venues["a"]
    before = asyncio.all_tasks()
    inserts = [asyncio.create_task(writer.insert(ENTRY_POINTS, a, _entry_point_row(a, f"ST{i}"))) for i in range(3)]
    await asyncio.sleep(0)
    # What a stopping process does to every task: here, to those the writer started.
    started = asyncio.all_tasks() - before - set(inserts)
    assert started
    for task in started:
        task.cancel()
    results = await asyncio.wait_for(asyncio.gather(*inserts, return_exceptions=True), timeout=10)
    assert all(isinstance(r, ConnectionError) for r in results), results


async def test_without_the_fast_path_each_row_is_its_own_transaction_under_its_venues_scope(
    db: Database, two_venues: dict[str, uuid.UUID]
) -> None:
    writer = DirectWriter(db.engine)
    a, b = two_venues["a"], two_venues["b"]
    await asyncio.gather(*(writer.insert(ENTRY_POINTS, a, _entry_point_row(a, f"DW{i}")) for i in range(3)))
    assert writer.transactions == 3
    assert {f"DW{i}" for i in range(3)} <= set(await _codes_of(db, a))
    if db.is_postgres:
        with pytest.raises(DBAPIError, match="row-level security"):
            await writer.insert(ENTRY_POINTS, a, _entry_point_row(b, "DWSNEAK"))
        assert "DWSNEAK" not in await _codes_of(db, b)


def test_a_batch_beyond_postgresqls_parameter_limit_is_refused_before_it_is_sent() -> None:
    """PostgreSQL numbers parameters with 16 bits: such a batch is refused whole (then written row by row)."""
    from sqlalchemy.dialects import postgresql

    given = tuple(_entry_point_row(uuid.uuid4(), "X"))
    statement = ScopedInsert(ENTRY_POINTS, given, postgresql.dialect())
    width = len(statement.names)
    assert statement.sql(1).count("$") == 2 + width
    assert statement.sql((MAX_PARAMETERS - 2) // width)
    with pytest.raises(ValueError, match="parameters"):
        statement.sql((MAX_PARAMETERS - 2) // width + 1)


def _estimate(
    tenant_id: uuid.UUID, entry_point_id: uuid.UUID | None, number: int, context: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "entry_point_id": entry_point_id,
        "visitor_id": uuid.uuid4(),
        "scenario": "meetings",
        "kind": "visitor",
        "scenario_name": {"en": "Meetings", "zh-Hans": "会议"},
        "factor_set_version": "2025.1",
        "factor_fingerprint": "f" * 64,
        "inputs": {"days": number, "origin": {"city_id": number, "name": f"City {number}"}},
        "breakdown": [{"key": "travel", "grams": 1000 + number, "label": {"en": "Travel", "zh-Hans": "交通"}}],
        "total_grams": 1000 + number,
        "language": "zh-Hans" if number % 2 else "en",
        "context": context,
        "created_at": datetime.now(UTC),
    }


def test_what_every_row_of_a_batch_shares_is_sent_once() -> None:
    """A batch at one entry point sends its venue, entry point, scenario and factor set once; the visitor's
    own values (ids, answers, breakdown, language, time) go row by row."""
    from sqlalchemy.dialects import postgresql

    venue, entry_point_id = uuid.uuid4(), uuid.uuid4()
    rows = [_estimate(venue, entry_point_id, n, {"presets": {}}) for n in range(3)]
    statement = ScopedInsert(ESTIMATES, tuple(rows[0]), postgresql.dialect())

    sql, values = statement.bind(rows)
    per_row = ["id", "visitor_id", "inputs", "breakdown", "total_grams", "language", "created_at"]
    assert len(values) == 8 + 3 * len(per_row)
    assert values.count(entry_point_id) == 1
    assert values.count(venue) == 1
    assert sql.count("$") == 2 + len(values)

    # Equal in Python but not as JSON: sent row by row, each as it is.
    alike = [
        _estimate(venue, entry_point_id, 0, {"presets": {"return": 1}}),
        _estimate(venue, entry_point_id, 1, {"presets": {"return": True}}),
    ]
    sql, values = statement.bind(alike)
    assert b'{"presets":{"return":1}}' in values
    assert b'{"presets":{"return":true}}' in values

    # One row from elsewhere: what differs goes row by row, the rest is still sent once.
    rows.append(_estimate(venue, uuid.uuid4(), 3, {"presets": {"nights": 2}}))
    sql, values = statement.bind(rows)
    assert len(values) == 6 + 4 * (len(per_row) + 2)
    assert sql.count("$") == 2 + len(values)
    assert values.count(venue) == 1


async def test_a_batch_with_shared_and_differing_values_reads_back_row_for_row(
    db: Database, make_writer: Callable[..., GroupCommit], two_venues: dict[str, uuid.UUID]
) -> None:
    """However a batch's values were sent (once or per row), every row reads back as given."""
    a = two_venues["a"]
    writer = make_writer()
    entry_point_ids = [uuid.uuid4(), uuid.uuid4()]
    for number, entry_point_id in enumerate(entry_point_ids):
        await writer.insert(ENTRY_POINTS, a, {**_entry_point_row(a, f"SH{number}"), "id": entry_point_id})
    shared_context = {"venue_location": [30.57, 104.06], "presets": {}}
    same_entry_point = [_estimate(a, entry_point_ids[0], n, shared_context) for n in range(8)]
    mixed = [
        _estimate(a, entry_point_ids[n % 2], n, {"venue_location": None, "presets": {"nights": n}})
        for n in range(8, 12)
    ]
    mixed.append({**_estimate(a, None, 12, shared_context), "context": None})
    rows = same_entry_point + mixed

    await asyncio.gather(*(writer.insert(ESTIMATES, a, row) for row in same_entry_point))
    await asyncio.gather(*(writer.insert(ESTIMATES, a, row) for row in mixed))
    assert writer.transactions < len(rows)

    async with db.platform_session() as session:
        stored = {e.id: e for e in await session.scalars(select(Estimate).where(Estimate.tenant_id == a))}
    assert len(stored) == len(rows)
    for row in rows:
        estimate = stored[row["id"]]
        for name, value in row.items():
            got = getattr(estimate, name)
            if name == "created_at":
                assert got.replace(tzinfo=UTC) == value, name
            else:
                assert got == value, name
