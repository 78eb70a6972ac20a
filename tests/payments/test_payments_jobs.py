"""Fulfilment as a job: through a real arq worker on the real Redis, and reconciliation of a
payment whose event never arrived."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.connections import RedisSettings
from arq.worker import Worker
from redis.asyncio import Redis
from shop_world import GRAMS, World
from sqlalchemy import func, select

from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue, tasks
from neutralpoint.jobs.worker import WorkerSettings
from neutralpoint.payments import fulfilment, services
from neutralpoint.payments.checkout import fulfil_job_id
from neutralpoint.payments.models import Fulfilment, Order
from neutralpoint.payments.providers import SandboxProvider
from neutralpoint.settings import Settings


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    base = os.environ.get("NEUTRALPOINT_TEST_REDIS", "redis://127.0.0.1:6379/0")
    url = base.rsplit("/", 1)[0] + "/14"
    client = Redis.from_url(url)
    try:
        await client.ping()
    except OSError as exc:
        pytest.fail(f"Redis at {url} does not answer ({exc}); scripts/test starts it")
    await client.flushdb()
    yield url
    await client.flushdb()
    await client.aclose()


async def _paid_without_its_job(world: World, db: Database) -> str:
    """An order paid at the sandbox whose event (and so its job) is lost."""
    shop = await world.shop()
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
            keep_result=0,
        )
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker

    first = await run_worker()
    assert (first.jobs_complete, first.jobs_failed) == (1, 0)
    # Run again (as after a crash that lost the result): the order is already fulfilled.
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
