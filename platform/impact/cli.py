"""``neutralpoint impact rebuild``: the leaderboards recomputed from the certificates.

The boards follow certificates as they are issued and voided; this is for certificates
issued before the boards existed, and to compare the boards with the certificates.
"""

from __future__ import annotations

import asyncio

import click


@click.group("impact")
def group() -> None:
    """Leaderboards and event neutrality."""


async def _rebuild() -> int:
    from neutralpoint.database.engine import Database
    from neutralpoint.impact import standings
    from neutralpoint.settings import get_settings

    settings = get_settings()
    db = Database(settings.database_url, settings.database_scope_key)
    try:
        async with db.platform_session() as session:
            return await standings.rebuild(session)
    finally:
        await db.dispose()


@group.command("rebuild")
def rebuild() -> None:
    """Recompute every leaderboard from the valid certificates."""
    entered = asyncio.run(_rebuild())
    click.echo(f"{entered} certificates on the leaderboards")
