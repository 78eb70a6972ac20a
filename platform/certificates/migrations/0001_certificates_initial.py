"""Certificates: one per fulfilled order, and the public keys that signed them.

Revision ID: certificates_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "certificates_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("certificates",)
depends_on: str | Sequence[str] | None = ("payments_0001",)

STATUS = sa.Enum("valid", "void", name="certificatestatus", native_enum=False, length=12)


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("venue_id", sa.Uuid(), nullable=False),
        sa.Column("venue_slug", sa.String(length=64), nullable=False),
        sa.Column("order_reference", sa.String(length=32), nullable=False),
        sa.Column("sale_id", sa.Uuid(), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("holder_is_anonymous", sa.Boolean(), nullable=False),
        sa.Column("venue_name", sa.String(length=200), nullable=False),
        sa.Column("entry_point", sa.String(length=200), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("project_name", sa.String(length=200), nullable=False),
        sa.Column("project_registry_id", sa.String(length=120), nullable=False),
        sa.Column("pieces", sa.JSON(), nullable=False),
        sa.Column("factor_set_version", sa.String(length=40), nullable=False),
        sa.Column("ledger_chain", sa.Uuid(), nullable=True),
        sa.Column("ledger_position", sa.BigInteger(), nullable=True),
        sa.Column("ledger_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["payment_orders.id"], name="fk_certificates_order_id_payment_orders"),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["tenants.id"], ondelete="CASCADE", name="fk_certificates_venue_id_tenants"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["credit_projects.id"], name="fk_certificates_project_id_credit_projects"
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["credit_sales.id"], name="fk_certificates_sale_id_credit_sales"),
        sa.PrimaryKeyConstraint("id", name="pk_certificates"),
        sa.UniqueConstraint("sale_id", name="uq_certificates_sale_id"),
        sa.UniqueConstraint("number", name="uq_certificates_number"),
        sa.UniqueConstraint("order_id", name="uq_certificates_order_id"),
    )
    op.create_index("ix_certificates_venue_id", "certificates", ["venue_id"])
    op.create_table(
        "certificate_keys",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_certificate_keys"),
    )


def downgrade() -> None:
    op.drop_table("certificate_keys")
    op.drop_index("ix_certificates_venue_id", table_name="certificates")
    op.drop_table("certificates")
