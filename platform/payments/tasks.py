"""Payments jobs: fulfil a paid order, expire unpaid ones, reconcile with the provider.

arq re-runs a job killed with its worker only after the worker's longest job timeout plus
10 s, and treats its own timeout as final (no retry). So the worker's timeout is short
(``JOB_TIMEOUT_SECONDS``), and fulfilment bounds itself at three quarters of it and turns
running out of time into an explicit ``Retry``; what it wrote in the unfinished
transaction is rolled back, and the retry starts clean.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq.worker import Retry

from neutralpoint.certificates import renderings
from neutralpoint.jobs import task
from neutralpoint.payments import fulfilment
from neutralpoint.payments.providers import PaymentProvider, provider_for

log = logging.getLogger("neutralpoint.payments")

RETRY_DELAY_SECONDS = 5
DEFAULT_JOB_TIMEOUT_SECONDS = 60


def fulfil_timeout(ctx: dict[str, Any]) -> float:
    """Seconds one fulfilment may take before it is retried: well inside arq's timeout."""
    settings = ctx.get("settings")
    seconds = settings.job_timeout_seconds if settings is not None else DEFAULT_JOB_TIMEOUT_SECONDS
    return seconds * 0.75


def provider(ctx: dict[str, Any]) -> PaymentProvider:
    """One provider per worker or web process (it keeps its HTTP connections)."""
    if "payment_provider" not in ctx:
        ctx["payment_provider"] = provider_for(ctx["settings"], ctx["db"])
    found: PaymentProvider = ctx["payment_provider"]
    return found


@task
async def fulfil_order(ctx: dict[str, Any], reference: str) -> str:
    bound = fulfil_timeout(ctx)
    try:
        outcome = await asyncio.wait_for(fulfilment.fulfil(ctx["db"], provider(ctx), ctx["settings"], reference), bound)
    except TimeoutError:
        log.warning("fulfilment of %s took over %ss; retrying", reference, bound)
        raise Retry(defer=RETRY_DELAY_SECONDS) from None
    log.info("order %s: %s", reference, outcome)
    jobs = ctx.get("jobs")
    if outcome == fulfilment.FULFILLED and jobs is not None and ctx["settings"].certificates_drawn_at_issue:
        # Its page is ready when the visitor opens it (the job id makes a repeat a no-op).
        await renderings.request_at_issue(ctx["db"], jobs, reference)
    return outcome


@task
async def expire_orders(ctx: dict[str, Any]) -> int:
    return await fulfilment.expire_orders(ctx["db"], provider(ctx), ctx.get("jobs"))


@task
async def reconcile_payments(ctx: dict[str, Any]) -> int:
    return await fulfilment.reconcile(ctx["db"], provider(ctx), ctx.get("jobs"))
