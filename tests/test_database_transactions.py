"""Transactions that read, then write, while another connection commits in between.

Every form handler writes inside ``begin_nested()``. On SQLite such a transaction used to
begin as a reader at its SAVEPOINT; when another connection committed after its first
read, its first write failed at once with "database is locked" (seen under load in the
password-reset test). Now it holds the write lock from its SAVEPOINT, and the other writer
waits for it instead.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import select, update

from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import Tenant, TenantStatus


async def _venue(db: Database, slug: str) -> Tenant:
    async with db.platform_session() as session:
        tenant = Tenant(
            slug=slug,
            name=slug,
            display_name=slug,
            contact_email=f"{slug}@example.org",
            status=TenantStatus.ACTIVE,
        )
        session.add(tenant)
    return tenant


async def test_a_savepoint_that_reads_then_writes_survives_a_commit_in_between(db: Database, unique: str) -> None:
    mine, theirs = await _venue(db, f"tx-a-{unique}"), await _venue(db, f"tx-b-{unique}")
    other_committed = asyncio.Event()

    async def other_writer() -> None:
        async with db.platform_session() as session:
            moved = update(Tenant).where(Tenant.id == theirs.id).values(contact_email="theirs@example.net")
            await session.execute(moved)
        other_committed.set()

    async with db.platform_session() as session, session.begin_nested():
        email = await session.scalar(select(Tenant.contact_email).where(Tenant.id == mine.id))
        other = asyncio.create_task(other_writer())
        # The other connection may commit before this transaction writes (PostgreSQL: at once;
        # SQLite once took milliseconds). With the write lock held it waits instead: this
        # bounded wait then runs out, and the other commits after this transaction.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(other_committed.wait(), timeout=0.2)
        await session.execute(update(Tenant).where(Tenant.id == mine.id).values(contact_email=f"moved.{email}"))
    await asyncio.wait_for(other, timeout=30)

    async with db.platform_session() as session:
        rows = await session.execute(select(Tenant.id, Tenant.contact_email).where(Tenant.id.in_([mine.id, theirs.id])))
        emails = {row.id: row.contact_email for row in rows}
    assert emails == {mine.id: f"moved.tx-a-{unique}@example.org", theirs.id: "theirs@example.net"}
