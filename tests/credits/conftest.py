"""Credits fixtures: venues, projects, lots and offers built through the services, and an
audit of the books after every credits test (a test that leaves them broken fails)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from neutralpoint.credits import services
from neutralpoint.credits.models import Allocation, Lot, Project
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.tenants.models import Tenant, TenantStatus

ADMIN = "admin@platform.test"


@pytest.fixture(scope="module", autouse=True)
async def books_stay_balanced(db: Database) -> AsyncIterator[None]:
    """After each test module, the whole ledger must still pass the audit.

    Once a module, not once a test: the audit reads the whole ledger of the run, so after
    every test it cost the suite time that grew with the square of the number of tests.
    """
    yield
    async with db.platform_session() as session:
        report = await services.audit(session)
    assert report.ok, report.summary()


class CreditsFactory:
    """Builds supply through the real services, with serials unique to the test."""

    def __init__(self, db: Database, unique: str) -> None:
        self.db = db
        self.unique = unique
        self.counter = 0

    def _next(self) -> str:
        self.counter += 1
        return f"{self.unique}{self.counter}"

    async def venue(self) -> uuid.UUID:
        tag = self._next()
        async with self.db.platform_session() as session:
            tenant = Tenant(
                slug=f"venue-{tag}",
                name=f"Venue {tag}",
                display_name=f"Venue {tag}",
                contact_email=f"venue-{tag}@example.org",
                status=TenantStatus.ACTIVE,
            )
            session.add(tenant)
            await session.flush()
            return tenant.id

    async def project(self, **overrides: Any) -> Project:
        tag = self._next()
        async with self.db.platform_session() as session:
            owner = await services.create_project_owner(
                session, name=f"Owner {tag}", payout_currency="CNY", contact_email=f"owner-{tag}@example.org"
            )
            values: dict[str, Any] = {
                "owner_id": owner.id,
                "slug": f"project-{tag}",
                "name": {"en": f"Sichuan forest {tag}", "zh-Hans": f"四川林业碳汇 {tag}"},
                "registry_code": "CDCER",
                "registry_project_id": f"CDCER-{tag}",
                "project_type": "forestry",
                "country": "CN",
                "region": "Sichuan",
                "latitude": "30.6586",
                "longitude": "104.0648",
                "sdgs": [13, 15],
            }
            values.update(overrides)
            return await services.create_project(session, **values)

    async def lot(self, project: Project, tonnes: int, *, vintage: int = 2022, **overrides: Any) -> Lot:
        prefix = f"CN-CDCER-{self._next()}-"
        values: dict[str, Any] = {
            "project_id": project.id,
            "vintage_year": vintage,
            "serial_first": f"{prefix}{1:06d}",
            "serial_last": f"{prefix}{tonnes:06d}",
            "quantity_tonnes": tonnes,
            "unit_cost_minor": 3_000,
            "cost_currency": "CNY",
            "acquired_on": date(2024, 5, 1),
            "actor": ADMIN,
        }
        values.update(overrides)
        async with self.db.platform_session() as session:
            return await services.create_lot(session, **values)

    async def allocation(
        self,
        lot: Lot,
        grams: int,
        *,
        venues: list[uuid.UUID],
        price: int = 12_000,
        currency: str = "CNY",
        split: tuple[int, int, int] = (7000, 2000, 1000),
        valid_from: datetime | None = None,
    ) -> Allocation:
        """An offer to ``venues`` only: the run shares one database, and an offer to all
        venues would show up in every later test's venue (its offers, its default)."""
        async with self.db.platform_session() as session:
            return await services.create_allocation(
                session,
                lot_id=lot.id,
                grams=grams,
                price_per_tonne_minor=price,
                currency=currency,
                owner_bp=split[0],
                platform_bp=split[1],
                venue_bp=split[2],
                venue_ids=venues,
                all_venues=False,
                valid_from=valid_from or utcnow() - timedelta(minutes=1),
                actor=ADMIN,
            )

    async def buy(self, tenant_id: uuid.UUID, allocation_id: uuid.UUID, grams: int, **kwargs: Any) -> Any:
        """Reserve and pay in two transactions, as a visitor and a payment webhook would."""
        order_ref = kwargs.pop("order_ref", None) or f"order-{uuid.uuid4().hex}"
        async with self.db.session() as session:
            use_tenant(session, tenant_id)
            await services.reserve(
                session,
                tenant_id=tenant_id,
                allocation_id=allocation_id,
                grams=grams,
                order_ref=order_ref,
                round_up_to_minimum=True,
                **kwargs,
            )
        async with self.db.platform_session() as session:
            return await services.confirm_sale(session, order_ref=order_ref)


@pytest.fixture
def factory(db: Database, unique: str) -> CreditsFactory:
    return CreditsFactory(db, unique)
