"""Venues and entry points made directly through the models, for the visitor-flow tests."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from neutralpoint.app import create_app
from neutralpoint.database.engine import Database
from neutralpoint.fastpath import FastPath
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.scenarios.models import Estimate
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus
from tests.conftest import RunningApps

CHENGDU = ("30.5728", "104.0668")


@pytest.fixture(scope="session")
def app_without_fast_path(settings: Settings, registry: ScenarioRegistry, running_apps: RunningApps) -> Litestar:
    return running_apps.share(create_app(replace(settings, fast_path=FastPath.off()), registry))


@pytest.fixture(scope="session", params=["on", "off"], ids=["fast-path-on", "fast-path-off"])
def app_both_ways(request: pytest.FixtureRequest, default_app: Litestar) -> Litestar:
    """The application with the whole fast path, then with none of it (``NEUTRALPOINT_FAST_PATH``).

    A visitor test module runs both ways by overriding ``app`` with it (see
    ``test_visitor_flow``). Each way is made once for the run: with the fast path it is the
    run's application (whose settings leave it on), without it one more.
    """
    if request.param == "on":
        assert default_app.state.settings.fast_path == FastPath(), "the run's application has the whole fast path"
        return default_app
    app: Litestar = request.getfixturevalue("app_without_fast_path")
    return app


def needs_fast_path(app: Litestar, piece: str) -> None:
    """Skip a test about one piece of the fast path when the application runs without it."""
    if not getattr(app.state.settings.fast_path, piece.replace("-", "_")):
        pytest.skip(f"about the fast path's {piece}, which this application runs without")


@dataclass(frozen=True)
class Venue:
    id: uuid.UUID
    slug: str
    code: str
    display_name: str
    color: str

    @property
    def entry_point_url(self) -> str:
        return f"/v/{self.slug}/{self.code}"


VenueFactory = Callable[..., Awaitable[Venue]]


@pytest.fixture
def make_venue(db: Database) -> VenueFactory:
    """``await make_venue(scenario="dummy", presets={...}, status=..., active=...)``: a venue with one entry point."""

    async def make(
        *,
        scenario: str = "dummy",
        presets: dict[str, Any] | None = None,
        status: TenantStatus = TenantStatus.ACTIVE,
        active: bool = True,
        color: str = "#a83a12",
        logo_version: int = 0,
        default_language: str = "en",
        event: bool = True,
        location: tuple[str, str] | None = CHENGDU,
    ) -> Venue:
        suffix = uuid.uuid4().hex[:8]
        slug = f"venue-{suffix}"
        code = f"c{suffix[:6]}"
        display_name = f"Summit Hall {suffix}"
        async with db.platform_session() as session:
            tenant = Tenant(
                slug=slug,
                name=display_name,
                display_name=display_name,
                contact_email=f"owner-{suffix}@example.org",
                status=status,
                primary_color=color,
                default_language=default_language,
                logo_version=logo_version,
                latitude=location[0] if location else None,
                longitude=location[1] if location else None,
            )
            session.add(tenant)
            await session.flush()
            session.add(
                EntryPoint(
                    tenant_id=tenant.id,
                    code=code,
                    name="Main entrance",
                    scenario=scenario,
                    event_name="Digital Carbon Neutrality Summit" if event else None,
                    event_starts_on=date(2026, 9, 7) if event else None,
                    event_ends_on=date(2026, 9, 9) if event else None,
                    presets=presets or {},
                    active=active,
                )
            )
        return Venue(tenant.id, slug, code, display_name, color)

    return make


@pytest.fixture
def count_estimates(db: Database) -> Callable[[uuid.UUID], Awaitable[int]]:
    async def count(tenant_id: uuid.UUID) -> int:
        async with db.platform_session() as session:
            return int(
                await session.scalar(select(func.count()).select_from(Estimate).where(Estimate.tenant_id == tenant_id))
                or 0
            )

    return count
