"""The visitor's calculator: find the door, compute, store, present and recompute estimates.

No HTTP here. Controllers (HTML and JSON) share these rules, so a page and its API twin
cannot disagree about what is valid, what is stored or what a result says.

Stored estimates are self-sufficient: the breakdown lines, the scenario's name and the
factor-set version are copied into the row and the full factor set is kept once per
version in ``factor_set_snapshots``, so a result renders (and recomputes) after the
plugin moved on to a new version or was uninstalled.
"""

from __future__ import annotations

import asyncio
import logging
import time
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


# (database, slug) -> venue id, used only to scope a transaction before its first statement
# (on PostgreSQL the scope then rides on the transaction's opening statement instead of
# costing a round trip of its own). The venue row is still read on every request, by id
# and slug together, so a renamed or suspended venue is never served from memory.
_venue_ids: dict[tuple[str, str], uuid.UUID] = {}
VENUE_IDS_MAX = 10_000


async def find_venue(session: AsyncSession, slug: str) -> Tenant | None:
    """The active venue with this slug, and the session scoped to it; ``None`` for anything else.

    Pending and suspended venues look exactly like unknown ones to a visitor.
    """
    key = (_database_key(session), slug)
    known = _venue_ids.get(key)
    tenant = None
    if known is not None:
        use_tenant(session, known)
        tenant = await session.scalar(select(Tenant).where(Tenant.id == known, Tenant.slug == slug))
    if tenant is None:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            _venue_ids.pop(key, None)
            return None
        use_tenant(session, tenant.id)
        if len(_venue_ids) >= VENUE_IDS_MAX:
            _venue_ids.clear()
        _venue_ids[key] = tenant.id
    if tenant.status != TenantStatus.ACTIVE:
        return None
    return tenant


# A QR burst is hundreds of visitors opening the same entry point within a minute, so the
# resolved venue and entry point (and the venue's measured factor values) are kept for a few
# seconds per process. Any change this process commits to a venue, an entry point or an
# override clears them at once (see ``_forget_changed_entries``); another process's change
# is seen within ``ENTRY_CACHE_SECONDS``. Keys carry the database, slug and code, so nothing
# is shared between venues.
ENTRY_CACHE_SECONDS = 5.0
ENTRY_CACHE_MAX = 10_000
_entries: dict[tuple[str, str, str], tuple[float, Entry]] = {}
_venue_factor_sets: dict[tuple[str, uuid.UUID, str], tuple[float, FactorSet]] = {}
_CHANGED_KEY = "neutralpoint_entries_changed"


def remembered_entry(database_key: str, slug: str, code: str) -> Entry | None:
    """The entry point this process resolved in the last few seconds, without a session."""
    cached = _entries.get((database_key, slug, code))
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


async def find_entry(session: AsyncSession, slug: str, code: str) -> Entry | None:
    """The active entry point behind a QR code, and the session scoped to its venue.

    Two small queries (the venue by slug, then its entry point by code) unless this
    process resolved the same code in the last few seconds.
    """
    key = (_database_key(session), slug, code)
    now = time.monotonic()
    cached = _entries.get(key)
    if cached is not None and cached[0] > now:
        use_tenant(session, cached[1].tenant.id)
        return cached[1]
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
    if len(_entries) >= ENTRY_CACHE_MAX:
        _entries.clear()
    _entries[key] = (now + ENTRY_CACHE_SECONDS, entry)
    return entry


@event.listens_for(Session, "after_flush")
def _note_changed_entries(session: Session, flush_context: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Tenant | EntryPoint | overrides.FactorOverride) for obj in touched):
        session.info[_CHANGED_KEY] = True


@event.listens_for(Session, "after_commit")
def _forget_changed_entries(session: Session) -> None:
    if session.info.pop(_CHANGED_KEY, False):
        _entries.clear()
        _venue_factor_sets.clear()


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
    tenant_id = current_tenant(session.sync_session)
    if tenant_id is not None:
        remembered = remembered_factor_set(_database_key(session), tenant_id, scenario)
        if remembered is not None:
            return remembered
    rows = list(
        await session.scalars(select(overrides.FactorOverride).where(overrides.FactorOverride.scenario == scenario.id))
    )
    factor_set = overrides.apply_overrides(scenario.factors, rows) if rows else scenario.factors
    if tenant_id is not None:
        if len(_venue_factor_sets) >= ENTRY_CACHE_MAX:
            _venue_factor_sets.clear()
        _venue_factor_sets[(_database_key(session), tenant_id, scenario.id)] = (
            time.monotonic() + ENTRY_CACHE_SECONDS,
            factor_set,
        )
    return factor_set


def remembered_factor_set(database_key: str, tenant_id: uuid.UUID, scenario: LoadedScenario) -> FactorSet | None:
    """The venue's factor set as this process read it in the last few seconds."""
    cached = _venue_factor_sets.get((database_key, tenant_id, scenario.id))
    if cached is None or cached[0] <= time.monotonic() or cached[1].scenario != scenario.id:
        return None
    return cached[1]


@dataclass(frozen=True)
class Calculator:
    """What a visitor's submission needs: the door, its scenario and the venue's factor set."""

    entry: Entry
    scenario: LoadedScenario
    factor_set: FactorSet


# (database, registry, slug, code) -> the lookup under way. When a remembered entry expires
# in the middle of a burst, every request in flight would otherwise query the database at
# once; they wait for the one lookup instead.
_lookups: dict[tuple[str, int, str, str], asyncio.Future[Calculator | None]] = {}


async def find_calculator(db: Database, registry: ScenarioRegistry, slug: str, code: str) -> Calculator | None:
    """The calculator behind a QR code, or ``None`` (unknown, inactive, scenario not enabled).

    During a burst everything was resolved moments ago in this process: then no
    connection is taken at all.
    """
    key = engine_key(db.engine.sync_engine)
    entry = remembered_entry(key, slug, code)
    if entry is not None:
        scenario = scenario_for(registry, entry)
        if scenario is None:
            return None
        factor_set = remembered_factor_set(key, entry.tenant_id, scenario)
        if factor_set is not None:
            return Calculator(entry, scenario, factor_set)
    lookup_key = (key, id(registry), slug, code)
    under_way = _lookups.get(lookup_key)
    if under_way is not None:
        try:
            return await asyncio.shield(under_way)
        except asyncio.CancelledError:
            if not under_way.cancelled():
                raise  # this request was cancelled
            # the request doing the lookup went away: this one looks up for itself
            return await _look_up_calculator(db, registry, slug, code)
    lookup: asyncio.Future[Calculator | None] = asyncio.get_running_loop().create_future()
    _lookups[lookup_key] = lookup
    try:
        found = await _look_up_calculator(db, registry, slug, code)
    except asyncio.CancelledError:
        lookup.cancel()
        raise
    except BaseException as exc:
        lookup.set_exception(exc)
        lookup.exception()  # retrieved here, whether or not anybody was waiting
        raise
    else:
        lookup.set_result(found)
        return found
    finally:
        del _lookups[lookup_key]


async def _look_up_calculator(db: Database, registry: ScenarioRegistry, slug: str, code: str) -> Calculator | None:
    async with db.sessionmaker() as session:
        found = await find_entry(session, slug, code)
        scenario = scenario_for(registry, found) if found is not None else None
        if found is None or scenario is None:
            return None
        return Calculator(found, scenario, await venue_factor_set(session, scenario))


# (database, scenario, version) -> fingerprint of snapshots known to be committed. Snapshots
# are global (not venue-owned), so remembering them leaks nothing between venues.
_committed_snapshots: dict[tuple[str, str, str], str] = {}
_SEEN_KEY = "neutralpoint_snapshots_seen"


# id -> (engine, key): holding the engine keeps its id from being reused by another one.
_engine_keys: dict[int, tuple[Any, str]] = {}


def _database_key(session: AsyncSession) -> str:
    """Which database a cache entry belongs to (tests run several against one process)."""
    bind = session.bind
    if bind is None:
        return ""
    return engine_key(bind.engine)


def engine_key(engine: Any) -> str:
    known = _engine_keys.get(id(engine))
    if known is None:
        known = _engine_keys[id(engine)] = (engine, str(engine.url))
    return known[1]


@event.listens_for(Session, "after_commit")
def _remember_committed_snapshots(session: Session) -> None:
    seen = session.info.pop(_SEEN_KEY, None)
    if seen:
        _committed_snapshots.update(seen)


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
    key = _snapshot_key(_database_key(session), factor_set)
    known = _committed_snapshots.get(key)
    if known == fingerprint:
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
    session.sync_session.info.setdefault(_SEEN_KEY, {})[key] = fingerprint


def _snapshot_key(database_key: str, factor_set: FactorSet) -> tuple[str, str, str]:
    return (database_key, factor_set.scenario, factor_set.version)


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
    db: Database, entry: Entry, computation: Computation, visitor_id: uuid.UUID, lang: str
) -> EstimateRecord:
    """Store a visitor's footprint in a transaction shared with others arriving at the same
    moment (``GroupCommit``); returns once it is committed."""
    published = computation.published
    if _committed_snapshots.get(_snapshot_key(engine_key(db.engine.sync_engine), published)) != published.fingerprint:
        async with db.session() as session:
            await ensure_snapshot(session, published)
    row = estimate_row(entry, computation, visitor_id, lang)
    await db.group_commit.insert(cast(Table, Estimate.__table__), entry.tenant_id, row)
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
_DAYS_PER_GRAM = tuple(
    (p.key, _ratio(Fraction(365) / (Fraction(p.tonnes_per_year) * 1_000_000))) for p in PER_CAPITA
)
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
