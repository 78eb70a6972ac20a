"""Fulfilment as a job: through a real arq worker on the real Redis, and reconciliation of a
payment whose event never arrived."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from arq.connections import RedisSettings
from arq.worker import Worker
from shop_world import GRAMS, Shop, World, start, tail, until
from sqlalchemy import func, select

from neutralpoint.certificates.models import Certificate
from neutralpoint.credits.models import LedgerEntry, Sale
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue, tasks
from neutralpoint.jobs.worker import WorkerSettings
from neutralpoint.payments import fulfilment, services
from neutralpoint.payments.checkout import fulfil_job_id
from neutralpoint.payments.models import Fulfilment, Order
from neutralpoint.payments.providers import SandboxProvider
from neutralpoint.settings import Settings
from tests.conftest import stop


async def _paid_without_its_job(world: World, db: Database, shop: Shop | None = None) -> str:
    """An order paid at the sandbox whose event (and so its job) is lost."""
    shop = shop or await world.shop()
    order = (await world.order(shop, basis="mass", grams=GRAMS)).json()
    await SandboxProvider(db).pay(order["payment"]["payment_id"], succeed=True)
    return str(order["reference"])


async def _fulfilments(db: Database, reference: str) -> int:
    async with db.platform_session() as session:
        found = await session.scalar(
            select(func.count()).select_from(Fulfilment).join(Order).where(Order.reference == reference)
        )
    return int(found or 0)


async def test_reconciliation_finds_a_payment_whose_event_was_lost(
    world: World, db: Database, settings: Settings
) -> None:
    reference = await _paid_without_its_job(world, db)
    ctx: dict[str, Any] = {"db": db, "settings": settings, "payment_provider": SandboxProvider(db)}
    ctx["jobs"] = JobQueue(ctx, None)
    moved = await tasks()["reconcile_payments"](ctx)
    await ctx["jobs"].drain()
    assert moved >= 1
    async with db.platform_session() as session:
        order = await services.get_order(session, reference)
    assert order is not None
    assert order.status == "fulfilled"
    assert ("awaiting_payment", "paid", "reconciled") in {
        (t.from_status, t.to_status, t.cause) for t in order.transitions
    }


async def test_an_arq_worker_fulfils_once_however_often_the_job_is_enqueued(
    world: World, db: Database, settings: Settings, redis_url: str
) -> None:
    reference = await _paid_without_its_job(world, db)
    async with db.platform_session() as session:
        order = await services.get_order(session, reference)
    assert order is not None
    await services.apply_payment_state(
        db, None, await SandboxProvider(db).retrieve(str(order.payment_id)), cause="test", actor="test"
    )
    queue = JobQueue({}, redis_url)
    try:
        for _ in range(3):
            await queue.enqueue("fulfil_order", reference, job_id=fulfil_job_id(reference))
    finally:
        await queue.close()

    async def startup(ctx: dict[str, Any]) -> None:
        ctx.update({"db": db, "settings": settings, "payment_provider": SandboxProvider(db)})

    async def run_worker() -> Worker:
        worker = Worker(
            functions=WorkerSettings.functions,
            redis_settings=RedisSettings.from_dsn(redis_url),
            on_startup=startup,
            burst=True,
            poll_delay=0.05,
            handle_signals=False,
            keep_result=WorkerSettings.keep_result,
        )
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker

    first = await run_worker()
    assert (first.jobs_complete, first.jobs_failed) == (1, 0)
    # Queued again (reconciliation re-queues every paid order it finds): the worker keeps no
    # result, so the job id is free once its job ended, and the order is already fulfilled.
    queue = JobQueue({}, redis_url)
    try:
        await queue.enqueue("fulfil_order", reference, job_id=fulfil_job_id(reference))
    finally:
        await queue.close()
    second = await run_worker()
    assert (second.jobs_complete, second.jobs_failed) == (1, 0)
    assert await _fulfilments(db, reference) == 1
    outcome = await fulfilment.fulfil(db, SandboxProvider(db), settings, reference)
    assert outcome == fulfilment.ALREADY


def _worker_env(settings: Settings, database_urls: dict[str, str], redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_MIGRATION_URL", "SMTP_HOST")}
    env.update(
        {
            "DATABASE_URL": database_urls["app"],
            "REDIS_URL": redis_url,
            "DATA_DIR": str(settings.data_dir),  # the run's keys: certificates signed as the suite's
            "NEUTRALPOINT_ENV": "test",
            "SECRET_KEY": settings.secret_key,
            "PAYMENT_PROVIDER": "sandbox",
            "LOG_LEVEL": "INFO",
            # arq re-runs a killed job after its timeout plus 10 s: a short one keeps this test short.
            "JOB_TIMEOUT_SECONDS": str(KILL_TEST_JOB_TIMEOUT),
            # The fulfilment is the subject: its certificate is issued, not drawn (tests/certificates).
            "CERTIFICATES_DRAWN_AT_ISSUE": "off",
        }
    )
    return env


KILL_TEST_JOB_TIMEOUT = 4


async def _kill_while_it_waits(
    owner: str,
    probe: Any,
    shop: Shop,
    reference: str,
    redis_url: str,
    command: list[str],
    env: dict[str, str],
    log_path: Path,
) -> int:
    """Hold the allocation's row as an UPDATE would (the job reads it and inserts rows that
    refer to it, but waits here to move its counters, after writing its sale), let a
    worker take the job, SIGKILL the worker while it waits; the pid of its session."""
    holder = await asyncpg.connect(owner)
    holding = holder.transaction()
    await holding.start()
    worker: subprocess.Popen[bytes] | None = None
    try:
        await holder.execute("SELECT 1 FROM credit_allocations WHERE id = $1 FOR NO KEY UPDATE", shop.allocation_id)
        holder_pid = await holder.fetchval("SELECT pg_backend_pid()")
        queue = JobQueue({}, redis_url)
        try:
            await queue.enqueue("fulfil_order", reference, job_id=fulfil_job_id(reference))
        finally:
            await queue.close()
        worker = start(command, env, log_path, log_path.parent)

        async def waiting_for_us() -> Any:
            if worker is not None and worker.poll() is not None:
                pytest.fail(f"the worker exited with {worker.returncode}:\n{tail(log_path)}")
            return await probe.fetchrow(
                "SELECT pid, query FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", holder_pid
            )

        blocked = await until(
            waiting_for_us, within=60, what="the fulfilment waiting for the allocation's row", log_path=log_path
        )
        assert "UPDATE credit_allocations" in blocked["query"]
        wrote_sale = await probe.fetchval(
            "SELECT count(*) FROM pg_locks WHERE pid = $1 AND relation = 'credit_sales'::regclass"
            " AND mode = 'RowExclusiveLock'",
            blocked["pid"],
        )
        assert wrote_sale == 1, "the job is past writing its sale"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        return int(blocked["pid"])
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        await holding.rollback()
        await holder.close()


@pytest.mark.pg
async def test_a_worker_killed_mid_fulfilment_and_restarted_fulfils_exactly_once(
    world: World,
    db: Database,
    settings: Settings,
    redis_url: str,
    database_urls: dict[str, str],
    tmp_path: Path,
) -> None:
    """A real ``neutralpoint worker`` takes the job and is SIGKILLed while its transaction
    has written the sale and waits for a row this test holds; a second worker takes the
    job up again once arq lets it, and the order ends with one sale, one fulfilment and one
    certificate."""
    shop = await world.shop()
    reference = await _paid_without_its_job(world, db, shop)
    async with db.platform_session() as session:
        order = await services.get_order(session, reference)
    assert order is not None
    await services.apply_payment_state(
        db, None, await SandboxProvider(db).retrieve(str(order.payment_id)), cause="test", actor="test"
    )
    env = _worker_env(settings, database_urls, redis_url)
    command = [str(Path(sys.executable).parent / "neutralpoint"), "worker"]
    log_path = tmp_path / "workers.log"

    owner = database_urls["owner"].replace("postgresql+asyncpg://", "postgresql://")
    # Another session watches: inside a transaction PostgreSQL shows one snapshot of its activity.
    probe = await asyncpg.connect(owner)
    try:
        killed = await _kill_while_it_waits(owner, probe, shop, reference, redis_url, command, env, log_path)

        # The killed worker's transaction ends with its connection, and nothing of it stays.
        async def gone() -> bool:
            return await probe.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", killed) == 0

        await until(gone, within=30, what="the killed worker's database session ending")
    finally:
        await probe.close()
    assert await _fulfilments(db, reference) == 0
    async with db.platform_session() as session:
        assert (await services.get_order(session, reference)).status == "paid"  # type: ignore[union-attr]

    second = start(command, env, log_path, tmp_path)
    try:

        async def fulfilled() -> bool:
            if second.poll() is not None:
                pytest.fail(f"the worker exited with {second.returncode}:\n{tail(log_path)}")
            async with db.platform_session() as session:
                found = await services.get_order(session, reference)
            return found is not None and found.status == "fulfilled"

        # arq takes the killed job up again once its in-progress mark expires: the job
        # timeout plus 10 s after the first worker took it.
        await until(
            fulfilled, within=KILL_TEST_JOB_TIMEOUT + 10 + 45, what="the restarted worker fulfilling", log_path=log_path
        )
    finally:
        stop(second)

    assert await _fulfilments(db, reference) == 1
    async with db.platform_session() as session:
        done = await services.get_order(session, reference)
        sales = await session.scalar(select(func.count()).select_from(Sale).where(Sale.order_ref == reference))
        sells = await session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.order_ref == reference, LedgerEntry.kind == "sell")
        )
        certificates = await session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.order_reference == reference)
        )
    assert done is not None
    assert (sales, sells, certificates) == (1, 1, 1)
    assert sum(p.grams for p in done.pieces) == done.grams == GRAMS
    assert [t.to_status for t in done.transitions].count("fulfilled") == 1
    # The books are audited after the module (books_stay_balanced).
