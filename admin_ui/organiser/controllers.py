"""The event footprint of an entry point: the organiser's whole-event form and its result.

``/venue/<slug>/entry-points/<id>/event-footprint`` (manager or owner): the scenario's
organiser form (its ``Scenario.organiser_form``), computed with the venue's effective factor
set (its measured overrides applied) and stored as an ``Estimate`` of kind ``organiser``
with the same snapshot rules as a visitor's estimate, then shown with its breakdown, sources
and the method it follows. The attendees' own estimates at the entry point (the lines they
computed with the core's travel and lodging factors, ``travel.*`` and ``hotel.*``) are summed
here and handed to the form as fixed answers, so the result keeps them and recomputes alike.
JSON twin: ``/api/v1/venues/{slug}/entry-points/{id}/event-footprint``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.scenarios import estimates, overrides, results, snapshots
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.forms import Field, FieldError, Form, FormErrors, serialize_inputs
from neutralpoint.scenarios.i18n import text_for
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.access import VenueAccess, VenueMember
from neutralpoint.tenants.models import EntryPoint, Role
from neutralpoint.web.i18n import choose_language, normalize_language
from neutralpoint.web.templating import render
from neutralpoint_admin.venue.pages import venue_context

ORGANISER = "organiser"
OWN_FIELDS = ("own_estimates_grams", "own_estimates_count")
#: Lines of visitors' estimates computed with the core's travel and lodging factors.
OWN_FACTOR_PREFIXES = ("travel.", "hotel.")

METHOD = (
    {
        "name": "GHG Protocol Corporate Accounting and Reporting Standard; Corporate Value Chain (Scope 3) Standard",
        "url": "https://ghgprotocol.org/corporate-standard",
    },
    {"name": "ISO 20121, Event sustainability management systems", "url": None},
    {
        "name": "生态环境部《大型活动碳中和实施指南（试行）》(MEE, 2019): "
        "Guidelines for carbon neutrality of large-scale events (trial)",
        "url": None,
    },
)


def _to_login(request: Request[Any, Any, Any], _: NotAuthorizedException) -> Response[Any]:
    if request.url.path.startswith("/api/"):
        return Response({"status_code": 401, "detail": "Please sign in"}, status_code=401)
    return Redirect(path=f"/login?next={quote(request.url.path)}", status_code=303)


@dataclass(frozen=True)
class Event:
    access: VenueMember
    entry_point: EntryPoint
    scenario: LoadedScenario

    @property
    def form(self) -> Form:
        assert self.scenario.organiser_form is not None
        return self.scenario.organiser_form


async def find_event(
    access: VenueMember, session: AsyncSession, registry: ScenarioRegistry, entry_point_id: str
) -> Event:
    """The venue's entry point with a scenario that has an organiser form; 404 for anything else."""
    try:
        key = uuid.UUID(entry_point_id)
    except ValueError:
        raise NotFoundException() from None
    entry_point = await session.scalar(select(EntryPoint).where(EntryPoint.id == key))
    if entry_point is None:
        raise NotFoundException()
    enabled = access.tenant.enabled_scenarios
    scenario = registry.get(entry_point.scenario)
    if scenario is None or scenario.organiser_form is None or (enabled is not None and scenario.id not in enabled):
        raise NotFoundException()
    return Event(access, entry_point, scenario)


async def own_estimates(session: AsyncSession, entry_point_id: uuid.UUID) -> dict[str, int]:
    """The attendees' travel and hotel grams at this entry point, and how many estimates made them."""
    rows = await session.scalars(
        select(Estimate.breakdown).where(Estimate.entry_point_id == entry_point_id, Estimate.kind == "visitor")
    )
    grams = count = 0
    for breakdown in rows:
        count += 1
        grams += sum(
            int(line["grams"]) for line in breakdown if str(line.get("factor", "")).startswith(OWN_FACTOR_PREFIXES)
        )
    return {"own_estimates_grams": grams, "own_estimates_count": count}


async def last_result(session: AsyncSession, entry_point_id: uuid.UUID) -> Estimate | None:
    return await session.scalar(
        select(Estimate)
        .where(Estimate.entry_point_id == entry_point_id, Estimate.kind == ORGANISER)
        .order_by(Estimate.created_at.desc(), Estimate.id.desc())
        .limit(1)
    )


async def result_factors(session: AsyncSession, registry: ScenarioRegistry, estimate: Estimate) -> FactorSet | None:
    """The factor set the result used, with the venue's measured values it kept (``estimates.factors_of``)."""
    return await estimates.factors_of(session, estimate, registry)


async def compute_and_store(
    session: AsyncSession, registry: ScenarioRegistry, event: Event, raw: Mapping[str, Any], lang: str, *, strict: bool
) -> Estimate:
    """Validate, calculate with the venue's factors, store; raises ``FormErrors``."""
    tenant = event.access.tenant
    presets = await own_estimates(session, event.entry_point.id)
    inputs = event.form.validate(raw, presets, strict=strict)
    factor_set = await overrides.effective_factor_set(session, tenant.id, event.scenario)
    location = tenant.location
    context = registry.context(venue_location=location, presets=presets, lang=lang)
    lines = event.scenario.calculate_organiser(inputs, factor_set, context)
    published = event.scenario.factors
    await snapshots.ensure_snapshot(session, published)
    estimate = Estimate(
        tenant_id=tenant.id,
        entry_point_id=event.entry_point.id,
        visitor_id=event.access.user.id,
        scenario=event.scenario.id,
        kind=ORGANISER,
        scenario_name=dict(event.scenario.info.name),
        factor_set_version=published.version,
        factor_fingerprint=published.fingerprint,
        inputs=serialize_inputs(inputs),
        breakdown=[line.as_dict() for line in lines],
        total_grams=sum(line.grams for line in lines),
        language=lang,
        context={
            "venue_location": list(location) if location else None,
            "presets": presets,
            overrides.RECORD_KEY: overrides.overrides_record(factor_set),
        },
    )
    session.add(estimate)
    await session.flush()
    return estimate


# --- page ----------------------------------------------------------------------------------------


@dataclass
class FieldView:
    name: str
    kind: str
    label: str
    help: str
    unit: str
    value: str
    error: str
    choices: list[tuple[str, str]] = field(default_factory=list)


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _sections(form: Form, lang: str, values: Mapping[str, Any], errors: Mapping[str, str]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for f in form.fields:
        if f.name in OWN_FIELDS:
            continue
        view = _field_view(f, lang, values, errors)
        legend = text_for(f.section, lang) if f.section else ""
        if sections and sections[-1]["legend"] == legend:
            sections[-1]["fields"].append(view)
        else:
            sections.append({"legend": legend, "fields": [view]})
    return sections


def _field_view(f: Field, lang: str, values: Mapping[str, Any], errors: Mapping[str, str]) -> FieldView:
    return FieldView(
        name=f.name,
        kind=f.kind,
        label=text_for(f.label, lang),
        help=text_for(f.help, lang),
        unit=text_for(f.unit, lang),
        value=_shown(values.get(f.name, f.default)),
        error=errors.get(f.name, ""),
        choices=[(c.value, text_for(c.label, lang)) for c in f.choices],
    )


def _lang(request: Request[Any, Any, Any], event: Event) -> str:
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
        event.access.tenant.default_language,
    )


async def _page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    registry: ScenarioRegistry,
    event: Event,
    *,
    values: Mapping[str, Any] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Template:
    lang = _lang(request, event)
    last = await last_result(session, event.entry_point.id)
    view = None
    if last is not None:
        view = results.present(last, event.entry_point.code, await result_factors(session, registry, last))
    shown = dict(values) if values is not None else dict(last.inputs) if last is not None else {}
    own = await own_estimates(session, event.entry_point.id)
    return render(
        request,
        "organiser/event_footprint.html",
        lang=lang,
        status_code=status_code,
        request_path=request.url.path,
        **venue_context(event.access, "entry_points"),
        entry_point=event.entry_point,
        scenario=event.scenario,
        sections=_sections(
            event.form, lang, shown, {k: e.message(lang) for k, e in (errors.errors.items() if errors else [])}
        ),
        has_errors=errors is not None,
        own=own,
        result=view,
        method=METHOD,
    )


MANAGER = VenueAccess(Role.MANAGER)
PATH = "/venue/{slug:str}/entry-points/{entry_point_id:str}/event-footprint"
API_PATH = "/api/v1/venues/{slug:str}/entry-points/{entry_point_id:str}/event-footprint"


@get(PATH, include_in_schema=False, exception_handlers={NotAuthorizedException: _to_login}, access=MANAGER)
async def event_footprint_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    entry_point_id: FromPath[str],
    access: NamedDependency[VenueMember],
) -> Template:
    """The organiser's form, with the last computed event footprint below it."""
    event = await find_event(access, db_session, registry, entry_point_id)
    return await _page(request, db_session, registry, event)


@post(
    PATH,
    include_in_schema=False,
    exception_handlers={NotAuthorizedException: _to_login},
    status_code=303,
    access=MANAGER,
)
async def compute_event_footprint(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    entry_point_id: FromPath[str],
    access: NamedDependency[VenueMember],
) -> Response[Any]:
    """Compute and store (303 back to the page), or the form again with each problem beside its field (400)."""
    event = await find_event(access, db_session, registry, entry_point_id)
    form = await request.form()
    raw = {name: form.get(name) for name in form if name not in ("_csrf_token", *OWN_FIELDS)}
    lang = _lang(request, event)
    try:
        async with db_session.begin_nested():
            await compute_and_store(db_session, registry, event, raw, lang, strict=False)
    except FormErrors as exc:
        return await _page(request, db_session, registry, event, values=raw, errors=exc, status_code=400)
    return Redirect(path=f"/venue/{slug}/entry-points/{entry_point_id}/event-footprint#result", status_code=303)


def _result_json(estimate: Estimate, factor_set: FactorSet | None) -> dict[str, Any]:
    view = results.present(estimate, None, factor_set)
    return {
        "id": str(estimate.id),
        "kind": estimate.kind,
        "scenario": estimate.scenario,
        "factor_set_version": estimate.factor_set_version,
        "total_grams": estimate.total_grams,
        "inputs": estimate.inputs,
        "lines": [
            {
                "key": line.key,
                "label": line.label,
                "detail": line.detail,
                "quantity": str(line.quantity),
                "per": line.per,
                "factor": line.factor,
                "factor_value": str(line.factor_value) if line.factor_value is not None else None,
                "factor_unit": line.factor_unit,
                "grams": line.grams,
                "source": line.source,
            }
            for line in view.lines
        ],
        "sources": [source.as_dict() for source in view.sources],
        "measured_by_venue": sorted((estimate.context or {}).get(overrides.RECORD_KEY, {})),
        "method": list(METHOD),
        "created_at": estimate.created_at.isoformat(),
    }


@get(
    API_PATH,
    tags=["organisers"],
    summary="An event's footprint: its form, the attendees' estimates, the last result",
    access=MANAGER,
)
async def event_footprint_api(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    entry_point_id: FromPath[str],
    access: NamedDependency[VenueMember],
) -> dict[str, Any]:
    """The organiser form's field names, the attendees' own estimates so far, and the last result."""
    event = await find_event(access, db_session, registry, entry_point_id)
    last = await last_result(db_session, event.entry_point.id)
    return {
        "fields": [f.name for f in event.form.fields if f.name not in OWN_FIELDS],
        "own_estimates": await own_estimates(db_session, event.entry_point.id),
        "result": _result_json(last, await result_factors(db_session, registry, last)) if last else None,
    }


@post(
    API_PATH,
    tags=["organisers"],
    status_code=201,
    summary="Compute the whole event's footprint (manager)",
    access=MANAGER,
)
async def event_footprint_compute_api(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    entry_point_id: FromPath[str],
    data: JSONBody[dict[str, Any]],
    access: NamedDependency[VenueMember],
) -> Response[dict[str, Any]]:
    """Body ``{"inputs": {...}, "language": "en"}``; 400 with field-keyed errors, nothing stored."""
    event = await find_event(access, db_session, registry, entry_point_id)
    inputs = data.get("inputs") if isinstance(data, dict) else None
    lang = normalize_language(str(data.get("language") or "en")) if isinstance(data, dict) else None
    if not isinstance(inputs, dict) or lang is None:
        return Response(
            {
                "errors": {
                    "inputs": {
                        "code": "invalid",
                        "message": {
                            "en": 'Send {"inputs": {...}, "language": "en" or "zh-Hans"}.',
                            "zh-Hans": '请发送 {"inputs": {...}, "language": "en" 或 "zh-Hans"}。',
                        },
                    }
                }
            },
            status_code=400,
        )
    blocked = {name: inputs[name] for name in OWN_FIELDS if name in inputs}
    try:
        if blocked:
            raise FormErrors({name: FieldError("unknown_field") for name in blocked})
        async with db_session.begin_nested():
            estimate = await compute_and_store(db_session, registry, event, inputs, lang, strict=True)
    except FormErrors as exc:
        return Response({"errors": exc.as_dict()}, status_code=400)
    return Response(_result_json(estimate, await result_factors(db_session, registry, estimate)), status_code=201)


route_handlers: list[Any] = [
    event_footprint_page,
    compute_event_footprint,
    event_footprint_api,
    event_footprint_compute_api,
]
