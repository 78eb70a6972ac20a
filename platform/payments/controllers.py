"""The visitor's way from a footprint to a fulfilled order, and Stripe's webhook.

HTML: the result page with the venue's offers (``/v/<slug>/r/<estimate>``), the order's
checkout and status page (``/v/<slug>/orders/<reference>``), the sandbox's pay button.
JSON twins under ``/api/v1/public/venues/<slug>/…``. These routes are public (a visitor
has no account; an order is found by its unguessable reference within its venue), and
so is the webhook, which trusts nothing but a valid signature.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import msgspec
from babel.numbers import get_currency_precision
from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.payments import checkout, services, webhooks
from neutralpoint.payments.models import OrderBasis
from neutralpoint.payments.offers import project_lines
from neutralpoint.payments.providers import PROCESSING, SUCCEEDED, PaymentProvider, ProviderError
from neutralpoint.payments.schemas import OrderView, PricedOffer
from neutralpoint.refusals import FieldError, FormErrors, problem, refuse
from neutralpoint.scenarios import entries, estimates, results, submissions
from neutralpoint.scenarios.i18n import text_for
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.scenarios.schemas import EstimateOut
from neutralpoint.settings import Settings
from neutralpoint.tenants.access import PUBLIC
from neutralpoint.tenants.models import Tenant
from neutralpoint.web.api_errors import CONFLICT
from neutralpoint.web.templating import render


def payment_provider(state: State) -> PaymentProvider:
    return services.shared_provider(state)


def _visitor(request: Request[Any, Any, Any]) -> submissions.VisitorRequest:
    return submissions.VisitorRequest(
        slug="",
        code="",
        cookies=request.cookies,
        query_lang=request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
    )


def _remember_language(response: Response[Any], lang: str, explicit: bool) -> None:
    if explicit:
        response.set_cookie(
            submissions.LANG_COOKIE, lang, max_age=submissions.COOKIE_MAX_AGE, path="/", samesite="lax", httponly=True
        )


def _not_found() -> NotFoundException:
    return NotFoundException("Not found")


# --- presentation --------------------------------------------------------------------------------


def _minor_to_major(amount_minor: int, currency: str) -> str:
    return str(Decimal(amount_minor).scaleb(-get_currency_precision(currency)))


async def _result_context(
    session: AsyncSession, registry: ScenarioRegistry, tenant: Tenant, estimate_id: str, lang: str
) -> dict[str, Any]:
    found = await estimates.find_estimate(session, estimate_id)
    if found is None or found[0].kind != "visitor":
        raise _not_found()
    estimate, entry_code = found
    factor_set = await estimates.factors_of(session, estimate, registry)
    view = results.present(estimate, entry_code, factor_set)
    offers = await services.priced_offers(session, tenant.id, estimate.total_grams)
    comparison = view.comparison
    slug = tenant.slug
    return {
        "brand": tenant,
        "view": view,
        "scenario_name": text_for(estimate.scenario_name, lang),
        "days_china": f"{comparison.days['china']:,}",
        "days_world": f"{comparison.days['world']:,}",
        "car_km": f"{comparison.petrol_car_km:,}",
        "per_capita": results.PER_CAPITA,
        "per_capita_source": results.PER_CAPITA_SOURCE,
        "car_factor": results.PETROL_CAR_KG_PER_KM,
        "car_source": results.PETROL_CAR_SOURCE,
        "again_url": f"/v/{slug}/{entry_code}" if entry_code else f"/v/{slug}/",
        "history_url": f"/v/{slug}/me",
        "offers": [(o, project_lines(o, lang)) for o in offers],
        "order_action": f"/v/{slug}/r/{estimate.id}/orders",
        "estimate_grams": estimate.total_grams,
    }


# --- HTML: the result, the order, the sandbox ----------------------------------------------------


@get("/v/{slug:str}/r/{estimate_id:str}", include_in_schema=False, access=PUBLIC)
async def result_page(
    request: Request[Any, Any, Any],
    state: State,
    db_session: NamedDependency[AsyncSession],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    estimate_id: FromPath[str],
) -> Template:
    """A stored footprint (drawn from its stored breakdown and factor-set snapshot) and the
    venue's offers to neutralize it, each priced for this footprint."""
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    lang, explicit = _visitor(request).language(tenant)
    context = await _result_context(db_session, registry, tenant, estimate_id, lang)
    response = render(
        request,
        "scenarios/result.html",
        lang=lang,
        test_mode=payment_provider(state).test_mode,
        refused={},
        typed={},
        footprint_url=submissions.footprint_url(request, state.settings),
        **context,
    )
    _remember_language(response, lang, explicit)
    return response


def _decimal(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _form_request(
    form: dict[str, Any], tenant: Tenant, estimate_id: str, lang: str, currency_of: dict[uuid.UUID, str]
) -> checkout.CheckoutRequest:
    """A result-page form as a checkout request; a malformed field is refused by name."""
    try:
        allocation_id = uuid.UUID(str(form.get("allocation_id") or ""))
    except ValueError:
        raise refuse("allocation_id", problem("required", "Choose a project.", "请选择一个项目。")) from None
    basis = str(form.get("basis") or "estimate")
    request = checkout.CheckoutRequest(
        tenant_id=tenant.id,
        allocation_id=allocation_id,
        basis=OrderBasis.ESTIMATE,
        language=lang,
        estimate_id=uuid.UUID(estimate_id) if basis == "estimate" else None,
    )
    if basis == "mass":
        kg = _decimal(form.get("mass_kg"))
        if kg is None or kg <= 0 or (kg * 1000) != (kg * 1000).to_integral_value():
            raise refuse(
                "mass_kg",
                problem(
                    "not_a_number",
                    "Enter a mass in kilograms greater than zero, with at most 3 decimals.",
                    "请输入大于零的千克数，最多 3 位小数。",
                ),
            )
        return checkout.CheckoutRequest(**{**request.__dict__, "basis": OrderBasis.MASS, "grams": int(kg * 1000)})
    if basis == "amount":
        currency = currency_of.get(allocation_id, "")
        amount = _decimal(form.get("amount"))
        digits = get_currency_precision(currency) if currency else 2
        if amount is None or amount <= 0 or amount.scaleb(digits) != amount.scaleb(digits).to_integral_value():
            raise refuse(
                "amount",
                problem(
                    "not_a_number",
                    "Enter an amount of money greater than zero, to the smallest coin.",
                    "请输入大于零的金额，精确到最小货币单位。",
                ),
            )
        return checkout.CheckoutRequest(
            **{**request.__dict__, "basis": OrderBasis.AMOUNT, "amount_minor": int(amount.scaleb(digits))}
        )
    if basis != "estimate":
        raise refuse(
            "basis",
            problem(
                "unknown_choice",
                "Choose what to buy: your footprint, a mass or an amount.",
                "请选择购买方式：您的碳足迹、质量或金额。",
            ),
        )
    return request


@post(
    "/v/{slug:str}/r/{estimate_id:str}/orders",
    include_in_schema=False,
    status_code=303,
    access=PUBLIC,
    rate_limit="orders",
)
async def order_from_result(
    request: Request[Any, Any, Any],
    state: State,
    db_session: NamedDependency[AsyncSession],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    estimate_id: FromPath[str],
) -> Response[Any]:
    """One tap on an offer (or "another amount"): the order, its reservation and its
    payment, then the checkout page. On bad input, the result page again with the message."""
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    lang, _ = _visitor(request).language(tenant)
    context = await _result_context(db_session, registry, tenant, estimate_id, lang)
    form_data = await request.form()
    form = {name: form_data.get(name) for name in form_data}
    currency_of = {offer.allocation_id: offer.currency for offer, _ in context["offers"]}
    await db_session.commit()
    try:
        wanted = _form_request(form, tenant, estimate_id, lang, currency_of)
        wanted = checkout.CheckoutRequest(
            **{**wanted.__dict__, "visitor_id": _visitor(request).visitor_id(state.settings.secret_key)}
        )
        order = await services.start_checkout(state.db, payment_provider(state), wanted, ttl=order_ttl(state.settings))
    except FormErrors as exc:
        typed = {k: str(v) for k, v in form.items() if k in ("mass_kg", "amount", "basis", "allocation_id")}
        return render(
            request,
            "scenarios/result.html",
            lang=lang,
            status_code=exc.status_code if exc.status_code in (400, 409) else 400,
            test_mode=payment_provider(state).test_mode,
            refused=exc.errors,
            typed=typed,
            footprint_url=submissions.footprint_url(request, state.settings),
            **context,
        )
    return Redirect(path=f"/v/{slug}/orders/{order.reference}", status_code=303)


def order_ttl(settings: Settings) -> timedelta:
    """How long an unpaid order keeps its grams (``RESERVATION_MINUTES``)."""
    return timedelta(minutes=settings.reservation_minutes)


async def _order_page(
    request: Request[Any, Any, Any],
    state: State,
    session: AsyncSession,
    tenant: Tenant,
    reference: str,
    lang: str,
    errors: Mapping[str, FieldError] | None = None,
    status_code: int = 200,
) -> Template:
    order = await services.get_order(session, reference)
    if order is None:
        raise _not_found()
    provider = payment_provider(state)
    client_secret = None
    payment_error = ""
    confirming = False
    unpaid = order.status in ("draft", "awaiting_payment", "failed")
    if unpaid and order.payment_id and order.provider == "stripe" and provider.name == "stripe":
        try:
            payment = await provider.retrieve(order.payment_id)
        except ProviderError as exc:
            payment_error = exc.message
        else:
            client_secret = payment.client_secret
            payment_error = payment.error
            # Back from Stripe before its webhook reached us: the payment is Stripe's to
            # confirm (read from Stripe just now, not from the return URL), so no second form.
            confirming = payment.status in (SUCCEEDED, PROCESSING)
    elif order.status == "failed":
        payment_error = next((t.detail for t in reversed(order.transitions) if t.to_status == "failed"), "")
    return render(
        request,
        "payments/order.html",
        lang=lang,
        status_code=status_code,
        brand=tenant,
        order=order,
        project=project_lines(order, lang),
        test_mode=order.test_mode,
        unpaid=unpaid,
        confirming=confirming,
        client_secret=client_secret,
        publishable_key=state.settings.stripe_publishable_key or "",
        stripe_js=(state.settings.stripe_api_base.rstrip("/") + "/js.stripe.com/v3/")
        if state.settings.stripe_api_base
        else "https://js.stripe.com/v3/",
        payment_error=payment_error,
        refused=errors or {},
        pay_action=f"/v/{tenant.slug}/orders/{order.reference}/pay",
        buyer_api=f"/api/v1/public/venues/{tenant.slug}/orders/{order.reference}/buyer",
        return_url=f"{state.settings.base_url}/v/{tenant.slug}/orders/{order.reference}",
        refresh=order.status == "paid" or confirming,
        history_url=f"/v/{tenant.slug}/me",
        footprint_url=submissions.footprint_url(request, state.settings),
    )


@get("/v/{slug:str}/orders/{reference:str}", include_in_schema=False, access=PUBLIC)
async def order_page(
    request: Request[Any, Any, Any],
    state: State,
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    reference: FromPath[str],
) -> Template:
    """The checkout while the order is unpaid, then its state as our database knows it
    (never what a return URL says), and at last its serial-numbered credits."""
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    lang, explicit = _visitor(request).language(tenant)
    response = await _order_page(request, state, db_session, tenant, reference, lang)
    _remember_language(response, lang, explicit)
    return response


@post("/v/{slug:str}/orders/{reference:str}/pay", include_in_schema=False, status_code=303, access=PUBLIC)
async def sandbox_pay_page(
    request: Request[Any, Any, Any],
    state: State,
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    reference: FromPath[str],
) -> Response[Any]:
    """The sandbox's pay (or decline) button, with the buyer's name and e-mail."""
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    lang, _ = _visitor(request).language(tenant)
    if await services.get_order(db_session, reference) is None:
        raise _not_found()
    form = await request.form()
    try:
        await checkout.update_buyer(
            db_session,
            reference,
            buyer_name=str(form.get("buyer_name") or ""),
            buyer_email=str(form.get("buyer_email") or ""),
            language=lang,
        )
        await db_session.commit()
        await services.sandbox_pay(
            state.db, state.jobs, payment_provider(state), reference, succeed=form.get("outcome") != "decline"
        )
    except FormErrors as exc:
        await db_session.rollback()
        return await _order_page(
            request,
            state,
            db_session,
            tenant,
            reference,
            lang,
            exc.errors,
            status_code=exc.status_code if exc.status_code in (400, 409) else 400,
        )
    return Redirect(path=f"/v/{slug}/orders/{reference}", status_code=303)


# --- JSON twins ----------------------------------------------------------------------------------


class ProjectOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: dict[str, str]
    country: str
    region: str
    project_type: str
    registry: str
    registry_project_id: str
    photo_url: str | None
    url: str
    region_zh_hans: str = ""
    """The region in Chinese (``region`` is English, and the fallback)."""


class OfferOut(msgspec.Struct):
    allocation_id: uuid.UUID
    project: ProjectOut
    vintage_year: int
    currency: str
    price_per_tonne_minor: int
    grams: int
    price_minor: int
    exact_price_minor: int
    below_minimum: bool
    available_grams: int
    sold_out: bool
    is_default: bool


class ResultOut(msgspec.Struct):
    """The result page's twin: the footprint and the offers priced for it."""

    estimate: EstimateOut
    offers: list[OfferOut]
    test_mode: bool
    order_url: str


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one way to say what to buy: ``estimate_id``, ``grams`` or ``amount_minor``."""

    allocation_id: uuid.UUID
    basis: Literal["estimate", "mass", "amount"]
    estimate_id: uuid.UUID | None = None
    grams: rules.Grams | None = None
    amount_minor: Annotated[int, msgspec.Meta(ge=1)] | None = None
    currency: str | None = None
    buyer_name: rules.Name = ""
    buyer_email: rules.Email = ""
    language: str = "en"
    entry_point: str = ""


class BuyerIn(msgspec.Struct, forbid_unknown_fields=True):
    buyer_name: rules.Name = ""
    buyer_email: rules.Email = ""
    language: str | None = None


class SandboxPaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["succeed", "decline"] = "succeed"


class TransitionOut(msgspec.Struct):
    from_status: str | None
    to_status: str
    cause: str
    detail: str
    at: str


class PieceOut(msgspec.Struct):
    serial: str
    vintage_year: int
    gram_from: int
    gram_to: int
    grams: int
    status: str


class RefundOut(msgspec.Struct):
    status: str
    cause: str
    amount_minor: int
    currency: str
    released_grams: int
    retained_grams: int


class OrderOut(msgspec.Struct):
    reference: str
    status: str
    basis: str
    project: ProjectOut
    allocation_id: uuid.UUID
    grams: int
    amount_minor: int
    currency: str
    split: dict[str, int]
    buyer_name: str
    language: str
    entry_point: str
    provider: str
    test_mode: bool
    expires_at: str
    paid_at: str | None
    fulfilled_at: str | None
    refunded_at: str | None
    fulfilment_id: uuid.UUID | None
    pieces: list[PieceOut]
    transitions: list[TransitionOut]
    refund: RefundOut | None
    url: str
    payment: dict[str, Any]
    certificate_number: str | None = None
    certificate_url: str | None = None
    charged_minimum: bool = False
    """The grams' own price (``exact_price_minor``) is below the payment provider's minimum
    charge, so ``amount_minor`` is that minimum."""
    exact_price_minor: int | None = None


def _project_out(order: PricedOffer | OrderView) -> ProjectOut:
    p = order.project
    return ProjectOut(
        p.id,
        p.slug,
        p.name,
        p.country,
        p.region,
        p.project_type,
        p.registry_code,
        p.registry_project_id,
        p.photo_url,
        p.url,
        p.region_zh_hans,
    )


def offer_out(o: PricedOffer) -> OfferOut:
    return OfferOut(
        allocation_id=o.allocation_id,
        project=_project_out(o),
        vintage_year=o.vintage_year,
        currency=o.currency,
        price_per_tonne_minor=o.price_per_tonne_minor,
        grams=o.grams,
        price_minor=o.price_minor,
        exact_price_minor=o.exact_price_minor,
        below_minimum=o.below_minimum,
        available_grams=o.available_grams,
        sold_out=o.sold_out,
        is_default=o.is_default,
    )


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def order_out(order: OrderView, settings: Settings, slug: str, payment: dict[str, Any] | None = None) -> OrderOut:
    refund = order.refund
    return OrderOut(
        reference=order.reference,
        status=order.status,
        basis=order.basis,
        project=_project_out(order),
        allocation_id=order.allocation_id,
        grams=order.grams,
        amount_minor=order.amount_minor,
        currency=order.currency,
        split={
            "owner_minor": order.owner_minor,
            "platform_minor": order.platform_minor,
            "venue_minor": order.venue_minor,
        },
        buyer_name=order.buyer_name,
        language=order.language,
        entry_point=order.entry_point_code,
        provider=order.provider,
        test_mode=order.test_mode,
        expires_at=order.expires_at.isoformat(),
        paid_at=_iso(order.paid_at),
        fulfilled_at=_iso(order.fulfilled_at),
        refunded_at=_iso(order.refunded_at),
        fulfilment_id=order.fulfilment_id,
        pieces=[PieceOut(p.serial, p.vintage_year, p.gram_from, p.gram_to, p.grams, p.status) for p in order.pieces],
        transitions=[
            TransitionOut(t.from_status, t.to_status, t.cause, t.detail, t.at.isoformat()) for t in order.transitions
        ],
        refund=RefundOut(
            refund.status,
            refund.cause,
            refund.amount_minor,
            refund.currency,
            refund.released_grams,
            refund.retained_grams,
        )
        if refund
        else None,
        url=f"{settings.base_url}/v/{slug}/orders/{order.reference}",
        payment=payment or {},
        certificate_number=order.certificate_number,
        certificate_url=f"{settings.base_url}/certificates/verify?number={order.certificate_number}"
        if order.certificate_number
        else None,
        charged_minimum=order.charged_minimum,
        exact_price_minor=order.exact_price_minor,
    )


API = "/api/v1/public/venues/{slug:str}"


@get(
    API + "/results/{estimate_id:str}",
    tags=["visitors"],
    access=PUBLIC,
    summary="A footprint with the venue's offers, each priced for it",
)
async def get_result(
    state: State,
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    estimate_id: FromPath[str],
) -> ResultOut:
    """The result page's twin: the estimate and the offers in the venue's order, each with the
    price of this footprint in integer minor units (rounded up)."""
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    found = await estimates.find_estimate(db_session, estimate_id)
    if found is None or found[0].kind != "visitor":
        raise _not_found()
    estimate, entry_code = found
    factor_set = await estimates.factors_of(db_session, estimate, registry)
    view = results.present(estimate, entry_code, factor_set)
    offers = await services.priced_offers(db_session, tenant.id, estimate.total_grams)
    return ResultOut(
        estimate=submissions.estimate_out(view, slug, settings),
        offers=[offer_out(o) for o in offers],
        test_mode=payment_provider(state).test_mode,
        order_url=f"{settings.base_url}/api/v1/public/venues/{slug}/orders",
    )


def _payment_out(order: OrderView, state: State) -> dict[str, Any]:
    return {
        "provider": order.provider,
        "payment_id": order.payment_id,
        "client_secret": order.client_secret,
        "publishable_key": state.settings.stripe_publishable_key if order.provider == "stripe" else None,
        "methods": list(order.payment_methods),
    }


@post(
    API + "/orders",
    tags=["visitors"],
    status_code=201,
    access=PUBLIC,
    rate_limit="orders",
    summary="Order credits: by the footprint, by mass or by amount",
    responses={409: CONFLICT},
)
async def create_order(
    request: Request[Any, Any, Any],
    state: State,
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    data: JSONBody[OrderIn],
) -> OrderOut:
    """Reserves the grams and creates the payment. The answer carries the provider's
    client secret (Stripe's Payment Element confirms with it) or, in the sandbox, the
    order is paid with ``…/sandbox-payment``."""
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    await db_session.commit()
    basis = OrderBasis(data.basis)
    wanted = checkout.CheckoutRequest(
        tenant_id=tenant.id,
        allocation_id=data.allocation_id,
        basis=basis,
        estimate_id=data.estimate_id,
        grams=data.grams,
        amount_minor=data.amount_minor,
        currency=data.currency,
        buyer_name=data.buyer_name,
        buyer_email=data.buyer_email,
        language=data.language,
        entry_point_code=data.entry_point[:64],
        visitor_id=_visitor(request).visitor_id(state.settings.secret_key),
    )
    fields = {OrderBasis.ESTIMATE: data.estimate_id, OrderBasis.MASS: data.grams, OrderBasis.AMOUNT: data.amount_minor}
    if fields[basis] is None:
        name = {OrderBasis.ESTIMATE: "estimate_id", OrderBasis.MASS: "grams", OrderBasis.AMOUNT: "amount_minor"}[basis]
        raise refuse(
            name,
            problem(
                "required",
                "Say what to buy: this field is required for the basis chosen.",
                "请说明要购买什么：所选购买方式需要填写此字段。",
            ),
        )
    order = await services.start_checkout(state.db, payment_provider(state), wanted, ttl=order_ttl(state.settings))
    return order_out(order, state.settings, slug, _payment_out(order, state))


async def _venue_order(session: AsyncSession, slug: str, reference: str) -> OrderView:
    tenant = await entries.find_venue(session, slug)
    if tenant is None:
        raise _not_found()
    order = await services.get_order(session, reference)
    if order is None:
        raise _not_found()
    return order


@get(API + "/orders/{reference:str}", tags=["visitors"], access=PUBLIC, summary="An order, as our database knows it")
async def get_order(
    state: State,
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    reference: FromPath[str],
) -> OrderOut:
    """Its status and every change of it with the cause, and once fulfilled its serial pieces."""
    order = await _venue_order(db_session, slug, reference)
    return order_out(order, state.settings, slug)


@post(
    API + "/orders/{reference:str}/buyer",
    responses={409: CONFLICT},
    tags=["visitors"],
    status_code=200,
    access=PUBLIC,
    summary="The buyer's name and e-mail, before paying",
)
async def set_buyer(
    state: State,
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    reference: FromPath[str],
    data: JSONBody[BuyerIn],
) -> OrderOut:
    """The name shown on the certificate and the address the receipt goes to."""
    await _venue_order(db_session, slug, reference)
    await checkout.update_buyer(
        db_session, reference, buyer_name=data.buyer_name, buyer_email=data.buyer_email, language=data.language
    )
    await db_session.flush()
    order = await services.get_order(db_session, reference)
    assert order is not None
    return order_out(order, state.settings, slug)


@post(
    API + "/orders/{reference:str}/sandbox-payment",
    responses={409: CONFLICT},
    tags=["visitors"],
    status_code=200,
    access=PUBLIC,
    summary="Pay (or decline) an order in the sandbox (test mode)",
)
async def pay_in_sandbox(
    state: State,
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    reference: FromPath[str],
    data: JSONBody[SandboxPaymentIn],
) -> OrderOut:
    """Only with the sandbox provider: no money moves. The order then follows the same
    path as with Stripe (paid, then fulfilled by the job)."""
    await _venue_order(db_session, slug, reference)
    await db_session.commit()
    await services.sandbox_pay(
        state.db, state.jobs, payment_provider(state), reference, succeed=data.outcome == "succeed"
    )
    order = await _venue_order(db_session, slug, reference)
    return order_out(order, state.settings, slug)


class WebhookOut(msgspec.Struct):
    """What became of a webhook call: ``duplicate``, what the event did, or why it was refused."""

    outcome: str


@post(
    "/api/v1/webhooks/stripe",
    tags=["payments"],
    access=PUBLIC,
    status_code=200,
    summary="Stripe's events (signed)",
    media_type=MediaType.JSON,
    responses={
        400: ResponseSpec(data_container=WebhookOut, description="No valid signature, or not an event"),
        404: ResponseSpec(data_container=WebhookOut, description="Stripe webhooks are not set up on this platform"),
    },
)
async def stripe_webhook(request: Request[Any, Any, Any], state: State) -> Response[WebhookOut]:
    """Verified by signature before anything is read; each event id handled once."""
    answer = await webhooks.receive(
        state.db,
        state.jobs,
        payment_provider(state),
        state.settings,
        await request.body(),
        request.headers.get("stripe-signature"),
    )
    return Response(WebhookOut(answer.outcome), status_code=answer.status_code)


route_handlers: list[Any] = [
    result_page,
    order_from_result,
    order_page,
    sandbox_pay_page,
    get_result,
    create_order,
    get_order,
    set_buyer,
    pay_in_sandbox,
    stripe_webhook,
]
