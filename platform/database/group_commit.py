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
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from neutralpoint.database.tenancy import SCOPE_SQL, scope_parameters

log = logging.getLogger("neutralpoint.database")

MAX_ROWS_PER_TRANSACTION = 500


@dataclass
class _Pending:
    table: Table
    tenant_id: uuid.UUID
    row: dict[str, Any]
    done: asyncio.Future[None] = field(repr=False)


class GroupCommit:
    """One per engine and process; ``insert`` returns once the row is committed."""

    def __init__(self, engine: AsyncEngine, max_rows: int = MAX_ROWS_PER_TRANSACTION) -> None:
        self.engine = engine
        self.max_rows = max_rows
        self._queue: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0  # committed transactions, for tests and figures

    async def insert(self, table: Table, tenant_id: uuid.UUID, row: dict[str, Any]) -> None:
        """Write ``row`` into ``table`` as venue ``tenant_id``; raises what its own INSERT raised."""
        pending = _Pending(table, tenant_id, row, asyncio.get_running_loop().create_future())
        self._queue.append(pending)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        # Shielded: a visitor who leaves does not cancel the rows of the others.
        await asyncio.shield(pending.done)

    async def drain(self) -> None:
        """Wait for everything handed over so far (before the engine is disposed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.max_rows], self._queue[self.max_rows :]
            try:
                await self._write(batch)
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch, exc)
                    continue
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
        async with self.engine.begin() as conn:
            scoped: uuid.UUID | None = None
            for (tenant_id, table), rows in groups.items():
                if tenant_id != scoped:
                    await _scope(conn, tenant_id)
                    scoped = tenant_id
                await conn.execute(insert(table), rows)
        self.transactions += 1


async def _scope(conn: AsyncConnection, tenant_id: uuid.UUID) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(SCOPE_SQL, scope_parameters(tenant_id))


def _settle(batch: Sequence[_Pending], exc: BaseException | None = None) -> None:
    for pending in batch:
        if pending.done.done():
            continue
        if exc is None:
            pending.done.set_result(None)
        else:
            pending.done.set_exception(exc)
