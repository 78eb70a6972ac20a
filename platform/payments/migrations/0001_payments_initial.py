"""Payments: orders and their transitions, fulfilments, refunds, provider events and the
sandbox provider's payments.

Revision ID: payments_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from neutralpoint.database.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "payments_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("payments",)
depends_on: str | Sequence[str] | None = ("tenants_0001", "credits_0002")

TENANT_TABLES = ("payment_orders", "payment_order_transitions", "payment_fulfilments", "payment_refunds")
ORDER_STATUS = sa.Enum(
    "draft", "awaiting_payment", "paid", "fulfilled", "failed", "expired", "cancelled", "refunded",
    name="orderstatus", native_enum=False, length=24,
)
ORDER_BASIS = sa.Enum("estimate", "mass", "amount", "event", name="orderbasis", native_enum=False, length=24)
REFUND_STATUS = sa.Enum("pending", "succeeded", "failed", name="refundstatus", native_enum=False, length=24)


def _tenant_id(table: str) -> sa.Column[Any]:
    foreign_key = sa.ForeignKey("tenants.id", ondelete="CASCADE", name=f"fk_{table}_tenant_id_tenants")
    return sa.Column("tenant_id", sa.Uuid(), foreign_key, nullable=False)


def upgrade() -> None:
    op.create_table(
        "payment_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("basis", ORDER_BASIS, nullable=False),
        sa.Column("estimate_id", sa.Uuid(), nullable=True),
        sa.Column("entry_point_code", sa.String(length=64), nullable=False),
        sa.Column("allocation_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("owner_minor", sa.BigInteger(), nullable=False),
        sa.Column("platform_minor", sa.BigInteger(), nullable=False),
        sa.Column("venue_minor", sa.BigInteger(), nullable=False),
        sa.Column("buyer_name", sa.String(length=120), nullable=False),
        sa.Column("buyer_email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("status", ORDER_STATUS, nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("payment_id", sa.String(length=255), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        _tenant_id("payment_orders"),
        sa.ForeignKeyConstraint(["allocation_id"], ["credit_allocations.id"], name="fk_payment_orders_allocation_id_credit_allocations"),
        sa.ForeignKeyConstraint(["project_id"], ["credit_projects.id"], name="fk_payment_orders_project_id_credit_projects"),
        sa.PrimaryKeyConstraint("id", name="pk_payment_orders"),
        sa.UniqueConstraint("reference", name="uq_payment_orders_reference"),
        sa.UniqueConstraint("payment_id", name="uq_payment_orders_payment_id"),
    )
    op.create_index("ix_payment_orders_tenant_id", "payment_orders", ["tenant_id"])
    op.create_index("ix_payment_orders_estimate_id", "payment_orders", ["estimate_id"])
    op.create_index("ix_payment_orders_allocation_id", "payment_orders", ["allocation_id"])
    op.create_index("ix_payment_orders_project_id", "payment_orders", ["project_id"])
    op.create_index("ix_payment_orders_tenant_created", "payment_orders", ["tenant_id", "created_at"])
    op.create_index("ix_payment_orders_status_expires", "payment_orders", ["status", "expires_at"])

    op.create_table(
        "payment_order_transitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("cause", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _tenant_id("payment_order_transitions"),
        sa.ForeignKeyConstraint(["order_id"], ["payment_orders.id"], ondelete="CASCADE", name="fk_payment_order_transitions_order_id_payment_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_payment_order_transitions"),
    )
    op.create_index("ix_payment_order_transitions_tenant_id", "payment_order_transitions", ["tenant_id"])
    op.create_index("ix_payment_order_transitions_order_id", "payment_order_transitions", ["order_id"])

    op.create_table(
        "payment_fulfilments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("sale_id", sa.Uuid(), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_id("payment_fulfilments"),
        sa.ForeignKeyConstraint(["order_id"], ["payment_orders.id"], name="fk_payment_fulfilments_order_id_payment_orders"),
        sa.ForeignKeyConstraint(["sale_id"], ["credit_sales.id"], name="fk_payment_fulfilments_sale_id_credit_sales"),
        sa.PrimaryKeyConstraint("id", name="pk_payment_fulfilments"),
        sa.UniqueConstraint("order_id", name="uq_payment_fulfilments_order_id"),
        sa.UniqueConstraint("sale_id", name="uq_payment_fulfilments_sale_id"),
    )
    op.create_index("ix_payment_fulfilments_tenant_id", "payment_fulfilments", ["tenant_id"])

    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", REFUND_STATUS, nullable=False),
        sa.Column("cause", sa.String(length=60), nullable=False),
        sa.Column("provider_refund_id", sa.String(length=255), nullable=True),
        sa.Column("released_grams", sa.BigInteger(), nullable=False),
        sa.Column("retained_grams", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        _tenant_id("payment_refunds"),
        sa.ForeignKeyConstraint(["order_id"], ["payment_orders.id"], name="fk_payment_refunds_order_id_payment_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_payment_refunds"),
        sa.UniqueConstraint("order_id", name="uq_payment_refunds_order_id"),
    )
    op.create_index("ix_payment_refunds_tenant_id", "payment_refunds", ["tenant_id"])

    op.create_table(
        "payment_provider_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("payment_id", sa.String(length=255), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_provider_events"),
    )
    op.create_index("ix_payment_provider_events_payment_id", "payment_provider_events", ["payment_id"])

    op.create_table(
        "payment_sandbox_payments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_reference", sa.String(length=32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_sandbox_payments"),
        sa.UniqueConstraint("order_reference", name="uq_payment_sandbox_payments_order_reference"),
    )
    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_table("payment_sandbox_payments")
    op.drop_index("ix_payment_provider_events_payment_id", table_name="payment_provider_events")
    op.drop_table("payment_provider_events")
    op.drop_index("ix_payment_refunds_tenant_id", table_name="payment_refunds")
    op.drop_table("payment_refunds")
    op.drop_index("ix_payment_fulfilments_tenant_id", table_name="payment_fulfilments")
    op.drop_table("payment_fulfilments")
    op.drop_index("ix_payment_order_transitions_order_id", table_name="payment_order_transitions")
    op.drop_index("ix_payment_order_transitions_tenant_id", table_name="payment_order_transitions")
    op.drop_table("payment_order_transitions")
    for name in (
        "ix_payment_orders_status_expires", "ix_payment_orders_tenant_created", "ix_payment_orders_project_id",
        "ix_payment_orders_allocation_id", "ix_payment_orders_estimate_id", "ix_payment_orders_tenant_id",
    ):
        op.drop_index(name, table_name="payment_orders")
    op.drop_table("payment_orders")
