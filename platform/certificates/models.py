"""Certificates and the public keys that have signed them.

A certificate is a public document, found by its unguessable number from anywhere (the
verify page has no venue in its address), so its row is not tenant-scoped: it keeps its
venue's id as ``venue_id`` (like ``credit_holds``) and a copy of everything it states, as
signed, so that a renamed venue or project cannot change what was certified.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from neutralpoint.database.base import Base, new_id, utcnow


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    VOID = "void"


class Certificate(Base):
    """One fulfilled order's certificate (one per order: ``order_id`` is unique)."""

    __tablename__ = "certificates"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_orders.id"), unique=True)
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    venue_slug: Mapped[str] = mapped_column(String(64))
    order_reference: Mapped[str] = mapped_column(String(32))
    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_sales.id"), unique=True)
    holder: Mapped[str] = mapped_column(String(120))
    holder_is_anonymous: Mapped[bool] = mapped_column(default=False)
    #: The holder's language (the order's): what the PDF and share images are drawn in.
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    venue_name: Mapped[str] = mapped_column(String(200))
    entry_point: Mapped[str] = mapped_column(String(200), default="")
    grams: Mapped[int] = mapped_column(BigInteger)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id"))
    project_name: Mapped[str] = mapped_column(String(200))
    project_registry_id: Mapped[str] = mapped_column(String(120))
    #: ``[{"serial", "lot_id", "tonne_index", "gram_from", "gram_to", "vintage_year"}]``
    pieces: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    factor_set_version: Mapped[str] = mapped_column(String(40), default="")
    #: The sale's ``sell`` entry in the ledger: its chain (a lot's id), position and hash.
    ledger_chain: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    ledger_position: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ledger_hash: Mapped[str] = mapped_column(String(64), default="")
    key_id: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[CertificateStatus] = mapped_column(
        Enum(
            CertificateStatus,
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            length=12,
        ),
        default=CertificateStatus.VALID,
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    #: Paid through a test provider (the sandbox, or Stripe's test keys): no money was taken,
    #: and every page and drawing of it says so.
    test_mode: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The SHA-256 of the payload signed before the holder's name was taken off (their
    #: personal footprint deleted): copies printed or shared before still verify.
    earlier_payload_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")


class CertificateKey(Base):
    """A public key that has signed certificates; published as long as its row exists."""

    __tablename__ = "certificate_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    first_used_at: Mapped[datetime] = mapped_column(default=utcnow)


class CertificateRendering(Base):
    """A certificate drawn once (PDF, share card or share poster, in one language) and kept,
    so that a second request serves the same bytes instead of drawing it again.

    ``fingerprint`` sums up what the drawing showed (the status, the retirement, the
    venue's colour and logo): when it no longer matches, the rendering is drawn again.
    """

    __tablename__ = "certificate_renderings"
    __table_args__ = (UniqueConstraint("certificate_id", "kind", "language"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    certificate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)
