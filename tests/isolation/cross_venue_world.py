"""Two venues for the cross-venue probes (a plain module, not a conftest): A, whose owner
probes, and B, who owns one of every object that a URL can name, all made through the real
pages, API and services.

B's objects: an entry point (meetings, whose plugin has an organiser form), a member who
joined through an invitation, an open invitation, a visitor's estimate and an organiser's
event footprint, a measured factor override with its evidence, a logo, a credit offer it
chose to show and a small paid sale of that offer's credits.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import select

from neutralpoint.credits import services as credits
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.tenants.models import OutboxMessage, Tenant

PASSWORD = "correct horse battery"
BASE = "http://testserver.local"
ACTOR = "admin@platform.test"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
VISITOR_INPUTS = {
    "travel_mode": "rail_high_speed",
    "travel_distance_km": "300",
    "travel_return": False,
    "hotel_nights": 1,
    "meals_vegan": 1,
}
ORGANISER_INPUTS = {"attendees": 5, "venue_kwh": 100}
OVERRIDDEN_FACTOR = "meetings:grid.CN"


@dataclass
class Venue:
    slug: str
    tenant_id: uuid.UUID
    owner_email: str
    client: AsyncTestClient[Litestar]


@dataclass
class World:
    """Venue A (its owner's browser probes) and venue B with the ids of its objects."""

    a: Venue
    b: Venue
    #: B's objects by the path parameter that names them; several values mean several probes.
    b_objects: dict[str, list[str]] = field(default_factory=dict)
    #: Platform objects (credit supply) by the path parameter that names them.
    platform_objects: dict[str, list[str]] = field(default_factory=dict)
    #: Everything of B that an answer must never show to A.
    b_secrets: list[str] = field(default_factory=list)
    allocation_id: str = ""
    b_user_ids: list[uuid.UUID] = field(default_factory=list)


@asynccontextmanager
async def browser(client: AsyncTestClient[Litestar]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """Another browser (its own cookies) on the app ``client`` runs, in the same event loop."""
    other: AsyncTestClient[Litestar] = AsyncTestClient(app=client.app, base_url=BASE)
    other.blocking_portal = client.blocking_portal
    yield other


def csrf(client: Any) -> str:
    return str(client.cookies.get("np_csrf", ""))


async def _last_link(db: Database, email: str, kind: str, pattern: str) -> str:
    async with db.platform_session() as session:
        bodies = (
            await session.execute(
                select(OutboxMessage.body_text)
                .where(OutboxMessage.recipient == email, OutboxMessage.kind == kind)
                .order_by(OutboxMessage.created_at)
            )
        ).scalars()
        texts = list(bodies)
    assert texts, f"no {kind} mail for {email}"
    links = re.findall(pattern, texts[-1])
    assert links, texts[-1]
    return str(links[0]).replace(BASE, "")


async def _signed_up_venue(client: AsyncTestClient[Litestar], db: Database, slug: str, email: str) -> Venue:
    """Sign up through the page, confirm the address through the mailed link."""
    await client.get("/login")
    response = await client.post(
        "/signup",
        data={"name": f"Hall {slug}", "slug": slug, "email": email, "password": PASSWORD, "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    link = await _last_link(db, email, "verify_email", r"https?://\S+/verify\?token=\S+")
    assert (await client.get(link)).status_code == 200
    async with db.platform_session() as session:
        tenant_id = (await session.execute(select(Tenant.id).where(Tenant.slug == slug))).scalar_one()
    return Venue(slug=slug, tenant_id=tenant_id, owner_email=email, client=client)


def _ok(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def _give_b_one_of_everything(world: World, db: Database, unique: str) -> None:
    b = world.b
    owner = b.client
    api = f"/api/v1/venues/{b.slug}"

    entry = _ok(
        await owner.post(
            f"{api}/entry-points", json={"name": "Main hall", "scenario": "meetings", "event_name": "Summit"}
        ),
        201,
    )
    _ok(await owner.put(f"{api}/logo", files={"file": ("logo.png", PNG, "image/png")}), 200)

    joined_email, open_email = f"staff-{unique}@example.org", f"invited-{unique}@example.org"
    _ok(await owner.post(f"{api}/invitations", json={"email": joined_email, "role": "staff"}), 201)
    invitation = _ok(await owner.post(f"{api}/invitations", json={"email": open_email, "role": "manager"}), 201)
    link = await _last_link(db, joined_email, "invitation", r"https?://\S+/invitations/\S+")
    async with browser(owner) as staff:
        token = link.rsplit("/", 1)[1]
        _ok(await staff.post(f"/api/v1/invitations/{token}/accept", json={"name": "Staff", "password": PASSWORD}), 200)
    members = _ok(await owner.get(f"{api}/members"), 200)
    staff_member = next(m for m in members["members"] if m["email"] == joined_email)
    world.b_user_ids = [uuid.UUID(m["user_id"]) for m in members["members"]]

    async with browser(owner) as visitor:
        visitor_estimate = _ok(
            await visitor.post(
                f"/api/v1/public/venues/{b.slug}/entry-points/{entry['code']}/estimates",
                json={"inputs": VISITOR_INPUTS, "language": "en"},
            ),
            201,
        )
    organiser_estimate = _ok(
        await owner.post(
            f"{api}/entry-points/{entry['id']}/event-footprint", json={"inputs": ORGANISER_INPUTS, "language": "en"}
        ),
        201,
    )
    override = _ok(
        await owner.post(
            f"{api}/factor-overrides",
            data={"factor": OVERRIDDEN_FACTOR, "value": "0.3", "note": "Meter readings, 2025"},
            files={"evidence": ("bills.pdf", PDF, "application/pdf")},
        ),
        201,
    )

    world.b_objects = {
        "entry_id": [entry["id"]],
        "entry_point_id": [entry["id"]],
        "code": [entry["code"]],
        "member_id": [staff_member["id"]],
        "invitation_id": [invitation["id"]],
        "estimate_id": [visitor_estimate["id"], organiser_estimate["id"]],
        "override_id": [override["id"]],
        "visitor_id": [visitor_estimate["visitor_id"]],
    }
    world.b_secrets = [
        b.slug,
        entry["id"],
        entry["code"],
        staff_member["id"],
        invitation["id"],
        visitor_estimate["id"],
        organiser_estimate["id"],
        override["id"],
    ]


async def _credit_supply_offered_to_b(world: World, db: Database, unique: str) -> None:
    """A project, lot and allocation offered to B (platform rows), B's choice to show it,
    and a small paid sale at B, all through the credits services and B's API."""
    async with db.platform_session() as session:
        project_owner = await credits.create_project_owner(session, name=f"Owner {unique}", payout_currency="CNY")
        project = await credits.create_project(
            session,
            owner_id=project_owner.id,
            slug=f"probe-forest-{unique}",
            name={"en": f"Probe forest {unique}", "zh-Hans": f"探测林 {unique}"},
            registry_code="CDCER",
            registry_project_id=f"CDCER-P-{unique}",
            project_type="forestry",
            country="CN",
        )
        photo = await credits.add_project_photo(session, project.id, content=PNG, content_type="image/png")
        prefix = f"CN-CDCER-P{unique}-"
        lot = await credits.create_lot(
            session,
            project_id=project.id,
            vintage_year=2022,
            serial_first=f"{prefix}000001",
            serial_last=f"{prefix}000003",
            quantity_tonnes=3,
            unit_cost_minor=3_000,
            cost_currency="CNY",
            acquired_on=date(2024, 5, 1),
            actor=ACTOR,
        )
        allocation = await credits.create_allocation(
            session,
            lot_id=lot.id,
            grams=2_000_000,
            price_per_tonne_minor=6_000,
            currency="CNY",
            owner_bp=8000,
            platform_bp=1500,
            venue_bp=500,
            venue_ids=[world.b.tenant_id],
            valid_from=utcnow() - timedelta(minutes=1),
            actor=ACTOR,
        )
    world.allocation_id = str(allocation.id)
    chosen = await world.b.client.put(
        f"/api/v1/venues/{world.b.slug}/offers",
        json={"shown": [world.allocation_id], "default_id": world.allocation_id},
    )
    _ok(chosen, 200)

    order_ref = f"probe-{uuid.uuid4().hex}"
    async with db.session() as session:
        use_tenant(session, world.b.tenant_id)
        await credits.reserve(
            session,
            tenant_id=world.b.tenant_id,
            allocation_id=allocation.id,
            grams=5_000,
            order_ref=order_ref,
            round_up_to_minimum=True,
        )
    async with db.platform_session() as session:
        await credits.confirm_sale(session, order_ref=order_ref)

    references = [await _paid_order(world) for _ in range(2)]
    _ok(await world.b.client.post(f"/api/v1/venues/{world.b.slug}/orders/{references[1]}/refund"), 200)
    world.b_objects["reference"] = references
    world.b_secrets.extend(references)

    world.platform_objects = {
        "owner_id": [str(project_owner.id)],
        "project_id": [str(project.id)],
        "photo_id": [str(photo.id)],
        "lot_id": [str(lot.id)],
        "allocation_id": [str(allocation.id)],
        # A retirement request needs a whole tonne sold and a batch, which takes every due
        # tonne of the shared test database; an id that names none serves the same probe,
        # since the answer must not depend on whether the object exists.
        "request_id": [str(uuid.uuid4())],
        "reference": world.b_objects["reference"],
        "by": ["project", "venue"],
        # The console of venues names a venue by its slug.
        "slug": [world.b.slug],
    }


async def _paid_order(world: World) -> str:
    """An order at B, paid in the sandbox and fulfilled by its job; its reference."""
    api = f"/api/v1/public/venues/{world.b.slug}/orders"
    order = _ok(
        await world.b.client.post(api, json={"allocation_id": world.allocation_id, "basis": "mass", "grams": 2_000}),
        201,
    )
    reference = str(order["reference"])
    _ok(await world.b.client.post(f"{api}/{reference}/sandbox-payment", json={"outcome": "succeed"}), 200)
    await world.b.client.app.state.jobs.drain()
    return reference


async def build_world(
    client: AsyncTestClient[Litestar], b_browser: AsyncTestClient[Litestar], db: Database, unique: str
) -> World:
    """Venue A, signed up in ``client``; venue B, signed up in ``b_browser`` and given one of everything."""
    a = await _signed_up_venue(client, db, f"probe-a-{unique}", f"owner-a-{unique}@example.org")
    b = await _signed_up_venue(b_browser, db, f"probe-b-{unique}", f"owner-b-{unique}@example.org")
    built = World(a=a, b=b)
    await _give_b_one_of_everything(built, db, unique)
    await _credit_supply_offered_to_b(built, db, unique)
    return built
