"""Certificates keep their holder's language and their drawings (PDF, share card, share poster).

Revision ID: certificates_0002
Revises: certificates_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "certificates_0002"
down_revision: str | Sequence[str] | None = "certificates_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=10), server_default="en", nullable=False))
    op.create_table(
        "certificate_renderings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            ondelete="CASCADE",
            name="fk_certificate_renderings_certificate_id_certificates",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_certificate_renderings"),
        sa.UniqueConstraint(
            "certificate_id", "kind", "language", name="uq_certificate_renderings_certificate_id_kind_language"
        ),
    )


def downgrade() -> None:
    op.drop_table("certificate_renderings")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("language")
