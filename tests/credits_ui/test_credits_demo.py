"""The credits demo: realistic-looking projects in every serial format, offered to the
demo venues, marked as demo data, and safe to load twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from neutralpoint.credits import demo as credits_demo
from neutralpoint.credits import services
from neutralpoint.credits.models import (
    Allocation,
    LedgerEntry,
    Lot,
    Project,
    ProjectOwner,
    ProjectPhoto,
    VenueOffer,
)
from neutralpoint.database.engine import Database
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import demo as venues_demo
from neutralpoint.tenants.models import Tenant


async def _rows(db: Database) -> dict[str, int]:
    async with db.platform_session() as session:
        found = {}
        for model in (ProjectOwner, Project, Lot, Allocation, ProjectPhoto, VenueOffer, LedgerEntry):
            found[model.__tablename__] = int(
                (await session.execute(select(func.count()).select_from(model))).scalar_one()
            )
        return found


async def test_demo_is_idempotent_marked_and_offered(
    db: Database, registry: ScenarioRegistry, settings: Settings, anonymous: Any
) -> None:
    await venues_demo.seed(db, registry, settings)
    lines = await credits_demo.seed(db, registry, settings)
    assert "Credit projects (demo data): {base}/projects" in lines
    assert "Platform admin credits: {base}/platform" in lines
    first = await _rows(db)
    again = await credits_demo.seed(db, registry, settings)
    assert again == lines
    assert await _rows(db) == first

    async with db.platform_session() as session:
        projects = [await services.get_project_by_slug(session, d.slug) for d in credits_demo.DEMO_PROJECTS]
        assert all(p is not None and p.is_demo for p in projects)
        lots = {
            d.slug: (await services.list_lots(session, p.id))
            for d, p in zip(credits_demo.DEMO_PROJECTS, projects, strict=True)
            if p
        }
        assert {slug: [(lot.quantity_tonnes, lot.is_demo) for lot in found] for slug, found in lots.items()} == {
            "demo-longquan-forest-sink": [(500, True)],
            "demo-yibin-household-biogas": [(1000, True)],
            "demo-liangshan-wind": [(2000, True)],
            "demo-dali-cookstoves": [(300, True)],
        }
        wind = lots["demo-liangshan-wind"][0]
        assert (wind.serial_block_notation, wind.serial_first_number, wind.serial_last_number) == (
            True,
            456789001,
            456791000,
        )
        venues = list((await session.execute(select(Tenant).where(Tenant.is_demo.is_(True)))).scalars())
        assert venues
        prices = {}
        for venue in venues:
            offers = [
                o for o in await services.offers_for_venue(session, venue.id) if o.project_slug.startswith("demo-")
            ]
            assert [o.project_slug for o in offers][:4] == [d.slug for d in credits_demo.DEMO_PROJECTS]
            default = [o.project_slug for o in offers if o.is_default]
            assert default == ["demo-longquan-forest-sink"]
            prices = {o.project_slug: (o.price_per_tonne_minor, o.currency) for o in offers}
        assert prices == {
            "demo-longquan-forest-sink": (6_000, "CNY"),
            "demo-yibin-household-biogas": (8_000, "CNY"),
            "demo-liangshan-wind": (4_500, "CNY"),
            "demo-dali-cookstoves": (7_000, "CNY"),
        }
        report = await services.audit(session)
    assert report.ok, report.summary()

    page = await anonymous.get("/projects/demo-liangshan-wind?lang=en")
    assert page.status_code == 200
    assert "Demo data." in page.text
    assert "Demo project: made up to show how the platform works." in page.text
    assert 'href="https://registry.verra.org/"' in page.text
    listing = await anonymous.get("/projects?lang=en")
    assert listing.text.count("demo data") >= 4
