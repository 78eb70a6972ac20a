"""Payment providers behind one small interface, as pretix does: the sandbox and Stripe.

A provider starts a payment for an order, tells the payment's current state, cancels it
and refunds it. Nothing here touches our orders or the credits: the services call a
provider outside any credit transaction and record what it answered.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.payments.models import SandboxPayment
from neutralpoint.settings import Settings

#: Stripe's PaymentIntent states, which the sandbox uses too.
SUCCEEDED = "succeeded"
PROCESSING = "processing"
REQUIRES_ACTION = "requires_action"
REQUIRES_PAYMENT_METHOD = "requires_payment_method"
REQUIRES_CONFIRMATION = "requires_confirmation"
CANCELED = "canceled"

# Alipay and WeChat Pay through Stripe take these presentment currencies
# (stripe.com/docs/payments/alipay, stripe.com/docs/payments/wechat-pay).
ALIPAY_CURRENCIES = frozenset({"AUD", "CAD", "CNY", "EUR", "GBP", "HKD", "JPY", "MYR", "NZD", "SGD", "USD"})
WECHAT_PAY_CURRENCIES = frozenset(
    {"AUD", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "HKD", "JPY", "NOK", "SEK", "SGD", "USD"}
)


#: Stripe calls in flight at once per process.
STRIPE_THREADS = 32


class ProviderError(Exception):
    """The provider refused or could not be reached; ``message`` is safe to show."""

    def __init__(self, message: str, *, declined: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.declined = declined


@dataclass(frozen=True)
class PaymentRequest:
    """What a provider needs to know of an order to charge it."""

    reference: str
    amount_minor: int
    currency: str
    description: str
    email: str = ""


@dataclass(frozen=True)
class PaymentState:
    """A payment as the provider sees it now (never as a URL or an old event said)."""

    payment_id: str
    status: str
    amount_minor: int
    currency: str
    reference: str | None
    amount_refunded_minor: int = 0
    error: str = ""
    client_secret: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED


@dataclass(frozen=True)
class PaymentStart:
    payment_id: str
    client_secret: str | None
    state: PaymentState


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str


class PaymentProvider(Protocol):
    name: str
    test_mode: bool

    def methods_for(self, currency: str) -> list[str]: ...

    async def start(self, request: PaymentRequest) -> PaymentStart: ...

    async def retrieve(self, payment_id: str) -> PaymentState: ...

    async def cancel(self, payment_id: str) -> PaymentState: ...

    async def refund(self, payment_id: str, amount_minor: int, *, key: str) -> RefundResult: ...


def payment_methods_for(currency: str) -> list[str]:
    """Card everywhere; Alipay and WeChat Pay where Stripe takes the currency."""
    methods = ["card"]
    if currency.upper() in ALIPAY_CURRENCIES:
        methods.append("alipay")
    if currency.upper() in WECHAT_PAY_CURRENCIES:
        methods.append("wechat_pay")
    return methods


# --- the sandbox -------------------------------------------------------------------------------


class SandboxProvider:
    """Payments without keys for the demo and development: the buyer presses "pay" (or
    "decline") on a page marked test mode, and the sandbox keeps the payment's state in
    its own table, as Stripe would on its side."""

    name = "sandbox"
    test_mode = True

    def __init__(self, db: Database) -> None:
        self.db = db

    def methods_for(self, currency: str) -> list[str]:
        return ["sandbox"]

    @staticmethod
    def _state(row: SandboxPayment) -> PaymentState:
        return PaymentState(
            payment_id=row.id,
            status=row.status,
            amount_minor=row.amount_minor,
            currency=row.currency,
            reference=row.order_reference,
            amount_refunded_minor=row.refunded_minor,
            error="Your card was declined (sandbox)." if row.status == REQUIRES_PAYMENT_METHOD and row.attempts else "",
        )

    async def _row(self, payment_id: str) -> SandboxPayment:
        async with self.db.platform_session() as session:
            row = await session.get(SandboxPayment, payment_id)
            if row is None:
                raise ProviderError("No such payment.")
            return row

    async def start(self, request: PaymentRequest) -> PaymentStart:
        async with self.db.platform_session() as session:
            existing = await session.scalar(
                select(SandboxPayment).where(SandboxPayment.order_reference == request.reference)
            )
            if existing is None:
                existing = SandboxPayment(
                    id="sbx_pi_" + secrets.token_hex(12),
                    order_reference=request.reference,
                    amount_minor=request.amount_minor,
                    currency=request.currency,
                    status=REQUIRES_PAYMENT_METHOD,
                    refunded_minor=0,
                    attempts=0,
                )
                session.add(existing)
                try:
                    await session.flush()
                except IntegrityError:
                    raise ProviderError("A payment for this order is being created; try again.") from None
        return PaymentStart(existing.id, None, self._state(existing))

    async def retrieve(self, payment_id: str) -> PaymentState:
        return self._state(await self._row(payment_id))

    async def pay(self, payment_id: str, *, succeed: bool) -> PaymentState:
        """The buyer's "pay" on the sandbox page: succeeds, or is declined like a card."""
        async with self.db.platform_session() as session:
            row = await session.get(SandboxPayment, payment_id, with_for_update=True)
            if row is None:
                raise ProviderError("No such payment.")
            if row.status not in (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION):
                return self._state(row)
            row.attempts += 1
            row.status = SUCCEEDED if succeed else REQUIRES_PAYMENT_METHOD
            row.updated_at = utcnow()
            return self._state(row)

    async def cancel(self, payment_id: str) -> PaymentState:
        async with self.db.platform_session() as session:
            row = await session.get(SandboxPayment, payment_id, with_for_update=True)
            if row is None:
                raise ProviderError("No such payment.")
            if row.status in (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION):
                row.status = CANCELED
                row.updated_at = utcnow()
            return self._state(row)

    async def refund(self, payment_id: str, amount_minor: int, *, key: str) -> RefundResult:
        async with self.db.platform_session() as session:
            row = await session.get(SandboxPayment, payment_id, with_for_update=True)
            if row is None or row.status != SUCCEEDED:
                raise ProviderError("Only a successful payment can be refunded.")
            if row.refunded_minor + amount_minor > row.amount_minor:
                raise ProviderError("The refund is larger than what is left of the payment.")
            row.refunded_minor += amount_minor
            row.updated_at = utcnow()
            return RefundResult(refund_id="sbx_re_" + key[-24:], status=SUCCEEDED)


# --- Stripe ------------------------------------------------------------------------------------


class StripeProvider:
    """Stripe PaymentIntents through the official SDK.

    ``STRIPE_API_BASE`` points the SDK elsewhere (``localstripe`` in tests). Every create
    carries an idempotency key derived from the order, so a retried request never charges
    twice.
    """

    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        if not settings.stripe_secret_key:
            raise ValueError("STRIPE_SECRET_KEY is not set")
        base: Any = {"api": settings.stripe_api_base} if settings.stripe_api_base else {}
        self.client = stripe.StripeClient(settings.stripe_secret_key, base_addresses=base, max_network_retries=2)
        self.test_mode = settings.payments_test_mode
        # Calls wait on the network, not the CPU: more threads than the default pool's few.
        self._threads = ThreadPoolExecutor(max_workers=STRIPE_THREADS, thread_name_prefix="stripe")

    def methods_for(self, currency: str) -> list[str]:
        return payment_methods_for(currency)

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """The SDK's blocking call in a worker thread (its default HTTP client needs no extra
        package), its errors as ``ProviderError``."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, partial(fn, *args, **kwargs))
        except stripe.CardError as exc:
            raise ProviderError(exc.user_message or "The card was declined.", declined=True) from exc
        except stripe.StripeError as exc:
            raise ProviderError(exc.user_message or "The payment provider could not be reached.") from exc

    @staticmethod
    def state_of(found: Any) -> PaymentState:
        intent: dict[str, Any] = found.to_dict() if hasattr(found, "to_dict") else dict(found)
        error = intent.get("last_payment_error") or {}
        charge = intent.get("latest_charge")
        refunded = 0
        if isinstance(charge, dict):
            refunded = int(charge.get("amount_refunded") or 0)
        metadata = intent.get("metadata") or {}
        return PaymentState(
            payment_id=intent["id"],
            status=intent["status"],
            amount_minor=int(intent["amount"]),
            currency=str(intent["currency"]).upper(),
            reference=metadata.get("order_reference"),
            amount_refunded_minor=refunded,
            error=str(error.get("message") or ""),
            client_secret=intent.get("client_secret"),
        )

    async def start(self, request: PaymentRequest) -> PaymentStart:
        params: dict[str, Any] = {
            "amount": request.amount_minor,
            "currency": request.currency.lower(),
            "payment_method_types": self.methods_for(request.currency),
            # The order's reference is how the dashboard and a webhook find it again.
            "metadata": {"order_reference": request.reference},
        }
        intent = await self._call(
            self.client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": f"order-{request.reference}-payment"},
        )
        return PaymentStart(intent["id"], intent["client_secret"], self.state_of(intent))

    async def retrieve(self, payment_id: str) -> PaymentState:
        intent = await self._call(
            self.client.v1.payment_intents.retrieve, payment_id, params={"expand": ["latest_charge"]}
        )
        return self.state_of(intent)

    async def cancel(self, payment_id: str) -> PaymentState:
        state = await self.retrieve(payment_id)
        if state.status not in (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION):
            return state
        intent = await self._call(self.client.v1.payment_intents.cancel, payment_id)
        return self.state_of(intent)

    async def refund(self, payment_id: str, amount_minor: int, *, key: str) -> RefundResult:
        refund = await self._call(
            self.client.v1.refunds.create,
            params={"payment_intent": payment_id, "amount": amount_minor},
            options={"idempotency_key": key},
        )
        found = refund.to_dict()
        return RefundResult(refund_id=found["id"], status=str(found.get("status") or SUCCEEDED))


def provider_for(settings: Settings, db: Database) -> PaymentProvider:
    if settings.payment_provider == "stripe":
        return StripeProvider(settings)
    return SandboxProvider(db)
