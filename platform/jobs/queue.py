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
        job = asyncio.create_task(self._run(name, registry[name], args))
        self._running.add(job)
        job.add_done_callback(self._running.discard)

    async def _run(self, name: str, fn: TaskFunction, args: tuple[Any, ...]) -> None:
        try:
            await fn(self.context, *args)
        except Exception:
            log.exception("in-process job %s failed", name)

    async def drain(self) -> None:
        """Wait for in-process jobs (tests and the CLI use this)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
