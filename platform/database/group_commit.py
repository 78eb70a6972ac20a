"""Group commit: rows that arrive while a transaction is being written share the next one.

A QR burst is hundreds of visitors storing an estimate within seconds. Written one
transaction each, every estimate pays its own ``BEGIN``, scope, ``INSERT`` and ``COMMIT``
(four round trips and a WAL flush) and the database, not the calculation, sets the pace.
Here a request hands its row over and waits until the transaction holding it has
committed, so nothing is acknowledged before it is durable; rows that arrive meanwhile
are written together in the next transaction, one multi-row ``INSERT`` per venue. At low
load a row is written at once, alone, so nobody waits for a batch to fill.

Each venue's rows are written under that venue's scope (``set_config`` on PostgreSQL),
so row-level security checks every row as it would for a request's own session. When a
shared transaction fails, its rows are retried one transaction each, so one bad row
(say, its entry point deleted a moment ago) fails only its own request.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, ColumnDefault, Table, TypeDecorator, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from neutralpoint.database.json import json_text
from neutralpoint.database.tenancy import SCOPE_SQL, SCOPE_SQL_POSITIONAL, scope_parameters

log = logging.getLogger("neutralpoint.database")

MAX_ROWS_PER_TRANSACTION = 500
#: Transactions written at the same time. While one waits for its commit (round trips, the
#: WAL flush), the next batch is already on its way; more would shrink batches for little.
MAX_IN_FLIGHT = 2


@dataclass
class _Pending:
    table: Table
    tenant_id: uuid.UUID
    row: dict[str, Any]
    done: asyncio.Future[None] = field(repr=False)


class GroupCommit:
    """One per engine and process; ``insert`` returns once the row is committed."""

    def __init__(
        self, engine: AsyncEngine, max_rows: int = MAX_ROWS_PER_TRANSACTION, max_in_flight: int = MAX_IN_FLIGHT
    ) -> None:
        self.engine = engine
        self.max_rows = max_rows
        self.max_in_flight = max_in_flight
        self._queue: list[_Pending] = []
        self._writers: set[asyncio.Task[None]] = set()
        self.transactions = 0  # committed transactions, for tests and figures

    async def insert(self, table: Table, tenant_id: uuid.UUID, row: dict[str, Any]) -> None:
        """Write ``row`` into ``table`` as venue ``tenant_id``; raises what its own INSERT raised.

        A visitor who leaves cancels only their own wait: the row stays in its batch and
        the others' rows are not touched (``_settle`` skips a cancelled wait).
        """
        pending = _Pending(table, tenant_id, row, asyncio.get_running_loop().create_future())
        self._queue.append(pending)
        if len(self._writers) < self.max_in_flight:
            writer = asyncio.create_task(self._write_queued())
            self._writers.add(writer)
            writer.add_done_callback(self._writer_done)
        await pending.done

    async def drain(self) -> None:
        """Wait for everything handed over so far (before the engine is disposed)."""
        while self._writers:
            await asyncio.wait(set(self._writers))

    async def _write_queued(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_rows], self._queue[self.max_rows :]
                await self._write_batch(batch)
        except asyncio.CancelledError:
            _settle(batch, _stopped())
            raise

    def _writer_done(self, writer: asyncio.Task[None]) -> None:
        self._writers.discard(writer)
        if writer.cancelled() and not self._writers:
            # The process is stopping: whoever waits is told, nobody waits forever.
            left, self._queue = self._queue, []
            _settle(left, _stopped())

    async def _write_batch(self, batch: list[_Pending]) -> None:
        try:
            await self._write(batch)
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch, exc)
                return
            log.warning("a shared transaction of %d rows failed (%s); writing them one by one", len(batch), exc)
            for pending in batch:
                try:
                    await self._write([pending])
                except Exception as single:
                    _settle([pending], single)
                else:
                    _settle([pending])
        else:
            _settle(batch)

    async def _write(self, batch: Sequence[_Pending]) -> None:
        groups: dict[tuple[uuid.UUID, Table], list[dict[str, Any]]] = {}
        for pending in batch:
            groups.setdefault((pending.tenant_id, pending.table), []).append(pending.row)
        if self.engine.dialect.name == "postgresql" and self.engine.dialect.driver == "asyncpg":
            await _write_with_asyncpg(self.engine, groups)
        else:
            async with self.engine.begin() as conn:
                for (tenant_id, table), rows in groups.items():
                    await _scope(conn, tenant_id)
                    await conn.execute(insert(table), rows)
        self.transactions += 1


async def _write_with_asyncpg(engine: AsyncEngine, groups: dict[tuple[uuid.UUID, Table], list[dict[str, Any]]]) -> None:
    """The whole transaction on the pooled connection's asyncpg driver.

    Through SQLAlchemy a batch costs more Python than the rows it carries (``BEGIN``, the
    scope and ``COMMIT`` each pass through the greenlet bridge); here it is four
    statements, each bound in C. A failed statement rolls the transaction back; a
    connection that broke is dropped from the pool, as SQLAlchemy would drop it.
    """
    import asyncpg

    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        if driver is None:
            raise RuntimeError("the asyncpg connection is gone")
        try:
            async with driver.transaction():
                for (tenant_id, table), rows in groups.items():
                    scope = scope_parameters(tenant_id)
                    await driver.execute(SCOPE_SQL_POSITIONAL, scope["tenant"], scope["disabled"])
                    statement = _unnest_insert(table, tuple(rows[0]), conn.dialect)
                    await driver.execute(statement.sql, *statement.arrays(rows))
        except asyncpg.PostgresError as exc:
            # SQLSTATE class 23 is "integrity constraint violation" (unique, foreign key, not null...).
            error = IntegrityError if str(exc.sqlstate).startswith("23") else DBAPIError
            raise error(str(exc), None, exc) from exc
        except BaseException:
            await conn.invalidate()
            raise


@dataclass(frozen=True)
class _UnnestInsert:
    """``INSERT ... SELECT * FROM unnest($1::type[], ...)``: every row in one statement.

    One array per column, so PostgreSQL plans and runs one INSERT for the whole batch
    instead of one per row. What SQLAlchemy would add is done here: Python-side column
    defaults, type decorators' bind processing and JSON encoding.
    """

    sql: str
    given: tuple[str, ...]
    defaults: tuple[ColumnDefault, ...]
    converters: tuple[Any, ...]

    def arrays(self, rows: list[dict[str, Any]]) -> list[list[Any]]:
        columns: list[list[Any]] = [[row[name] for row in rows] for name in self.given]
        for default in self.defaults:
            columns.append([default.arg if default.is_scalar else default.arg(None) for _ in rows])
        return [
            values if convert is None else [None if v is None else convert(v) for v in values]
            for values, convert in zip(columns, self.converters, strict=True)
        ]


@functools.lru_cache(maxsize=64)
def _unnest_insert(table: Table, given: tuple[str, ...], dialect: Any) -> _UnnestInsert:
    defaults = {
        c.name: c.default
        for c in table.columns
        if c.name not in given and isinstance(c.default, ColumnDefault) and not c.default.is_sequence
    }
    names = [*given, *defaults]
    types = [table.c[name].type.compile(dialect=dialect) for name in names]
    sql = 'INSERT INTO "{}" ({}) SELECT * FROM unnest({})'.format(
        table.name,
        ", ".join(f'"{n}"' for n in names),
        ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, start=1)),
    )
    return _UnnestInsert(
        sql=sql,
        given=given,
        defaults=tuple(defaults.values()),
        converters=tuple(_converter(table.c[name].type, dialect) for name in names),
    )


def _converter(column_type: Any, dialect: Any) -> Any:
    if isinstance(column_type, JSON):
        return json_text
    if isinstance(column_type, TypeDecorator):
        return lambda value: column_type.process_bind_param(value, dialect)
    return None


async def _scope(conn: AsyncConnection, tenant_id: uuid.UUID) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(SCOPE_SQL, scope_parameters(tenant_id))


def _stopped() -> ConnectionError:
    return ConnectionError("the server stopped before the row was committed")


def _settle(batch: Sequence[_Pending], exc: BaseException | None = None) -> None:
    for pending in batch:
        if pending.done.done():
            continue
        if exc is None:
            pending.done.set_result(None)
        else:
            pending.done.set_exception(exc)
