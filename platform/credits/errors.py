"""What goes wrong in the credits domain beyond bad input (which is ``neutralpoint.refusals.FormErrors``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neutralpoint.credits.pricing import Quote


class CreditsError(Exception):
    """Base of every refusal by the credits domain; the transaction should roll back."""


class SoldOut(CreditsError):  # noqa: N818  (the name visitors' pages catch)
    """Not enough grams are free for this purchase, across every lot the venue offers."""

    def __init__(self, requested_grams: int, available_grams: int) -> None:
        self.requested_grams = requested_grams
        self.available_grams = available_grams
        if available_grams <= 0:
            text = f"Sold out: no credits of this project are left (asked for {requested_grams} g)."
        else:
            text = (
                f"Sold out: only {available_grams} g of this project's credits are left, "
                f"fewer than the {requested_grams} g asked for."
            )
        super().__init__(text)


class BelowMinimumCharge(CreditsError):  # noqa: N818
    """The price is below what the payment provider can charge; ``quote`` has both ways out."""

    def __init__(self, quote: Quote) -> None:
        self.quote = quote
        super().__init__(
            f"The price {quote.price_minor} is below the minimum charge {quote.minimum_minor} "
            f"{quote.currency}: buy {quote.grams_for_minimum} g for the minimum, or round up to it."
        )


class LedgerConflict(CreditsError):  # noqa: N818
    """A counter moved under us although the books were locked; retry the whole transaction."""
