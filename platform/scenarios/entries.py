"""What a QR code leads to: the active venue and entry point, its scenario and the
venue's factor set, resolved once for a burst of visitors.

A QR burst is hundreds of visitors opening the same entry point within a minute, so this
process keeps what it resolved for a few seconds; any change it commits to a venue, an
entry point or a measured value forgets it at once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import current_tenant, use_tenant
from neutralpoint.scenarios import overrides
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.forms import Form
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus

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
    key = (session_database_key(session), slug)
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
    key = (session_database_key(session), slug, code)
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


async def venue_factor_set(session: AsyncSession, scenario: LoadedScenario) -> FactorSet:
    """The current factor set with the venue's measured values (the session is scoped to it)."""
    tenant_id = current_tenant(session.sync_session)
    if tenant_id is not None:
        remembered = remembered_factor_set(session_database_key(session), tenant_id, scenario)
        if remembered is not None:
            return remembered
    rows = list(
        await session.scalars(select(overrides.FactorOverride).where(overrides.FactorOverride.scenario == scenario.id))
    )
    factor_set = overrides.apply_overrides(scenario.factors, rows) if rows else scenario.factors
    if tenant_id is not None:
        if len(_venue_factor_sets) >= ENTRY_CACHE_MAX:
            _venue_factor_sets.clear()
        _venue_factor_sets[(session_database_key(session), tenant_id, scenario.id)] = (
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


# id -> (engine, key): holding the engine keeps its id from being reused by another one.
_engine_keys: dict[int, tuple[Any, str]] = {}


def session_database_key(session: AsyncSession) -> str:
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
