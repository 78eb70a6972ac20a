"""Platform rows name their venue ``venue_id``: ``tenant_id`` is kept for venue-owned rows,
which all carry row-level security.

Revision ID: credits_0002
Revises: credits_0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "credits_0002"
down_revision: str | Sequence[str] | None = "credits_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMED = ("credit_allocation_venues", "credit_holds", "ledger_entries")
FOREIGN_KEYS = ("credit_allocation_venues", "credit_holds")


def _rename(old: str, new: str) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in RENAMED:
        op.execute(sa.text(f'ALTER TABLE "{table}" RENAME COLUMN {old} TO {new}'))
    if postgres:
        for table in FOREIGN_KEYS:
            op.execute(sa.text(
                f'ALTER TABLE "{table}" RENAME CONSTRAINT fk_{table}_{old}_tenants TO fk_{table}_{new}_tenants'
            ))
    op.execute(sa.text(f"DROP INDEX ix_credit_allocation_venues_{old}"))
    op.create_index(f"ix_credit_allocation_venues_{new}", "credit_allocation_venues", [new], unique=False)


def upgrade() -> None:
    _rename("tenant_id", "venue_id")
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(sa.text(
                f"CREATE TRIGGER IF NOT EXISTS ledger_entries_no_{action.lower()} BEFORE {action} ON ledger_entries "
                "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END"
            ))


def downgrade() -> None:
    _rename("venue_id", "tenant_id")
