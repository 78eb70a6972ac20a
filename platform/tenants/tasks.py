"""Background jobs of the venues domain."""

from __future__ import annotations

from typing import Any

from neutralpoint.jobs import task
from neutralpoint.tenants.mail import deliver_pending


@task
async def send_outbox(ctx: dict[str, Any]) -> dict[str, int]:
    """Send the waiting e-mails (or log them when no SMTP server is configured)."""
    async with ctx["db"].platform_session() as session:
        counts: dict[str, int] = await deliver_pending(session, ctx["settings"])
    return counts
