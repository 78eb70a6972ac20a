"""An organiser's whole-event footprint has no visitor id; who computed it is kept apart.

Organiser estimates were stored with the manager's user id as their visitor id, which put
them in the public history of a "visitor" with that id. Existing rows move that id to
``created_by`` (when the user still exists) and lose their visitor id.

Revision ID: scenarios_0004
Revises: scenarios_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "scenarios_0004"
down_revision: str | Sequence[str] | None = "scenarios_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "tenants_0001"


def _every_venue() -> None:
    """Row-level security would hide every venue's rows from this transaction otherwise."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("select set_config('app.scopes_disabled', 'on', true)"))


def upgrade() -> None:
    with op.batch_alter_table("estimates") as batch:
        batch.add_column(sa.Column("created_by", sa.Uuid(), nullable=True))
        batch.alter_column("visitor_id", existing_type=sa.Uuid(), nullable=True)
        batch.create_foreign_key(
            batch.f("fk_estimates_created_by_users"), "users", ["created_by"], ["id"], ondelete="SET NULL"
        )
    _every_venue()
    op.execute(
        sa.text(
            "UPDATE estimates SET created_by = visitor_id "
            "WHERE kind = 'organiser' AND visitor_id IN (SELECT id FROM users)"
        )
    )
    op.execute(sa.text("UPDATE estimates SET visitor_id = NULL WHERE kind = 'organiser'"))


def downgrade() -> None:
    _every_venue()
    # Organiser rows get their author's id back as visitor id (or a fixed placeholder
    # when the author is gone), as before this revision.
    op.execute(
        sa.text(
            "UPDATE estimates SET visitor_id = COALESCE(created_by, tenant_id) "
            "WHERE visitor_id IS NULL"
        )
    )
    with op.batch_alter_table("estimates") as batch:
        batch.drop_constraint("fk_estimates_created_by_users", type_="foreignkey")
        batch.alter_column("visitor_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_column("created_by")
