"""Group commit (the ``group-commit`` and ``writer`` pieces): rows that arrive while a
transaction is being written share the next one.

A QR burst is hundreds of visitors storing an estimate within seconds. Written one
transaction each, every estimate pays its own ``BEGIN``, scope, ``INSERT`` and ``COMMIT``
(four round trips and a WAL flush) and the database, not the calculation, sets the pace.
Here a request hands its row over and waits until the transaction holding it has
committed, so nothing is acknowledged before it is durable; rows that arrive meanwhile
are written together in the next transaction of their venue: one multi-row ``INSERT``
per venue and transaction. At low load a row is written at once, alone, so nobody waits
for a batch to fill.

Each venue's rows are written under that venue's signed scope (``app.enter_scope`` on PostgreSQL),
so row-level security checks every row as it would for a request's own session. When a
shared transaction fails, its rows are retried one transaction each, so one bad row
(say, its entry point deleted a moment ago) fails only its own request.

A batch goes through SQLAlchemy Core on a pooled connection, or, with the ``writer``
piece on PostgreSQL, as one statement of its own on the writer's own asyncpg connection
(``ScopedInsert``): one round trip instead of four.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import operator
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import JSON, ColumnDefault, Table, TypeDecorator, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from neutralpoint.database.json import json_value
from neutralpoint.database.tenancy import SCOPE_SQL_POSITIONAL, scope_key_of, scope_parameters
from neutralpoint.database.writer import scope_connection

log = logging.getLogger("neutralpoint.database")

MAX_ROWS_PER_TRANSACTION = 500
#: ``Table.info`` key: the columns whose value one batch may send once for all its rows.
SHARED_IN_BATCH = "shared_in_batch"
#: A statement's parameters are numbered with 16 bits in PostgreSQL's protocol.
MAX_PARAMETERS = 65535
#: Batch sizes whose INSERT a writer's connection keeps prepared (each size is a statement).
PREPARED_BATCH_SIZES = 64
#: Statement texts (one per batch size and shape) kept per table and column list.
STATEMENT_TEXTS_KEPT = 256
#: Statements (one per table and column list) a group commit keeps built.
STATEMENTS_KEPT = 64
#: Transactions written at the same time. One: rows arriving while it commits (a round
#: trip and the WAL flush) wait for the next, which then carries all of them. Measured in
#: the QR burst, two in flight made batches a third smaller and cost more CPU per estimate
#: on both sides, for no better latency.
MAX_IN_FLIGHT = 1


@dataclass
class _Pending:
    table: Table
    tenant_id: uuid.UUID
    row: dict[str, Any]
    done: asyncio.Future[None] = field(repr=False)


class GroupCommit:
    """One per engine and process; ``insert`` returns once the row is committed."""

    def __init__(
        self,
        engine: AsyncEngine,
        max_rows: int = MAX_ROWS_PER_TRANSACTION,
        max_in_flight: int = MAX_IN_FLIGHT,
        *,
        own_writer: bool = True,
    ) -> None:
        self.engine = engine
        #: One statement per batch on the writers' own asyncpg connections (PostgreSQL only).
        self.own_writer = own_writer and engine.dialect.name == "postgresql" and engine.dialect.driver == "asyncpg"
        self.max_rows = max_rows
        self.max_in_flight = max_in_flight
        self._queue: list[_Pending] = []
        self._writers: set[asyncio.Task[None]] = set()
        #: On PostgreSQL, the writers' own asyncpg connections (at most one per writer).
        self._connections: list[Any] = []
        #: Built statements per table and column list (the columns a burst's rows give are few).
        self._statements: dict[tuple[Table, tuple[str, ...]], ScopedInsert] = {}
        self.transactions = 0  # committed transactions, for tests and figures

    @property
    def open_connections(self) -> int:
        """How many connections of their own the writers keep open (PostgreSQL with ``writer``)."""
        return len(self._connections)

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

    async def close(self) -> None:
        """Write what was handed over, then close the writers' connections."""
        await self.drain()
        connections, self._connections = self._connections, []
        for connection in connections:
            await connection.close()

    async def _write_queued(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_rows], self._queue[self.max_rows :]
                await self._write_batch(batch)
        except asyncio.CancelledError:
            _settle(batch, _stopped())
            raise
        finally:
            # Leave the set in the same step that found the queue empty: a row handed over
            # next (before the done-callbacks run) must start a writer of its own.
            current = asyncio.current_task()
            if current is not None:
                self._writers.discard(current)

    def _writer_done(self, writer: asyncio.Task[None]) -> None:
        self._writers.discard(writer)
        if writer.cancelled() and not self._writers:
            # The process is stopping: whoever waits is told, nobody waits forever.
            left, self._queue = self._queue, []
            _settle(left, _stopped())

    async def _write_batch(self, batch: list[_Pending]) -> None:
        groups: dict[tuple[uuid.UUID, Table], list[_Pending]] = {}
        for pending in batch:
            groups.setdefault((pending.tenant_id, pending.table), []).append(pending)
        for (tenant_id, table), pendings in groups.items():
            await self._write_group(tenant_id, table, pendings)

    async def _write_group(self, tenant_id: uuid.UUID, table: Table, pendings: list[_Pending]) -> None:
        """One venue's rows in one transaction; if it fails, each row in its own."""
        try:
            await self._write(tenant_id, table, [pending.row for pending in pendings])
        except Exception as exc:
            if len(pendings) == 1:
                _settle(pendings, exc)
                return
            log.warning("a shared transaction of %d rows failed (%s); writing them one by one", len(pendings), exc)
            for pending in pendings:
                try:
                    await self._write(tenant_id, table, [pending.row])
                except Exception as single:
                    _settle([pending], single)
                else:
                    _settle([pending])
        else:
            _settle(pendings)

    async def _write(self, tenant_id: uuid.UUID, table: Table, rows: list[dict[str, Any]]) -> None:
        if self.own_writer:
            await self._insert_with_asyncpg(tenant_id, table, rows)
        else:
            async with self.engine.begin() as conn:
                await scope_connection(conn, tenant_id)
                await conn.execute(insert(table), rows)
        self.transactions += 1

    async def _insert_with_asyncpg(self, tenant_id: uuid.UUID, table: Table, rows: list[dict[str, Any]]) -> None:
        """One statement on a writer's own asyncpg connection: the scope, then every row.

        Through SQLAlchemy a batch cost more than the rows it carries: a pool checkout and
        return through the greenlet bridge, and ``BEGIN``, the scope, the ``INSERT`` and
        ``COMMIT`` as four round trips. Here the scope heads the ``INSERT`` as a
        materialized CTE that every inserted row is joined to, so it is set before the
        first row reaches row-level security, and the statement is its own transaction:
        one round trip, bound in C. The writers keep their connections (as many as may
        write at once, ``max_in_flight``); one that broke is closed and replaced.
        """
        import asyncpg

        statement = self._statement(table, tuple(rows[0]))
        connection = self._connections.pop() if self._connections else await connect(self.engine)
        try:
            await statement.execute(connection, tenant_id, rows)
        except asyncpg.PostgresError as exc:
            self._connections.append(connection)  # the server refused the statement; the connection is fine
            # SQLSTATE class 23 is "integrity constraint violation" (unique, foreign key, not null...).
            error = IntegrityError if str(exc.sqlstate).startswith("23") else DBAPIError
            raise error(f'INSERT INTO "{statement.table_name}"', None, exc) from exc
        except BaseException:
            connection.terminate()
            raise
        self._connections.append(connection)

    def _statement(self, table: Table, given: tuple[str, ...]) -> ScopedInsert:
        key = (table, given)
        statement = self._statements.get(key)
        if statement is None:
            if len(self._statements) >= STATEMENTS_KEPT:
                self._statements.clear()  # a burst writes few tables and column lists; start afresh
            statement = self._statements[key] = ScopedInsert(
                table, given, self.engine.dialect, scope_key_of(self.engine)
            )
        return statement


async def connect(engine: AsyncEngine) -> Any:
    """A writer's own asyncpg connection to ``engine``'s PostgreSQL, set up for ``ScopedInsert``."""
    import asyncpg

    url = engine.url.set(drivername="postgresql")
    connection = await asyncpg.connect(
        url.render_as_string(hide_password=False),
        # One prepared INSERT per batch size: the sizes of a burst stay prepared (the
        # least used are dropped), however long their text.
        statement_cache_size=PREPARED_BATCH_SIZES,
        max_cacheable_statement_size=0,
        # Nothing in these INSERTs depends on the values: plan each once, not per batch.
        server_settings={"plan_cache_mode": "force_generic_plan"},
    )
    # JSON values arrive here already encoded (``_converter``): sent as they are, not
    # decoded to text and encoded again. A ``json`` value's binary form is its text.
    await connection.set_type_codec("json", schema="pg_catalog", encoder=bytes, decoder=json_value, format="binary")
    return connection


class ScopedInsert:
    """``WITH scope (...) INSERT ... SELECT FROM (VALUES ...)``: a batch in one statement.

    Every value is its own typed parameter: the driver binds them in C and PostgreSQL
    reads them without parsing anything (arrays per column cost the driver a Python type
    check per element; one JSON document cost PostgreSQL 40 us a row to take apart). The
    statement's text depends on the number of rows, so the driver prepares each batch
    size once per connection and keeps it. What SQLAlchemy would add is done here:
    Python-side column defaults, type decorators' bind processing and JSON encoding.

    The columns a table names in ``info[SHARED_IN_BATCH]`` are those that follow from
    where a row comes from rather than from the row itself (an estimate's venue, entry
    point, scenario and factor set). When every row of a batch has the same value in
    one of them, that value is sent once for the batch instead of once per row: the
    driver encodes it, and PostgreSQL decodes it, a single time.
    """

    def __init__(self, table: Table, given: tuple[str, ...], dialect: Any, scope_key: bytes | None = None) -> None:
        #: Signs the venue's scope (``app.enter_scope``); ``None``: the process's key.
        self.scope_key = scope_key
        defaults = {
            c.name: c.default
            for c in table.columns
            if c.name not in given and isinstance(c.default, ColumnDefault) and not c.default.is_sequence
        }
        self.table_name = table.name
        self.names = [*given, *defaults]
        self.defaults = tuple(defaults.values())
        self.casts = [table.c[name].type.compile(dialect=dialect) for name in self.names]
        self.converters: list[Callable[[Any], Any] | None] = [
            _converter(table.c[name].type, dialect) for name in self.names
        ]
        shareable = set(table.info.get(SHARED_IN_BATCH, ()))
        self.shareable = tuple(index for index, name in enumerate(self.names) if name in shareable)
        getter = operator.itemgetter(*given)
        self._given_values: Callable[[dict[str, Any]], tuple[Any, ...]] = (
            getter if len(given) > 1 else lambda row: (getter(row),)
        )
        self._texts: dict[tuple[int, tuple[int, ...]], str] = {}
        self._layouts: dict[tuple[int, ...], _Layout] = {}

    def sql(self, count: int, shared: tuple[int, ...] = ()) -> str:
        """The statement for ``count`` rows, the columns at the indexes ``shared`` sent once."""
        key = (count, shared)
        text = self._texts.get(key)
        if text is None:
            layout = self._layout(shared)
            width = len(layout.per_row)
            if 2 + len(shared) + count * width > MAX_PARAMETERS:
                # Refused as a whole, the batch is written row by row (``_write_group``).
                raise ValueError(f"{count} rows of {width} columns exceed PostgreSQL's {MAX_PARAMETERS} parameters")
            first_row = 3 + len(shared)
            rows = ", ".join(
                "("
                + ", ".join(f"${first_row + r * width + i}::{self.casts[c]}" for i, c in enumerate(layout.per_row))
                + ")"
                for r in range(count)
            )
            once = {c: f"${3 + i}::{self.casts[c]}" for i, c in enumerate(shared)}
            selected = ", ".join(once.get(c, f"rows.c{c}") for c in range(len(self.names)))
            aliases = ", ".join(f"c{c}" for c in layout.per_row)
            columns = ", ".join(f'"{n}"' for n in self.names)
            if len(self._texts) >= STATEMENT_TEXTS_KEPT:
                self._texts.clear()  # the sizes and shapes of a burst are few; start afresh
            text = self._texts[key] = (
                f"WITH scope AS MATERIALIZED ({SCOPE_SQL_POSITIONAL}) "
                f'INSERT INTO "{self.table_name}" ({columns}) '
                f"SELECT {selected} FROM scope, (VALUES {rows}) AS rows({aliases}) "
                "WHERE scope.tenant_id IS NOT NULL"
            )
        return text

    async def execute(self, connection: Any, tenant_id: uuid.UUID, rows: list[dict[str, Any]]) -> None:
        """Write ``rows`` as venue ``tenant_id`` on ``connection`` (from ``connect``): one statement,
        its own transaction, the scope gone with it."""
        sql, values = self.bind(rows)
        scope = scope_parameters(self.scope_key or scope_key_of(None), tenant_id)  # $1 and $2 of SCOPE_SQL_POSITIONAL
        await connection.execute(sql, scope["tenant"], scope["signature"], *values)

    def bind(self, rows: list[dict[str, Any]]) -> tuple[str, list[Any]]:
        """The batch's statement and its parameters after the scope's two."""
        lines = [self._fetch(row) for row in rows]
        once: dict[int, Any] = {}
        for index in self.shareable[: len(self.names) - 1]:  # a VALUES row needs a column
            # Compared as sent: {"n": 1} and {"n": True} are equal in Python, not in JSON.
            sent = [self._convert(index, line[index]) for line in lines]
            if all(value == sent[0] for value in sent):
                once[index] = sent[0]
        shared = tuple(once)
        layout = self._layout(shared)
        values = list(once.values())
        pick, converting = layout.pick, layout.converting
        for line in lines:
            picked = pick(line)
            for position, convert in converting:
                if picked[position] is not None:
                    picked[position] = convert(picked[position])
            values.extend(picked)
        return self.sql(len(rows), shared), values

    def _convert(self, index: int, value: Any) -> Any:
        convert = self.converters[index]
        return value if value is None or convert is None else convert(value)

    def _layout(self, shared: tuple[int, ...]) -> _Layout:
        layout = self._layouts.get(shared)
        if layout is None:
            per_row = tuple(index for index in range(len(self.names)) if index not in shared)
            getter = operator.itemgetter(*per_row)
            converting = tuple(
                (position, convert)
                for position, convert in ((p, self.converters[i]) for p, i in enumerate(per_row))
                if convert is not None
            )
            layout = self._layouts[shared] = _Layout(
                per_row,
                (lambda line: list(getter(line))) if len(per_row) > 1 else (lambda line: [getter(line)]),
                converting,
            )
        return layout

    def _fetch(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """The row's values in column order, defaults included (before conversion)."""
        given = self._given_values(row)
        if not self.defaults:
            return given
        return (*given, *(default.arg if default.is_scalar else default.arg(None) for default in self.defaults))


@dataclass(frozen=True)
class _Layout:
    """Which columns a batch sends per row, how to pick them and which to convert."""

    per_row: tuple[int, ...]
    pick: Callable[[tuple[Any, ...]], list[Any]]
    converting: tuple[tuple[int, Callable[[Any], Any]], ...]


def _converter(column_type: Any, dialect: Any) -> Any:
    if isinstance(column_type, JSON):
        return _json_bytes
    if isinstance(column_type, TypeDecorator):
        return functools.partial(column_type.process_bind_param, dialect=dialect)
    return None


_json_bytes = msgspec.json.Encoder().encode


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
