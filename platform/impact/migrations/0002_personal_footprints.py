"""Personal footprints: histories (a person's browsers joined, and the e-mail address that
keeps them), the browsers' anonymous visitor ids, and the mailed sign-in links (their
SHA-256 only).

None is venue-owned (no ``tenant_id``, so no row-level security policy, like the
leaderboards' tables and ``sign_in_failures``): they hold visitor ids and an address; the
estimates and orders a history finds stay behind their venues' policies.

Revision ID: impact_0002
Revises: impact_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "impact_0002"
down_revision: str | Sequence[str] | None = "impact_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "footprint_histories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_footprint_histories"),
        sa.UniqueConstraint("email", name="uq_footprint_histories_email"),
    )
    op.create_table(
        "footprint_visitors",
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("history_id", sa.Uuid(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["history_id"], ["footprint_histories.id"], ondelete="CASCADE",
            name="fk_footprint_visitors_history_id_footprint_histories",
        ),
        sa.PrimaryKeyConstraint("visitor_id", name="pk_footprint_visitors"),
    )
    op.create_index("ix_footprint_visitors_history_id", "footprint_visitors", ["history_id"], unique=False)
    op.create_table(
        "footprint_sign_in_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_footprint_sign_in_links"),
        sa.UniqueConstraint("token_hash", name="uq_footprint_sign_in_links_token_hash"),
    )
    op.create_index("ix_footprint_sign_in_links_email", "footprint_sign_in_links", ["email"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_footprint_sign_in_links_email", table_name="footprint_sign_in_links")
    op.drop_table("footprint_sign_in_links")
    op.drop_index("ix_footprint_visitors_history_id", table_name="footprint_visitors")
    op.drop_table("footprint_visitors")
    op.drop_table("footprint_histories")
