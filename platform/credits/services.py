"""The credits domain's public services, in one place for pages, the API, payments and
certificates. Each lives in the module named after its part of the work:

- ``owners``, ``projects``: who is paid, and what the credits are for;
- ``lots`` (and ``lot_corrections``): what the platform bought, serial by serial;
- ``allocations`` (and ``allocation_changes``): what is offered to which venues, at what price;
- ``offers``: which offers a venue shows, in which order;
- ``selling``: quotes, reservations, paid sales with serial pieces, releases, expiry, refunds;
- ``retirement``: due tonnes, retirement requests, registry references, partial tonnes;
- ``reports``: stock and money per project, lot, allocation, venue or owner;
- ``audit``: the invariants of the books; ``verify_chains`` for the lots' hash chains
  and their anchors alone; ``anchor_heads`` anchors the chains' heads now.

All amounts are integers (grams, minor units, basis points). Bad input raises
``neutralpoint.refusals.FormErrors`` (``.errors`` maps each field to its problem) before
anything is written; ``SoldOut`` and ``BelowMinimumCharge`` are the two answers a visitor can get.
"""

from __future__ import annotations

from neutralpoint.credits.allocation_changes import update_allocation, withdraw_allocation
from neutralpoint.credits.allocations import (
    allocation_problems,
    allocation_venue_ids,
    create_allocation,
    list_allocations,
)
from neutralpoint.credits.audit import audit
from neutralpoint.credits.errors import BelowMinimumCharge, CreditsError, LedgerConflict, SoldOut
from neutralpoint.credits.ledger import anchor_heads, verify_chains
from neutralpoint.credits.lot_corrections import LOT_CORRECTABLE, correct_lot
from neutralpoint.credits.lots import create_lot, list_lots, lot_problems, lot_status
from neutralpoint.credits.offers import choose_offers, offers_for_venue
from neutralpoint.credits.owners import create_project_owner, list_project_owners, update_project_owner
from neutralpoint.credits.pricing import Quote, Split, quote, split_amount
from neutralpoint.credits.projects import (
    add_project_photo,
    create_project,
    get_project,
    get_project_by_slug,
    list_projects,
    project_problems,
    remove_project_photo,
    update_project,
)
from neutralpoint.credits.reports import SalesTotal, StockTotal, sales_totals, stock_totals
from neutralpoint.credits.retirement import (
    batch_retirements,
    due_tonnes,
    list_retirements,
    partial_tonnes,
    record_retirement_reference,
    retired_tonnes,
)
from neutralpoint.credits.selling import (
    DEFAULT_RESERVATION_TTL,
    confirm_sale,
    expire_reservations,
    get_reservation,
    get_sale,
    new_order_ref,
    quote_offer,
    refund_sale,
    release_reservation,
    reservation_ttl,
    reserve,
    use_reservation_minutes,
)

__all__ = [
    "DEFAULT_RESERVATION_TTL",
    "LOT_CORRECTABLE",
    "BelowMinimumCharge",
    "CreditsError",
    "LedgerConflict",
    "Quote",
    "SalesTotal",
    "SoldOut",
    "Split",
    "StockTotal",
    "add_project_photo",
    "allocation_problems",
    "allocation_venue_ids",
    "anchor_heads",
    "audit",
    "batch_retirements",
    "choose_offers",
    "confirm_sale",
    "correct_lot",
    "create_allocation",
    "create_lot",
    "create_project",
    "create_project_owner",
    "due_tonnes",
    "expire_reservations",
    "get_project",
    "get_project_by_slug",
    "get_reservation",
    "get_sale",
    "list_allocations",
    "list_lots",
    "list_project_owners",
    "list_projects",
    "list_retirements",
    "lot_problems",
    "lot_status",
    "new_order_ref",
    "offers_for_venue",
    "partial_tonnes",
    "project_problems",
    "quote",
    "quote_offer",
    "record_retirement_reference",
    "refund_sale",
    "release_reservation",
    "remove_project_photo",
    "reservation_ttl",
    "reserve",
    "retired_tonnes",
    "sales_totals",
    "split_amount",
    "stock_totals",
    "update_allocation",
    "update_project",
    "update_project_owner",
    "use_reservation_minutes",
    "verify_chains",
    "withdraw_allocation",
]
