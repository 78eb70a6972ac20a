"""What a QR code leads to: the active venue and entry point, its scenario and the
venue's factor set, resolved once for a burst of visitors.

With the fast path, the entry cache (``neutralpoint.fastpath.cache``) keeps what this
process resolved for a few seconds; any change it commits to a venue, an entry point or a
measured value forgets it at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import current_tenant, use_tenant
from neutralpoint.fastpath.cache import DISABLED, SESSION_INFO_KEY, EntryCache, cache_of, invalidate_on_change
from neutralpoint.scenarios import overrides
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.forms import Form
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus
from neutralpoint.tenants.suspension import refuse_if_suspended

# --- finding the entry point --------------------------------------------------------------


@dataclass(frozen=True)
class OpenEntryPoint:
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
        """The venue's (latitude, longitude), read once per remembered entry point."""
        return self.tenant.location

    @cached_property
    def event_days(self) -> int | None:
        """How many days the entry point's event lasts, first and last day included."""
        starts, ends = self.entry_point.event_starts_on, self.entry_point.event_ends_on
        if starts is None or ends is None or ends < starts:
            return None
        return (ends - starts).days + 1

    # Read once per remembered entry point: an ORM attribute is a descriptor call on every read,
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

    A pending venue looks exactly like an unknown one to a visitor; a suspended one raises
    ``VenueSuspendedError``, which says so in the visitor's language. With the
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
    refuse_if_suspended(tenant)
    if tenant.status != TenantStatus.ACTIVE:
        return None
    return tenant


async def find_open_entry_point(session: AsyncSession, slug: str, code: str) -> OpenEntryPoint | None:
    """The active entry point behind a QR code, and the session scoped to its venue.

    Two small queries (the venue by slug, then its entry point by code) unless the entry
    cache resolved the same code in the last few seconds.
    """
    cache = cache_of(session)
    remembered: OpenEntryPoint | None = cache.entry_point(slug, code)
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
    entry = OpenEntryPoint(tenant, entry_point)
    cache.keep_entry_point(slug, code, entry)
    return entry


# A change this process commits to a venue, an entry point or a measured value drops the
# remembered entry points at once; another process's change is seen within ``ENTRY_SECONDS``.
invalidate_on_change(Tenant, EntryPoint, overrides.FactorOverride)


def scenario_for(registry: ScenarioRegistry, entry: OpenEntryPoint) -> LoadedScenario | None:
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
class EntryPointSetup:
    """What a visitor's page and submission need: the open entry point, its scenario and the
    venue's factor set."""

    entry_point: OpenEntryPoint
    scenario: LoadedScenario
    factor_set: FactorSet


async def find_entry_point_setup(
    db: Database, registry: ScenarioRegistry, slug: str, code: str, cache: EntryCache = DISABLED
) -> EntryPointSetup | None:
    """The open entry point behind a QR code with its scenario and the venue's factor set, or
    ``None`` (unknown, inactive, scenario not enabled).

    During a burst the entry ``cache`` resolved everything moments ago: then no connection
    is taken at all, and when it expires the requests in flight share one lookup.
    """
    entry: OpenEntryPoint | None = cache.entry_point(slug, code)
    if entry is not None:
        scenario = scenario_for(registry, entry)
        if scenario is None:
            return None
        factor_set = _remembered_factor_set(cache, entry.tenant_id, scenario)
        if factor_set is not None:
            return EntryPointSetup(entry, scenario, factor_set)
    return await cache.coalesce(
        (id(registry), slug, code), lambda: _look_up_entry_point_setup(db, registry, slug, code, cache)
    )


async def _look_up_entry_point_setup(
    db: Database, registry: ScenarioRegistry, slug: str, code: str, cache: EntryCache
) -> EntryPointSetup | None:
    async with db.sessionmaker(info={SESSION_INFO_KEY: cache}) as session:
        found = await find_open_entry_point(session, slug, code)
        scenario = scenario_for(registry, found) if found is not None else None
        if found is None or scenario is None:
            return None
        return EntryPointSetup(found, scenario, await venue_factor_set(session, scenario))
