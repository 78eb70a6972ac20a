"""What the credits services hand to pages, the API, payments and certificates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

import msgspec

# The vocabularies pages and clients compare against, without reaching for the ORM models.
from neutralpoint import input_rules as rules
from neutralpoint.credits.models import GRAMS_PER_TONNE as GRAMS_PER_TONNE
from neutralpoint.credits.models import ProjectStatus as ProjectStatus
from neutralpoint.credits.models import RetirementStatus as RetirementStatus
from neutralpoint.credits.models import TonneStatus as TonneStatus


@dataclass(frozen=True)
class EvidenceFile:
    """An uploaded document: a lot's purchase evidence or a registry's retirement proof."""

    content: bytes
    content_type: str
    filename: str


@dataclass(frozen=True)
class OfferView:
    """One allocation as a venue's visitors see it (the "pick a project" screen)."""

    allocation_id: uuid.UUID
    project_id: uuid.UUID
    project_slug: str
    project_name: dict[str, str]
    registry_code: str
    project_type: str
    lot_id: uuid.UUID
    vintage_year: int
    price_per_tonne_minor: int
    currency: str
    available_grams: int
    """Free in this allocation, ignoring expired reservations."""
    project_available_grams: int
    """Free across the venue's offers of this project in this currency (what one order can take)."""
    position: int
    visible: bool
    is_default: bool
    valid_until: datetime | None


@dataclass(frozen=True)
class HoldView:
    lot_id: uuid.UUID
    allocation_id: uuid.UUID
    grams: int
    status: str


@dataclass(frozen=True)
class ReservationView:
    id: uuid.UUID
    tenant_id: uuid.UUID
    order_ref: str
    allocation_id: uuid.UUID
    project_id: uuid.UUID
    grams: int
    amount_minor: int
    currency: str
    status: str
    expires_at: datetime
    holds: tuple[HoldView, ...]


@dataclass(frozen=True)
class PieceView:
    """Grams ``[gram_from, gram_to)`` of one serial-numbered tonne, as a certificate names it."""

    lot_id: uuid.UUID
    vintage_year: int
    serial: str
    tonne_index: int
    gram_from: int
    gram_to: int
    status: str
    retirement_status: str | None
    """``None`` while the tonne is not fully sold; then ``due``, ``retiring``, ``retired``."""
    retirement_reference: str | None
    retirement_url: str | None

    @property
    def grams(self) -> int:
        return self.gram_to - self.gram_from


@dataclass(frozen=True)
class SaleView:
    id: uuid.UUID
    tenant_id: uuid.UUID
    order_ref: str
    project_id: uuid.UUID
    allocation_id: uuid.UUID
    grams: int
    amount_minor: int
    currency: str
    owner_minor: int
    platform_minor: int
    venue_minor: int
    status: str
    created_at: datetime
    refunded_at: datetime | None
    pieces: tuple[PieceView, ...]
    created: bool = False
    """True only for the call that made the sale; a repeated confirmation returns False."""
    chain_lot_id: uuid.UUID | None = None
    """The lot whose ledger chain holds the sale's ``sell`` entry; a certificate quotes the
    entry's position ``chain_seq`` and hash ``chain_hash`` (``neutralpoint credits audit``
    checks them)."""
    chain_seq: int | None = None
    chain_hash: str | None = None


@dataclass(frozen=True)
class RefundView:
    order_ref: str
    amount_minor: int
    currency: str
    released_grams: int
    """Back on sale: their tonnes were not retired yet."""
    retained_grams: int
    """Already retired: they stay retired, on the platform's own account."""
    already_refunded: bool = False


@dataclass(frozen=True)
class PartialTonne:
    """A tonne that is partly sold: it waits for more buyers and is never retired as is."""

    lot_id: uuid.UUID
    tonne_index: int
    serial: str
    sold_grams: int
    free_grams: int


@dataclass(frozen=True)
class LotStatus:
    lot_id: uuid.UUID
    project_id: uuid.UUID
    quantity_grams: int
    allocated_grams: int
    reserved_grams: int
    sold_grams: int
    available_grams: int
    retired_grams: int
    due_grams: int
    retiring_grams: int
    partial_tonnes: int
    locked: bool


@dataclass(frozen=True)
class RetirementView:
    id: uuid.UUID
    project_id: uuid.UUID
    beneficiary: str
    adapter: str
    status: str
    tonnes: int
    serials: tuple[str, ...]
    registry_reference: str | None
    registry_url: str | None
    error: str | None
    created_at: datetime
    retired_at: datetime | None


@dataclass
class AuditReport:
    """The invariants of the books, checked across every venue."""

    entries: int = 0
    lots: int = 0
    sales: int = 0
    anchors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = f"{self.entries} entries, {self.lots} lots, {self.anchors} anchors"
        if self.ok:
            return f"audit passed: {counts}"
        lines = [f"audit FAILED: {len(self.problems)} problems ({counts})"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)


# --- the platform admins' JSON API (``/api/v1/credits``) -----------------------------------


class OwnerIn(msgspec.Struct):
    name: rules.Name
    payout_currency: str
    contact_name: rules.Name = ""
    contact_email: rules.Email = ""
    payout_details: str = ""


class OwnerOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    contact_name: str
    contact_email: str
    payout_currency: str


class ProjectIn(msgspec.Struct):
    owner_id: uuid.UUID
    slug: str
    name: dict[str, str]
    registry_code: str
    registry_project_id: str
    project_type: str
    country: str
    description: dict[str, str] = msgspec.field(default_factory=dict)
    registry_url: rules.Url = ""
    methodology: rules.Line = ""
    region: str = ""
    #: The region in Chinese; pages in Chinese fall back to ``region`` without it.
    region_zh_hans: str = ""
    latitude: str | None = None
    longitude: str | None = None
    retirement_jurisdiction: str = ""
    retirement_beneficiary: str | None = None
    sdgs: list[int] = msgspec.field(default_factory=list)
    status: str = "active"


class ProjectOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    owner_id: uuid.UUID
    name: dict[str, str]
    description: dict[str, str]
    registry_code: str
    registry_name: str
    registry_project_id: str
    registry_url: str
    project_type: str
    methodology: str
    country: str
    region: str
    latitude: str | None
    longitude: str | None
    retirement_jurisdiction: str
    retirement_beneficiary: str
    sdgs: list[int]
    status: str
    retired_tonnes: int
    region_zh_hans: str = ""


class LotIn(msgspec.Struct):
    project_id: uuid.UUID
    vintage_year: int
    serial_first: str
    quantity_tonnes: Annotated[int, msgspec.Meta(ge=1)]
    unit_cost_minor: rules.MinorUnits
    cost_currency: str
    acquired_on: date
    serial_last: str | None = None
    notes: rules.Note = ""


class LotOut(msgspec.Struct):
    id: uuid.UUID
    project_id: uuid.UUID
    vintage_year: int
    serial_first: str
    serial_last: str
    quantity_tonnes: int
    unit_cost_minor: int
    cost_currency: str
    acquired_on: date
    locked: bool
    has_evidence: bool
    status: LotStatus
    partial_tonnes: list[PartialTonne]


class CorrectionIn(msgspec.Struct):
    field: str
    value: Any
    reason: str


class AllocationIn(msgspec.Struct):
    lot_id: uuid.UUID
    grams: rules.Grams
    price_per_tonne_minor: Annotated[int, msgspec.Meta(ge=1)]
    currency: str
    owner_bp: rules.BasisPoints
    platform_bp: rules.BasisPoints
    venue_bp: rules.BasisPoints
    venue_ids: list[uuid.UUID] = msgspec.field(default_factory=list)
    all_venues: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class AllocationOut(msgspec.Struct):
    id: uuid.UUID
    lot_id: uuid.UUID
    project_id: uuid.UUID
    grams_offered: int
    reserved_grams: int
    sold_grams: int
    available_grams: int
    all_venues: bool
    venue_ids: list[uuid.UUID]
    price_per_tonne_minor: int
    currency: str
    owner_bp: int
    platform_bp: int
    venue_bp: int
    valid_from: datetime
    valid_until: datetime | None
    status: str


class WithdrawIn(msgspec.Struct):
    reason: str


class ReferenceIn(msgspec.Struct):
    reference: str
    registry_url: str | None = None


class AuditOut(msgspec.Struct):
    ok: bool
    summary: str
    entries: int
    lots: int
    sales: int
    problems: list[str]


def ordered_offers(offers: list[OfferView]) -> list[OfferView]:
    """A venue's offers as its page and API list them: shown ones first, in the venue's
    order; hidden ones after."""
    return sorted(offers, key=lambda o: (not o.visible, o.position))


class OfferOut(msgspec.Struct):
    """One credit offer of a venue, as the API shows it."""

    allocation_id: uuid.UUID
    project_slug: str
    project_name: dict[str, str]
    project_url: str
    registry_code: str
    project_type: str
    vintage_year: int
    price_per_tonne_minor: int
    currency: str
    available_grams: int
    visible: bool
    position: int
    is_default: bool
    valid_until: datetime | None

    @classmethod
    def of(cls, view: OfferView) -> OfferOut:
        return cls(
            allocation_id=view.allocation_id,
            project_slug=view.project_slug,
            project_name=dict(view.project_name),
            project_url=f"/projects/{view.project_slug}",
            registry_code=view.registry_code,
            project_type=view.project_type,
            vintage_year=view.vintage_year,
            price_per_tonne_minor=view.price_per_tonne_minor,
            currency=view.currency,
            available_grams=view.available_grams,
            visible=view.visible,
            position=view.position,
            is_default=view.is_default,
            valid_until=view.valid_until,
        )


class OffersIn(msgspec.Struct):
    """The offers visitors see, in this order; the others are hidden."""

    shown: list[uuid.UUID]
    default_id: uuid.UUID | None = None
