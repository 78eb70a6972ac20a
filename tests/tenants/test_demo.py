"""Demo data: one venue per loaded built-in scenario, a platform admin, safe to seed twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from tenant_flows import log_in

from neutralpoint.database.engine import Database
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import demo
from neutralpoint.tenants.models import EntryPoint, Membership, Tenant, TenantStatus, User


async def _counts(db: Database) -> tuple[int, ...]:
    slugs = [v.slug for v in demo.DEMO_VENUES]
    async with db.platform_session() as session:
        tenants = await session.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug.in_(slugs)))
        ids = select(Tenant.id).where(Tenant.slug.in_(slugs))
        members = await session.scalar(
            select(func.count()).select_from(Membership).where(Membership.tenant_id.in_(ids))
        )
        entries = await session.scalar(
            select(func.count()).select_from(EntryPoint).where(EntryPoint.tenant_id.in_(ids))
        )
        admins = await session.scalar(select(func.count()).select_from(User).where(User.email == demo.ADMIN_EMAIL))
    return (tenants or 0, members or 0, entries or 0, admins or 0)


async def test_seeding_twice_gives_the_same_demo(
    client: Any, db: Database, registry: ScenarioRegistry, settings: Settings
) -> None:
    first = await demo.seed(db, registry, settings)
    counts = await _counts(db)
    second = await demo.seed(db, registry, settings)
    assert second == first
    assert await _counts(db) == counts

    loaded = [v for v in demo.DEMO_VENUES if registry.get(v.scenario) is not None]
    assert counts == (len(loaded), len(loaded), len(loaded), 1)
    assert first[0] == "Platform admin: {base}/login  (admin@demo.neutralpoint.test / demo-admin-password)"
    for venue in loaded:
        assert f"Visitor page ({venue.scenario}): {{base}}/v/{venue.slug}/{venue.code}" in first
        assert f"Venue admin: {{base}}/login  ({venue.owner_email} / demo-venue-password)" in first
    assert first[-1] == f"{demo.FOOTPRINT_LINE}: {{base}}/footprint"

    async with db.platform_session() as session:
        admin = (await session.execute(select(User).where(User.email == demo.ADMIN_EMAIL))).scalar_one()
        assert admin.is_platform_admin
        for venue in loaded:
            tenant = (await session.execute(select(Tenant).where(Tenant.slug == venue.slug))).scalar_one()
            assert (tenant.status, tenant.is_demo, tenant.enabled_scenarios) == (
                TenantStatus.ACTIVE,
                True,
                [venue.scenario],
            )
            assert tenant.city_id is not None
            assert (tenant.latitude, tenant.longitude) == venue.location
            assert tenant.logo_content_type == "image/png"
            entry = (
                await session.execute(
                    select(EntryPoint).where(EntryPoint.tenant_id == tenant.id, EntryPoint.code == venue.code)
                )
            ).scalar_one()
            assert entry.scenario == venue.scenario
            if venue.event_name:
                assert entry.event_starts_on is not None
                assert entry.event_ends_on is not None

    if loaded:
        venue = loaded[0]
        await log_in(client, venue.owner_email, demo.VENUE_PASSWORD)
        assert (await client.get(f"/venue/{venue.slug}/")).status_code == 200
        assert (await client.get(f"/v/{venue.slug}/")).status_code == 200


def test_the_mountain_is_not_in_the_city_centre() -> None:
    """A visitor from Chengdu to Qingcheng Mountain travels some 60 km, not 0."""
    from neutralpoint.scenarios.geography import load_cities
    from neutralpoint.scenarios.geography.distance import great_circle_km

    chengdu = load_cities().find("Chengdu")
    assert chengdu is not None
    mountain = next(v for v in demo.DEMO_VENUES if v.slug == "qingcheng-mountain")
    assert 50 < great_circle_km(chengdu, mountain.location) < 70
