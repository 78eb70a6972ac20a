"""The visitor's calculator: find the door, compute, store, present and recompute estimates.

No HTTP here. Controllers (HTML and JSON) share these rules, so a page and its API twin
cannot disagree about what is valid, what is stored or what a result says.

Stored estimates are self-sufficient: the breakdown lines, the scenario's name and the
factor-set version are copied into the row and the full factor set is kept once per
version in ``factor_set_snapshots``, so a result renders (and recomputes) after the
plugin moved on to a new version or was uninstalled.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import MAX_PREC, Context, Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, cast

import msgspec
from sqlalchemy import Table, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import current_tenant, use_tenant
from neutralpoint.fastpath.cache import DISABLED, SESSION_INFO_KEY, EntryCache, cache_of, invalidate_on_change
from neutralpoint.scenarios import overrides
from neutralpoint.scenarios.contract import BreakdownLine, total_grams
from neutralpoint.scenarios.factors import FactorSet, Source
from neutralpoint.scenarios.forms import Form, raw_from_serialized, serialize_inputs
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.scenarios.models import Estimate, FactorSetSnapshot
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus

log = logging.getLogger("neutralpoint.scenarios")

HISTORY_LIMIT = 100


class FactorSetConflictError(RuntimeError):
    """A plugin changed a published factor set's values without giving it a new version."""


class RecomputeError(RuntimeError):
    """An estimate cannot be recomputed (its plugin or its factor-set version is gone)."""


# --- finding the door ---------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """An active venue and one of its active entry points, the session scoped to the venue."""

    tenant: Tenant
    entry_point: EntryPoint

    @property
    def presets(self) -> dict[str, Any]:
        """The answers the entry point fixed, a copy the caller may keep or change."""
        return dict(self._presets)

    @cached_property
    def _presets(self) -> dict[str, Any]:
        return dict(self.entry_point.presets or {})

    @cached_property
    def location(self) -> tuple[float, float] | None:
        """The venue's (latitude, longitude), read once per remembered entry."""
        return self.tenant.location

    @cached_property
    def event_days(self) -> int | None:
        """How many days the entry point's event lasts, first and last day included."""
        starts, ends = self.entry_point.event_starts_on, self.entry_point.event_ends_on
        if starts is None or ends is None or ends < starts:
            return None
        return (ends - starts).days + 1

    # Read once per remembered entry: an ORM attribute is a descriptor call on every read,
    # and a burst reads these on every submission.
    @cached_property
    def tenant_id(self) -> uuid.UUID:
        return self.tenant.id

    @cached_property
    def entry_point_id(self) -> uuid.UUID:
        return self.entry_point.id

    @cached_property
    def scenario_id(self) -> str:
        return self.entry_point.scenario

    @cached_property
    def code(self) -> str:
        return self.entry_point.code

    @cached_property
    def enabled_scenarios(self) -> list[str] | None:
        return self.tenant.enabled_scenarios


async def find_venue(session: AsyncSession, slug: str) -> Tenant | None:
    """The active venue with this slug, and the session scoped to it; ``None`` for anything else.

    Pending and suspended venues look exactly like unknown ones to a visitor. With the
    entry cache, the venue's id is known before the first statement, so on PostgreSQL the
    scope rides on the transaction's opening statement instead of a round trip of its own;
    the venue row is still read, by id and slug together.
    """
    cache = cache_of(session)
    known = cache.venue_id(slug)
    tenant = None
    if known is not None:
        use_tenant(session, known)
        tenant = await session.scalar(select(Tenant).where(Tenant.id == known, Tenant.slug == slug))
    if tenant is None:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            cache.forget_venue_id(slug)
            return None
        use_tenant(session, tenant.id)
        cache.keep_venue_id(slug, tenant.id)
    if tenant.status != TenantStatus.ACTIVE:
        return None
    return tenant


async def find_entry(session: AsyncSession, slug: str, code: str) -> Entry | None:
    """The active entry point behind a QR code, and the session scoped to its venue.

    Two small queries (the venue by slug, then its entry point by code) unless the entry
    cache resolved the same code in the last few seconds.
    """
    cache = cache_of(session)
    remembered: Entry | None = cache.entry(slug, code)
    if remembered is not None:
        use_tenant(session, remembered.tenant_id)
        return remembered
    tenant = await find_venue(session, slug)
    if tenant is None:
        return None
    entry_point = await session.scalar(select(EntryPoint).where(EntryPoint.code == code, EntryPoint.active.is_(True)))
    if entry_point is None and code != code.upper():
        # Codes are saved in capitals; a visitor who types the address may not be.
        entry_point = await session.scalar(
            select(EntryPoint).where(EntryPoint.code == code.upper(), EntryPoint.active.is_(True))
        )
    if entry_point is None:
        return None
    entry = Entry(tenant, entry_point)
    cache.keep_entry(slug, code, entry)
    return entry


# A change this process commits to a venue, an entry point or a measured value drops the
# remembered entry points at once; another process's change is seen within ``ENTRY_SECONDS``.
invalidate_on_change(Tenant, EntryPoint, overrides.FactorOverride)


def scenario_for(registry: ScenarioRegistry, entry: Entry) -> LoadedScenario | None:
    """The entry point's scenario when its plugin is loaded and the venue has it enabled."""
    enabled = entry.enabled_scenarios
    if enabled is not None and entry.scenario_id not in enabled:
        return None
    return registry.get(entry.scenario_id)


def visible_form(scenario: LoadedScenario, presets: Mapping[str, Any]) -> Form:
    """What the visitor fills in: the scenario's form minus the answers the entry point fixed."""
    return scenario.form.with_presets(presets)


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
    entry: Entry,
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


async def venue_factor_set(session: AsyncSession, scenario: LoadedScenario) -> FactorSet:
    """The current factor set with the venue's measured values (the session is scoped to it)."""
    cache = cache_of(session)
    tenant_id = current_tenant(session.sync_session)
    if tenant_id is not None:
        remembered = _remembered_factor_set(cache, tenant_id, scenario)
        if remembered is not None:
            return remembered
    rows = list(
        await session.scalars(select(overrides.FactorOverride).where(overrides.FactorOverride.scenario == scenario.id))
    )
    factor_set = overrides.apply_overrides(scenario.factors, rows) if rows else scenario.factors
    if tenant_id is not None:
        cache.keep_factor_set(tenant_id, scenario.id, factor_set)
    return factor_set


def _remembered_factor_set(cache: EntryCache, tenant_id: uuid.UUID, scenario: LoadedScenario) -> FactorSet | None:
    found: FactorSet | None = cache.factor_set(tenant_id, scenario.id)
    return found if found is not None and found.scenario == scenario.id else None


@dataclass(frozen=True)
class Calculator:
    """What a visitor's submission needs: the door, its scenario and the venue's factor set."""

    entry: Entry
    scenario: LoadedScenario
    factor_set: FactorSet


async def find_calculator(
    db: Database, registry: ScenarioRegistry, slug: str, code: str, cache: EntryCache = DISABLED
) -> Calculator | None:
    """The calculator behind a QR code, or ``None`` (unknown, inactive, scenario not enabled).

    During a burst the entry ``cache`` resolved everything moments ago: then no connection
    is taken at all, and when it expires the requests in flight share one lookup.
    """
    entry: Entry | None = cache.entry(slug, code)
    if entry is not None:
        scenario = scenario_for(registry, entry)
        if scenario is None:
            return None
        factor_set = _remembered_factor_set(cache, entry.tenant_id, scenario)
        if factor_set is not None:
            return Calculator(entry, scenario, factor_set)
    return await cache.coalesce(
        (id(registry), slug, code), lambda: _look_up_calculator(db, registry, slug, code, cache)
    )


async def _look_up_calculator(
    db: Database, registry: ScenarioRegistry, slug: str, code: str, cache: EntryCache
) -> Calculator | None:
    async with db.sessionmaker(info={SESSION_INFO_KEY: cache}) as session:
        found = await find_entry(session, slug, code)
        scenario = scenario_for(registry, found) if found is not None else None
        if found is None or scenario is None:
            return None
        return Calculator(found, scenario, await venue_factor_set(session, scenario))


_SEEN_KEY = "neutralpoint_snapshots_seen"


@event.listens_for(Session, "after_commit")
def _remember_committed_snapshots(session: Session) -> None:
    seen = session.info.pop(_SEEN_KEY, None)
    if seen:
        cache_of(session).keep_snapshots(seen)


@event.listens_for(Session, "after_rollback")
def _forget_uncommitted_snapshots(session: Session) -> None:
    session.info.pop(_SEEN_KEY, None)


async def ensure_snapshot(session: AsyncSession, factor_set: FactorSet) -> None:
    """Keep ``factor_set`` in ``factor_set_snapshots`` once per (scenario, version).

    A stored version whose values differ from the plugin's is refused with
    ``FactorSetConflictError``: silently storing estimates under a version whose numbers
    changed would break recomputation. Snapshots are global (not venue-owned), so the
    process remembers the ones it saw committed and skips the query next time.
    """
    fingerprint = factor_set.fingerprint
    if cache_of(session).snapshot_stored(factor_set.scenario, factor_set.version, fingerprint):
        return
    query = select(FactorSetSnapshot.fingerprint).where(
        FactorSetSnapshot.scenario == factor_set.scenario, FactorSetSnapshot.version == factor_set.version
    )
    stored = await session.scalar(query)
    if stored is None:
        await session.execute(_insert_ignoring_duplicate(session, factor_set, fingerprint))
        stored = await session.scalar(query)
    if stored != fingerprint:
        log.error(
            "factor set %s %s changed without a new version (stored %s, plugin %s); estimates refused",
            factor_set.scenario,
            factor_set.version,
            stored,
            fingerprint,
        )
        raise FactorSetConflictError(
            f"factor set {factor_set.scenario} {factor_set.version} changed without a new version"
        )
    session.sync_session.info.setdefault(_SEEN_KEY, {})[(factor_set.scenario, factor_set.version)] = fingerprint


def _insert_ignoring_duplicate(session: AsyncSession, factor_set: FactorSet, fingerprint: str) -> Any:
    values = {
        "id": uuid.uuid4(),
        "scenario": factor_set.scenario,
        "version": factor_set.version,
        "fingerprint": fingerprint,
        "content": factor_set.as_dict(),
    }
    dialect = session.bind.dialect.name if session.bind is not None else ""
    unique = ["scenario", "version"]
    if dialect == "postgresql":
        return postgresql.insert(FactorSetSnapshot).values(**values).on_conflict_do_nothing(index_elements=unique)
    return sqlite.insert(FactorSetSnapshot).values(**values).on_conflict_do_nothing(index_elements=unique)


def estimate_row(entry: Entry, computation: Computation, visitor_id: uuid.UUID, lang: str) -> dict[str, Any]:
    """The ``estimates`` row of a computed footprint, every column filled in."""
    scenario = computation.scenario
    return {
        "id": uuid.uuid4(),
        "tenant_id": entry.tenant_id,
        "entry_point_id": entry.entry_point_id,
        "visitor_id": visitor_id,
        "scenario": scenario.id,
        "kind": "visitor",
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
    entry: Entry,
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


async def find_estimate(session: AsyncSession, estimate_id: str) -> tuple[Estimate, str | None] | None:
    """One estimate of the session's venue, with the code of its entry point (if it still exists)."""
    try:
        key = uuid.UUID(estimate_id)
    except ValueError:
        return None
    row = (
        await session.execute(
            select(Estimate, EntryPoint.code)
            .outerjoin(EntryPoint, EntryPoint.id == Estimate.entry_point_id)
            .where(Estimate.id == key)
        )
    ).first()
    if row is None:
        return None
    return row[0], row[1]


async def visitor_history(session: AsyncSession, visitor_id: uuid.UUID) -> list[Estimate]:
    """A visitor's estimates at the session's venue, newest first."""
    result = await session.scalars(
        select(Estimate)
        .where(Estimate.visitor_id == visitor_id)
        .order_by(Estimate.created_at.desc(), Estimate.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return list(result)


async def load_snapshot(session: AsyncSession, scenario: str, version: str) -> FactorSet | None:
    content = await session.scalar(
        select(FactorSetSnapshot.content).where(
            FactorSetSnapshot.scenario == scenario, FactorSetSnapshot.version == version
        )
    )
    return FactorSet.from_dict(content) if content else None


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


# --- presenting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerCapita:
    """An average person's yearly emissions somewhere, with where the number comes from."""

    key: str
    tonnes_per_year: Decimal


#: Fossil CO2 per person in 2023 (territorial; excludes other greenhouse gases and land use).
PER_CAPITA = (PerCapita("china", Decimal("8.4")), PerCapita("world", Decimal("4.7")))
PER_CAPITA_SOURCE = {
    "publisher": "Global Carbon Project / Our World in Data",
    "document": "Global Carbon Budget 2024 (Friedlingstein et al.), CO₂ emissions per capita",
    "year": 2023,
    "url": "https://ourworldindata.org/grapher/co-emissions-per-capita",
}
#: Average petrol car, per vehicle-km, direct plus well-to-tank: the same figure as the
#: ``travel.car_petrol`` line of a breakdown, so that a drive compares with itself.
PETROL_CAR_KG_PER_KM = Decimal("0.16272") + Decimal("0.04599")
PETROL_CAR_SOURCE = {
    "publisher": "UK DESNZ",
    "document": (
        "Greenhouse gas reporting: conversion factors 2025, Passenger vehicles, average car, petrol, "
        "with its well-to-tank row"
    ),
    "year": 2025,
    "url": "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025",
}


class Comparison(msgspec.Struct, frozen=True):
    """A footprint in terms a person grasps: days of an average person's emissions, km by car."""

    days: dict[str, Decimal]
    petrol_car_km: Decimal


_EXACT = Context(prec=MAX_PREC)


def tenths(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` to 0.1, half up, exactly (both positive, or 0 / d).

    Integer arithmetic instead of a ``Decimal`` division and ``quantize``: the same
    result, with no 28-digit rounding on the way, in under half the time (a result
    page or answer has a share per line and three comparisons).
    """
    count = (20 * numerator + denominator) // (2 * denominator)
    return Decimal(count).scaleb(-1, _EXACT)


def _ratio(value: Fraction) -> tuple[int, int]:
    return value.numerator, value.denominator


#: Days of a person's emissions per gram, 365 / (t CO2 a year x 10^6), as an exact fraction, per region.
_DAYS_PER_GRAM = tuple((p.key, _ratio(Fraction(365) / (Fraction(p.tonnes_per_year) * 1_000_000))) for p in PER_CAPITA)
#: km in an average petrol car per gram, 1 / (kg per km x 1000).
_KM_PER_GRAM = _ratio(Fraction(1) / (Fraction(PETROL_CAR_KG_PER_KM) * 1000))


def compare(grams: int) -> Comparison:
    """``days = grams / (annual grams / 365)`` and ``km = grams / g per km``, exact, to 0.1."""
    days = {key: tenths(grams * numerator, denominator) for key, (numerator, denominator) in _DAYS_PER_GRAM}
    numerator, denominator = _KM_PER_GRAM
    return Comparison(days=days, petrol_car_km=tenths(grams * numerator, denominator))


class LineView(msgspec.Struct, frozen=True):
    key: str
    label: Mapping[str, str]
    detail: Mapping[str, str] | None
    quantity: Decimal
    per: str
    factor: str
    factor_value: Decimal | None
    factor_unit: str | None
    grams: int
    share: Decimal
    source: int | None
    warning: dict[str, str] | None = None


class EstimateView(msgspec.Struct, frozen=True):
    """A stored estimate ready to show: lines with their factors, numbered sources, comparison."""

    estimate: Estimate | EstimateRecord
    entry_code: str | None
    lines: list[LineView]
    sources: list[Source]
    comparison: Comparison
    factors_known: bool = False

    @property
    def total_grams(self) -> int:
        return self.estimate.total_grams

    @property
    def warnings(self) -> list[dict[str, str]]:
        """The lines' warnings (an answer counted as entered but unlikely), in line order."""
        return [line.warning for line in self.lines if line.warning]


def present(
    estimate: Estimate | EstimateRecord,
    entry_code: str | None,
    factor_set: FactorSet | None,
    breakdown: Sequence[BreakdownLine] | None = None,
) -> EstimateView:
    """Build the view from the stored breakdown alone; the factor set only adds values and sources.

    ``breakdown`` is the stored breakdown already parsed (a submission has its lines at hand).
    The view shares the lines' texts and the factor set's sources: it is read, never changed.
    """
    lines: list[LineView] = []
    sources: list[Source] = []
    source_index: dict[Source, int] = {}
    total = estimate.total_grams
    if breakdown is not None:
        parsed = breakdown
    elif isinstance(estimate, EstimateRecord):
        parsed = estimate.breakdown
    else:
        parsed = [BreakdownLine.from_dict(data) for data in estimate.breakdown]
    known = factor_set.factors if factor_set is not None else {}
    for line in parsed:
        factor = known.get(line.factor)
        index = None
        if factor is not None:
            index = source_index.get(factor.source)
            if index is None:
                index = source_index[factor.source] = len(sources)
                sources.append(factor.source)
        lines.append(
            LineView(
                key=line.key,
                label=line.label,
                detail=line.detail or None,
                quantity=line.quantity,
                per=line.per,
                factor=line.factor,
                factor_value=factor.value if factor is not None else None,
                factor_unit=factor.unit if factor is not None else None,
                grams=line.grams,
                share=tenths(line.grams * 100, total) if total else Decimal(0),
                source=index,
                warning=dict(line.warning) if line.warning else None,
            )
        )
    return EstimateView(
        estimate=estimate,
        entry_code=entry_code,
        lines=lines,
        sources=sources,
        comparison=compare(total),
        factors_known=factor_set is not None,
    )


def snapshot_map(factor_sets: Sequence[FactorSet]) -> dict[tuple[str, str], FactorSet]:
    return {(fs.scenario, fs.version): fs for fs in factor_sets}
