"""Fulfilments a second with one arq worker, beside a no-op arq job through the same worker.

A fulfilment is the job a paid order starts: it locks the order, assigns the serial pieces
(``credits.confirm_sale``), records the fulfilment and queues the receipt, in one
transaction. The baseline, in the same run, is the same worker running as many jobs that do
nothing: what arq and Redis cost by themselves.

How it runs: a throwaway PostgreSQL database is created, migrated and seeded (one venue, one
allocation); ``--orders`` orders are created and paid in the sandbox without starting their
jobs; Redis database ``--redis-db`` is emptied; then ``--orders`` no-op jobs, and then the
orders' ``fulfil_order`` jobs, are enqueued and one arq worker (``max_jobs`` as in
``neutralpoint worker``) runs each batch to the end. Every order must end fulfilled exactly
once, and the books must pass the audit. Usage: ``python bench/fulfilment.py [--orders 400]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import seed
from credit_reservations import cpu_seconds
from qr_burst import APP_ROLE, SCOPE_SECRET, pg_admin, use_bench_scope_key, with_database


async def noop(ctx: dict[str, Any]) -> None:
    """The baseline job: nothing but arq's own work."""


async def paid_orders(db: Any, settings: Any, slug: str, allocation_id: str, count: int) -> list[str]:
    from neutralpoint.payments import services
    from neutralpoint.payments.models import OrderBasis
    from neutralpoint.payments.providers import SandboxProvider
    from neutralpoint.tenants.models import Tenant

    async with db.platform_session() as session:
        from sqlalchemy import select

        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    provider = SandboxProvider(db)
    references = []
    for _ in range(count):
        order = await services.start_checkout(
            db,
            provider,
            services.CheckoutRequest(
                tenant_id=tenant_id, allocation_id=uuid.UUID(allocation_id), basis=OrderBasis.MASS, grams=1_000
            ),
            ttl=timedelta(minutes=30),
        )
        await services.sandbox_pay(db, None, provider, order.reference, succeed=True)
        references.append(order.reference)
    return references


async def run(args: argparse.Namespace, app_url: str) -> dict[str, float]:
    from arq import create_pool
    from arq.connections import RedisSettings
    from arq.worker import Worker
    from sqlalchemy import event, func, select

    from neutralpoint.credits import services as credits
    from neutralpoint.database.engine import Database
    from neutralpoint.jobs.queue import tasks
    from neutralpoint.jobs.worker import WorkerSettings
    from neutralpoint.payments.checkout import fulfil_job_id
    from neutralpoint.payments.models import Fulfilment, Order, OrderStatus
    from neutralpoint.settings import Settings, normalize_database_url

    settings = Settings.from_env(
        {
            **os.environ,
            "DATABASE_URL": app_url,
            "REDIS_URL": args.redis_url,
            "NEUTRALPOINT_ENV": "test",
            "SECRET_KEY": "b" * 40,
            "DATABASE_SCOPE_KEY": SCOPE_SECRET,
        }
    )
    db = Database(normalize_database_url(app_url))
    backends: list[int] = []

    def note_backend(dbapi_connection: Any, _record: Any) -> None:
        backends.append(dbapi_connection.driver_connection.get_server_pid())

    event.listen(db.engine.sync_engine, "connect", note_backend)
    slug, allocation = await seed(app_url, tonnes=100)
    print(f"creating and paying {args.orders} orders", flush=True)
    references = await paid_orders(db, settings, slug, allocation, args.orders)
    redis_settings = RedisSettings.from_dsn(args.redis_url)
    pool = await create_pool(redis_settings)
    await pool.flushdb()
    figures: dict[str, float] = {}

    async def drain(name: str, functions: list[Any], enqueue: Any) -> None:
        await enqueue()
        worker = Worker(
            functions=functions,
            redis_settings=redis_settings,
            burst=True,
            poll_delay=0.05,
            max_jobs=WorkerSettings.max_jobs if hasattr(WorkerSettings, "max_jobs") else 10,
            ctx={"db": db, "settings": settings},
            handle_signals=False,
            keep_result=60,
        )
        started = time.monotonic()
        cpu_before = time.process_time()
        database_before = {pid: cpu_seconds(pid) for pid in backends}
        await worker.async_run()
        elapsed = time.monotonic() - started
        cpu = time.process_time() - cpu_before
        cpu += sum(cpu_seconds(pid) - database_before.get(pid, 0.0) for pid in set(backends))
        figures[name] = args.orders / elapsed
        figures[f"{name} CPU ms"] = 1000 * cpu / args.orders
        print(
            f"{name}: {args.orders} jobs in {elapsed:.2f} s = {args.orders / elapsed:.1f}/s "
            f"({worker.jobs_complete} complete, {worker.jobs_failed} failed); "
            f"CPU {1000 * cpu / args.orders:.1f} ms a job (the worker and its PostgreSQL backends)",
            flush=True,
        )
        await worker.close()

    async def enqueue_noops() -> None:
        for i in range(args.orders):
            await pool.enqueue_job("noop", _job_id=f"noop:{i}")

    async def enqueue_fulfilments() -> None:
        for reference in references:
            await pool.enqueue_job("fulfil_order", reference, _job_id=fulfil_job_id(reference))

    statements = 0

    def count_statement(*_: Any) -> None:
        nonlocal statements
        statements += 1

    await drain("no-op arq job", [noop], enqueue_noops)
    # Counted in the benchmark, for whichever code runs (the worker shares this engine).
    event.listen(db.engine.sync_engine, "before_cursor_execute", count_statement)
    await drain("fulfil_order", [tasks()["fulfil_order"]], enqueue_fulfilments)
    event.remove(db.engine.sync_engine, "before_cursor_execute", count_statement)
    figures["statements per fulfilment"] = statements / args.orders
    print(f"statements per fulfilment: {statements / args.orders:.1f}", flush=True)
    async with db.platform_session() as session:
        fulfilled = await session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.reference.in_(references), Order.status == OrderStatus.FULFILLED)
        )
        records = await session.scalar(select(func.count()).select_from(Fulfilment))
        report = await credits.audit(session)
    print(
        f"fulfilled {fulfilled}/{len(references)}, fulfilment rows {records}, audit "
        f"{'clean' if report.ok else report.summary()}"
    )
    await pool.flushdb()
    await pool.aclose()
    await db.dispose()
    if fulfilled != len(references) or records != len(references) or not report.ok:
        raise SystemExit("not every order was fulfilled exactly once")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("NEUTRALPOINT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--orders", type=int, default=400)
    args = parser.parse_args()
    database = f"np_bench_{uuid.uuid4().hex[:8]}"
    admin_url = with_database(args.database_url, urlsplit(args.database_url).path.lstrip("/") or "postgres")
    owner_url = with_database(args.database_url, database)
    app_url = with_database(args.database_url, database, APP_ROLE, APP_ROLE)
    asyncio.run(pg_admin(admin_url, f'CREATE DATABASE "{database}"'))
    try:
        from neutralpoint.database.migrate import upgrade
        from neutralpoint.settings import normalize_database_url

        upgrade(normalize_database_url(owner_url), normalize_database_url(app_url), use_bench_scope_key())
        figures = asyncio.run(run(args, app_url))
        ratio = figures["fulfil_order"] / figures["no-op arq job"]
        print(
            f"fulfilments {figures['fulfil_order']:.1f}/s = {ratio:.0%} of the no-op job's "
            f"{figures['no-op arq job']:.1f}/s"
        )
    finally:
        asyncio.run(pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
