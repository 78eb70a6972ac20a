"""Factor sets are versioned: a new version never changes what an old estimate used.

A test-local plugin publishes "2025.1" (coach 0.03432 kg CO2e per passenger-km: DESNZ 2025
coach 0.02776 + WTT 0.00656), then, in a later release, "2025.2" with a changed value
(0.03500); an estimate stored under 2025.1 still recomputes to the same grams.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.plugin_api import (
    BreakdownLine,
    CalculationContext,
    Factor,
    FactorSet,
    Field,
    Form,
    Scenario,
    Source,
    hookimpl,
)
from neutralpoint.scenarios import entries, estimates, snapshots
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus

SOURCE = Source(
    publisher="UK Department for Energy Security and Net Zero (DESNZ)",
    document="Greenhouse gas reporting: conversion factors 2025",
    year=2025,
    table="Business travel- land: Coach (ID 25_314_3146_11_1) + WTT",
    url="https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025",
)


def _set(scenario: str, version: str, value: str) -> FactorSet:
    factor = Factor("coach", Decimal(value), "passenger-km", {"en": "Coach", "zh-Hans": "大巴"}, SOURCE)
    return FactorSet.of(scenario, version, [factor])


class VersionedPlugin:
    """One release of a plugin: ``values`` maps each published version to its coach factor."""

    def __init__(self, scenario: str, values: dict[str, str]) -> None:
        self.scenario = scenario
        self.values = values

    @hookimpl
    def neutralpoint_scenarios(self) -> list[Scenario]:
        km = Field(
            "km",
            "number",
            {"en": "Distance", "zh-Hans": "距离"},
            unit={"en": "km", "zh-Hans": "公里"},
            minimum=0,
            maximum=5000,
            decimals=1,
        )
        return [
            Scenario(
                id=self.scenario,
                name={"en": "Coach trip", "zh-Hans": "大巴出行"},
                description={"en": "A coach trip.", "zh-Hans": "一次大巴出行。"},
                form=Form((km,)),
                factor_sets=[_set(self.scenario, version, value) for version, value in self.values.items()],
                calculate=self.calculate,
            )
        ]

    @staticmethod
    def calculate(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
        factor = factors["coach"]
        km = Decimal(inputs["km"])
        return [BreakdownLine("coach", factor.label, km, factor.per, factor.key, factor.grams(km))]


def _registry(plugin: VersionedPlugin) -> ScenarioRegistry:
    registry = ScenarioRegistry()
    status = registry.add("versioned", plugin)
    assert status.loaded, status.reason
    return registry


async def _venue_with_entry_point(db: Database, scenario: str) -> tuple[uuid.UUID, str]:
    suffix = uuid.uuid4().hex[:8]
    async with db.platform_session() as session:
        tenant = Tenant(
            slug=f"fv-{suffix}",
            name="Coach",
            display_name="Coach",
            contact_email=f"fv-{suffix}@example.org",
            status=TenantStatus.ACTIVE,
        )
        session.add(tenant)
        await session.flush()
        session.add(EntryPoint(tenant_id=tenant.id, code=f"f{suffix[:6]}", name="Door", scenario=scenario, presets={}))
    return tenant.id, tenant.slug


def test_a_new_version_keeps_the_old_one_available() -> None:
    scenario = f"coach_{uuid.uuid4().hex[:6]}"
    later = _registry(VersionedPlugin(scenario, {"2025.1": "0.03432", "2025.2": "0.03500"})).get(scenario)
    assert later is not None
    assert later.factors.version == "2025.2"
    old = later.factor_set("2025.1")
    assert old is not None
    assert old["coach"].value == Decimal("0.03432")
    assert old.fingerprint != later.factors.fingerprint


async def test_an_estimate_stored_with_2025_1_recomputes_to_the_same_grams(db: Database) -> None:
    scenario = f"coach_{uuid.uuid4().hex[:6]}"
    first = _registry(VersionedPlugin(scenario, {"2025.1": "0.03432"}))
    tenant_id, slug = await _venue_with_entry_point(db, scenario)
    async with db.session() as session:
        entry = await entries.find_open_entry_point(session, slug, (await _code(db, tenant_id)))
        assert entry is not None
        loaded = first.get(scenario)
        assert loaded is not None
        computation = estimates.compute(loaded, first, entry, {"km": "1000"}, "en")
    stored = await estimates.store_estimate(db, entry, computation, uuid.uuid4(), "en")
    estimate_id = stored.id
    assert stored.total_grams == 34320  # 1000 km × 0.03432 = 34.32 kg
    assert stored.factor_set_version == "2025.1"

    later = _registry(VersionedPlugin(scenario, {"2025.1": "0.03432", "2025.2": "0.03500"}))
    async with db.session() as session:
        use_tenant(session, tenant_id)
        estimate = await session.get(Estimate, estimate_id)
        assert estimate is not None
        snapshot = await snapshots.load_snapshot(session, scenario, "2025.1")
    assert snapshot is not None
    lines = estimates.recompute(estimate, later, snapshots.snapshot_map([snapshot]))
    assert sum(line.grams for line in lines) == 34320  # still 2025.1's 0.03432
    current = later.get(scenario)
    assert current is not None
    assert current.calculate({"km": Decimal(1000)}, current.factors, later.context())[0].grams == 35000  # × 0.035


async def test_a_changed_value_under_the_same_version_is_refused(db: Database) -> None:
    scenario = f"coach_{uuid.uuid4().hex[:6]}"
    async with db.session() as session:
        await snapshots.ensure_snapshot(session, _set(scenario, "2025.1", "0.03432"))
    with pytest.raises(snapshots.FactorSetConflictError):
        async with db.session() as session:
            await snapshots.ensure_snapshot(session, _set(scenario, "2025.1", "0.03500"))


async def _code(db: Database, tenant_id: uuid.UUID) -> str:
    async with db.session() as session:
        use_tenant(session, tenant_id)
        return str(await session.scalar(select(EntryPoint.code)))
