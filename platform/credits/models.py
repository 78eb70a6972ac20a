"""Credit supply tables.

Platform tables (not venue-owned; a venue reaches them only through the services):
project owners, projects and their photos, lots, allocations and the venues they are
offered to, stock holds, free gram ranges, tonnes due for retirement, retirement
requests, and the ledger. Stock holds and free ranges are platform rows on purpose:
reserving, expiring and assigning must see every venue's claims on a lot, which row-
level security would hide from a venue's transaction.

Venue-owned tables (``TenantScoped``, row-level security): which offers a venue shows,
its reservations, its sales and the serial pieces assigned to them. A ``tenant_id``
column means exactly that; platform rows that name a venue call it ``venue_id``.

Quantities are integer grams (a tonne is 1,000,000 g), money integer minor units.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from neutralpoint.database.base import Base, TenantScoped, new_id, utcnow
from neutralpoint.tenants.audit import Audited

GRAMS_PER_TONNE = 1_000_000
GENESIS_HASH = "0" * 64
"""What the first entry of every chain (and the first anchor) chains to."""


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class AllocationStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class ReservationStatus(enum.StrEnum):
    RESERVED = "reserved"
    SOLD = "sold"
    RELEASED = "released"
    EXPIRED = "expired"


class HoldStatus(enum.StrEnum):
    HELD = "held"
    SOLD = "sold"
    RELEASED = "released"
    EXPIRED = "expired"


class SaleStatus(enum.StrEnum):
    PAID = "paid"
    REFUNDED = "refunded"


class PieceStatus(enum.StrEnum):
    ACTIVE = "active"
    """Paid and held for the buyer."""
    REFUNDED = "refunded"
    """Refunded before retirement: the grams went back on sale."""
    RETAINED = "retained"
    """Refunded after retirement: the grams stay retired, on the platform's own account."""


class TonneStatus(enum.StrEnum):
    DUE = "due"
    RETIRING = "retiring"
    RETIRED = "retired"


class RetirementStatus(enum.StrEnum):
    PENDING = "pending"
    AWAITING_REFERENCE = "awaiting_reference"
    RETIRED = "retired"
    FAILED = "failed"


class LedgerKind(enum.StrEnum):
    ACQUIRE = "acquire"
    ALLOCATE = "allocate"
    RESERVE = "reserve"
    RELEASE = "release"
    SELL = "sell"
    ASSIGN = "assign"
    RETIRE = "retire"
    REFUND = "refund"
    CORRECTION = "correction"


class ProjectOwner(Audited, Base):
    """The organisation that reduces the emissions and is owed its share of each sale."""

    __tablename__ = "credit_project_owners"
    __audit_entity__ = "project_owner"
    __audit_venue__ = None
    __audit_secret__ = frozenset({"payout_details"})

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    payout_details: Mapped[str] = mapped_column(Text, default="")
    payout_currency: Mapped[str] = mapped_column(String(3))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def region_in(region_en: str, region_zh_hans: str, lang: str) -> str:
    """A project's region for a reader of ``lang``, the other language's when it has none."""
    first, second = (region_zh_hans, region_en) if lang == "zh-Hans" else (region_en, region_zh_hans)
    return first or second


class Project(Audited, Base):
    """An emission-reduction project registered with a carbon registry."""

    __tablename__ = "credit_projects"
    __audit_entity__ = "project"
    __audit_venue__ = None
    __audit_skip__ = frozenset({"updated_at"})

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_project_owners.id"), index=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    registry_code: Mapped[str] = mapped_column(String(20))
    registry_project_id: Mapped[str] = mapped_column(String(80))
    registry_url: Mapped[str] = mapped_column(String(500), default="")
    project_type: Mapped[str] = mapped_column(String(40))
    methodology: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2))
    #: The region in English (and the fallback); ``region_zh_hans`` in Chinese.
    region: Mapped[str] = mapped_column(String(120), default="")
    region_zh_hans: Mapped[str] = mapped_column(String(120), default="", server_default="")

    def region_in(self, lang: str) -> str:
        return region_in(self.region, self.region_zh_hans or "", lang)

    latitude: Mapped[str | None] = mapped_column(String(16), nullable=True)
    longitude: Mapped[str | None] = mapped_column(String(16), nullable=True)
    retirement_jurisdiction: Mapped[str] = mapped_column(String(120), default="")
    retirement_beneficiary: Mapped[str] = mapped_column(String(300))
    """The wording registries print on retirements of this project's pooled tonnes."""
    sdgs: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[ProjectStatus] = mapped_column(_enum(ProjectStatus), default=ProjectStatus.DRAFT)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("registry_code", "registry_project_id"),)


class ProjectPhoto(Audited, Base):
    __tablename__ = "credit_project_photos"
    __audit_entity__ = "project_photo"
    __audit_venue__ = None

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id", ondelete="CASCADE"), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_type: Mapped[str] = mapped_column(String(40))
    caption: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lot(Audited, Base):
    """A batch of serial-numbered tonnes the platform holds for one project.

    The counters move only through the services, under the books lock and with
    conditional updates; ``fill_cursor`` is the first gram (counted across the lot's
    tonnes) never assigned yet, and ``credit_free_ranges`` lists the holes refunds left.
    """

    __tablename__ = "credit_lots"
    __audit_entity__ = "lot"
    __audit_venue__ = None
    # Moved by every sale and refund, and by the ledger's chain: the ledger records those.
    __audit_skip__ = frozenset(
        {
            "locked",
            "allocated_grams",
            "reserved_grams",
            "sold_grams",
            "retired_grams",
            "fill_cursor",
            "chain_seq",
            "chain_hash",
        }
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id"), index=True)
    vintage_year: Mapped[int] = mapped_column(Integer)
    serial_first: Mapped[str] = mapped_column(String(200))
    serial_last: Mapped[str] = mapped_column(String(200))
    serial_prefix: Mapped[str] = mapped_column(String(200))
    serial_suffix: Mapped[str] = mapped_column(String(200))
    serial_width: Mapped[int] = mapped_column(Integer)
    serial_block_notation: Mapped[bool] = mapped_column(Boolean)
    serial_first_number: Mapped[int] = mapped_column(BigInteger)
    serial_last_number: Mapped[int] = mapped_column(BigInteger)
    quantity_tonnes: Mapped[int] = mapped_column(BigInteger)
    unit_cost_minor: Mapped[int] = mapped_column(BigInteger)
    cost_currency: Mapped[str] = mapped_column(String(3))
    acquired_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    evidence_content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    evidence_filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    allocated_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    sold_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    retired_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    fill_cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    chain_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Position of the newest entry of this lot's hash chain in the ledger (0: none yet)."""
    chain_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH, server_default=GENESIS_HASH)
    """Hash of that entry; the chain starts from ``GENESIS_HASH``."""
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("reserved_grams >= 0", name="reserved_not_negative"),
        CheckConstraint("sold_grams >= 0", name="sold_not_negative"),
        CheckConstraint("allocated_grams >= 0", name="allocated_not_negative"),
        CheckConstraint("reserved_grams + sold_grams <= quantity_tonnes * 1000000", name="held_within_quantity"),
    )

    @property
    def quantity_grams(self) -> int:
        return self.quantity_tonnes * GRAMS_PER_TONNE

    @property
    def available_grams(self) -> int:
        return self.quantity_grams - self.reserved_grams - self.sold_grams

    @property
    def unallocated_grams(self) -> int:
        return self.quantity_grams - self.allocated_grams


class Allocation(Audited, Base):
    """A lot's grams offered to one venue, a set of venues or all, at a price within dates."""

    __tablename__ = "credit_allocations"
    __audit_entity__ = "allocation"
    __audit_venue__ = None
    __audit_skip__ = frozenset({"reserved_grams", "sold_grams"})

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_lots.id"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id"), index=True)
    grams_offered: Mapped[int] = mapped_column(BigInteger)
    reserved_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    sold_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    all_venues: Mapped[bool] = mapped_column(Boolean, default=False)
    price_per_tonne_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None] = mapped_column(nullable=True)
    owner_bp: Mapped[int] = mapped_column(Integer)
    platform_bp: Mapped[int] = mapped_column(Integer)
    venue_bp: Mapped[int] = mapped_column(Integer)
    status: Mapped[AllocationStatus] = mapped_column(_enum(AllocationStatus), default=AllocationStatus.ACTIVE)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("owner_bp + platform_bp + venue_bp = 10000", name="split_is_whole"),
        CheckConstraint("price_per_tonne_minor > 0", name="price_positive"),
        CheckConstraint("reserved_grams >= 0", name="reserved_not_negative"),
        CheckConstraint("sold_grams >= 0", name="sold_not_negative"),
        CheckConstraint("reserved_grams + sold_grams <= grams_offered", name="held_within_offer"),
    )

    @property
    def available_grams(self) -> int:
        return self.grams_offered - self.reserved_grams - self.sold_grams


class AllocationVenue(Audited, Base):
    """A venue an allocation is offered to (when it is not offered to all)."""

    __tablename__ = "credit_allocation_venues"
    __audit_entity__ = "allocation_venue"
    __audit_venue__ = "venue_id"

    allocation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credit_allocations.id", ondelete="CASCADE"), primary_key=True
    )
    venue_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class VenueOffer(TenantScoped, Audited, Base):
    """A venue's choice about one allocation: shown or hidden, where in the list, default."""

    __tablename__ = "credit_venue_offers"
    __audit_entity__ = "venue_offer"
    __table_args__ = (UniqueConstraint("tenant_id", "allocation_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    allocation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_allocations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Reservation(TenantScoped, Base):
    """A visitor's purchase in progress: grams held until paid, released or expired."""

    __tablename__ = "credit_reservations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_ref: Mapped[str] = mapped_column(String(64), unique=True)
    allocation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_allocations.id"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id"))
    grams: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[ReservationStatus] = mapped_column(_enum(ReservationStatus), default=ReservationStatus.RESERVED)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Hold(Base):
    """Grams of one lot (through one allocation) that a reservation holds."""

    __tablename__ = "credit_holds"
    __table_args__ = (Index("ix_credit_holds_status_expires", "status", "expires_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    reservation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credit_reservations.id", ondelete="CASCADE"), index=True
    )
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_ref: Mapped[str] = mapped_column(String(64))
    allocation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_allocations.id"), index=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_lots.id"), index=True)
    grams: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[HoldStatus] = mapped_column(_enum(HoldStatus), default=HoldStatus.HELD)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sale(TenantScoped, Base):
    """A paid order's credits, with the split of what it paid."""

    __tablename__ = "credit_sales"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_ref: Mapped[str] = mapped_column(String(64), unique=True)
    reservation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_reservations.id"))
    allocation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_allocations.id"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id"), index=True)
    grams: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    owner_minor: Mapped[int] = mapped_column(BigInteger)
    platform_minor: Mapped[int] = mapped_column(BigInteger)
    venue_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[SaleStatus] = mapped_column(_enum(SaleStatus), default=SaleStatus.PAID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    refunded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    chain_lot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    """The lot whose ledger chain holds this sale's ``sell`` entry (its primary offer's lot)."""
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """Position of the ``sell`` entry in that chain: a certificate quotes it with ``chain_hash``."""
    chain_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Paid in test mode (no money taken): the platform's revenue leaves it out.
    test_mode: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        CheckConstraint("owner_minor + platform_minor + venue_minor = amount_minor", name="split_adds_up"),
    )


class Piece(TenantScoped, Base):
    """Grams ``[gram_from, gram_to)`` of tonne ``tonne_index`` of a lot, assigned to a sale."""

    __tablename__ = "credit_pieces"
    __table_args__ = (
        Index("ix_credit_pieces_lot_tonne", "lot_id", "tonne_index"),
        CheckConstraint("gram_from >= 0 AND gram_from < gram_to AND gram_to <= 1000000", name="within_tonne"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_sales.id"), index=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_lots.id"))
    allocation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_allocations.id"))
    tonne_index: Mapped[int] = mapped_column(BigInteger)
    serial: Mapped[str] = mapped_column(String(220))
    gram_from: Mapped[int] = mapped_column(Integer)
    gram_to: Mapped[int] = mapped_column(Integer)
    status: Mapped[PieceStatus] = mapped_column(_enum(PieceStatus), default=PieceStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def grams(self) -> int:
        return self.gram_to - self.gram_from


class FreeRange(Base):
    """Grams below a lot's fill cursor that are free again (a refund put them back)."""

    __tablename__ = "credit_free_ranges"
    __table_args__ = (
        Index("ix_credit_free_ranges_lot_tonne", "lot_id", "tonne_index", "gram_from"),
        CheckConstraint("gram_from >= 0 AND gram_from < gram_to AND gram_to <= 1000000", name="within_tonne"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_lots.id"))
    tonne_index: Mapped[int] = mapped_column(BigInteger)
    gram_from: Mapped[int] = mapped_column(Integer)
    gram_to: Mapped[int] = mapped_column(Integer)


class Tonne(Base):
    """A fully sold tonne, due for registry retirement, then retiring and retired."""

    __tablename__ = "credit_tonnes"
    __table_args__ = (UniqueConstraint("lot_id", "tonne_index"), Index("ix_credit_tonnes_status", "status"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_lots.id"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id"), index=True)
    tonne_index: Mapped[int] = mapped_column(BigInteger)
    serial: Mapped[str] = mapped_column(String(220))
    beneficiary: Mapped[str] = mapped_column(String(300))
    status: Mapped[TonneStatus] = mapped_column(_enum(TonneStatus), default=TonneStatus.DUE)
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("credit_retirement_requests.id"), nullable=True, index=True
    )
    due_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetirementRequest(Audited, Base):
    """A batch of due tonnes of one project and beneficiary wording, sent to the registry."""

    __tablename__ = "credit_retirement_requests"
    __audit_entity__ = "retirement_request"
    __audit_venue__ = None
    #: The serials can be thousands: the entry keeps their count (``tonnes``).
    __audit_skip__ = frozenset({"serials"})

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_projects.id"), index=True)
    beneficiary: Mapped[str] = mapped_column(String(300))
    adapter: Mapped[str] = mapped_column(String(40))
    status: Mapped[RetirementStatus] = mapped_column(_enum(RetirementStatus), default=RetirementStatus.PENDING)
    tonnes: Mapped[int] = mapped_column(Integer)
    serials: Mapped[list[str]] = mapped_column(JSON)
    registry_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    registry_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    evidence_content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    evidence_filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(nullable=True)
    retired_by: Mapped[str | None] = mapped_column(String(254), nullable=True)


class LedgerEntry(Base):
    """One movement in the books. Append-only: the application role may not UPDATE or DELETE.

    Entries form one hash chain per lot (``chain_id``, the lot's id): entry ``seq`` of a
    chain stores ``hash = sha256(canonical JSON of its fields + hash of entry seq-1)``, and
    the lot row keeps the chain's head. Entries about a sale as a whole (``sell``, a
    refund's summary) belong to the chain of the sale's primary offer's lot. References are
    plain ids (no foreign keys): the books must outlive whatever they describe.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("chain_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    chain_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[LedgerKind] = mapped_column(_enum(LedgerKind))
    lot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    allocation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    sale_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    venue_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    order_ref: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    grams: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    actor: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerAnchor(Base):
    """The heads of every lot's chain at one moment, itself chained by hash (append-only).

    A periodic job writes one whenever a chain moved; the audit checks that every anchored
    head is still in its chain, so rewriting a lot's history after an anchor shows even
    when the rewritten chain is consistent in itself.
    """

    __tablename__ = "ledger_anchors"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    heads: Mapped[dict[str, Any]] = mapped_column(JSON)
    """``{lot id: [seq, hash]}`` for every lot whose chain has entries."""
    actor: Mapped[str] = mapped_column(String(254))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SupplyLock(Base):
    """One row that serialises changes to the supply itself (new lots, corrections, offers).

    Those are rare admin writes that check across lots (overlapping serials); selling
    never takes this lock, only the locks of the lots it touches.
    """

    __tablename__ = "credit_supply_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
