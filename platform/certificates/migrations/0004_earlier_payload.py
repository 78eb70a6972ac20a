"""A certificate whose holder deleted their personal footprint is signed again without
their name; the SHA-256 of the payload signed before is kept, so copies of it still verify.

Revision ID: certificates_0004
Revises: certificates_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "certificates_0004"
down_revision: str | Sequence[str] | None = "certificates_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("earlier_payload_sha256", sa.String(length=64), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("earlier_payload_sha256")
