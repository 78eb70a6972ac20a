"""A sale says whether its order was paid in test mode (the sandbox, or Stripe's test keys),
so that the platform's revenue counts live sales alone and shows test-mode ones apart;
taken from the orders for the sales made before.

Revision ID: credits_0004
Revises: credits_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "credits_0004"
down_revision: str | Sequence[str] | None = "credits_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("payments_0001",)


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: SQLite's batch mode would copy and drop the table,
    # which the pieces, fulfilments and certificates that refer to it forbid.
    op.add_column("credit_sales", sa.Column("test_mode", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE credit_sales SET test_mode = COALESCE((SELECT payment_orders.test_mode FROM payment_orders"
        " WHERE payment_orders.reference = credit_sales.order_ref"
        " AND payment_orders.tenant_id = credit_sales.tenant_id), test_mode)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE credit_sales DROP COLUMN test_mode")
