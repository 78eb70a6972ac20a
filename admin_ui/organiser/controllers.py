"""The event footprint of an entry point: the organiser's whole-event form and its result.

``/venue/<slug>/entry-points/<id>/event-footprint`` (manager or owner): the scenario's
organiser form (its ``Scenario.organiser_form``), computed and stored by
``neutralpoint.scenarios.event_footprint`` (the venue's measured factor values applied,
the attendees' own estimates handed in as fixed answers), then shown with its breakdown,
sources and the method it follows; below it, what is left to neutralize (the whole event
less what was neutralized at the entry point) priced by each of the venue's offers, and a
button per offer that creates the organiser's order and goes to pay it
(``…/event-footprint/order``).
JSON twins: ``/api/v1/venues/{slug}/entry-points/{id}/event-footprint``
(``neutralpoint.scenarios.event_controllers``) and ``…/entry-points/{id}/event-order``
(``neutralpoint.payments.management``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from neutralpoint.database.session import DbSession
from neutralpoint.payments import services as payments
from neutralpoint.refusals import FormErrors, problem, refuse
from neutralpoint.scenarios import event_footprint, results
from neutralpoint.scenarios.event_footprint import Event
from neutralpoint.scenarios.forms import Field, Form
from neutralpoint.scenarios.i18n import text_for
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember
from neutralpoint.web.i18n import choose_language
from neutralpoint.web.templating import render
from neutralpoint_admin.venue.pages import venue_context

#: Fields of the page's own, not of the scenario's organiser form.
PAGE_FIELDS = ("_csrf_token", *event_footprint.OWN_FIELDS)


def _to_login(request: Request[Any, Any, Any], _: NotAuthorizedException) -> Response[Any]:
    return Redirect(path=f"/login?next={quote(request.url.path)}", status_code=303)


# --- page ----------------------------------------------------------------------------------------


@dataclass
class FieldView:
    name: str
    kind: str
    label: str
    help: str
    unit: str
    value: str
    choices: list[tuple[str, str]] = field(default_factory=list)


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _sections(form: Form, lang: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for f in form.fields:
        if f.name in event_footprint.OWN_FIELDS:
            continue
        view = _field_view(f, lang, values)
        legend = text_for(f.section, lang) if f.section else ""
        if sections and sections[-1]["legend"] == legend:
            sections[-1]["fields"].append(view)
        else:
            sections.append({"legend": legend, "fields": [view]})
    return sections


def _field_view(f: Field, lang: str, values: Mapping[str, Any]) -> FieldView:
    return FieldView(
        name=f.name,
        kind=f.kind,
        label=text_for(f.label, lang),
        help=text_for(f.help, lang),
        unit=text_for(f.unit, lang),
        value=_shown(values.get(f.name, f.default)),
        choices=[(c.value, text_for(c.label, lang)) for c in f.choices],
    )


def _lang(request: Request[Any, Any, Any], event: Event) -> str:
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
        event.tenant.default_language,
    )


async def _event(session: DbSession, registry: ScenarioRegistry, access: VenueMember, entry_point_id: str) -> Event:
    event = await event_footprint.find_event(session, registry, access.tenant, entry_point_id)
    if event is None:
        raise NotFoundException()
    return event


async def _neutralization(
    state: State, session: DbSession, access: VenueMember, event: Event, lang: str
) -> dict[str, Any]:
    """What is left of the event's footprint, priced by each of the venue's offers."""
    test_mode = payments.shared_provider(state).test_mode
    remaining = await payments.event_remaining(session, event.entry_point.id, test_mode=test_mode)
    offers: list[tuple[payments.PricedOffer, dict[str, str]]] = []
    if remaining is not None and remaining.remaining_grams > 0:
        priced = await payments.priced_offers(session, access.tenant.id, remaining.remaining_grams)
        offers = [(offer, payments.project_lines(offer, lang)) for offer in priced]
    return {
        "remaining": remaining,
        "offers": offers,
        "test_mode": test_mode,
        "order_action": f"/venue/{access.tenant.slug}/entry-points/{event.entry_point.id}/event-footprint/order",
    }


async def _page(
    request: Request[Any, Any, Any],
    state: State,
    session: DbSession,
    registry: ScenarioRegistry,
    access: VenueMember,
    event: Event,
    *,
    values: Mapping[str, Any] | None = None,
    errors: FormErrors | None = None,
    order_errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    lang = _lang(request, event)
    last = await event_footprint.last_result(session, event.entry_point.id)
    view = None
    if last is not None:
        factors = await event_footprint.result_factors(session, registry, last)
        view = results.present(last, event.entry_point.code, factors)
    shown = dict(values) if values is not None else dict(last.inputs) if last is not None else {}
    return render(
        request,
        "organiser/event_footprint.html",
        lang=lang,
        status_code=status_code,
        request_path=request.url.path,
        **venue_context(access, "entry_points"),
        entry_point=event.entry_point,
        scenario=event.scenario,
        sections=_sections(event.form, lang, shown),
        refused=errors.errors if errors else {},
        has_errors=errors is not None,
        own=await event_footprint.own_estimates(session, event.entry_point.id),
        result=view,
        method=event_footprint.METHOD,
        order_errors=order_errors or {},
        **await _neutralization(state, session, access, event, lang),
    )


class EventFootprintPages(Controller):
    path = "/venue/{slug:str}/entry-points/{entry_point_id:str}/event-footprint"
    include_in_schema = False
    opt = {"access": VenueAccess(Role.MANAGER)}  # noqa: RUF012
    exception_handlers = {NotAuthorizedException: _to_login}  # noqa: RUF012

    @get("/")
    async def event_footprint_page(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        entry_point_id: FromPath[str],
        access: NamedDependency[VenueMember],
    ) -> Template:
        """The organiser's form, with the last computed event footprint below it."""
        event = await _event(db_session, registry, access, entry_point_id)
        return await _page(request, state, db_session, registry, access, event)

    @post("/", status_code=303)
    async def compute_event_footprint(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        slug: FromPath[str],
        entry_point_id: FromPath[str],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        """Compute and store (303 back to the page), or the form again with each problem beside its field (400)."""
        event = await _event(db_session, registry, access, entry_point_id)
        form = await request.form()
        raw = {name: form.get(name) for name in form if name not in PAGE_FIELDS}
        lang = _lang(request, event)
        try:
            async with db_session.begin_nested():
                await event_footprint.compute_and_store(
                    db_session, registry, event, access.user.id, raw, lang, strict=False
                )
        except FormErrors as exc:
            return await _page(
                request, state, db_session, registry, access, event, values=raw, errors=exc, status_code=400
            )
        return Redirect(path=f"/venue/{slug}/entry-points/{entry_point_id}/event-footprint#result", status_code=303)

    @post("/order", status_code=303)
    async def order_event(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        slug: FromPath[str],
        entry_point_id: FromPath[str],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        """One order for what is left of the event's footprint with the offer chosen, then its
        payment page; a refusal (nothing left, sold out, …) is shown on this page."""
        event = await _event(db_session, registry, access, entry_point_id)
        lang = _lang(request, event)
        form = await request.form()
        remaining = await payments.event_remaining(
            db_session, event.entry_point.id, test_mode=payments.shared_provider(state).test_mode
        )
        try:
            if remaining is None:
                raise refuse("estimate_id", payments.EVENT_NOT_COMPUTED, status_code=409)
            try:
                allocation_id = uuid.UUID(str(form.get("allocation_id") or ""))
            except ValueError:
                raise refuse("allocation_id", problem("required", "Choose a project.", "请选择一个项目。")) from None
            await db_session.commit()
            order = await payments.start_checkout(
                state.db,
                payments.shared_provider(state),
                payments.CheckoutRequest(
                    tenant_id=access.tenant.id,
                    allocation_id=allocation_id,
                    basis=payments.OrderBasis.EVENT,
                    estimate_id=remaining.estimate_id,
                    buyer_name=access.tenant.display_name,
                    buyer_email=access.user.email,
                    language=lang,
                    actor=f"venue:{access.user.email}",
                ),
                ttl=timedelta(minutes=state.settings.reservation_minutes),
            )
        except FormErrors as exc:
            refused = exc.messages(lang)
            return await _page(
                request,
                state,
                db_session,
                registry,
                access,
                event,
                order_errors=refused,
                status_code=exc.status_code if exc.status_code in (400, 409) else 400,
            )
        return Redirect(path=f"/v/{slug}/orders/{order.reference}", status_code=303)


route_handlers: list[Any] = [EventFootprintPages]
