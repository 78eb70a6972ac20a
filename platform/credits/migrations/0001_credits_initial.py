"""Credit supply: owners, projects, lots, allocations, reservations, sales, serial pieces,
retirements and the hash-chained ledger.

Revision ID: credits_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from neutralpoint.database.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "credits_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("credits",)
depends_on: str | Sequence[str] | None = "tenants_0001"

TENANT_TABLES = ('credit_venue_offers', 'credit_reservations', 'credit_sales', 'credit_pieces')
GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table('credit_project_owners',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('payout_details', sa.Text(), nullable=False),
    sa.Column('payout_currency', sa.String(length=3), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_project_owners'))
    )
    op.create_table('ledger_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Enum('acquire', 'allocate', 'reserve', 'release', 'sell', 'assign', 'retire', 'refund', 'correction', name='ledgerkind', native_enum=False, length=24), nullable=False),
    sa.Column('lot_id', sa.Uuid(), nullable=True),
    sa.Column('allocation_id', sa.Uuid(), nullable=True),
    sa.Column('sale_id', sa.Uuid(), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=True),
    sa.Column('order_ref', sa.String(length=64), nullable=True),
    sa.Column('grams', sa.BigInteger(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('seq', name=op.f('uq_ledger_entries_seq'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_order_ref'), ['order_ref'], unique=False)

    op.create_table('ledger_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_head'))
    )
    op.create_table('credit_projects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('registry_code', sa.String(length=20), nullable=False),
    sa.Column('registry_project_id', sa.String(length=80), nullable=False),
    sa.Column('registry_url', sa.String(length=500), nullable=False),
    sa.Column('project_type', sa.String(length=40), nullable=False),
    sa.Column('methodology', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('latitude', sa.String(length=16), nullable=True),
    sa.Column('longitude', sa.String(length=16), nullable=True),
    sa.Column('retirement_jurisdiction', sa.String(length=120), nullable=False),
    sa.Column('retirement_beneficiary', sa.String(length=300), nullable=False),
    sa.Column('sdgs', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'active', 'archived', name='projectstatus', native_enum=False, length=24), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['credit_project_owners.id'], name=op.f('fk_credit_projects_owner_id_credit_project_owners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_projects')),
    sa.UniqueConstraint('registry_code', 'registry_project_id', name=op.f('uq_credit_projects_registry_code_registry_project_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_credit_projects_slug'))
    )
    with op.batch_alter_table('credit_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_projects_owner_id'), ['owner_id'], unique=False)

    op.create_table('credit_lots',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('vintage_year', sa.Integer(), nullable=False),
    sa.Column('serial_first', sa.String(length=200), nullable=False),
    sa.Column('serial_last', sa.String(length=200), nullable=False),
    sa.Column('serial_prefix', sa.String(length=200), nullable=False),
    sa.Column('serial_suffix', sa.String(length=200), nullable=False),
    sa.Column('serial_width', sa.Integer(), nullable=False),
    sa.Column('serial_block_notation', sa.Boolean(), nullable=False),
    sa.Column('serial_first_number', sa.BigInteger(), nullable=False),
    sa.Column('serial_last_number', sa.BigInteger(), nullable=False),
    sa.Column('quantity_tonnes', sa.BigInteger(), nullable=False),
    sa.Column('unit_cost_minor', sa.BigInteger(), nullable=False),
    sa.Column('cost_currency', sa.String(length=3), nullable=False),
    sa.Column('acquired_on', sa.Date(), nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=True),
    sa.Column('evidence_content_type', sa.String(length=100), nullable=True),
    sa.Column('evidence_filename', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('allocated_grams', sa.BigInteger(), nullable=False),
    sa.Column('reserved_grams', sa.BigInteger(), nullable=False),
    sa.Column('sold_grams', sa.BigInteger(), nullable=False),
    sa.Column('retired_grams', sa.BigInteger(), nullable=False),
    sa.Column('fill_cursor', sa.BigInteger(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('allocated_grams >= 0', name=op.f('ck_credit_lots_allocated_not_negative')),
    sa.CheckConstraint('reserved_grams + sold_grams <= quantity_tonnes * 1000000', name=op.f('ck_credit_lots_held_within_quantity')),
    sa.CheckConstraint('reserved_grams >= 0', name=op.f('ck_credit_lots_reserved_not_negative')),
    sa.CheckConstraint('sold_grams >= 0', name=op.f('ck_credit_lots_sold_not_negative')),
    sa.ForeignKeyConstraint(['project_id'], ['credit_projects.id'], name=op.f('fk_credit_lots_project_id_credit_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_lots'))
    )
    with op.batch_alter_table('credit_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_lots_project_id'), ['project_id'], unique=False)

    op.create_table('credit_project_photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('caption', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['credit_projects.id'], name=op.f('fk_credit_project_photos_project_id_credit_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_project_photos'))
    )
    with op.batch_alter_table('credit_project_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_project_photos_project_id'), ['project_id'], unique=False)

    op.create_table('credit_retirement_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('beneficiary', sa.String(length=300), nullable=False),
    sa.Column('adapter', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('pending', 'awaiting_reference', 'retired', 'failed', name='retirementstatus', native_enum=False, length=24), nullable=False),
    sa.Column('tonnes', sa.Integer(), nullable=False),
    sa.Column('serials', sa.JSON(), nullable=False),
    sa.Column('registry_reference', sa.String(length=200), nullable=True),
    sa.Column('registry_url', sa.String(length=500), nullable=True),
    sa.Column('evidence', sa.LargeBinary(), nullable=True),
    sa.Column('evidence_content_type', sa.String(length=100), nullable=True),
    sa.Column('evidence_filename', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['credit_projects.id'], name=op.f('fk_credit_retirement_requests_project_id_credit_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_retirement_requests'))
    )
    with op.batch_alter_table('credit_retirement_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_retirement_requests_project_id'), ['project_id'], unique=False)

    op.create_table('credit_allocations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('lot_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('grams_offered', sa.BigInteger(), nullable=False),
    sa.Column('reserved_grams', sa.BigInteger(), nullable=False),
    sa.Column('sold_grams', sa.BigInteger(), nullable=False),
    sa.Column('all_venues', sa.Boolean(), nullable=False),
    sa.Column('price_per_tonne_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner_bp', sa.Integer(), nullable=False),
    sa.Column('platform_bp', sa.Integer(), nullable=False),
    sa.Column('venue_bp', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'withdrawn', name='allocationstatus', native_enum=False, length=24), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('owner_bp + platform_bp + venue_bp = 10000', name=op.f('ck_credit_allocations_split_is_whole')),
    sa.CheckConstraint('price_per_tonne_minor > 0', name=op.f('ck_credit_allocations_price_positive')),
    sa.CheckConstraint('reserved_grams + sold_grams <= grams_offered', name=op.f('ck_credit_allocations_held_within_offer')),
    sa.CheckConstraint('reserved_grams >= 0', name=op.f('ck_credit_allocations_reserved_not_negative')),
    sa.CheckConstraint('sold_grams >= 0', name=op.f('ck_credit_allocations_sold_not_negative')),
    sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id'], name=op.f('fk_credit_allocations_lot_id_credit_lots')),
    sa.ForeignKeyConstraint(['project_id'], ['credit_projects.id'], name=op.f('fk_credit_allocations_project_id_credit_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_allocations'))
    )
    with op.batch_alter_table('credit_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_allocations_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_allocations_project_id'), ['project_id'], unique=False)

    op.create_table('credit_free_ranges',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('lot_id', sa.Uuid(), nullable=False),
    sa.Column('tonne_index', sa.BigInteger(), nullable=False),
    sa.Column('gram_from', sa.Integer(), nullable=False),
    sa.Column('gram_to', sa.Integer(), nullable=False),
    sa.CheckConstraint('gram_from >= 0 AND gram_from < gram_to AND gram_to <= 1000000', name=op.f('ck_credit_free_ranges_within_tonne')),
    sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id'], name=op.f('fk_credit_free_ranges_lot_id_credit_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_free_ranges'))
    )
    with op.batch_alter_table('credit_free_ranges', schema=None) as batch_op:
        batch_op.create_index('ix_credit_free_ranges_lot_tonne', ['lot_id', 'tonne_index', 'gram_from'], unique=False)

    op.create_table('credit_tonnes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('lot_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('tonne_index', sa.BigInteger(), nullable=False),
    sa.Column('serial', sa.String(length=220), nullable=False),
    sa.Column('beneficiary', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('due', 'retiring', 'retired', name='tonnestatus', native_enum=False, length=24), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id'], name=op.f('fk_credit_tonnes_lot_id_credit_lots')),
    sa.ForeignKeyConstraint(['project_id'], ['credit_projects.id'], name=op.f('fk_credit_tonnes_project_id_credit_projects')),
    sa.ForeignKeyConstraint(['request_id'], ['credit_retirement_requests.id'], name=op.f('fk_credit_tonnes_request_id_credit_retirement_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_tonnes')),
    sa.UniqueConstraint('lot_id', 'tonne_index', name=op.f('uq_credit_tonnes_lot_id_tonne_index'))
    )
    with op.batch_alter_table('credit_tonnes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_tonnes_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_tonnes_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_credit_tonnes_status', ['status'], unique=False)

    op.create_table('credit_allocation_venues',
    sa.Column('allocation_id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['allocation_id'], ['credit_allocations.id'], name=op.f('fk_credit_allocation_venues_allocation_id_credit_allocations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_credit_allocation_venues_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('allocation_id', 'tenant_id', name=op.f('pk_credit_allocation_venues'))
    )
    with op.batch_alter_table('credit_allocation_venues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_allocation_venues_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('credit_reservations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_ref', sa.String(length=64), nullable=False),
    sa.Column('allocation_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('grams', sa.BigInteger(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('reserved', 'sold', 'released', 'expired', name='reservationstatus', native_enum=False, length=24), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['allocation_id'], ['credit_allocations.id'], name=op.f('fk_credit_reservations_allocation_id_credit_allocations')),
    sa.ForeignKeyConstraint(['project_id'], ['credit_projects.id'], name=op.f('fk_credit_reservations_project_id_credit_projects')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_credit_reservations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_reservations')),
    sa.UniqueConstraint('order_ref', name=op.f('uq_credit_reservations_order_ref'))
    )
    with op.batch_alter_table('credit_reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_reservations_allocation_id'), ['allocation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_reservations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('credit_venue_offers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('allocation_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('visible', sa.Boolean(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['allocation_id'], ['credit_allocations.id'], name=op.f('fk_credit_venue_offers_allocation_id_credit_allocations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_credit_venue_offers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_venue_offers')),
    sa.UniqueConstraint('tenant_id', 'allocation_id', name=op.f('uq_credit_venue_offers_tenant_id_allocation_id'))
    )
    with op.batch_alter_table('credit_venue_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_venue_offers_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('credit_holds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reservation_id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('order_ref', sa.String(length=64), nullable=False),
    sa.Column('allocation_id', sa.Uuid(), nullable=False),
    sa.Column('lot_id', sa.Uuid(), nullable=False),
    sa.Column('grams', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('held', 'sold', 'released', 'expired', name='holdstatus', native_enum=False, length=24), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['allocation_id'], ['credit_allocations.id'], name=op.f('fk_credit_holds_allocation_id_credit_allocations')),
    sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id'], name=op.f('fk_credit_holds_lot_id_credit_lots')),
    sa.ForeignKeyConstraint(['reservation_id'], ['credit_reservations.id'], name=op.f('fk_credit_holds_reservation_id_credit_reservations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_credit_holds_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_holds'))
    )
    with op.batch_alter_table('credit_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_holds_allocation_id'), ['allocation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_holds_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_holds_reservation_id'), ['reservation_id'], unique=False)
        batch_op.create_index('ix_credit_holds_status_expires', ['status', 'expires_at'], unique=False)

    op.create_table('credit_sales',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_ref', sa.String(length=64), nullable=False),
    sa.Column('reservation_id', sa.Uuid(), nullable=False),
    sa.Column('allocation_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('grams', sa.BigInteger(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('owner_minor', sa.BigInteger(), nullable=False),
    sa.Column('platform_minor', sa.BigInteger(), nullable=False),
    sa.Column('venue_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('paid', 'refunded', name='salestatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('owner_minor + platform_minor + venue_minor = amount_minor', name=op.f('ck_credit_sales_split_adds_up')),
    sa.ForeignKeyConstraint(['allocation_id'], ['credit_allocations.id'], name=op.f('fk_credit_sales_allocation_id_credit_allocations')),
    sa.ForeignKeyConstraint(['project_id'], ['credit_projects.id'], name=op.f('fk_credit_sales_project_id_credit_projects')),
    sa.ForeignKeyConstraint(['reservation_id'], ['credit_reservations.id'], name=op.f('fk_credit_sales_reservation_id_credit_reservations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_credit_sales_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_sales')),
    sa.UniqueConstraint('order_ref', name=op.f('uq_credit_sales_order_ref'))
    )
    with op.batch_alter_table('credit_sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_sales_allocation_id'), ['allocation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_sales_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_sales_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('credit_pieces',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sale_id', sa.Uuid(), nullable=False),
    sa.Column('lot_id', sa.Uuid(), nullable=False),
    sa.Column('allocation_id', sa.Uuid(), nullable=False),
    sa.Column('tonne_index', sa.BigInteger(), nullable=False),
    sa.Column('serial', sa.String(length=220), nullable=False),
    sa.Column('gram_from', sa.Integer(), nullable=False),
    sa.Column('gram_to', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'refunded', 'retained', name='piecestatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('gram_from >= 0 AND gram_from < gram_to AND gram_to <= 1000000', name=op.f('ck_credit_pieces_within_tonne')),
    sa.ForeignKeyConstraint(['allocation_id'], ['credit_allocations.id'], name=op.f('fk_credit_pieces_allocation_id_credit_allocations')),
    sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id'], name=op.f('fk_credit_pieces_lot_id_credit_lots')),
    sa.ForeignKeyConstraint(['sale_id'], ['credit_sales.id'], name=op.f('fk_credit_pieces_sale_id_credit_sales')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_credit_pieces_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_pieces'))
    )
    with op.batch_alter_table('credit_pieces', schema=None) as batch_op:
        batch_op.create_index('ix_credit_pieces_lot_tonne', ['lot_id', 'tonne_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_pieces_sale_id'), ['sale_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_pieces_tenant_id'), ['tenant_id'], unique=False)

    # The chain starts from a fixed genesis hash; writers lock this row (see credits/ledger.py).
    op.execute(sa.text(f"INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')"))
    # Append-only: on PostgreSQL the application role loses UPDATE and DELETE on the table
    # (database/migrate.py); SQLite has no roles, so triggers refuse both.
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(sa.text(
                f"CREATE TRIGGER ledger_entries_no_{action.lower()} BEFORE {action} ON ledger_entries "
                "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END"
            ))

    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    if op.get_bind().dialect.name == "sqlite":
        for action in ("update", "delete"):
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS ledger_entries_no_{action}"))
    op.drop_table('credit_pieces')
    op.drop_table('credit_sales')
    op.drop_table('credit_holds')
    op.drop_table('credit_venue_offers')
    op.drop_table('credit_reservations')
    op.drop_table('credit_allocation_venues')
    op.drop_table('credit_tonnes')
    op.drop_table('credit_free_ranges')
    op.drop_table('credit_allocations')
    op.drop_table('credit_retirement_requests')
    op.drop_table('credit_project_photos')
    op.drop_table('credit_lots')
    op.drop_table('credit_projects')
    op.drop_table('ledger_head')
    op.drop_table('ledger_entries')
    op.drop_table('credit_project_owners')
