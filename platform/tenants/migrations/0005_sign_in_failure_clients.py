"""Failed sign-ins also keep the client (hashed): waits per client and per address and client.

Revision ID: tenants_0005
Revises: tenants_0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tenants_0005"
down_revision: str | Sequence[str] | None = "tenants_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_failures") as batch:
        batch.add_column(sa.Column("client_key", sa.String(length=64), server_default="", nullable=False))
    op.create_index(
        "ix_sign_in_failures_client_key_failed_at", "sign_in_failures", ["client_key", "failed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_client_key_failed_at", table_name="sign_in_failures")
    with op.batch_alter_table("sign_in_failures") as batch:
        batch.drop_column("client_key")
