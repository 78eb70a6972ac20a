"""A venue's own host name is served only once proven: the claim, its token and the proof.

``custom_host`` keeps its meaning of "the host that serves the venue", now only a proven one.
A host a venue had set before is not known to be its own, so it becomes a pending claim with a
fresh token: the venue proves it (DNS TXT record or a page on the host) and it serves again.

Revision ID: tenants_0007
Revises: tenants_0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "tenants_0007"
down_revision: str | Sequence[str] | None = "tenants_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("host_proven_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tenants", sa.Column("host_proof", sa.String(length=8), nullable=True))
    op.add_column("tenants", sa.Column("host_claim", sa.String(length=253), nullable=True))
    op.add_column("tenants", sa.Column("host_claim_token", sa.String(length=64), nullable=True))
    op.add_column("tenants", sa.Column("host_claimed_at", sa.DateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    tenants = sa.table(
        "tenants",
        sa.column("id", sa.Uuid()),
        sa.column("custom_host", sa.String()),
        sa.column("host_claim", sa.String()),
        sa.column("host_claim_token", sa.String()),
        sa.column("host_claimed_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    claimed = bind.execute(sa.select(tenants.c.id, tenants.c.custom_host).where(tenants.c.custom_host.is_not(None)))
    for row in claimed.all():
        bind.execute(
            tenants.update()
            .where(tenants.c.id == row.id)
            .values(
                custom_host=None,
                host_claim=row.custom_host,
                host_claim_token=secrets.token_urlsafe(24),
                host_claimed_at=now,
            )
        )


def downgrade() -> None:
    op.drop_column("tenants", "host_claimed_at")
    op.drop_column("tenants", "host_claim_token")
    op.drop_column("tenants", "host_claim")
    op.drop_column("tenants", "host_proof")
    op.drop_column("tenants", "host_proven_at")
