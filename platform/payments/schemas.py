"""What the payments domain hands to pages and to the API (plain data, no ORM objects)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ProjectFacts:
    """What a buyer sees of a project before choosing it."""

    id: uuid.UUID
    slug: str
    name: dict[str, str]
    country: str
    region: str
    project_type: str
    registry_code: str
    registry_project_id: str
    photo_url: str | None
    url: str
    region_zh_hans: str = ""


@dataclass(frozen=True)
class PricedOffer:
    """One of the venue's offers with the price of a given number of grams."""

    allocation_id: uuid.UUID
    project: ProjectFacts
    vintage_year: int
    price_per_tonne_minor: int
    currency: str
    grams: int
    price_minor: int
    """What the grams cost, rounded up to the minor unit; the provider's minimum when below it."""
    exact_price_minor: int
    below_minimum: bool
    available_grams: int
    sold_out: bool
    is_default: bool


@dataclass(frozen=True)
class TransitionView:
    from_status: str | None
    to_status: str
    cause: str
    detail: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class PieceFacts:
    serial: str
    vintage_year: int
    gram_from: int
    gram_to: int
    status: str

    @property
    def grams(self) -> int:
        return self.gram_to - self.gram_from


@dataclass(frozen=True)
class RefundFacts:
    status: str
    cause: str
    amount_minor: int
    currency: str
    released_grams: int
    retained_grams: int
    actor: str
    created_at: datetime
    succeeded_at: datetime | None
    error: str


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID
    tenant_id: uuid.UUID
    reference: str
    basis: str
    status: str
    estimate_id: uuid.UUID | None
    entry_point_code: str
    allocation_id: uuid.UUID
    project: ProjectFacts
    grams: int
    amount_minor: int
    currency: str
    owner_minor: int
    platform_minor: int
    venue_minor: int
    buyer_name: str
    buyer_email: str
    language: str
    provider: str
    test_mode: bool
    payment_id: str | None
    expires_at: datetime
    created_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None
    refunded_at: datetime | None
    transitions: tuple[TransitionView, ...] = ()
    pieces: tuple[PieceFacts, ...] = ()
    refund: RefundFacts | None = None
    fulfilment_id: uuid.UUID | None = None
    sale_id: uuid.UUID | None = None
    client_secret: str | None = field(default=None, repr=False)
    payment_error: str = ""
    payment_methods: tuple[str, ...] = ()
    certificate_number: str | None = None
    #: The venue's time zone (read with ``details``): its pages show the order's times on it.
    time_zone: str = "UTC"
    exact_price_minor: int | None = None
    """Set when the grams' own price was below the provider's minimum charge, so the order
    is charged the minimum (``amount_minor``) instead; ``None`` otherwise."""

    @property
    def charged_minimum(self) -> bool:
        return self.exact_price_minor is not None


@dataclass(frozen=True)
class OwedToOwner:
    """What the platform owes one project owner in one currency, from the orders' splits."""

    owner_id: uuid.UUID
    owner_name: str
    currency: str
    orders: int
    grams: int
    amount_minor: int
    owner_minor: int
    platform_minor: int
    venue_minor: int
