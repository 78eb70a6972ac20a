"""Helpers of the credit pages' tests (a plain module, not a conftest): sign people in
through the real login, post forms as a browser does, build supply through the services."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from neutralpoint.credits import services
from neutralpoint.credits.models import Allocation, Lot, Project
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.tenants.accounts import ensure_platform_admin
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import Membership, Role, Tenant, TenantStatus, User

PASSWORD = "correct horse battery staple"
BASE = "http://testserver.local"
ACTOR = "admin@platform.test"


@asynccontextmanager
async def second_browser(client: AsyncTestClient[Litestar]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """Another browser (its own cookies) on the app ``client`` runs, in the same event loop."""
    other: AsyncTestClient[Litestar] = AsyncTestClient(app=client.app, base_url=BASE)
    other.blocking_portal = client.blocking_portal
    yield other


async def _log_in(client: Any, email: str) -> None:
    response = await client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def sign_in_admin(client: Any, db: Database, email: str) -> None:
    async with db.platform_session() as session:
        await ensure_platform_admin(session, email, PASSWORD)
    await _log_in(client, email)


@dataclass(frozen=True)
class Venue:
    id: uuid.UUID
    slug: str


async def sign_in_venue_member(client: Any, db: Database, venue: Venue, *, role: str) -> str:
    email = f"{role}-{venue.slug}@example.org"
    async with db.platform_session() as session:
        user = User(email=email, name="", password_hash=hash_password(PASSWORD), email_verified_at=utcnow())
        session.add(user)
        await session.flush()
        session.add(Membership(tenant_id=venue.id, user_id=user.id, role=Role(role)))
    await _log_in(client, email)
    return email


def csrf(client: Any) -> str:
    return str(client.cookies.get("np_csrf", ""))


async def post_form(client: Any, path: str, data: dict[str, Any], files: Any = None) -> Any:
    """POST a page's form the way a browser does: after a GET that set the CSRF cookie."""
    if not client.cookies.get("np_csrf"):
        await client.get("/login")
    return await client.post(path, data={**data, "_csrf_token": csrf(client)}, files=files, follow_redirects=False)


def field_error(html: str, field: str) -> str:
    """The message shown beside ``field`` (the element ``id="<field>-error"``), or ''."""
    found = re.search(rf'id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    return unescape(found.group(1)).strip() if found else ""


async def count(db: Database, model: type[Any]) -> int:
    async with db.platform_session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def counts(db: Database) -> dict[str, int]:
    """Rows of the supply tables and the ledger, to show that a refused form wrote nothing."""
    from neutralpoint.credits.models import LedgerEntry, ProjectOwner

    return {
        model.__tablename__: await count(db, model) for model in (ProjectOwner, Project, Lot, Allocation, LedgerEntry)
    }


class SupplyBuilder:
    """Venues, projects, lots and offers built through the real services, unique to the test."""

    def __init__(self, db: Database, unique: str) -> None:
        self.db = db
        self.unique = unique
        self.counter = 0

    def tag(self) -> str:
        self.counter += 1
        return f"{self.unique}{self.counter}"

    async def venue(self) -> Venue:
        tag = self.tag()
        async with self.db.platform_session() as session:
            tenant = Tenant(
                slug=f"cv-{tag}",
                name=f"Venue {tag}",
                display_name=f"Venue {tag}",
                contact_email=f"venue-{tag}@example.org",
                status=TenantStatus.ACTIVE,
            )
            session.add(tenant)
            await session.flush()
            return Venue(tenant.id, tenant.slug)

    async def project(self, **overrides: Any) -> Project:
        tag = self.tag()
        async with self.db.platform_session() as session:
            owner = await services.create_project_owner(session, name=f"Owner {tag}", payout_currency="CNY")
            values: dict[str, Any] = {
                "owner_id": owner.id,
                "slug": f"forest-{tag}",
                "name": {"en": f"Longquan forest {tag}", "zh-Hans": f"龙泉山林业碳汇 {tag}"},
                "registry_code": "CDCER",
                "registry_project_id": f"CDCER-{tag}",
                "registry_url": "https://registry.example.org/projects/1",
                "project_type": "forestry",
                "country": "CN",
                "region": "Sichuan",
                "sdgs": [13, 15],
            }
            values.update(overrides)
            return await services.create_project(session, **values)

    async def lot(self, project: Project, tonnes: int, **overrides: Any) -> Lot:
        prefix = f"CN-CDCER-{self.tag()}-"
        values: dict[str, Any] = {
            "project_id": project.id,
            "vintage_year": 2022,
            "serial_first": f"{prefix}{1:06d}",
            "serial_last": f"{prefix}{tonnes:06d}",
            "quantity_tonnes": tonnes,
            "unit_cost_minor": 3_000,
            "cost_currency": "CNY",
            "acquired_on": date(2024, 5, 1),
            "actor": ACTOR,
        }
        values.update(overrides)
        async with self.db.platform_session() as session:
            return await services.create_lot(session, **values)

    async def allocation(
        self, lot: Lot, grams: int, *, venues: list[uuid.UUID], price: int = 6_000, currency: str = "CNY"
    ) -> Allocation:
        async with self.db.platform_session() as session:
            return await services.create_allocation(
                session,
                lot_id=lot.id,
                grams=grams,
                price_per_tonne_minor=price,
                currency=currency,
                owner_bp=8000,
                platform_bp=1500,
                venue_bp=500,
                venue_ids=venues,
                valid_from=utcnow() - timedelta(minutes=1),
                actor=ACTOR,
            )

    async def buy(self, venue_id: uuid.UUID, allocation_id: uuid.UUID, grams: int) -> Any:
        """Reserve and pay in two transactions, as a visitor and a payment webhook would."""
        order_ref = f"order-{uuid.uuid4().hex}"
        async with self.db.session() as session:
            use_tenant(session, venue_id)
            await services.reserve(
                session,
                tenant_id=venue_id,
                allocation_id=allocation_id,
                grams=grams,
                order_ref=order_ref,
                round_up_to_minimum=True,
            )
        async with self.db.platform_session() as session:
            return await services.confirm_sale(session, order_ref=order_ref)
