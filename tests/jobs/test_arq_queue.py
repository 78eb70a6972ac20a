"""Jobs through Redis and arq, as `neutralpoint worker` runs them (integration: real Redis).

The test Redis is ``NEUTRALPOINT_TEST_REDIS`` (default redis://127.0.0.1:6379/0); the ``redis_url``
fixture gives each test run a database of its own on that server, empty at every test, so it
never takes another run's jobs.
"""

from __future__ import annotations

import uuid
from typing import Any

from arq.connections import RedisSettings
from arq.worker import Worker
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import select

from neutralpoint.app import create_app
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue, tasks
from neutralpoint.jobs.worker import WorkerSettings
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import OutboxMessage


def _worker(redis_url: str, db: Database, settings: Settings, registry: ScenarioRegistry) -> Worker:
    async def startup(ctx: dict[str, Any]) -> None:
        ctx.update({"db": db, "settings": settings, "registry": registry})

    return Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(redis_url),
        on_startup=startup,
        burst=True,
        poll_delay=0.05,
        max_tries=1,
        handle_signals=False,
    )


async def test_the_worker_lists_every_domains_tasks() -> None:
    names = {fn.__name__ for fn in WorkerSettings.functions}
    assert {"send_outbox", "expire_reservations", "batch_retirements"} <= names
    assert names == set(tasks())


async def test_an_enqueued_job_runs_in_the_arq_worker_once(
    redis_url: str, db: Database, settings: Settings, registry: ScenarioRegistry
) -> None:
    recipient = f"arq-{uuid.uuid4().hex[:8]}@example.org"
    async with db.platform_session() as session:
        session.add(OutboxMessage(recipient=recipient, subject="Welcome", body_text="Hello", kind="test"))

    queue = JobQueue({}, redis_url)
    await queue.start()
    try:
        # the same job id twice is one job (an idempotent enqueue)
        await queue.enqueue("send_outbox", job_id=f"outbox-{recipient}")
        await queue.enqueue("send_outbox", job_id=f"outbox-{recipient}")
    finally:
        await queue.close()

    client = Redis.from_url(redis_url)
    try:
        assert await client.zcard("arq:queue") == 1
    finally:
        await client.aclose()

    worker = _worker(redis_url, db, settings, registry)
    try:
        await worker.main()
    finally:
        await worker.close()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)

    async with db.platform_session() as session:
        message = await session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == recipient))
    assert message is not None
    assert message.sent_at is not None


async def test_ready_checks_redis_when_it_is_configured(redis_url: str, settings: Settings) -> None:
    from dataclasses import replace

    registry = ScenarioRegistry.discover()
    with_redis = create_app(replace(settings, redis_url=redis_url), registry)
    async with AsyncTestClient(app=with_redis, base_url="http://testserver.local") as client:
        ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["redis"] == "ok"

    nobody_home = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"), registry)
    async with AsyncTestClient(app=nobody_home, base_url="http://testserver.local") as client:
        down = await client.get("/ready")
    assert down.status_code == 503
    assert down.json()["checks"]["redis"].startswith("error")
