"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from neutralpoint.database.json import json_text, json_value
from neutralpoint.database.tenancy import SCOPE_KEY_OPTION, disable_scopes
from neutralpoint.database.writer import DirectWriter, RowWriter


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_write_lock_before_savepoint(conn: Connection, _name: str | None) -> None:
    """Begin with the write lock a transaction whose first statement is a SAVEPOINT.

    The sqlite3 driver begins a transaction only before a write, so reads outside one see
    the latest commit and a transaction holds the write lock from its first statement. A
    SAVEPOINT (``begin_nested``, which every form handler uses) begins one by itself, as a
    reader: when it later writes and another connection has committed since its first read,
    SQLite refuses at once with "database is locked" (its snapshot is stale, so waiting
    cannot help). ``BEGIN IMMEDIATE`` takes the write lock first, waiting up to
    ``busy_timeout`` for a writer in progress, and the savepoint runs inside it.
    """
    driver_connection = conn.connection.driver_connection
    if driver_connection is not None and not driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, scope_key: bytes | None = None, **kwargs: Any) -> AsyncEngine:
    """An engine for ``url``; on PostgreSQL its sessions sign their venue scopes with
    ``scope_key`` (the process's key when ``None``: ``tenancy.use_scope_key``)."""
    if scope_key is not None:
        kwargs["execution_options"] = {**kwargs.get("execution_options", {}), SCOPE_KEY_OPTION: scope_key}
    kwargs.setdefault("json_serializer", json_text)
    kwargs.setdefault("json_deserializer", json_value)
    if url.startswith("sqlite"):
        if ":memory:" not in url and "///" in url:
            from pathlib import Path

            Path(url.split("///", 1)[1].split("?", 1)[0]).parent.mkdir(parents=True, exist_ok=True)
        kwargs.pop("max_connections", None)
        engine = create_async_engine(url, poolclass=NullPool if kwargs.pop("null_pool", False) else None, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "savepoint", _sqlite_write_lock_before_savepoint)
        return engine
    most = kwargs.pop("max_connections", None)
    if most is not None:
        # Every connection stays open: one opened and closed per request at a peak costs the
        # client and the server a new session and its password exchange each time.
        kwargs.setdefault("pool_size", most)
        kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # No pre-ping: it costs a round trip per request; recycled connections and SQLAlchemy's
    # disconnect handling (the pool is invalidated on the first failed statement) cover restarts.
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, **kwargs)


class Database:
    """One engine and session factory per process."""

    def __init__(self, url: str, scope_key: bytes | None = None, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, scope_key, **engine_kwargs)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        #: How rows written in bursts (visitors' estimates) are stored; the fast path puts
        #: its group commit here.
        self.row_writer: RowWriter = DirectWriter(self.engine)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def platform_session(self) -> AsyncIterator[AsyncSession]:
        """A transaction that sees every venue's rows (platform admin, jobs, CLI)."""
        async with self.sessionmaker() as session:
            disable_scopes(session)
            async with session.begin():
                yield session

    async def dispose(self) -> None:
        await self.row_writer.close()
        await self.engine.dispose()
