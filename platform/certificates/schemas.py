"""What the certificates domain hands to pages, the API and the payments domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from neutralpoint.refusals import FieldError


@dataclass(frozen=True)
class CertifiedPiece:
    """One serial piece as the certificate names it, with its tonne's retirement now."""

    serial: str
    vintage_year: int
    gram_from: int
    gram_to: int
    retirement_status: str
    """``pending`` until the tonne is retired (``due``/``retiring`` on the way), then ``retired``."""
    retirement_reference: str | None
    retirement_url: str | None

    @property
    def grams(self) -> int:
        return self.gram_to - self.gram_from


@dataclass(frozen=True)
class CertificateView:
    number: str
    status: str
    holder: str
    holder_is_anonymous: bool
    venue_name: str
    venue_slug: str
    entry_point: str
    grams: int
    project_name: str
    """As signed (English); ``project_names`` has the project's name in each language now."""
    project_names: dict[str, str]
    project_registry_id: str
    project_url: str
    project_registry_url: str
    pieces: tuple[CertifiedPiece, ...]
    retirement_status: str
    """``retired`` when every piece's tonne is, otherwise ``pending``."""
    factor_set_version: str
    ledger_chain: str
    """The id of the ledger chain (its lot) that holds the sale's entry."""
    ledger_position: int | None
    ledger_hash: str
    key_id: str
    payload: str
    issued_at: datetime
    voided_at: datetime | None
    order_reference: str
    #: The venue's name in each language now (``venue_name`` is as signed, in the holder's language).
    venue_names: dict[str, str] = field(default_factory=dict)
    #: The venue's time zone: the certificate's dates are shown on its clock.
    time_zone: str = "Asia/Shanghai"
    #: Paid through a test provider (the sandbox, or Stripe's test keys): no money was taken.
    test_mode: bool = False


@dataclass(frozen=True)
class Verification:
    """The answer to "is this certificate valid?", with the reason when it is not."""

    valid: bool
    signature_valid: bool | None
    """``None`` when there was nothing to check (an unknown number)."""
    reason_code: str
    reason: FieldError | None
    """Why it is not valid, in every language (its ``code`` is ``reason_code``)."""
    certificate: CertificateView | None
