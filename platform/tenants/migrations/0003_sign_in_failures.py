"""Failed sign-ins by address (hashed), to slow down password guessing.

Revision ID: tenants_0003
Revises: tenants_0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tenants_0003"
down_revision: str | Sequence[str] | None = "tenants_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        "ix_sign_in_failures_email_key_failed_at", "sign_in_failures", ["email_key", "failed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_email_key_failed_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
