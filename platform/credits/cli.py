"""``neutralpoint credits …``: the audit of the books, anchoring the ledger chains' heads,
and retirement batching on demand."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import click

from neutralpoint.credits.schemas import AuditReport, RetirementView

if TYPE_CHECKING:
    from neutralpoint.database.engine import Database


def _database() -> Database:
    """The platform's database, as the settings name it."""
    from neutralpoint.database.engine import Database
    from neutralpoint.settings import SettingsError, get_settings

    try:
        settings = get_settings()
    except SettingsError as exc:
        raise click.ClickException(f"bad setting: {exc}") from exc
    return Database(settings.database_url, settings.database_scope_key)


@click.group("credits")
def group() -> None:
    """Credit supply: audit the ledger, batch registry retirements."""


@group.command("audit")
def audit_command() -> None:
    """Check every invariant of the books; exit code 1 and a report on any violation."""
    from neutralpoint.credits.audit import audit

    async def run() -> AuditReport:
        db = _database()
        try:
            async with db.platform_session() as session:
                return await audit(session)
        finally:
            await db.dispose()

    report = asyncio.run(run())
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@group.command("anchor")
def anchor_command() -> None:
    """Anchor every lot chain's head now (the worker does it every ten minutes); prints
    the anchor's number and hash, which can be kept outside the database."""
    from neutralpoint.credits.ledger import anchor_heads

    async def run() -> tuple[int, int, str] | None:
        db = _database()
        try:
            async with db.platform_session() as session:
                anchor = await anchor_heads(session, actor="cli:anchor")
                return None if anchor is None else (anchor.seq, len(anchor.heads), anchor.hash)
        finally:
            await db.dispose()

    written = asyncio.run(run())
    if written is None:
        click.echo("nothing to anchor: no chain moved since the last anchor")
        return
    seq, chains, digest = written
    click.echo(f"anchor {seq}: {chains} chains, hash {digest}")


@group.command("retire-due")
def retire_due_command() -> None:
    """Batch fully sold tonnes into registry retirement requests now."""
    from neutralpoint.credits.retirement import batch_retirements

    async def run() -> list[RetirementView]:
        db = _database()
        try:
            return await batch_retirements(db, actor="cli:retire-due")
        finally:
            await db.dispose()

    requests = asyncio.run(run())
    for request in requests:
        click.echo(f"{request.id}  {request.tonnes} t  {request.adapter:<10} {request.status}  {request.beneficiary}")
    click.echo(f"{len(requests)} retirement requests created")
