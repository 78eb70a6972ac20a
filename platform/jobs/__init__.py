"""Background jobs: arq on Redis when ``REDIS_URL`` is set, otherwise the same task
functions run in-process, so the embedded demo needs no Redis."""

from neutralpoint.jobs.queue import JobQueue, task, tasks

__all__ = ["JobQueue", "task", "tasks"]
