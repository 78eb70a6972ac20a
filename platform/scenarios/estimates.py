"""The visitor's estimate: validate and calculate, store, read back and recompute.

No HTTP here. Controllers (HTML and JSON) share these rules, so a page and its API twin
cannot disagree about what is valid or what is stored. Stored estimates are
self-sufficient: the breakdown lines, the scenario's name and the factor-set version are
copied into the row, and the full factor set is kept once per version (``snapshots``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import msgspec
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.fastpath.cache import DISABLED, SESSION_INFO_KEY, EntryCache
from neutralpoint.scenarios import overrides
from neutralpoint.scenarios.contract import BreakdownLine, total_grams
from neutralpoint.scenarios.entries import OpenEntryPoint
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.forms import raw_from_serialized, serialize_inputs
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.scenarios.models import Estimate
from neutralpoint.scenarios.snapshots import ensure_snapshot, load_snapshot
from neutralpoint.tenants.models import EntryPoint

HISTORY_LIMIT = 100
#: The ``kind`` of a visitor's own estimate (an organiser's whole-event footprint is ``"organiser"``).
VISITOR = "visitor"


class RecomputeError(RuntimeError):
    """An estimate cannot be recomputed (its plugin or its factor-set version is gone)."""


# --- computing and storing ------------------------------------------------------------------


class Computation(msgspec.Struct, frozen=True):
    """A validated, calculated footprint that has not been stored yet.

    ``factor_set`` is what the calculation used (the venue's measured values applied);
    ``published`` is the plugin's version it was made from, kept once as a snapshot.
    """

    scenario: LoadedScenario
    inputs: dict[str, Any]
    factor_set: FactorSet
    lines: list[BreakdownLine]
    context: dict[str, Any]
    published: FactorSet

    @property
    def total_grams(self) -> int:
        return total_grams(self.lines)


def compute(
    scenario: LoadedScenario,
    registry: ScenarioRegistry,
    entry: OpenEntryPoint,
    raw: Mapping[str, Any],
    lang: str,
    *,
    strict: bool = False,
    factor_set: FactorSet | None = None,
) -> Computation:
    """Validate ``raw`` and calculate with the current factor set; raises ``FormErrors``.

    ``factor_set`` is the venue's (``venue_factor_set``) when it measured some values.
    A calculation may raise ``FormErrors`` too (rules across fields, such as "your city
    or the distance"); callers treat both the same way.
    """
    published = scenario.factors
    factors = factor_set or published
    if factors.version != published.version:
        raise ValueError("a venue's factor set must derive from the current published version")
    presets = entry.presets
    inputs = scenario.form.validate(raw, presets, strict=strict)
    location = entry.location
    event_days = entry.event_days
    context = registry.context(venue_location=location, presets=presets, lang=lang, event_days=event_days)
    lines = scenario.calculate(inputs, factors, context)
    stored_context: dict[str, Any] = {"venue_location": list(location) if location else None, "presets": presets}
    if event_days is not None:
        stored_context["event_days"] = event_days
    if factors.overrides:
        stored_context[overrides.RECORD_KEY] = overrides.overrides_record(factors)
    return Computation(scenario, inputs, factors, lines, stored_context, published)


def estimate_row(
    entry: OpenEntryPoint, computation: Computation, visitor_id: uuid.UUID | None, lang: str
) -> dict[str, Any]:
    """The ``estimates`` row of a computed footprint, every column filled in (``visitor_id``
    is ``None`` for an organiser's footprint, which no visitor made)."""
    scenario = computation.scenario
    return {
        "id": uuid.uuid4(),
        "tenant_id": entry.tenant_id,
        "entry_point_id": entry.entry_point_id,
        "visitor_id": visitor_id,
        "scenario": scenario.id,
        "kind": VISITOR,
        "scenario_name": dict(scenario.info.name),
        "factor_set_version": computation.published.version,
        "factor_fingerprint": computation.published.fingerprint,
        "inputs": serialize_inputs(computation.inputs),
        # Written by msgspec as ``BreakdownLine.as_dict()`` reads (same keys, quantity as a
        # decimal string), without a dict per line first.
        "breakdown": computation.lines,
        "total_grams": computation.total_grams,
        "language": lang,
        "context": computation.context,
        "created_at": utcnow(),
    }


class EstimateRecord(msgspec.Struct, frozen=True):
    """A stored estimate as its row was written (no ORM instance: a burst makes many)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    entry_point_id: uuid.UUID | None
    visitor_id: uuid.UUID
    scenario: str
    kind: str
    scenario_name: dict[str, str]
    factor_set_version: str
    factor_fingerprint: str
    inputs: dict[str, Any]
    breakdown: list[BreakdownLine]
    total_grams: int
    language: str
    context: dict[str, Any] | None
    created_at: datetime


async def store_estimate(
    db: Database,
    entry: OpenEntryPoint,
    computation: Computation,
    visitor_id: uuid.UUID,
    lang: str,
    cache: EntryCache = DISABLED,
) -> EstimateRecord:
    """Store a visitor's footprint through the database's row writer (with the fast path, in
    a transaction shared with others arriving at the same moment); returns once committed."""
    published = computation.published
    if not cache.snapshot_stored(published.scenario, published.version, published.fingerprint):
        async with db.sessionmaker(info={SESSION_INFO_KEY: cache}) as session, session.begin():
            await ensure_snapshot(session, published)
    row = estimate_row(entry, computation, visitor_id, lang)
    await db.row_writer.insert(cast(Table, Estimate.__table__), entry.tenant_id, row)
    return EstimateRecord(**row)


# --- reading ----------------------------------------------------------------------------------


async def find_estimate(
    session: AsyncSession, estimate_id: str, kind: str | None = VISITOR
) -> tuple[Estimate, str | None] | None:
    """One estimate of the session's venue, with the code of its entry point (if it still exists).

    Only a visitor's by default: an organiser's whole-event footprint is read through the
    venue's own routes (``kind=None`` finds either)."""
    try:
        key = uuid.UUID(estimate_id)
    except ValueError:
        return None
    row = (
        await session.execute(
            select(Estimate, EntryPoint.code)
            .outerjoin(EntryPoint, EntryPoint.id == Estimate.entry_point_id)
            .where(Estimate.id == key, *([Estimate.kind == kind] if kind is not None else []))
        )
    ).first()
    if row is None:
        return None
    return row[0], row[1]


async def visitor_history(session: AsyncSession, visitor_id: uuid.UUID) -> list[Estimate]:
    """A visitor's estimates at the session's venue, newest first (their own only: never an
    organiser's footprint)."""
    result = await session.scalars(
        select(Estimate)
        .where(Estimate.visitor_id == visitor_id, Estimate.kind == VISITOR)
        .order_by(Estimate.created_at.desc(), Estimate.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return list(result)


async def factors_of(session: AsyncSession, estimate: Estimate, registry: ScenarioRegistry | None) -> FactorSet | None:
    """The factor set an estimate used: its version's snapshot (else the plugin's same
    version), with the venue's measured values it kept re-applied."""
    published = await load_snapshot(session, estimate.scenario, estimate.factor_set_version)
    if published is None:
        scenario = registry.get(estimate.scenario) if registry is not None else None
        candidate = scenario.factor_set(estimate.factor_set_version) if scenario is not None else None
        if candidate is None or candidate.fingerprint != estimate.factor_fingerprint:
            return None
        published = candidate
    return overrides.apply_record(published, (estimate.context or {}).get(overrides.RECORD_KEY))


# --- recomputing ------------------------------------------------------------------------------


def recompute(
    estimate: Estimate,
    registry: ScenarioRegistry,
    snapshots: Mapping[tuple[str, str], FactorSet],
) -> list[BreakdownLine]:
    """Recalculate a stored estimate from its stored inputs, context and factor-set version.

    The factor set is the plugin's own for that version when its values are the ones the
    estimate used, otherwise the stored snapshot (keyed by ``(scenario, version)``); the
    venue's measured values the estimate kept are applied on top.
    """
    scenario = registry.get(estimate.scenario)
    if scenario is None:
        raise RecomputeError(f"scenario {estimate.scenario} is not loaded")
    version = estimate.factor_set_version
    factor_set = scenario.factor_set(version)
    if factor_set is None or factor_set.fingerprint != estimate.factor_fingerprint:
        factor_set = snapshots.get((estimate.scenario, version))
    if factor_set is None or factor_set.fingerprint != estimate.factor_fingerprint:
        raise RecomputeError(f"factor set {estimate.scenario} {version} with the estimate's values is not available")
    stored = estimate.context or {}
    factor_set = overrides.apply_record(factor_set, stored.get(overrides.RECORD_KEY))
    presets = dict(stored.get("presets") or {})
    location = stored.get("venue_location")
    inputs = scenario.form.validate(raw_from_serialized(estimate.inputs), presets)
    context = registry.context(
        venue_location=(float(location[0]), float(location[1])) if location else None,
        presets=presets,
        lang=estimate.language,
        event_days=stored.get("event_days"),
    )
    return scenario.calculate(inputs, factor_set, context)
