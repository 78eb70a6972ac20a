"""The visitor's calculator: entry page, result, history (HTML) and their ``/api/v1`` twins.

Pages resolve the venue from the slug in the path and scope the session to it before
touching anything venue-owned; whatever is not this venue's, or not active, is a 404.
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Template
from litestar.response.base import ASGIResponse
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.fastpath import csrf
from neutralpoint.fastpath.cache import EntryCache
from neutralpoint.fastpath.edge import SHORTCUT_OPT, SubmissionEdge
from neutralpoint.refusals import FormErrors
from neutralpoint.scenarios import entries, estimates, results, submissions
from neutralpoint.scenarios.forms import Field, Form
from neutralpoint.scenarios.i18n import text_for
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.scenarios.schemas import (
    EstimateIn,
    EstimateOut,
    EstimateSummaryOut,
    EventOut,
    FormOut,
    LocalizedText,
    ScenarioDetailOut,
    ScenarioOut,
    ScenarioRefOut,
    VisitorEntryPointOut,
    VisitorHistoryOut,
    VisitorVenueOut,
)
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import EntryPoint, Tenant
from neutralpoint.web.access import PUBLIC
from neutralpoint.web.api_errors import ErrorsOut, unreadable_body_response
from neutralpoint.web.formatting import format_date_range, format_when
from neutralpoint.web.i18n import gettext_functions
from neutralpoint.web.templating import refusal_context, render

RADIO_MAX_CHOICES = 4
CSRF_FIELD = csrf.FORM_FIELD

# --- shared helpers -------------------------------------------------------------------------


def _visitor(request: Request[Any, Any, Any], slug: str = "", code: str = "") -> submissions.VisitorRequest:
    return submissions.VisitorRequest(
        slug=slug,
        code=code,
        cookies=request.cookies,
        query_lang=request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
    )


def _language(request: Request[Any, Any, Any], tenant: Tenant | None) -> tuple[str, bool]:
    """The page language, and whether the visitor chose it explicitly with ``?lang=``."""
    return _visitor(request).language(tenant)


def _remember_language(response: Response[Any], lang: str, explicit: bool) -> None:
    if explicit:
        response.set_cookie(
            submissions.LANG_COOKIE, lang, max_age=submissions.COOKIE_MAX_AGE, path="/", samesite="lax", httponly=True
        )


class AnswerResponse(Response[bytes]):
    """A submission's ``Answer`` sent through Litestar, its headers as they are (several cookies)."""

    def __init__(self, answer: submissions.Answer) -> None:
        super().__init__(answer.body, status_code=answer.status, media_type=answer.media_type or MediaType.TEXT)
        self.answer = answer

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        response = super().to_asgi_response(*args, **kwargs)
        for name, value in self.answer.headers:
            response.headers.add(name, value)
        return response


def _not_found() -> NotFoundException:
    return NotFoundException("Not found")


def _event_dates(entry_point: EntryPoint, lang: str) -> str:
    return format_date_range(entry_point.event_starts_on, entry_point.event_ends_on, lang)


def _logo_url(tenant: Tenant) -> str | None:
    return f"/v/{tenant.slug}/logo?v={tenant.logo_version}" if tenant.logo_version > 0 else None


def _one_decimal(value: Decimal) -> str:
    return f"{value:,}"


# --- the form as a page ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldView:
    """One field as the template draws it: widget, texts, the value shown, and whether it was
    refused (its message is shown by the shared macros of ``refusals.html``)."""

    name: str
    widget: str
    label: str
    help: str
    unit: str
    value: str
    required: bool
    refused: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    #: Say "(optional)" beside the label.
    optional: bool = False
    minimum: str = ""
    maximum: str = ""
    step: str = ""
    max_length: int = 0
    #: The visitor's answer differs from the default: its fold stays open when the page returns.
    changed: bool = False


@dataclass(frozen=True)
class SectionView:
    """A run of fields under one legend: its essential ``fields``, shown first on the page,
    and its ``details``, folded below every section's essentials."""

    legend: str
    fields: list[FieldView]
    details: list[FieldView] = field(default_factory=list)

    @property
    def open(self) -> bool:
        """A fold with an error in it opens by itself, for the visitor to see what to correct; so
        does one the visitor changed an answer in, for them to see it kept."""
        return any(f.refused or f.changed for f in self.details)


@dataclass(frozen=True)
class ProblemView:
    anchor: str
    label: str
    message: str

    @property
    def label_html(self) -> Markup:
        """The label, linked to its field when the field is on the page."""
        if self.anchor:
            return Markup('<a href="#{}">{}</a>').format(self.anchor, self.label)
        return Markup.escape(self.label)


def _widget(f: Field) -> str:
    if f.kind == "choice":
        return "radio" if len(f.choices) <= RADIO_MAX_CHOICES else "select"
    if f.kind == "boolean":
        return "checkbox"
    return f.kind


def _shown_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, Mapping):
        return str(value.get("name") or "")
    return str(value)


def _initial_values(form: Form) -> dict[str, str]:
    return {f.name: _shown_value(f.default) for f in form.fields}


def _field_view(f: Field, lang: str, value: str, refused: bool) -> FieldView:
    number = f.kind in ("number", "integer")
    step = ""
    if number:
        step = "1" if f.kind == "integer" or f.decimals <= 0 else str(Decimal(1).scaleb(-f.decimals))
    return FieldView(
        name=f.name,
        widget=_widget(f),
        label=text_for(f.label, lang),
        help=text_for(f.help, lang),
        unit=text_for(f.unit, lang),
        value=value,
        required=f.required and f.kind != "boolean",
        # Folded details are all optional, and a prefilled answer needs no "(optional)" either.
        optional=not f.required and f.kind != "boolean" and f.marked_optional and f.essential and f.default is None,
        refused=refused,
        choices=[(c.value, text_for(c.label, lang)) for c in f.choices],
        minimum=str(f.minimum) if number and f.minimum is not None else "",
        maximum=str(f.maximum) if number and f.maximum is not None else "",
        step=step,
        max_length=f.max_length if f.kind in ("text", "city") else 0,
        changed=_changed(f, value),
    )


def _changed(f: Field, value: str) -> bool:
    """Whether the visitor's answer differs from the default (an emptied box reads as the default)."""
    if f.kind == "boolean":
        return bool(value) != bool(f.default)
    typed = value.strip()
    return bool(typed) and typed != _shown_value(f.default)


def _sections(form: Form, lang: str, values: Mapping[str, str], refused: Collection[str]) -> list[SectionView]:
    """Consecutive fields of the same section share a fieldset (and a fold for their details);
    fields without one stand alone."""
    sections: list[SectionView] = []
    current_key: str | None = None
    for f in form.fields:
        key = text_for(f.section, "en") if f.section else None
        view = _field_view(f, lang, values.get(f.name, ""), f.name in refused)
        if not sections or key != current_key:
            sections.append(SectionView(legend=text_for(f.section, lang) if f.section else "", fields=[]))
            current_key = key
        (sections[-1].fields if f.essential else sections[-1].details).append(view)
    return sections


def _problems(scenario: LoadedScenario, visible: Form, exc: FormErrors, lang: str) -> list[ProblemView]:
    names = set(visible.names)
    gettext = gettext_functions(lang)["plain_gettext"]
    problems = []
    for name, err in exc.errors.items():
        if name in names:
            problems.append(ProblemView(f"f-{name}", text_for(visible.field(name).label, lang), err.message(lang)))
        elif name in scenario.form.names:
            label = text_for(scenario.form.field(name).label, lang) + " " + gettext("(set by the venue)")
            problems.append(ProblemView("", label, err.message(lang)))
        else:
            problems.append(ProblemView("", "", err.message(lang)))
    return problems


def _fields_html(
    request: Request[Any, Any, Any], sections: list[SectionView], lang: str, messages: Mapping[str, str]
) -> Markup:
    """The fields as HTML; ``messages`` (each refused field's, in ``lang``) are shown beside
    their fields by ``refusals.html``, as on every other page."""
    engine = request.app.template_engine
    if engine is None:
        raise RuntimeError("the application has no template engine")
    template = engine.get_template("scenarios/_fields.html")
    context = {"sections": sections, "lang": lang, **refusal_context(messages), **gettext_functions(lang)}
    # The template autoescapes everything it interpolates, so its output is markup.
    return Markup(template.render(**context))  # noqa: S704


def _untouched_fields_html(
    request: Request[Any, Any, Any], scenario: LoadedScenario, visible: Form, presets: Mapping[str, Any], lang: str
) -> Markup:
    """The untouched form's fields, drawn once per form and language with the ``entry-page`` piece.

    Nothing of a venue is in them (presets only hide fields), so they are safe to share.
    """
    cache: EntryCache = request.app.state.entry_cache
    key = (id(scenario), json.dumps(presets, sort_keys=True, default=str), lang)
    kept: Markup | None = cache.form(key)
    if kept is None:
        sections = _sections(visible, lang, _initial_values(visible), ())
        kept = _fields_html(request, sections, lang, {})
        cache.keep_form(key, kept)
    return kept


def _entry_page(
    request: Request[Any, Any, Any],
    entry: entries.OpenEntryPoint,
    scenario: LoadedScenario,
    lang: str,
    values: Mapping[str, str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    expired: bool = False,
) -> Template:
    """The form, untouched (``values`` None) or as the visitor sent it with its ``errors``
    (or, ``expired``, with a word that it has to be sent again)."""
    visible = entries.visible_form(scenario, entry.presets)
    if values is None:
        fields_html = _untouched_fields_html(request, scenario, visible, entry.presets, lang)
    else:
        messages = {name: err.message(lang) for name, err in errors.errors.items()} if errors else {}
        fields_html = _fields_html(request, _sections(visible, lang, values, messages), lang, messages)
    tenant = entry.tenant
    return render(
        request,
        "scenarios/entry.html",
        lang=lang,
        status_code=status_code,
        brand=tenant,
        entry_point=entry.entry_point,
        scenario_name=text_for(scenario.info.name, lang),
        scenario_description=text_for(scenario.info.description, lang),
        scenario_icon=scenario.info.icon,
        event_dates=_event_dates(entry.entry_point, lang),
        fields_html=fields_html,
        problems=_problems(scenario, visible, errors, lang) if errors else [],
        expired=expired,
        action=f"/v/{tenant.slug}/{entry.entry_point.code}",
        history_url=f"/v/{tenant.slug}/me",
    )


# --- HTML routes -------------------------------------------------------------------------------


@get("/v/{slug:str}/me", include_in_schema=False, access=PUBLIC)
async def history_page(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], slug: FromPath[str]
) -> Template:
    """This browser's footprints at this venue, newest first (by the anonymous visitor cookie)."""
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    lang, explicit = _language(request, tenant)
    visitor_id = _visitor(request).visitor_id(request.app.state.settings.secret_key)
    history = await estimates.visitor_history(db_session, visitor_id) if visitor_id else []
    rows = [
        {
            "url": f"/v/{slug}/r/{e.id}",
            "scenario": text_for(e.scenario_name, lang),
            "total": e.total_grams,
            "when": format_when(e.created_at, lang, tenant.time_zone),
        }
        for e in history
    ]
    response = render(
        request,
        "scenarios/history.html",
        lang=lang,
        brand=tenant,
        rows=rows,
        total=sum(e.total_grams for e in history),
    )
    _remember_language(response, lang, explicit)
    return response


@get("/v/{slug:str}/{code:str}", include_in_schema=False, opt=csrf.VISITOR_ROUTE_OPT, access=PUBLIC)
async def entry_page(
    request: Request[Any, Any, Any], state: State, slug: FromPath[str], code: FromPath[str]
) -> Response[bytes]:
    """The page behind a QR code: the venue's brand and the scenario's form.

    During a QR burst the entry point was resolved moments ago and its page drawn for this
    language: then only the visitor's CSRF token is written into it (see ``_drawn_page``).
    """
    setup = await entries.find_entry_point_setup(state.db, state.registry, slug, code, state.entry_cache)
    if setup is None:
        raise _not_found()
    lang, explicit = _language(request, setup.entry_point.tenant)
    token, set_cookie = csrf.page_token(request, state.settings)
    headers = {"Vary": "Accept-Language, Cookie"}
    if set_cookie is not None:
        headers["Set-Cookie"] = set_cookie
    page = _drawn_page(request, state.entry_cache, setup, lang, token)
    response = Response(page, media_type=MediaType.HTML, headers=headers)
    _remember_language(response, lang, explicit)
    return response


_CSRF_SLOT = "np-csrf-slot"


def _drawn_page(
    request: Request[Any, Any, Any], cache: EntryCache, setup: entries.EntryPointSetup, lang: str, token: str
) -> bytes:
    """The entry page with ``token`` written in. With the ``entry-page`` piece it is kept per
    path and language and drawn again whenever the remembered entry point is (every few seconds,
    or at once when this process changes the venue or the entry point); nothing of a
    visitor is kept in it."""
    key = (str(request.scope["path"]), lang)
    drawn: tuple[bytes, bytes] | None = cache.page(key, setup.entry_point)
    if drawn is None:
        before, _, after = _entry_html(request, setup, lang, _CSRF_SLOT).encode().partition(_CSRF_SLOT.encode())
        drawn = (before, after)
        cache.keep_page(key, setup.entry_point, drawn)
    return drawn[0] + html.escape(token).encode() + drawn[1]


def _entry_html(request: Request[Any, Any, Any], setup: entries.EntryPointSetup, lang: str, token: str) -> str:
    """The untouched entry page as HTML, with ``token`` in its CSRF field."""
    template = _entry_page(request, setup.entry_point, setup.scenario, lang)
    engine = request.app.template_engine
    if engine is None:
        raise RuntimeError("the application has no template engine")
    context = {**template.context, "csrf_input": f'<input type="hidden" name="{CSRF_FIELD}" value="{token}" />'}
    return str(engine.get_template("scenarios/entry.html").render(**context))


@post(
    "/v/{slug:str}/{code:str}",
    include_in_schema=False,
    status_code=303,
    opt={SHORTCUT_OPT: submissions.FORM_SHORTCUT},
    middleware=[SubmissionEdge],
    # ``submit_form`` checks the token itself: one that expired gives the visitor their
    # answers back, where Litestar's middleware would answer a bare 403.
    exclude_from_csrf=True,
    access=PUBLIC,
    rate_limit="estimates",
)
async def submit_entry(
    request: Request[Any, Any, Any], state: State, slug: FromPath[str], code: FromPath[str]
) -> Response[Any]:
    """Validate, calculate, store, then show the result (303); on errors, the form again (400).

    With the fast path, a QR burst's valid submissions are answered by its edge with the
    same ``submit_form`` (``submissions.FORM_SHORTCUT``).
    """
    form_data = await request.form()
    form = {name: form_data.get(name) for name in form_data}
    outcome = await submissions.submit_form(state, _visitor(request, slug, code), form)
    if isinstance(outcome, submissions.Invalid):
        submitted = form.get(CSRF_FIELD)
        if isinstance(submitted, str):  # it was verified: the form shown again keeps it
            csrf.remember(request, submitted)
        typed = {name: _shown_value(value) for name, value in outcome.raw.items()}
        setup = outcome.setup
        return _entry_page(
            request, setup.entry_point, setup.scenario, outcome.lang, typed, outcome.errors, status_code=400
        )
    if isinstance(outcome, submissions.Expired):
        return _expired_page(request, state, outcome)
    if isinstance(outcome, submissions.Unavailable):
        return _unavailable_page(request, outcome.lang)
    return AnswerResponse(outcome)


def _expired_page(request: Request[Any, Any, Any], state: State, outcome: submissions.Expired) -> Template:
    """The form again with the visitor's answers and a fresh token (its cookie set when the
    browser lost it), saying in their language that nothing was saved yet."""
    _, set_cookie = csrf.page_token(request, state.settings, own=True)
    typed = {name: _shown_value(value) for name, value in outcome.raw.items()}
    entry, scenario = outcome.setup.entry_point, outcome.setup.scenario
    page = _entry_page(request, entry, scenario, outcome.lang, typed, status_code=400, expired=True)
    page.headers["Cache-Control"] = "no-store"
    if set_cookie is not None:
        page.headers["Set-Cookie"] = set_cookie
    return page


def _unavailable_page(request: Request[Any, Any, Any], lang: str) -> Template:
    gettext = gettext_functions(lang)["plain_gettext"]
    return render(
        request,
        "error.html",
        lang=lang,
        status_code=503,
        title=gettext("Temporarily unavailable"),
        message=gettext("This scenario’s factors are being updated. Please try again in a little while."),
    )


# --- JSON twins --------------------------------------------------------------------------------

ERRORS_RESPONSE = ResponseSpec(
    data_container=ErrorsOut,
    description="Field errors, keyed by field name, in every language; nothing was stored.",
    examples=[
        Example(
            summary="A distance out of range",
            value={
                "errors": {
                    "travel_distance_km": {
                        "code": "too_large",
                        "message": {"en": "Must be at most 40000 km.", "zh-Hans": "不能大于 40000 公里。"},
                    }
                }
            },
        )
    ],
)


@get("/api/v1/scenarios", tags=["scenarios"], sync_to_thread=False, summary="Scenarios and their forms", access=PUBLIC)
def list_scenarios(registry: NamedDependency[ScenarioRegistry]) -> list[ScenarioOut]:
    """Every loaded scenario with its visitor form and current factor-set version."""
    return [ScenarioOut.of(s) for s in registry.ordered()]


@get(
    "/api/v1/scenarios/{scenario_id:str}",
    tags=["scenarios"],
    sync_to_thread=False,
    summary="One scenario and its form",
    access=PUBLIC,
)
def get_scenario(registry: NamedDependency[ScenarioRegistry], scenario_id: FromPath[str]) -> ScenarioDetailOut:
    """One scenario: its form and every factor of its current factor set, with sources."""
    scenario = registry.get(scenario_id)
    if scenario is None:
        raise _not_found()
    return ScenarioDetailOut.of(scenario)


@get(
    "/api/v1/public/venues/{slug:str}/entry-points/{code:str}",
    tags=["visitors"],
    summary="An entry point for visitors: its venue, scenario and form",
    access=PUBLIC,
)
async def get_entry_point(state: State, slug: FromPath[str], code: FromPath[str]) -> VisitorEntryPointOut:
    """Public facts about an entry point and the form left to fill in after its presets."""
    setup = await entries.find_entry_point_setup(state.db, state.registry, slug, code, state.entry_cache)
    if setup is None:
        raise _not_found()
    entry, scenario = setup.entry_point, setup.scenario
    tenant, ep = entry.tenant, entry.entry_point
    own = tenant.default_language
    event_name = ep.event_name_in(own)
    return VisitorEntryPointOut(
        code=ep.code,
        name=ep.name_in(own),
        names=LocalizedText(en=ep.name_in("en"), zh_hans=ep.name_in("zh-Hans")),
        venue=VisitorVenueOut(
            slug=tenant.slug,
            display_name=tenant.display_name_in(own),
            display_names=LocalizedText(en=tenant.display_name_in("en"), zh_hans=tenant.display_name_in("zh-Hans")),
            primary_color=tenant.primary_color,
            default_language=tenant.default_language,
            logo_url=_logo_url(tenant),
            time_zone=tenant.time_zone,
        ),
        scenario=ScenarioRefOut(
            id=scenario.id, name=LocalizedText.required(scenario.info.name), icon=scenario.info.icon
        ),
        event=EventOut(
            event_name,
            LocalizedText(en=ep.event_name_in("en") or "", zh_hans=ep.event_name_in("zh-Hans") or ""),
            ep.event_starts_on,
            ep.event_ends_on,
        )
        if event_name
        else None,
        factor_set_version=scenario.factors.version,
        preset_fields=[name for name in scenario.form.names if name in entry.presets],
        form=FormOut.of(entries.visible_form(scenario, entry.presets)),
    )


@post(
    "/api/v1/public/venues/{slug:str}/entry-points/{code:str}/estimates",
    tags=["visitors"],
    status_code=201,
    responses={400: ERRORS_RESPONSE},
    opt={SHORTCUT_OPT: submissions.JSON_SHORTCUT},
    middleware=[SubmissionEdge],
    summary="Compute and store a visitor's footprint",
    exception_handlers={ClientException: unreadable_body_response},
    access=PUBLIC,
    rate_limit="estimates",
)
async def create_estimate(
    request: Request[Any, Any, Any],
    state: State,
    slug: FromPath[str],
    code: FromPath[str],
    data: JSONBody[EstimateIn],
) -> Response[EstimateOut | ErrorsOut]:
    """Compute and store a visitor's footprint (strict: unknown input keys are errors).

    The visitor is the ``visitor_id`` in the body, else the ``np_visitor`` cookie, else a
    new one; it is returned (and set as the cookie) so that a client can read its history.
    """
    # The body is an EstimateOut or an ErrorsOut encoded once; the annotation documents them in OpenAPI.
    return AnswerResponse(await submissions.submit_json(state, _visitor(request, slug, code), data))  # type: ignore[return-value]


@get(
    "/api/v1/estimates/{estimate_id:str}",
    tags=["visitors"],
    summary="An estimate, with its breakdown and sources",
    access=PUBLIC,
)
async def get_estimate(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    registry: NamedDependency[ScenarioRegistry],
    estimate_id: FromPath[str],
    venue: Annotated[
        str, QueryParameter(name="venue", description="The venue's slug: estimates are looked up within it.")
    ],
) -> EstimateOut:
    """A stored estimate, looked up within its venue (another venue's slug is a 404)."""
    tenant = await entries.find_venue(db_session, venue)
    if tenant is None:
        raise _not_found()
    found = await estimates.find_estimate(db_session, estimate_id)
    if found is None:
        raise _not_found()
    estimate, entry_code = found
    factor_set = await estimates.factors_of(db_session, estimate, registry)
    return submissions.estimate_out(results.present(estimate, entry_code, factor_set), venue, settings)


@get(
    "/api/v1/public/venues/{slug:str}/visitors/{visitor_id:uuid}/estimates",
    tags=["visitors"],
    summary="A visitor's footprint history at a venue",
    access=PUBLIC,
)
async def visitor_estimates(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    slug: FromPath[str],
    visitor_id: FromPath[uuid.UUID],
) -> VisitorHistoryOut:
    """A visitor's estimates at one venue, newest first."""
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    history = await estimates.visitor_history(db_session, visitor_id)
    return VisitorHistoryOut(
        venue=slug,
        visitor_id=visitor_id,
        estimates=[
            EstimateSummaryOut(
                id=e.id,
                scenario=e.scenario,
                scenario_name=LocalizedText.required(e.scenario_name),
                total_grams=e.total_grams,
                factor_set_version=e.factor_set_version,
                created_at=e.created_at,
                url=submissions.result_url(settings, slug, e.id),
            )
            for e in history
        ],
    )


route_handlers: list[Any] = [
    history_page,
    entry_page,
    submit_entry,
    list_scenarios,
    get_scenario,
    get_entry_point,
    create_estimate,
    get_estimate,
    visitor_estimates,
]
