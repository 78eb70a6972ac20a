"""arq worker settings: ``neutralpoint worker`` (or ``arq neutralpoint.jobs.worker.WorkerSettings``)."""

from __future__ import annotations

from typing import Any

from arq.connections import RedisSettings
from arq.cron import cron

from neutralpoint.credits.selling import use_reservation_minutes
from neutralpoint.database.engine import Database
from neutralpoint.impact import standings as _standings  # noqa: F401  (the leaderboards follow the certificates)
from neutralpoint.jobs.queue import MAX_TRIES, JobQueue, tasks
from neutralpoint.payments.retirement_mail import use_base_url
from neutralpoint.settings import get_settings


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    ctx["settings"] = settings
    ctx["db"] = Database(settings.database_url, settings.database_scope_key)
    # Tasks that start other tasks (a payment event starts a fulfilment) enqueue through it.
    ctx["jobs"] = JobQueue(ctx, settings.redis_url)
    use_reservation_minutes(settings.reservation_minutes)
    # The e-mail that tells a holder their credits are retired links to their certificate.
    use_base_url(settings.base_url)


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["jobs"].close()
    await ctx["db"].dispose()


def cron_jobs() -> list[Any]:
    registry = tasks()
    jobs = []
    if "expire_reservations" in registry:
        jobs.append(cron(registry["expire_reservations"], minute=set(range(60)), run_at_startup=True))
    if "anchor_ledger" in registry:
        jobs.append(cron(registry["anchor_ledger"], minute=set(range(0, 60, 10))))
    if "send_outbox" in registry:
        jobs.append(cron(registry["send_outbox"], minute=set(range(60))))
    if "expire_orders" in registry:
        jobs.append(cron(registry["expire_orders"], minute=set(range(60)), run_at_startup=True))
    if "reconcile_payments" in registry:
        jobs.append(cron(registry["reconcile_payments"], minute=set(range(0, 60, 2))))
    if "batch_retirements" in registry:
        jobs.append(cron(registry["batch_retirements"], hour={3}, minute={0}))
    return jobs


def redis_settings() -> RedisSettings:
    url = get_settings().redis_url
    if not url:
        raise SystemExit(
            "REDIS_URL is not set: the worker needs Redis (without it, jobs run inside `neutralpoint serve`)"
        )
    return RedisSettings.from_dsn(url)


class WorkerSettings:
    functions = list(tasks().values())  # noqa: RUF012 (arq reads class attributes)
    cron_jobs = cron_jobs()
    on_startup = startup
    on_shutdown = shutdown
    max_tries = MAX_TRIES
    #: ``neutralpoint worker`` sets it from ``JOB_TIMEOUT_SECONDS`` (``worker_options``).
    job_timeout = 60
    #: Nothing reads a job's result, and a kept one (arq keeps them an hour by default) would
    #: refuse its job id: a fulfilment that failed for good could not be queued again by
    #: reconciliation until it expired.
    keep_result = 0


def worker_options() -> dict[str, Any]:
    """What ``neutralpoint worker`` gives arq beside ``WorkerSettings``: a killed job runs
    again after ``job_timeout`` plus 10 s, so the timeout comes from the settings."""
    return {"redis_settings": redis_settings(), "job_timeout": get_settings().job_timeout_seconds}
