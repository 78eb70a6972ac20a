"""What the credits services refuse, and why, in terms a form or an API can show."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neutralpoint.credits.pricing import Quote


class Message(str):
    """A message with values: reads as its English text, and keeps its msgid and values so a
    page or the API can translate it (``Message("Use at most %(n)s characters.", n=200)``).

    A value that is itself a ``Message`` ("The unit cost") is translated with it.
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        message = super().__new__(cls, msgid % params if params else msgid)
        message.msgid = msgid
        message.params = params
        return message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_message, (self.msgid, self.params))


def _message(msgid: str, params: dict[str, Any]) -> Message:
    return Message(msgid, **params)


ErrorText = str | tuple[str, Mapping[str, Any]]
"""A msgid, a ``Message``, or a msgid with the values of its ``%(name)s`` placeholders."""


def translate_message(message: ErrorText, gettext: Callable[..., str]) -> str:
    """``message`` in the language of ``gettext`` (``gettext(msgid, **values)``, formatting
    ``%(name)s``); a message the catalogue does not know stays in English."""
    if isinstance(message, Message):
        params = {k: translate_message(v, gettext) if isinstance(v, Message) else v for k, v in message.params.items()}
        return gettext(message.msgid, **params) if params else gettext(message.msgid)
    if isinstance(message, tuple):
        return gettext(message[0], **message[1])
    return gettext(message)


class CreditsError(Exception):
    """Base of every refusal by the credits domain; the transaction should roll back."""


class CreditsInputError(CreditsError, ValueError):
    """Bad input: one message per offending field, and nothing was written.

    ``CreditsInputError("serial_last", "…")`` names one field; ``CreditsInputError.many({…})``
    carries several, so a form can show each message beside its field.
    """

    def __init__(self, field: str, message: str, *, more: Mapping[str, str] | None = None) -> None:
        self.errors: dict[str, str] = {field: message, **(more or {})}
        super().__init__("; ".join(f"{name}: {text}" for name, text in self.errors.items()))

    @classmethod
    def many(cls, errors: Mapping[str, str]) -> CreditsInputError:
        if not errors:
            raise ValueError("no errors given")
        first, *rest = errors.items()
        return cls(first[0], first[1], more=dict(rest))

    @property
    def field(self) -> str:
        return next(iter(self.errors))

    @property
    def message(self) -> str:
        return self.errors[self.field]


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
