"""Enqueue tasks by name; arq runs them in a worker, or we run them here.

Tasks are ``async def name(ctx, *args)`` functions registered with ``@task``; ``ctx``
carries the ``Database`` and ``Settings`` (as arq's context does). A ``job_id`` makes an
enqueue idempotent on both paths.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger("neutralpoint.jobs")

TaskFunction = Callable[..., Coroutine[Any, Any, Any]]
#: How often a task that asks for a retry runs at most (arq's ``max_tries`` in the worker).
MAX_TRIES = 5
_TASKS: dict[str, TaskFunction] = {}


def task(fn: TaskFunction) -> TaskFunction:
    _TASKS[fn.__name__] = fn
    return fn


def tasks() -> dict[str, TaskFunction]:
    import neutralpoint.jobs.catalogue  # noqa: F401  (registers every domain's tasks)

    return dict(_TASKS)


class JobQueue:
    def __init__(self, context: dict[str, Any], redis_url: str | None) -> None:
        self.context = context
        self.redis_url = redis_url
        self._pool: Any = None
        self._running: set[asyncio.Task[Any]] = set()
        self._seen_ids: set[str] = set()

    async def start(self) -> None:
        """Nothing to do yet: Redis is reached at the first enqueue, so a web process starts
        (and ``/ready`` reports the outage) while Redis is down."""

    async def _redis(self) -> Any:
        if self._pool is None:
            from arq import create_pool
            from arq.connections import RedisSettings

            settings = RedisSettings.from_dsn(self.redis_url or "")
            settings.conn_retries = 1
            self._pool = await create_pool(settings)
        return self._pool

    async def close(self) -> None:
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        if self._pool is not None:
            await self._pool.aclose()

    async def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        registry = tasks()
        if name not in registry:
            raise KeyError(f"unknown task {name!r}")
        if self.redis_url:
            pool = await self._redis()
            await pool.enqueue_job(name, *args, _job_id=job_id)
            return
        if job_id is not None:
            if job_id in self._seen_ids:
                return
            self._seen_ids.add(job_id)
        job = asyncio.create_task(self._run(name, registry[name], args, job_id))
        self._running.add(job)
        job.add_done_callback(self._running.discard)

    async def _run(self, name: str, fn: TaskFunction, args: tuple[Any, ...], job_id: str | None = None) -> None:
        """Run a task as arq would: ``Retry`` runs it again after its delay, up to
        ``MAX_TRIES``; once it has finished, its ``job_id`` may be enqueued again."""
        from arq.worker import Retry

        try:
            for attempt in range(1, MAX_TRIES + 1):
                try:
                    await fn(self.context, *args)
                    return
                except Retry as retry:
                    if attempt == MAX_TRIES:
                        log.error("in-process job %s gave up after %d tries", name, attempt)
                        return
                    await asyncio.sleep((retry.defer_score or 0) / 1000)
                except Exception:
                    log.exception("in-process job %s failed", name)
                    return
        finally:
            if job_id is not None:
                self._seen_ids.discard(job_id)

    async def drain(self) -> None:
        """Wait for in-process jobs (tests and the CLI use this)."""
        while self._running:
            running = list(self._running)
            loop = running[0].get_loop()
            if loop is asyncio.get_running_loop():
                await asyncio.gather(*running, return_exceptions=True)
                continue
            # The jobs run on the application's loop in another thread (a test client's portal).
            done = asyncio.run_coroutine_threadsafe(_gather(running), loop)
            await asyncio.wrap_future(done)


async def _gather(running: list[asyncio.Task[Any]]) -> None:
    await asyncio.gather(*running, return_exceptions=True)
