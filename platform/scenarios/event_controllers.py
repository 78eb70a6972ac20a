"""An event's footprint as JSON: ``/api/v1/venues/{slug}/entry-points/{id}/event-footprint``
(managers and owners). The page is the admin UI's ``/venue/{slug}/entry-points/{id}/event-footprint``;
both go through ``neutralpoint.scenarios.event_footprint``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.refusals import FieldError, FormErrors, problem
from neutralpoint.scenarios import event_footprint, overrides, results
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember
from neutralpoint.web.api_errors import refusal_response
from neutralpoint.web.formatting import shown_factor
from neutralpoint.web.i18n import normalize_language

BAD_BODY = problem(
    "invalid",
    'Send {"inputs": {...}, "language": "en" or "zh-Hans"}.',
    '请发送 {"inputs": {...}, "language": "en" 或 "zh-Hans"}。',
)


def result_json(estimate: Estimate, factor_set: FactorSet | None) -> dict[str, Any]:
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
                "factor_shown": str(shown_factor(line.factor_value)) if line.factor_value is not None else None,
                "factor_unit": line.factor_unit,
                "grams": line.grams,
                "source": line.source,
            }
            for line in view.lines
        ],
        "sources": [source.as_dict() for source in view.sources],
        "measured_by_venue": sorted((estimate.context or {}).get(overrides.RECORD_KEY, {})),
        "method": list(event_footprint.METHOD),
        "created_at": estimate.created_at.isoformat(),
    }


async def _event(
    session: AsyncSession, registry: ScenarioRegistry, access: VenueMember, entry_point_id: str
) -> event_footprint.Event:
    event = await event_footprint.find_event(session, registry, access.tenant, entry_point_id)
    if event is None:
        raise NotFoundException()
    return event


class EventFootprintApi(Controller):
    path = "/api/v1/venues/{slug:str}/entry-points/{entry_point_id:str}/event-footprint"
    tags = ["organisers"]  # noqa: RUF012
    opt = {"access": VenueAccess(Role.MANAGER)}  # noqa: RUF012

    @get("/", summary="An event's footprint: its form, the attendees' estimates, the last result")
    async def event_footprint(
        self,
        entry_point_id: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> dict[str, Any]:
        """The organiser form's field names, the attendees' own estimates so far, and the last result."""
        event = await _event(db_session, registry, access, entry_point_id)
        last = await event_footprint.last_result(db_session, event.entry_point.id)
        factors = await event_footprint.result_factors(db_session, registry, last) if last else None
        return {
            "fields": event.fields,
            "own_estimates": await event_footprint.own_estimates(db_session, event.entry_point.id),
            "result": result_json(last, factors) if last else None,
        }

    @post("/", status_code=201, summary="Compute the whole event's footprint (manager)")
    async def compute(
        self,
        entry_point_id: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
        data: JSONBody[dict[str, Any]],
    ) -> Response[dict[str, Any]]:
        """Body ``{"inputs": {...}, "language": "en"}``; 400 with field-keyed errors, nothing stored."""
        event = await _event(db_session, registry, access, entry_point_id)
        inputs = data.get("inputs") if isinstance(data, dict) else None
        lang = normalize_language(str(data.get("language") or "en")) if isinstance(data, dict) else None
        if not isinstance(inputs, dict) or lang is None:
            return refusal_response(FormErrors({"inputs": BAD_BODY}))
        blocked = {name: inputs[name] for name in event_footprint.OWN_FIELDS if name in inputs}
        try:
            if blocked:
                raise FormErrors({name: FieldError("unknown_field") for name in blocked})
            async with db_session.begin_nested():
                estimate = await event_footprint.compute_and_store(
                    db_session, registry, event, access.user.id, inputs, lang, strict=True
                )
        except FormErrors as exc:
            return refusal_response(exc)
        factors = await event_footprint.result_factors(db_session, registry, estimate)
        return Response(result_json(estimate, factors), status_code=201)


route_handlers: list[Any] = [EventFootprintApi]
