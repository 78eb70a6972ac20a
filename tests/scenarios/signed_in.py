"""People signed in to a venue, for tests of venue pages (a plain module, not a conftest).

The session is stored in the app's own session store (``open_session``) and its id set as
the cookie, so these tests do not depend on the sign-in page.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from neutralpoint.database.engine import Database
from neutralpoint.settings import Settings
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import EntryPoint, Membership, Role, Tenant, TenantStatus, User
from neutralpoint.tenants.sessions import COOKIE_NAME, EPOCH_KEY, SINCE_KEY, USER_KEY, open_session
from tests.conftest import open_client

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


async def sign_in_as(client: AsyncTestClient[Any], user_id: uuid.UUID) -> None:
    """Give ``client`` the cookie of a new session of this (freshly made) user."""
    data = {USER_KEY: str(user_id), EPOCH_KEY: 0, SINCE_KEY: int(time.time())}
    # In the app's own event loop: its pooled connections belong there.
    session_id = client.blocking_portal.call(open_session, client.app, data)
    client.cookies.set(COOKIE_NAME, session_id, domain="testserver.local")


@asynccontextmanager
async def client_as(app: Litestar, settings: Settings, person: Person | None) -> AsyncIterator[AsyncTestClient[Any]]:
    async with open_client(app) as client:
        if person is not None:
            await sign_in_as(client, person.user_id)
        yield client


def csrf(client: Any) -> str:
    return str(client.cookies.get("np_csrf", ""))
