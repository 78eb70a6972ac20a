"""Impact: the leaderboards' standings and tallies (a projection of the certificates) and
the holders' listing choices.

Certificates issued before this revision reach the boards with ``neutralpoint impact
rebuild`` (the boards follow new certificates by themselves).

Revision ID: impact_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "impact_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("impact",)
depends_on: str | Sequence[str] | None = ("certificates_0001",)

VISIBILITY = sa.Enum("named", "anonymous", "hidden", name="visibility", native_enum=False, length=12)


def upgrade() -> None:
    op.create_table(
        "impact_standings",
        sa.Column("board", sa.String(length=48), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"], ondelete="CASCADE",
            name="fk_impact_standings_certificate_id_certificates",
        ),
        sa.PrimaryKeyConstraint("board", "period", "certificate_id", name="pk_impact_standings"),
    )
    op.create_index("ix_impact_standings_board_grams", "impact_standings", ["board", "period", "grams"])
    op.create_index("ix_impact_standings_certificate_id", "impact_standings", ["certificate_id"])
    op.create_table(
        "impact_tallies",
        sa.Column("board", sa.String(length=48), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("board", "period", "bucket", name="pk_impact_tallies"),
    )
    op.create_table(
        "impact_listings",
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("visibility", VISIBILITY, nullable=False),
        sa.Column("public_name", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"], ondelete="CASCADE",
            name="fk_impact_listings_certificate_id_certificates",
        ),
        sa.PrimaryKeyConstraint("certificate_id", name="pk_impact_listings"),
    )


def downgrade() -> None:
    op.drop_table("impact_listings")
    op.drop_table("impact_tallies")
    op.drop_index("ix_impact_standings_certificate_id", table_name="impact_standings")
    op.drop_index("ix_impact_standings_board_grams", table_name="impact_standings")
    op.drop_table("impact_standings")
