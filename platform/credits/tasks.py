"""Credits jobs: release expired reservations (every minute) and batch due tonnes into
registry retirement requests (nightly, and on demand)."""

from __future__ import annotations

import logging
from typing import Any

from neutralpoint.credits import retirement, selling
from neutralpoint.database.base import utcnow
from neutralpoint.jobs import task

log = logging.getLogger("neutralpoint.credits")


@task
async def expire_reservations(ctx: dict[str, Any]) -> int:
    async with ctx["db"].platform_session() as session:
        released = await selling.expire_reservations(session, now=utcnow(), actor="system:expiry")
    if released:
        log.info("released %d expired reservation holds", released)
    return released


@task
async def batch_retirements(ctx: dict[str, Any]) -> int:
    async with ctx["db"].platform_session() as session:
        requests = await retirement.batch_retirements(session, now=utcnow(), actor="system:retirement")
    if requests:
        log.info("created %d registry retirement requests", len(requests))
    return len(requests)
