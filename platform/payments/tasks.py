"""Payments jobs: fulfil a paid order, expire unpaid ones, reconcile with the provider.

arq re-runs a job killed mid-way only after its timeout plus a few seconds, and treats its
own timeout as final. So fulfilment bounds itself well inside arq's ``job_timeout`` and
turns running out of time into an explicit ``Retry``; what it wrote in the unfinished
transaction is rolled back, and the retry starts clean.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq.worker import Retry

from neutralpoint.jobs import task
from neutralpoint.payments import fulfilment
from neutralpoint.payments.providers import PaymentProvider, provider_for

log = logging.getLogger("neutralpoint.payments")

#: Seconds one fulfilment may take before it is retried (arq's job_timeout is larger).
FULFIL_TIMEOUT_SECONDS = 60
RETRY_DELAY_SECONDS = 5


def provider(ctx: dict[str, Any]) -> PaymentProvider:
    """One provider per worker or web process (it keeps its HTTP connections)."""
    if "payment_provider" not in ctx:
        ctx["payment_provider"] = provider_for(ctx["settings"], ctx["db"])
    found: PaymentProvider = ctx["payment_provider"]
    return found


@task
async def fulfil_order(ctx: dict[str, Any], reference: str) -> str:
    try:
        outcome = await asyncio.wait_for(
            fulfilment.fulfil(ctx["db"], provider(ctx), ctx["settings"], reference), FULFIL_TIMEOUT_SECONDS
        )
    except TimeoutError:
        log.warning("fulfilment of %s took over %ss; retrying", reference, FULFIL_TIMEOUT_SECONDS)
        raise Retry(defer=RETRY_DELAY_SECONDS) from None
    log.info("order %s: %s", reference, outcome)
    return outcome


@task
async def expire_orders(ctx: dict[str, Any]) -> int:
    return await fulfilment.expire_orders(ctx["db"], provider(ctx), ctx.get("jobs"))


@task
async def reconcile_payments(ctx: dict[str, Any]) -> int:
    return await fulfilment.reconcile(ctx["db"], provider(ctx), ctx.get("jobs"))
