"""An event's whole footprint, computed by its organiser: the scenario's organiser form,
with the attendees' own estimates at the entry point handed in as fixed answers.

The attendees' lines computed with the core's shared travel and lodging factors
(``neutralpoint.scenarios.travel``: ``travel.*``, ``neutralpoint.scenarios.lodging``:
``hotel.*``) are summed and given to the form as ``own_estimates_grams`` and
``own_estimates_count``, so the organiser's result keeps them and recomputes alike. The
result is stored as an ``Estimate`` of kind ``organiser`` through the same row-building as a
visitor's (``estimate_row``), with the venue's measured factor values applied and recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.scenarios import entries, estimates, overrides, snapshots
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.forms import Form
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.models import EntryPoint, Tenant

ORGANISER = "organiser"
#: The organiser form's fields the platform fills in from the attendees' estimates.
OWN_FIELDS = ("own_estimates_grams", "own_estimates_count")
#: Factors of the core's shared travel and lodging helpers, which every visitor form uses alike.
SHARED_FACTOR_PREFIXES = ("travel.", "hotel.")
#: The standards an event footprint follows, shown beside every result.
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


@dataclass(frozen=True)
class Event:
    """An entry point of the venue whose scenario has an organiser form."""

    tenant: Tenant
    entry_point: EntryPoint
    scenario: LoadedScenario

    @property
    def form(self) -> Form:
        assert self.scenario.organiser_form is not None
        return self.scenario.organiser_form

    @property
    def fields(self) -> list[str]:
        """The fields an organiser answers (not the ones filled in from the attendees)."""
        return [f.name for f in self.form.fields if f.name not in OWN_FIELDS]


async def find_event(
    session: AsyncSession, registry: ScenarioRegistry, tenant: Tenant, entry_point_id: str
) -> Event | None:
    """The venue's entry point, if its scenario is enabled there and has an organiser form
    (the session is scoped to the venue)."""
    try:
        key = uuid.UUID(entry_point_id)
    except ValueError:
        return None
    entry_point = await session.scalar(select(EntryPoint).where(EntryPoint.id == key))
    if entry_point is None:
        return None
    enabled = tenant.enabled_scenarios
    scenario = registry.get(entry_point.scenario)
    if scenario is None or scenario.organiser_form is None or (enabled is not None and scenario.id not in enabled):
        return None
    return Event(tenant, entry_point, scenario)


async def own_estimates(session: AsyncSession, entry_point_id: uuid.UUID) -> dict[str, int]:
    """The attendees' travel and hotel grams at this entry point, and how many estimates made them."""
    rows = await session.scalars(
        select(Estimate.breakdown).where(Estimate.entry_point_id == entry_point_id, Estimate.kind == "visitor")
    )
    grams = count = 0
    for breakdown in rows:
        count += 1
        grams += sum(
            int(line["grams"]) for line in breakdown if str(line.get("factor", "")).startswith(SHARED_FACTOR_PREFIXES)
        )
    return {"own_estimates_grams": grams, "own_estimates_count": count}


async def last_result(session: AsyncSession, entry_point_id: uuid.UUID) -> Estimate | None:
    """The event's latest organiser footprint, if one was computed."""
    return await session.scalar(
        select(Estimate)
        .where(Estimate.entry_point_id == entry_point_id, Estimate.kind == ORGANISER)
        .order_by(Estimate.created_at.desc(), Estimate.id.desc())
        .limit(1)
    )


async def result_factors(session: AsyncSession, registry: ScenarioRegistry, estimate: Estimate) -> FactorSet | None:
    """The factor set a result used, with the venue's measured values it kept."""
    return await estimates.factors_of(session, estimate, registry)


async def compute_and_store(
    session: AsyncSession,
    registry: ScenarioRegistry,
    event: Event,
    organiser_id: uuid.UUID,
    raw: Mapping[str, Any],
    lang: str,
    *,
    strict: bool,
) -> Estimate:
    """Validate the organiser's answers, calculate with the venue's factors and store the
    result; raises ``FormErrors`` (nothing stored)."""
    presets = await own_estimates(session, event.entry_point.id)
    inputs = event.form.validate(raw, presets, strict=strict)
    factor_set = await overrides.effective_factor_set(session, event.tenant.id, event.scenario)
    location = event.tenant.location
    context = registry.context(venue_location=location, presets=presets, lang=lang)
    lines = event.scenario.calculate_organiser(inputs, factor_set, context)
    published = event.scenario.factors
    computation = estimates.Computation(
        scenario=event.scenario,
        inputs=inputs,
        factor_set=factor_set,
        lines=lines,
        context={
            "venue_location": list(location) if location else None,
            "presets": presets,
            overrides.RECORD_KEY: overrides.overrides_record(factor_set),
        },
        published=published,
    )
    await snapshots.ensure_snapshot(session, published)
    # No visitor made it: no visitor id (a user id there would put it in that "visitor's"
    # public history); who computed it is kept apart.
    row = estimates.estimate_row(entries.OpenEntryPoint(event.tenant, event.entry_point), computation, None, lang)
    row.update(kind=ORGANISER, created_by=organiser_id, breakdown=[line.as_dict() for line in lines])
    estimate = Estimate(**row)
    session.add(estimate)
    await session.flush()
    return estimate
