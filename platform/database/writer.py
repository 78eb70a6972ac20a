"""Row writers: how a burst-shaped write (a visitor's estimate) reaches the database.

``Database.row_writer`` is the plain one here: each row in a transaction of its own,
through SQLAlchemy Core on a pooled connection, scoped to its venue on PostgreSQL so that
row-level security checks it as it would a request's own session. The fast path puts its
group commit in its place (``neutralpoint.fastpath.group_commit``).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from neutralpoint.database.tenancy import SCOPE_SQL, scope_key_of, scope_parameters


class RowWriter(Protocol):
    """Writes one row as one venue; ``insert`` returns once the row is committed."""

    transactions: int

    async def insert(self, table: Table, tenant_id: uuid.UUID, row: dict[str, Any]) -> None: ...

    async def close(self) -> None: ...


async def scope_connection(conn: AsyncConnection, tenant_id: uuid.UUID) -> None:
    """Scope the connection's transaction to one venue (PostgreSQL's row-level security)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(SCOPE_SQL, scope_parameters(scope_key_of(conn), tenant_id))


class DirectWriter:
    """Each row in its own transaction on a pooled connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.transactions = 0  # committed transactions, for tests and figures

    async def insert(self, table: Table, tenant_id: uuid.UUID, row: dict[str, Any]) -> None:
        async with self.engine.begin() as conn:
            await scope_connection(conn, tenant_id)
            await conn.execute(insert(table), [row])
        self.transactions += 1

    async def close(self) -> None:
        """Nothing is held between rows."""
