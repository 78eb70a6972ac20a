"""A visitor's submission: from the few things a request carries to the stored estimate's answer.

Two ways in share it. The Litestar handlers in ``controllers`` serve every submission;
with the fast path, the routes' edge (``neutralpoint.fastpath.edge``) answers the valid
ones of a QR burst through ``FORM_SHORTCUT`` and ``JSON_SHORTCUT`` and hands anything else
to those handlers. Both read the request into a ``VisitorRequest`` and send the same
``Answer``, so the two cannot drift apart.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    ServiceUnavailableException,
)

from neutralpoint.fastpath import csrf
from neutralpoint.fastpath.edge import Shortcut
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.scenarios import entries, estimates, results, snapshots
from neutralpoint.scenarios.schemas import (
    ComparisonOut,
    EstimateIn,
    EstimateOut,
    LineOut,
    LocalizedText,
    PerCapitaOut,
    SourceOut,
)
from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants.hosts import SCOPE_KEY as VENUE_HOST_SCOPE_KEY
from neutralpoint.tenants.models import Tenant
from neutralpoint.web.api_errors import ErrorsOut
from neutralpoint.web.cookies import cookie_header
from neutralpoint.web.formatting import shown_factor
from neutralpoint.web.i18n import choose_language, normalize_language

VISITOR_COOKIE = "np_visitor"
LANG_COOKIE = "lang"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
JSON_TYPE = "application/json"

_json = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class VisitorRequest:
    """What a visitor's route reads from its request: the entry point, cookies and languages."""

    slug: str
    code: str
    cookies: Mapping[str, str]
    query_lang: str | None = None
    accept_language: str | None = None

    def language(self, tenant: Tenant | None) -> tuple[str, bool]:
        """The page language, and whether the visitor chose it explicitly with ``?lang=``."""
        lang = choose_language(
            self.query_lang,
            self.cookies.get(LANG_COOKIE),
            self.accept_language,
            tenant.default_language if tenant is not None else None,
        )
        return lang, normalize_language(self.query_lang) is not None

    def visitor_id(self, secret_key: str) -> uuid.UUID | None:
        """The anonymous visitor this browser is, when its cookie's signature checks."""
        return visitor_of_cookie(self.cookies, secret_key)


@dataclass(frozen=True, slots=True)
class Answer:
    """A submission's HTTP answer: status, body, its media type and further headers.

    The server adds ``content-type`` (from ``media_type``) and ``content-length``; the
    headers may hold several ``set-cookie``.
    """

    status: int
    body: bytes
    media_type: str | None
    headers: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Invalid:
    """A form with errors: nothing was stored, and the page shows it again with its messages."""

    setup: entries.EntryPointSetup
    lang: str
    raw: dict[str, Any]
    errors: FormErrors


@dataclass(frozen=True, slots=True)
class Expired:
    """The form's CSRF token did not match the browser's (the cookie expired or was lost):
    nothing was stored; the page shows the answers again, with a fresh token."""

    setup: entries.EntryPointSetup
    lang: str
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The scenario's factor set is being replaced: nothing was stored; try again shortly."""

    lang: str


def visitor_of_cookie(cookies: Mapping[str, str], secret_key: str) -> uuid.UUID | None:
    """The visitor a browser's ``np_visitor`` cookie names, when it is signed by us (an
    unsigned or altered value names nobody: the next footprint starts a new visitor)."""
    return tokens.visitor_of_token(secret_key, cookies.get(VISITOR_COOKIE))


def visitor_cookie_header(settings: Settings, visitor_id: uuid.UUID) -> str:
    """``np_visitor=<id>.<signature>``: HttpOnly, SameSite=Lax, Secure behind https."""
    secure = settings.base_url.startswith("https://")
    value = tokens.visitor_token(settings.secret_key, visitor_id)
    return cookie_header(VISITOR_COOKIE, value, max_age=COOKIE_MAX_AGE, httponly=True, secure=secure)


def visitor_cookie(held: uuid.UUID | None, settings: Settings, visitor_id: uuid.UUID) -> list[tuple[str, str]]:
    """A long-lived anonymous id: the visitor's history, without an account (nothing to
    set when the browser ``held`` it already)."""
    if held == visitor_id:
        return []
    return [("set-cookie", visitor_cookie_header(settings, visitor_id))]


#: The visitor's personal footprint: every venue's estimates and certificates, on the platform's host.
FOOTPRINT_PATH = "/footprint"


def footprint_url(request: Request[Any, Any, Any], settings: Settings) -> str:
    """Where this visitor's personal footprint is. It lives on the platform's host; a page
    served on a venue's own host (whose cookie is not the platform's) links there with a
    short-lived signed token that joins this host's visitor to the platform's."""
    state = request.scope.get("state") or {}
    if not state.get(VENUE_HOST_SCOPE_KEY):
        return FOOTPRINT_PATH
    base = settings.base_url.rstrip("/")
    visitor_id = visitor_of_cookie(request.cookies, settings.secret_key)
    if visitor_id is None:
        return base + FOOTPRINT_PATH
    return f"{base}{FOOTPRINT_PATH}/join?token={tokens.host_join_token(settings.secret_key, visitor_id)}"


def language_cookie(lang: str, explicit: bool) -> list[tuple[str, str]]:
    """The visitor's explicit choice of language, kept for their next pages."""
    if not explicit:
        return []
    return [("set-cookie", cookie_header(LANG_COOKIE, lang, max_age=COOKIE_MAX_AGE, httponly=True))]


async def submit_form(
    state: State, visitor: VisitorRequest, form: Mapping[str, Any]
) -> Answer | Invalid | Expired | Unavailable:
    """The browser's form: check its CSRF token, validate, calculate, store, then 303 to the result.

    A token that does not match the browser's cookie gives the answers back (``Expired``),
    an unknown entry point raises 404; nothing is stored unless it answers 303.
    """
    settings: Settings = state.settings
    setup = await entries.find_entry_point_setup(
        state.db, state.registry, visitor.slug, visitor.code, state.entry_cache
    )
    if setup is None:
        raise NotFoundException()
    entry = setup.entry_point
    lang, explicit = visitor.language(entry.tenant)
    raw = {name: value for name, value in form.items() if name != csrf.FORM_FIELD}
    submitted = form.get(csrf.FORM_FIELD)
    if not csrf.verified(submitted if isinstance(submitted, str) else None, visitor.cookies, settings.secret_key):
        return Expired(setup, lang, raw)
    try:
        computation = estimates.compute(setup.scenario, state.registry, entry, raw, lang, factor_set=setup.factor_set)
    except FormErrors as exc:
        return Invalid(setup, lang, raw, exc)
    held = visitor.visitor_id(settings.secret_key)
    visitor_id = held or uuid.uuid4()
    try:
        estimate = await estimates.store_estimate(state.db, entry, computation, visitor_id, lang, state.entry_cache)
    except snapshots.FactorSetConflictError:
        return Unavailable(lang)
    headers = [("location", f"/v/{visitor.slug}/r/{estimate.id}")]
    headers += visitor_cookie(held, settings, visitor_id)
    headers += language_cookie(lang, explicit)
    return Answer(303, b"", None, headers)


async def submit_json(state: State, visitor: VisitorRequest, data: EstimateIn) -> Answer:
    """The JSON twin: 201 with the stored estimate, or 400 with every field's error.

    Raises 404 for an unknown entry point and 503 while the scenario's factor set is replaced.
    """
    settings: Settings = state.settings
    setup = await entries.find_entry_point_setup(
        state.db, state.registry, visitor.slug, visitor.code, state.entry_cache
    )
    if setup is None:
        raise NotFoundException()
    entry = setup.entry_point
    lang = normalize_language(data.language)
    if lang is None:
        return _field_errors(FormErrors({"language": FieldError("unknown_choice")}))
    try:
        computation = estimates.compute(
            setup.scenario, state.registry, entry, data.inputs, lang, strict=True, factor_set=setup.factor_set
        )
    except FormErrors as exc:
        return _field_errors(exc)
    # A program may name its own visitor; the signed cookie is only ever issued for the
    # browser's own (or a new) one, so naming someone's id never hands over their history.
    signed = visitor.visitor_id(settings.secret_key)
    visitor_id = data.visitor_id or signed or uuid.uuid4()
    try:
        estimate = await estimates.store_estimate(state.db, entry, computation, visitor_id, lang, state.entry_cache)
    except snapshots.FactorSetConflictError:
        raise ServiceUnavailableException("This scenario’s factors are being updated; try again later.") from None
    view = results.present(estimate, entry.code, computation.factor_set, computation.lines)
    body = _json.encode(estimate_out(view, visitor.slug, settings, visitor_id=visitor_id))
    cookie = visitor_cookie(signed, settings, visitor_id) if data.visitor_id is None else []
    return Answer(201, body, JSON_TYPE, cookie)


def _visitor_of(request: Request[Any, Any, Any]) -> VisitorRequest:
    params = request.path_params
    return VisitorRequest(
        slug=params["slug"],
        code=params["code"],
        cookies=request.cookies,
        query_lang=request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
    )


_decode_estimate = msgspec.json.Decoder(EstimateIn).decode


async def _form_shortcut(request: Request[Any, Any, Any], body: bytes) -> Answer | None:
    """The browser's form, when it ends in a stored estimate; ``None`` hands it to the handler."""
    form: dict[str, str] = {}
    try:
        for name, value in parse_qsl(body.decode(), keep_blank_values=True):
            form.setdefault(name, value)  # the first of repeated fields, as the handler reads them
        outcome = await submit_form(request.app.state, _visitor_of(request), form)
    except (HTTPException, UnicodeDecodeError):
        return None
    return outcome if isinstance(outcome, Answer) else None


async def _json_shortcut(request: Request[Any, Any, Any], body: bytes) -> Answer | None:
    """The JSON twin, when it decodes; ``None`` hands it to the handler."""
    try:
        return await submit_json(request.app.state, _visitor_of(request), _decode_estimate(body))
    except (HTTPException, msgspec.DecodeError, RecursionError):
        return None  # the handler answers too deep a body as unreadable (neutralpoint.web.requests)


FORM_SHORTCUT = Shortcut("application/x-www-form-urlencoded", _form_shortcut)
JSON_SHORTCUT = Shortcut("application/json", _json_shortcut)


def _field_errors(errors: FormErrors) -> Answer:
    return Answer(400, _json.encode(ErrorsOut.of(errors)), JSON_TYPE, [])


def result_url(settings: Settings, slug: str, estimate_id: uuid.UUID) -> str:
    return f"{settings.base_url.rstrip('/')}/v/{slug}/r/{estimate_id}"


PER_CAPITA_SOURCE_OUT = SourceOut.of({**results.PER_CAPITA_SOURCE, "estimate": False})
PETROL_CAR_SOURCE_OUT = SourceOut.of({**results.PETROL_CAR_SOURCE, "estimate": False})
_PER_CAPITA_TONNES = tuple((p.key, str(p.tonnes_per_year)) for p in results.PER_CAPITA)
_PETROL_CAR_KG_PER_KM = str(results.PETROL_CAR_KG_PER_KM)


def estimate_out(
    view: results.EstimateView, slug: str, settings: Settings, visitor_id: uuid.UUID | None = None
) -> EstimateOut:
    """An estimate as the API shows it; ``visitor_id`` only to the visitor who just made it."""
    estimate = view.estimate
    comparison = view.comparison
    return EstimateOut(
        id=estimate.id,
        venue=slug,
        entry_point=view.entry_code,
        scenario=estimate.scenario,
        scenario_name=LocalizedText.required(estimate.scenario_name),
        total_grams=estimate.total_grams,
        factor_set_version=estimate.factor_set_version,
        factor_fingerprint=estimate.factor_fingerprint,
        breakdown=[
            LineOut(
                key=line.key,
                label=LocalizedText.required(line.label),
                detail=LocalizedText.of(line.detail),
                quantity=str(line.quantity),
                per=line.per,
                factor=line.factor,
                factor_value=str(line.factor_value) if line.factor_value is not None else None,
                factor_unit=line.factor_unit,
                grams=line.grams,
                share_percent=str(line.share),
                source=line.source,
                warning=LocalizedText.of(line.warning),
                factor_shown=str(shown_factor(line.factor_value)) if line.factor_value is not None else None,
            )
            for line in view.lines
        ],
        sources=[SourceOut.of_source(source) for source in view.sources],
        comparison=ComparisonOut(
            person_days=[PerCapitaOut(key, tonnes, str(comparison.days[key])) for key, tonnes in _PER_CAPITA_TONNES],
            per_capita_source=PER_CAPITA_SOURCE_OUT,
            petrol_car_km=str(comparison.petrol_car_km),
            petrol_car_kg_per_km=_PETROL_CAR_KG_PER_KM,
            petrol_car_source=PETROL_CAR_SOURCE_OUT,
        ),
        inputs=estimate.inputs,
        language=estimate.language,
        created_at=estimate.created_at,
        url=result_url(settings, slug, estimate.id),
        visitor_id=visitor_id,
        warnings=[LocalizedText.required(warning) for warning in view.warnings],
    )
