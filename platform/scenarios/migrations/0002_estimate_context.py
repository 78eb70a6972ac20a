"""Keep each estimate's calculation context (venue location, presets) for recomputation.

Revision ID: scenarios_0002
Revises: scenarios_0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "scenarios_0002"
down_revision: str | Sequence[str] | None = "scenarios_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("estimates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("estimates", schema=None) as batch_op:
        batch_op.drop_column("context")
