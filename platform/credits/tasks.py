"""Credits jobs: release expired reservations (every minute, one lot per transaction),
anchor the ledger chains' heads (every ten minutes) and batch due tonnes into registry
retirement requests (nightly, and on demand)."""

from __future__ import annotations

import logging
from typing import Any

from neutralpoint.credits import ledger, retirement, selling, stock
from neutralpoint.database.base import utcnow
from neutralpoint.jobs import task

log = logging.getLogger("neutralpoint.credits")

ANCHOR_EVERY_MINUTES = 10


@task
async def expire_reservations(ctx: dict[str, Any]) -> int:
    db = ctx["db"]
    async with db.platform_session() as session:
        lots = await stock.expired_hold_lots(session, utcnow())
    released = 0
    for lot_id in lots:  # a transaction per lot: purchases of the other lots never wait for this job
        async with db.platform_session() as session:
            released += await selling.expire_reservations(session, actor="system:expiry", lot_ids=[lot_id])
    async with db.platform_session() as session:  # reservations whose holds went another way
        await selling.expire_reservations(session, actor="system:expiry", lot_ids=[])
    if released:
        log.info("released %d expired reservation holds", released)
    return released


@task
async def anchor_ledger(ctx: dict[str, Any]) -> int:
    """Anchor every lot chain's head; returns the anchor's number (0: nothing moved)."""
    async with ctx["db"].platform_session() as session:
        anchor = await ledger.anchor_heads(session, actor="system:anchor")
    if anchor is None:
        return 0
    log.info("ledger anchor %d: %d chains, %s", anchor.seq, len(anchor.heads), anchor.hash)
    return anchor.seq


@task
async def batch_retirements(ctx: dict[str, Any]) -> int:
    requests = await retirement.batch_retirements(ctx["db"], actor="system:retirement")
    if requests:
        log.info("created %d registry retirement requests", len(requests))
    return len(requests)
