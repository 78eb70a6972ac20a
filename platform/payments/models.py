"""Orders and what happens to them: transitions, provider events, fulfilments, refunds."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from neutralpoint.database.base import Base, TenantScoped, new_id, utcnow
from neutralpoint.tenants.audit import Audited


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, values_callable=lambda e: [m.value for m in e], native_enum=False, length=24)


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    FULFILLED = "fulfilled"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class OrderBasis(enum.StrEnum):
    """What the buyer asked for: their footprint, a mass, an amount of money, or the whole event."""

    ESTIMATE = "estimate"
    MASS = "mass"
    AMOUNT = "amount"
    EVENT = "event"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Order(TenantScoped, Base):
    """One purchase of credits at a venue; its ``reference`` is also the credits' order_ref."""

    __tablename__ = "payment_orders"
    __table_args__ = (
        Index("ix_payment_orders_tenant_created", "tenant_id", "created_at"),
        Index("ix_payment_orders_status_expires", "status", "expires_at"),
        Index("ix_payment_orders_visitor", "visitor_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    basis: Mapped[OrderBasis] = mapped_column(_enum(OrderBasis))
    estimate_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    entry_point_code: Mapped[str] = mapped_column(String(64), default="")
    allocation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_allocations.id"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id"), index=True)
    grams: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    owner_minor: Mapped[int] = mapped_column(BigInteger)
    platform_minor: Mapped[int] = mapped_column(BigInteger)
    venue_minor: Mapped[int] = mapped_column(BigInteger)
    buyer_name: Mapped[str] = mapped_column(String(120))
    buyer_email: Mapped[str] = mapped_column(String(254), default="")
    #: The anonymous visitor who ordered (``neutralpoint.impact.footprints``), when known.
    visitor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), default=OrderStatus.DRAFT)
    provider: Mapped[str] = mapped_column(String(20))
    test_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    expires_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(254), default="visitor")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)
    fulfilled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(nullable=True)


class OrderTransition(TenantScoped, Base):
    """One change of an order's status (or a payment step within one), with its cause."""

    __tablename__ = "payment_order_transitions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    cause: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Fulfilment(TenantScoped, Base):
    """A paid order's credits assigned: one per order, the row a certificate hangs on."""

    __tablename__ = "payment_fulfilments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_orders.id"), unique=True)
    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_sales.id"), unique=True)
    grams: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refund(TenantScoped, Audited, Base):
    """A whole order's money sent back through its provider."""

    __tablename__ = "payment_refunds"
    __audit_entity__ = "refund"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_orders.id"), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[RefundStatus] = mapped_column(_enum(RefundStatus), default=RefundStatus.PENDING)
    cause: Mapped[str] = mapped_column(String(60))
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    released_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    retained_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    actor: Mapped[str] = mapped_column(String(254))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ProviderEvent(Base):
    """A provider's event, stored once by its id so a redelivery is acknowledged and ignored."""

    __tablename__ = "payment_provider_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(80))
    payment_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxPayment(Base):
    """The sandbox provider's own record of a payment: what Stripe would keep on its side."""

    __tablename__ = "payment_sandbox_payments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_reference: Mapped[str] = mapped_column(String(32), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
