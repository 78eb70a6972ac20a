"""Certificates say whether they were paid through a test provider (the sandbox, or Stripe's
test keys), taken from their orders for those issued before.

Revision ID: certificates_0003
Revises: certificates_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "certificates_0003"
down_revision: str | Sequence[str] | None = "certificates_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("test_mode", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE certificates SET test_mode = (SELECT payment_orders.test_mode FROM payment_orders"
        " WHERE payment_orders.id = certificates.order_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("test_mode")
