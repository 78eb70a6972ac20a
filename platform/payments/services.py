"""The payments domain's public services, for pages, the API, jobs and admin pages.

- ``checkout``: an order and its reservation, the provider's payment, payment events, and
  what is left of an event's footprint for the organiser's order;
- ``fulfilment``: assigning a paid order's credits once; expiry and reconciliation;
- ``refunds``: whole-order refunds through the provider;
- ``reports``: order lists, what is owed to project owners, CSV;
- ``offers``: the venue's offers priced for a footprint.

Bad input raises ``neutralpoint.refusals.FormErrors`` (``.errors`` maps the field to its
problem, and ``.status_code`` says how the API answers) before anything is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.payments import orders
from neutralpoint.payments.checkout import (
    EVENT_NOT_COMPUTED,
    CheckoutRequest,
    EventRemaining,
    apply_payment_state,
    event_remaining,
    remaining_event_grams,
    sandbox_pay,
    start_checkout,
    update_buyer,
)
from neutralpoint.payments.fulfilment import expire_orders, fulfil, reconcile
from neutralpoint.payments.models import OrderBasis, OrderStatus
from neutralpoint.payments.offers import priced_offers, project_lines
from neutralpoint.payments.orders import TransitionError
from neutralpoint.payments.providers import PaymentProvider, ProviderError, provider_for
from neutralpoint.payments.refunds import record_refund, refund_order
from neutralpoint.payments.reports import OrderRow, list_orders, orders_csv, owed_csv, owed_to_owners
from neutralpoint.payments.schemas import OrderView, OwedToOwner, PricedOffer
from neutralpoint.refusals import FormErrors


def shared_provider(state: Any) -> PaymentProvider:
    """One provider per process (it keeps its HTTP connections), shared with the jobs run in
    it; ``state`` is the application's state (settings, db, jobs)."""
    found = getattr(state, "payment_provider", None)
    if found is None:
        found = provider_for(state.settings, state.db)
        state.payment_provider = found
        state.jobs.context.setdefault("payment_provider", found)
    provider: PaymentProvider = found
    return provider


async def get_order(session: AsyncSession, reference: str) -> OrderView | None:
    """An order of the session's venue (or any, in a platform session), with its history,
    serial pieces and refund; ``None`` for a reference that is not one."""
    try:
        reference = orders.check_reference(reference)
    except FormErrors:
        return None
    order = await orders.find(session, reference)
    return None if order is None else await orders.view(session, order)


__all__ = [
    "EVENT_NOT_COMPUTED",
    "CheckoutRequest",
    "EventRemaining",
    "OrderBasis",
    "OrderRow",
    "OrderStatus",
    "OrderView",
    "OwedToOwner",
    "PaymentProvider",
    "PricedOffer",
    "ProviderError",
    "TransitionError",
    "apply_payment_state",
    "event_remaining",
    "expire_orders",
    "fulfil",
    "get_order",
    "list_orders",
    "orders_csv",
    "owed_csv",
    "owed_to_owners",
    "priced_offers",
    "project_lines",
    "provider_for",
    "reconcile",
    "record_refund",
    "refund_order",
    "remaining_event_grams",
    "sandbox_pay",
    "shared_provider",
    "start_checkout",
    "update_buyer",
]
