"""The audit log: one entry per change a venue member or a platform admin makes.

On PostgreSQL the venue-read policy of every venue-owned table covers it too, for reads: a
venue sees its own entries only, the platform every entry. The web role may add entries
(each with the venue of the row it describes) but no policy lets it change or delete one,
so the log is append-only for the application.

Revision ID: tenants_0010
Revises: tenants_0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from neutralpoint.database.rls import POLICY_NAME, POLICY_PREDICATE

revision: str = "tenants_0010"
down_revision: str | Sequence[str] | None = "tenants_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_POLICY = "audit_append"


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_tenant_at", "audit_entries", ["tenant_id", "at"])
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entries ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE audit_entries FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY_NAME} ON audit_entries FOR SELECT USING {POLICY_PREDICATE}")
        op.execute(f"CREATE POLICY {APPEND_POLICY} ON audit_entries FOR INSERT WITH CHECK (true)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP POLICY IF EXISTS {APPEND_POLICY} ON audit_entries")
        op.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON audit_entries")
    op.drop_index("ix_audit_entries_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_tenant_at", table_name="audit_entries")
    op.drop_table("audit_entries")
