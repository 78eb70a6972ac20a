"""People signed in to a venue, for tests of venue pages (a plain module, not a conftest).

The session cookie is written through Litestar's test client with the app's own session
settings, so these tests do not depend on the sign-in page.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.testing import AsyncTestClient

from neutralpoint.database.engine import Database
from neutralpoint.settings import Settings
from neutralpoint.tenants.auth import SESSION_USER_KEY, hash_password
from neutralpoint.tenants.models import EntryPoint, Membership, Role, Tenant, TenantStatus, User

CHENGDU = ("30.5728", "104.0668")


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str


@dataclass(frozen=True)
class Place:
    tenant_id: uuid.UUID
    slug: str
    entry_point_id: uuid.UUID
    code: str


async def make_place(db: Database, scenario: str = "hotels", enabled: list[str] | None = None) -> Place:
    suffix = uuid.uuid4().hex[:8]
    async with db.platform_session() as session:
        tenant = Tenant(
            slug=f"ov-{suffix}",
            name=f"Venue {suffix}",
            display_name=f"Venue {suffix}",
            contact_email=f"v-{suffix}@example.org",
            status=TenantStatus.ACTIVE,
            latitude=CHENGDU[0],
            longitude=CHENGDU[1],
            enabled_scenarios=enabled,
        )
        session.add(tenant)
        await session.flush()
        entry = EntryPoint(tenant_id=tenant.id, code=f"e{suffix[:6]}", name="Door", scenario=scenario, presets={})
        session.add(entry)
        await session.flush()
        return Place(tenant.id, tenant.slug, entry.id, entry.code)


async def make_person(
    db: Database, place: Place | None = None, role: Role = Role.MANAGER, admin: bool = False
) -> Person:
    suffix = uuid.uuid4().hex[:8]
    email = f"p-{suffix}@example.org"
    async with db.platform_session() as session:
        user = User(
            email=email, name="Test", password_hash=hash_password("a long test password"), is_platform_admin=admin
        )
        session.add(user)
        await session.flush()
        if place is not None:
            session.add(Membership(tenant_id=place.tenant_id, user_id=user.id, role=role))
        return Person(user.id, email)


@asynccontextmanager
async def client_as(app: Litestar, settings: Settings, person: Person | None) -> AsyncIterator[AsyncTestClient[Any]]:
    secret = hashlib.sha256(("session:" + settings.secret_key).encode()).digest()
    config = CookieBackendConfig(secret=secret, key="np_session")
    async with AsyncTestClient(app=app, base_url="http://testserver.local", session_config=config) as client:
        if person is not None:
            await client.set_session_data({SESSION_USER_KEY: str(person.user_id)})
        yield client


def csrf(client: Any) -> str:
    return str(client.cookies.get("np_csrf", ""))
