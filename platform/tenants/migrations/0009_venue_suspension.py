"""Why and since when the platform suspended a venue: its members read the reason.

Revision ID: tenants_0009
Revises: tenants_0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tenants_0009"
down_revision: str | Sequence[str] | None = "tenants_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("suspended_reason", sa.Text(), nullable=True))
    op.add_column("tenants", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("tenants", "suspended_at")
    op.drop_column("tenants", "suspended_reason")
