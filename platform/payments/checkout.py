"""From a choice to a payment: create the order and its reservation, then ask the provider.

Three short transactions, never a provider call inside a credit transaction:

1. the order (draft) and its reservation, committed together;
2. the provider's payment, created with an idempotency key derived from the order;
3. the payment's id on the order, now awaiting payment.

If the provider refuses, the reservation is released and the order marked failed: no
order is left half-paid. A payment's state reaches us by a verified event (Stripe's
webhook, the sandbox's pay button) or by reconciliation, and ``apply_payment_state``
moves the order accordingly, reading only what the provider says now.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.credits import pricing
from neutralpoint.credits import services as credits
from neutralpoint.credits.errors import BelowMinimumCharge, SoldOut
from neutralpoint.credits.models import Allocation
from neutralpoint.credits.selling import MAX_ORDER_GRAMS
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments import orders
from neutralpoint.payments.models import Order, OrderBasis, OrderStatus
from neutralpoint.payments.providers import (
    CANCELED,
    PROCESSING,
    REQUIRES_ACTION,
    REQUIRES_PAYMENT_METHOD,
    PaymentProvider,
    PaymentRequest,
    PaymentState,
    ProviderError,
)
from neutralpoint.payments.schemas import OrderView
from neutralpoint.refusals import Collector, FormErrors, problem, refuse
from neutralpoint.scenarios import estimates
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.models import EntryPoint

log = logging.getLogger("neutralpoint.payments")

S = OrderStatus
LANGUAGES = ("en", "zh-Hans")
FULFIL_JOB = "fulfil_order"
NOT_OFFERED = problem(
    "not_offered",
    "This project is not offered here any more; choose another.",
    "本场所已不再提供此项目，请选择其他项目。",
)


def fulfil_job_id(reference: str) -> str:
    """One fulfilment job per order, whoever enqueues it and however often."""
    return f"fulfil:{reference}"


@dataclass(frozen=True)
class CheckoutRequest:
    """A buyer's choice: an offer, and what to buy of it (exactly one way)."""

    tenant_id: uuid.UUID
    allocation_id: uuid.UUID
    basis: OrderBasis
    estimate_id: uuid.UUID | None = None
    grams: int | None = None
    amount_minor: int | None = None
    currency: str | None = None
    buyer_name: str = ""
    buyer_email: str = ""
    language: str = "en"
    entry_point_code: str = ""
    actor: str = "visitor"
    #: The anonymous visitor ordering (their signed cookie's); else, by the footprint, the
    #: footprint's visitor: the order then shows in that visitor's personal footprint.
    visitor_id: uuid.UUID | None = None


#: An event's order before the whole event's footprint was computed.
EVENT_NOT_COMPUTED = problem("not_found", "Compute the event's footprint first.", "请先计算整场活动的碳足迹。")


def check_buyer(name: str, email: str) -> tuple[str, str]:
    """The name and e-mail address a receipt goes to, both optional."""
    problems = Collector()
    cleaned_name = problems.field("buyer_name", rules.text, " ".join((name or "").split()), max_length=rules.NAME_MAX)
    cleaned_email = problems.field("buyer_email", rules.email, email, required=False)
    problems.raise_if_any()
    return cleaned_name or "", cleaned_email or ""


async def _offer(session: AsyncSession, request: CheckoutRequest) -> Allocation:
    """The allocation the buyer chose; whether the venue shows it is checked by ``reserve``."""
    allocation = await session.get(Allocation, request.allocation_id)
    if allocation is None:
        raise refuse("allocation_id", NOT_OFFERED)
    return allocation


async def remaining_event_grams(session: AsyncSession, estimate: Estimate, *, test_mode: bool) -> int:
    """The whole event's footprint less what was neutralized at its entry point already: the
    attendees' own orders (of their footprints, or of a mass or an amount bought through the
    entry point), and the organiser's earlier orders for the event. Only orders of the mode
    (``test_mode``) of the order being made count: sandbox purchases neutralize nothing a
    live order must pay for, and the other way round. The event's public page counts the
    same orders (``neutralpoint.impact.neutrality``)."""
    if estimate.entry_point_id is None:
        return estimate.total_grams
    at_this_entry_point = select(Estimate.id).where(Estimate.entry_point_id == estimate.entry_point_id)
    its_code = select(EntryPoint.code).where(EntryPoint.id == estimate.entry_point_id).scalar_subquery()
    neutralized = await session.scalar(
        select(func.coalesce(func.sum(Order.grams), 0)).where(
            or_(Order.estimate_id.in_(at_this_entry_point), Order.entry_point_code == its_code),
            Order.status.in_(orders.PAID_STATES),
            Order.test_mode.is_(test_mode),
        )
    )
    return max(estimate.total_grams - int(neutralized or 0), 0)


@dataclass(frozen=True)
class EventRemaining:
    """An event's latest whole-event footprint and what was neutralized against it."""

    estimate_id: uuid.UUID
    total_grams: int
    remaining_grams: int

    @property
    def neutralized_grams(self) -> int:
        return self.total_grams - self.remaining_grams


async def event_remaining(
    session: AsyncSession, entry_point_id: uuid.UUID, *, test_mode: bool
) -> EventRemaining | None:
    """The entry point's latest whole-event estimate (the session is scoped to its venue) and
    the footprint left to neutralize by an order in ``test_mode`` or not (the payment
    provider's); ``None`` before the organiser has computed one."""
    estimate = await session.scalar(
        select(Estimate)
        .where(Estimate.entry_point_id == entry_point_id, Estimate.kind == "organiser")
        .order_by(Estimate.created_at.desc(), Estimate.id.desc())
        .limit(1)
    )
    if estimate is None:
        return None
    remaining = await remaining_event_grams(session, estimate, test_mode=test_mode)
    return EventRemaining(estimate.id, estimate.total_grams, remaining)


async def _grams_wanted(
    session: AsyncSession, request: CheckoutRequest, allocation: Allocation, *, test_mode: bool
) -> tuple[int, str]:
    """How many grams this order buys (in ``test_mode``, the provider's), and the entry point
    it came through."""
    code = request.entry_point_code
    if request.basis in (OrderBasis.ESTIMATE, OrderBasis.EVENT):
        kind = "organiser" if request.basis == OrderBasis.EVENT else "visitor"
        found = await estimates.find_estimate(session, str(request.estimate_id), kind) if request.estimate_id else None
        if found is None or found[0].kind != kind:
            raise refuse(
                "estimate_id",
                problem("not_found", "This footprint was not computed at this venue.", "此碳足迹不是在本场所计算的。"),
            )
        estimate, entry_code = found
        code = entry_code or code
        if request.basis == OrderBasis.EVENT:
            grams = await remaining_event_grams(session, estimate, test_mode=test_mode)
            if grams <= 0:
                raise refuse(
                    "estimate_id",
                    problem(
                        "nothing_to_neutralize",
                        "The attendees have already neutralized the whole event.",
                        "参会者已中和了整个活动的碳足迹。",
                    ),
                    status_code=409,
                )
            return grams, code
        if estimate.total_grams <= 0:
            raise refuse(
                "estimate_id",
                problem(
                    "nothing_to_neutralize",
                    "This footprint is zero: there is nothing to neutralize.",
                    "此碳足迹为零，无需中和。",
                ),
            )
        return estimate.total_grams, code
    if request.basis == OrderBasis.MASS:
        mass = request.grams
        if type(mass) is not int or mass <= 0:
            raise refuse(
                "grams",
                problem("too_small", "Enter a whole number of grams, at least 1.", "请输入整数克数，至少为 1。"),
            )
        if mass > MAX_ORDER_GRAMS:
            raise refuse(
                "grams", problem("too_large", "One order buys at most 1,000 tonnes.", "每个订单最多购买 1,000 吨。")
            )
        return mass, code
    amount = request.amount_minor
    if type(amount) is not int or amount <= 0:
        raise refuse(
            "amount_minor", problem("too_small", "Enter an amount of money greater than zero.", "请输入大于零的金额。")
        )
    minimum = pricing.minimum_charge_minor(allocation.currency)
    if amount < minimum:
        raise refuse(
            "amount_minor",
            problem(
                "below_minimum_charge",
                "The smallest payment is {minimum} minor units of {currency}.",
                "最低付款金额为 {minimum} 个 {currency} 最小货币单位。",
                minimum=minimum,
                currency=allocation.currency,
            ),
        )
    grams = pricing.grams_for_amount(amount, allocation.price_per_tonne_minor)
    if grams > MAX_ORDER_GRAMS:
        raise refuse(
            "amount_minor", problem("too_large", "One order buys at most 1,000 tonnes.", "每个订单最多购买 1,000 吨。")
        )
    if grams <= 0:
        raise refuse(
            "amount_minor", problem("too_small", "This amount buys less than one gram.", "此金额不足以购买一克。")
        )
    return grams, code


async def _create_order(
    session: AsyncSession,
    provider: PaymentProvider,
    request: CheckoutRequest,
    ttl: timedelta,
    now: datetime,
    *,
    clock_given: bool = False,
) -> Order:
    """The order (draft) and its reservation. The reservation reads the clock itself once it
    holds the lot's lock (so the lot's ledger is in time order), unless the caller set it."""
    use_tenant(session, request.tenant_id)
    if request.basis not in OrderBasis:
        raise refuse(
            "basis",
            problem(
                "unknown_choice",
                "Choose what to buy: your footprint, a mass or an amount.",
                "请选择购买方式：您的碳足迹、质量或金额。",
            ),
        )
    name, email = check_buyer(request.buyer_name, request.buyer_email)
    allocation = await _offer(session, request)
    if request.currency is not None and request.currency.strip().upper() != allocation.currency:
        raise refuse(
            "currency",
            problem(
                "currency_mismatch",
                "This project is sold in {sold}, not in {asked}.",
                "此项目以 {sold} 销售，而非 {asked}。",
                sold=allocation.currency,
                asked=request.currency.strip().upper()[:3],
            ),
        )
    grams, code = await _grams_wanted(session, request, allocation, test_mode=provider.test_mode)
    visitor_id = request.visitor_id
    if visitor_id is None and request.basis == OrderBasis.ESTIMATE and request.estimate_id is not None:
        visitor_id = await session.scalar(select(Estimate.visitor_id).where(Estimate.id == request.estimate_id))
    reference = orders.new_reference()
    try:
        reservation = await credits.reserve(
            session,
            tenant_id=request.tenant_id,
            allocation_id=allocation.id,
            grams=grams,
            order_ref=reference,
            actor=request.actor,
            now=now if clock_given else None,
            ttl=ttl,
            round_up_to_minimum=request.basis != OrderBasis.AMOUNT,
        )
    except SoldOut as exc:
        raise refuse(
            "grams",
            problem(
                "sold_out",
                "Sold out: only {available} g of this project are left; choose another project or fewer grams.",
                "已售罄：此项目仅剩 {available} 克；请选择其他项目或减少数量。",
                available=exc.available_grams,
            ),
            status_code=409,
        ) from exc
    except FormErrors as exc:
        if "allocation_id" in exc.errors:
            raise refuse("allocation_id", NOT_OFFERED) from exc
        raise
    except BelowMinimumCharge as exc:
        raise refuse(
            "amount_minor",
            problem(
                "below_minimum_charge",
                "The smallest payment is {minimum} minor units of {currency}.",
                "最低付款金额为 {minimum} 个 {currency} 最小货币单位。",
                minimum=exc.quote.minimum_minor,
                currency=exc.quote.currency,
            ),
        ) from exc
    split = pricing.split_amount(
        reservation.amount_minor, allocation.owner_bp, allocation.platform_bp, allocation.venue_bp
    )
    order = Order(
        tenant_id=request.tenant_id,
        reference=reference,
        basis=request.basis,
        estimate_id=request.estimate_id if request.basis in (OrderBasis.ESTIMATE, OrderBasis.EVENT) else None,
        entry_point_code=code[:64],
        allocation_id=reservation.allocation_id,
        project_id=reservation.project_id,
        grams=reservation.grams,
        amount_minor=reservation.amount_minor,
        currency=reservation.currency,
        owner_minor=split.owner_minor,
        platform_minor=split.platform_minor,
        venue_minor=split.venue_minor,
        buyer_name=name,
        buyer_email=email,
        visitor_id=visitor_id,
        language=request.language if request.language in LANGUAGES else "en",
        status=S.DRAFT,
        provider=provider.name,
        test_mode=provider.test_mode,
        expires_at=reservation.expires_at,
        created_by=request.actor[:254],
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    await session.flush()
    orders.record(
        session,
        order,
        S.DRAFT,
        cause="order_created",
        actor=request.actor,
        now=now,
        detail=f"{request.basis.value}: {grams} g",
        created=True,
    )
    return order


async def start_checkout(
    db: Database, provider: PaymentProvider, request: CheckoutRequest, *, ttl: timedelta, now: datetime | None = None
) -> OrderView:
    """Create the order with its reservation, then its payment at the provider."""
    clock_given = now is not None
    now = now or utcnow()
    async with db.session() as session:
        order = await _create_order(session, provider, request, ttl, now, clock_given=clock_given)
        reference, amount, currency = order.reference, order.amount_minor, order.currency
    description = f"Carbon credits, order {reference}"
    try:
        started = await provider.start(PaymentRequest(reference, amount, currency, description, request.buyer_email))
    except ProviderError as exc:
        async with db.session() as session:
            use_tenant(session, request.tenant_id)
            failed = await orders.find(session, reference, lock=True)
            assert failed is not None
            orders.move(session, failed, S.FAILED, cause="provider_refused", actor="payments", detail=exc.message)
            await credits.release_reservation(session, order_ref=reference, actor="payments")
        raise refuse(
            "payment",
            problem(
                "provider_error",
                "The payment could not be started: {reason}",
                "无法发起付款：{reason}",
                reason=exc.message,
            ),
            status_code=502,
        ) from exc
    async with db.session() as session:
        use_tenant(session, request.tenant_id)
        awaiting = await orders.find(session, reference, lock=True)
        assert awaiting is not None
        awaiting.payment_id = started.payment_id
        orders.move(
            session, awaiting, S.AWAITING_PAYMENT, cause="payment_created", actor="payments", detail=started.payment_id
        )
        return await orders.view(
            session,
            awaiting,
            details=False,
            client_secret=started.client_secret,
            payment_methods=tuple(provider.methods_for(currency)),
        )


async def update_buyer(
    session: AsyncSession, reference: str, *, buyer_name: str, buyer_email: str, language: str | None = None
) -> Order:
    """The name for the certificate and the address for the receipt, until the order is paid."""
    order = await orders.find(session, orders.check_reference(reference), lock=True)
    if order is None:
        raise refuse(
            "reference",
            problem("not_found", "There is no order with this reference.", "没有此编号的订单。"),
            status_code=404,
        )
    name, email = check_buyer(buyer_name, buyer_email)
    if order.status not in orders.UNPAID:
        if (name, email) == (order.buyer_name, order.buyer_email):
            return order
        raise refuse(
            "reference", problem("wrong_state", "This order is already paid.", "此订单已付款。"), status_code=409
        )
    order.buyer_name, order.buyer_email = name, email
    if language in LANGUAGES:
        order.language = language
    order.updated_at = utcnow()
    return order


async def apply_payment_state(
    db: Database, jobs: JobQueue | None, state: PaymentState, *, cause: str, actor: str
) -> OrderView | None:
    """Move the order to what its payment is now. Idempotent: the same state twice, or an
    older event after a newer one, changes nothing, because the state is read fresh."""
    reference = None
    async with db.platform_session() as session:
        order = await orders.find_by_payment(session, state.payment_id, lock=True)
        if order is None:
            log.info("payment %s belongs to no order here", state.payment_id)
            return None
        reference = order.reference
        if state.succeeded:
            if state.amount_minor != order.amount_minor or state.currency != order.currency:
                orders.record(
                    session,
                    order,
                    order.status,
                    cause="amount_mismatch",
                    actor=actor,
                    detail=f"paid {state.amount_minor} {state.currency}",
                )
                log.error(
                    "order %s: paid %s %s, expected %s %s",
                    order.reference,
                    state.amount_minor,
                    state.currency,
                    order.amount_minor,
                    order.currency,
                )
            elif order.status in (*orders.UNPAID, S.EXPIRED, S.CANCELLED):
                orders.move(session, order, S.PAID, cause=cause, actor=actor, detail=state.payment_id)
        elif state.status == CANCELED and order.status in orders.UNPAID:
            orders.move(session, order, S.CANCELLED, cause=cause, actor=actor)
            await credits.release_reservation(session, order_ref=order.reference, actor=actor)
        elif state.status == REQUIRES_PAYMENT_METHOD and state.error and order.status in (S.DRAFT, S.AWAITING_PAYMENT):
            orders.move(session, order, S.FAILED, cause=cause, actor=actor, detail=state.error)
        elif state.status in (PROCESSING, REQUIRES_ACTION) and order.status in orders.UNPAID:
            target = S.AWAITING_PAYMENT if order.status == S.FAILED else order.status
            if target != order.status:
                orders.move(session, order, target, cause=f"payment_{state.status}", actor=actor)
            else:
                orders.record(session, order, order.status, cause=f"payment_{state.status}", actor=actor)
        paid = order.status == S.PAID
        result = await orders.view(session, order, details=False)
    if paid and jobs is not None:
        await jobs.enqueue(FULFIL_JOB, reference, job_id=fulfil_job_id(reference))
    return result


async def sandbox_pay(
    db: Database, jobs: JobQueue | None, provider: PaymentProvider, reference: str, *, succeed: bool
) -> OrderView:
    """The sandbox's pay button: the provider records the payment, then the same event
    path as a webhook moves the order."""
    from neutralpoint.payments.providers import SandboxProvider

    if not isinstance(provider, SandboxProvider):
        raise refuse(
            "provider",
            problem(
                "wrong_state", "Test payments are only possible in the sandbox.", "只有在沙盒环境中才能进行测试付款。"
            ),
            status_code=409,
        )
    async with db.platform_session() as session:
        order = await orders.find(session, orders.check_reference(reference))
        if order is None or order.payment_id is None:
            raise refuse(
                "reference",
                problem("not_found", "There is no order with this reference.", "没有此编号的订单。"),
                status_code=404,
            )
        if order.status in (S.PAID, S.FULFILLED, S.REFUNDED):
            raise refuse(
                "reference", problem("wrong_state", "This order is already paid.", "此订单已付款。"), status_code=409
            )
        if order.status in (S.EXPIRED, S.CANCELLED):
            raise refuse(
                "reference",
                problem(
                    "wrong_state", "This order has expired; go back and choose again.", "此订单已过期，请返回重新选择。"
                ),
                status_code=409,
            )
        payment_id = order.payment_id
    state = await provider.pay(payment_id, succeed=succeed)
    view = await apply_payment_state(db, jobs, state, cause="sandbox_payment", actor="sandbox")
    assert view is not None
    return view
