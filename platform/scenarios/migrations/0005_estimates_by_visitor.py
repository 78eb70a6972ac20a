"""A visitor's estimates are found across venues (their personal footprint): the index on
``(tenant_id, visitor_id)`` becomes ``(visitor_id, tenant_id)``, which serves both that and
a venue's own lookup of its visitor, with no more indexes for a QR burst's writes to keep.

Revision ID: scenarios_0005
Revises: scenarios_0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "scenarios_0005"
down_revision: str | Sequence[str] | None = "scenarios_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("estimates", schema=None) as batch_op:
        batch_op.drop_index("ix_estimates_tenant_visitor")
        batch_op.create_index("ix_estimates_visitor_tenant", ["visitor_id", "tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("estimates", schema=None) as batch_op:
        batch_op.drop_index("ix_estimates_visitor_tenant")
        batch_op.create_index("ix_estimates_tenant_visitor", ["tenant_id", "visitor_id"], unique=False)
