"""Orders remember the anonymous visitor who placed them, so that a visitor's personal
footprint lists their orders and certificates across venues (``neutralpoint.impact.footprints``).

Orders placed before this revision by a visitor's footprint take that footprint's visitor.

Revision ID: payments_0002
Revises: payments_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "payments_0002"
down_revision: str | Sequence[str] | None = "payments_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("scenarios_0001",)


def upgrade() -> None:
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visitor_id", sa.Uuid(), nullable=True))
        batch_op.create_index("ix_payment_orders_visitor", ["visitor_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("select set_config('app.scopes_disabled', 'on', true)"))
    op.execute(
        "UPDATE payment_orders SET visitor_id = (SELECT estimates.visitor_id FROM estimates"
        " WHERE estimates.id = payment_orders.estimate_id AND estimates.kind = 'visitor')"
        " WHERE basis = 'estimate' AND estimate_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_orders_visitor")
        batch_op.drop_column("visitor_id")
