"""The reasons the platform itself writes into the books, and how pages show them.

A ledger entry's reason is stored as written and hashed into the chain, so it is never
rewritten: these English texts are also the catalogue's msgids, and a page translates
them when it shows an entry. A reason a person typed (a correction's, a withdrawal's, a
refund's) is shown as typed. Change a text here only together with its msgid, and know
that entries already written keep the old one.
"""

from __future__ import annotations

from neutralpoint.credits.models import LedgerKind

LOT_ACQUIRED = "lot acquired"
OFFERED = "offered to venues"
OFFER_CHANGED = "offer changed"
DEMO_VENUES_ADDED = "demo venues added"
FREED_BY_WITHDRAWAL = "grams freed in a withdrawn allocation go back to the lot"
PURCHASE_STARTED = "purchase started"
PURCHASE_CANCELLED = "purchase cancelled"
RESERVATION_EXPIRED = "reservation expired"
ORDER_PAID = "order paid"
PIECE_ASSIGNED = "serial piece assigned"
ORDER_REFUNDED = "order refunded"

_RETIRED_PREFIX = "retired at the registry: "
RETIRED_AT_REGISTRY = _RETIRED_PREFIX + "%(reference)s"
"""The msgid of ``retired_at_registry``'s text, with the registry's reference as a value."""

SYSTEM_REASONS: dict[LedgerKind, frozenset[str]] = {
    LedgerKind.ACQUIRE: frozenset({LOT_ACQUIRED}),
    LedgerKind.ALLOCATE: frozenset({OFFERED, OFFER_CHANGED, DEMO_VENUES_ADDED, FREED_BY_WITHDRAWAL}),
    LedgerKind.RESERVE: frozenset({PURCHASE_STARTED}),
    LedgerKind.RELEASE: frozenset({PURCHASE_CANCELLED, RESERVATION_EXPIRED}),
    LedgerKind.SELL: frozenset({ORDER_PAID}),
    LedgerKind.ASSIGN: frozenset({PIECE_ASSIGNED}),
    LedgerKind.REFUND: frozenset({ORDER_REFUNDED}),
}
"""Per kind of entry, the fixed reasons the platform writes (a person may write others)."""

MSGIDS: tuple[str, ...] = (*sorted(set().union(*SYSTEM_REASONS.values())), RETIRED_AT_REGISTRY)


def retired_at_registry(reference: str) -> str:
    """The reason of a tonne's retire entry, naming the registry's reference."""
    return _RETIRED_PREFIX + reference


def reason_message(kind: LedgerKind | str, reason: str) -> tuple[str, dict[str, str]] | None:
    """The msgid and its values that show ``reason`` of a ``kind`` entry in the reader's
    language, or None when a person wrote it (it is then shown as written)."""
    try:
        kind = LedgerKind(kind)
    except ValueError:
        return None
    if reason in SYSTEM_REASONS.get(kind, frozenset()):
        return reason, {}
    if kind == LedgerKind.RETIRE and reason.startswith(_RETIRED_PREFIX):
        return RETIRED_AT_REGISTRY, {"reference": reason[len(_RETIRED_PREFIX) :]}
    return None
