"""Estimates and the factor-set versions they used.

Revision ID: scenarios_0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from neutralpoint.database.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "scenarios_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("scenarios",)
depends_on: str | Sequence[str] | None = "tenants_0001"

TENANT_TABLES = ('estimates',)


def upgrade() -> None:
    op.create_table('factor_set_snapshots',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('scenario', sa.String(length=40), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_factor_set_snapshots')),
    sa.UniqueConstraint('scenario', 'version', name=op.f('uq_factor_set_snapshots_scenario_version'))
    )

    op.create_table('estimates',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entry_point_id', sa.Uuid(), nullable=True),
    sa.Column('visitor_id', sa.Uuid(), nullable=False),
    sa.Column('scenario', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('scenario_name', sa.JSON(), nullable=False),
    sa.Column('factor_set_version', sa.String(length=40), nullable=False),
    sa.Column('factor_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('total_grams', sa.BigInteger(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['entry_point_id'], ['entry_points.id'], name=op.f('fk_estimates_entry_point_id_entry_points'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_estimates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_estimates'))
    )
    with op.batch_alter_table('estimates', schema=None) as batch_op:
        batch_op.create_index('ix_estimates_tenant_entry', ['tenant_id', 'entry_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_estimates_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_estimates_tenant_visitor', ['tenant_id', 'visitor_id'], unique=False)

    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_table('estimates')
    op.drop_table('factor_set_snapshots')
