"""Venues' measured factor values (factor overrides), with their evidence files.

Revision ID: scenarios_0003
Revises: scenarios_0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from neutralpoint.database.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "scenarios_0003"
down_revision: str | Sequence[str] | None = "scenarios_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("factor_overrides",)


def upgrade() -> None:
    op.create_table(
        "factor_overrides",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("factor_key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=False),
        sa.Column("evidence_content_type", sa.String(length=40), nullable=False),
        sa.Column("evidence_filename", sa.String(length=200), nullable=False),
        sa.Column("evidence_size", sa.Integer(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_factor_overrides_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_factor_overrides_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_overrides")),
        sa.UniqueConstraint(
            "tenant_id", "scenario", "factor_key", name=op.f("uq_factor_overrides_tenant_id_scenario_factor_key")
        ),
    )
    with op.batch_alter_table("factor_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factor_overrides_tenant_id"), ["tenant_id"], unique=False)
    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_table("factor_overrides")
