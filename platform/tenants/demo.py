"""Demo data: a platform admin and one venue per built-in scenario, each with one entry point.

Safe to run again: everything is looked up first and only what is missing is created.
Venues are flagged ``is_demo``; a scenario whose plugin is not loaded gets no venue.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.engine import Database
from neutralpoint.geography import load_cities
from neutralpoint.settings import Settings
from neutralpoint.tenants.accounts import ensure_platform_admin
from neutralpoint.tenants.branding import set_logo
from neutralpoint.tenants.logos import prepare_logo
from neutralpoint.tenants.models import DEFAULT_TIME_ZONE, EntryPoint, Membership, Role, Tenant, TenantStatus, User
from neutralpoint.tenants.passwords import hash_password_async

if TYPE_CHECKING:
    # The venues domain does not import the scenarios domain: the registry is handed in.
    from neutralpoint.scenarios.manager import ScenarioRegistry

ADMIN_EMAIL = "admin@demo.neutralpoint.test"
ADMIN_PASSWORD = "demo-admin-password"  # noqa: S105  (published demo credentials)
VENUE_PASSWORD = "demo-venue-password"  # noqa: S105


@dataclass(frozen=True)
class DemoVenue:
    scenario: str
    slug: str
    name: str
    #: The names visitors read, in English and in Chinese.
    display_name: str
    display_name_zh: str
    colour: str
    language: str
    city: str
    entry_name: str
    entry_name_zh: str
    code: str
    #: Where the venue is (latitude, longitude): travel is measured from the city
    #: a visitor names to this point, so a venue outside the city centre must say where.
    location: tuple[str, str]
    event_name: str | None = None
    event_name_zh: str | None = None

    @property
    def owner_email(self) -> str:
        return f"owner@{self.slug}.demo.neutralpoint.test"


DEMO_VENUES = (
    DemoVenue(
        scenario="meetings",
        slug="chengdu-summit",
        name="Chengdu Digital Carbon Summit",
        display_name="Chengdu Digital Carbon Summit",
        display_name_zh="成都数字碳峰会",
        colour="#0f766e",
        language="en",
        city="Chengdu",
        entry_name="Main entrance",
        entry_name_zh="主入口",
        code="SUMMIT",
        location=("30.5477", "104.0698"),  # Western China International Expo City
        event_name="Chengdu Digital Carbon Summit",
        event_name_zh="成都数字碳峰会",
    ),
    DemoVenue(
        scenario="hotels",
        slug="jinli-garden-hotel",
        name="Jinli Garden Hotel",
        display_name="Jinli Garden Hotel",
        display_name_zh="锦里花园酒店",
        colour="#8b1e3f",
        language="zh-Hans",
        city="Chengdu",
        entry_name="Lobby",
        entry_name_zh="大堂",
        code="LOBBY1",
        location=("30.6455", "104.0489"),  # Jinli
    ),
    DemoVenue(
        scenario="restaurants",
        slug="kuanzhai-kitchen",
        name="Kuanzhai Alley Kitchen",
        display_name="Kuanzhai Alley Kitchen",
        display_name_zh="宽窄巷子厨房",
        colour="#b45309",
        language="en",
        city="Chengdu",
        entry_name="Table cards",
        entry_name_zh="桌卡",
        code="TABLES",
        location=("30.6697", "104.0553"),  # Kuanzhai Alley
    ),
    DemoVenue(
        scenario="scenic",
        slug="qingcheng-mountain",
        name="Qingcheng Mountain Scenic Area",
        display_name="Qingcheng Mountain Scenic Area",
        display_name_zh="青城山景区",
        colour="#166534",
        language="zh-Hans",
        # Dujiangyan, which the mountain belongs to, is administered from Chengdu and is not
        # in the bundled city table; the gate itself is 60 km west of the city centre.
        city="Chengdu",
        entry_name="Ticket gate",
        entry_name_zh="检票口",
        code="GATE01",
        location=("30.9002", "103.5713"),  # Qingcheng Mountain's front gate
    ),
)


def demo_logo(colour: str) -> bytes:
    """A plain round mark in the venue's colour, so posters and pages show a logo."""
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    draw.ellipse((8, 8, size - 8, size - 8), fill=(*rgb, 255))
    draw.ellipse((78, 58, 178, 198), fill=(255, 255, 255, 255))
    draw.rectangle((122, 120, 134, 220), fill=(255, 255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def _user(session: AsyncSession, email: str, password: str) -> User:
    user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
    if user is None:
        user = User(
            email=email,
            name="",
            password_hash=await hash_password_async(password),
            email_verified_at=datetime.now(UTC),
        )
        session.add(user)
        await session.flush()
    return user


async def _venue(session: AsyncSession, demo: DemoVenue, settings: Settings) -> Tenant | None:
    """The demo venue, created when missing; None when a real venue has taken its address."""
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == demo.slug))).scalar_one_or_none()
    if tenant is not None:
        if not tenant.is_demo:
            return None
        # A demo loaded before names had two languages gets the one it lacks.
        tenant.display_name_en = tenant.display_name_en or demo.display_name
        tenant.display_name_zh_hans = tenant.display_name_zh_hans or demo.display_name_zh
        return tenant
    city = load_cities().find(demo.city)
    tenant = Tenant(
        slug=demo.slug,
        name=demo.name,
        display_name_en=demo.display_name,
        display_name_zh_hans=demo.display_name_zh,
        contact_email=demo.owner_email,
        status=TenantStatus.ACTIVE,
        primary_color=demo.colour,
        default_language=demo.language,
        city_id=city.id if city else None,
        latitude=demo.location[0],
        longitude=demo.location[1],
        enabled_scenarios=[demo.scenario],
        is_demo=True,
        logo_version=0,
    )
    set_logo(tenant, prepare_logo(demo_logo(demo.colour), settings.logo_max_bytes))
    session.add(tenant)
    await session.flush()
    return tenant


async def _membership(session: AsyncSession, tenant: Tenant, user: User) -> None:
    found = await session.execute(
        select(Membership.id).where(Membership.tenant_id == tenant.id, Membership.user_id == user.id)
    )
    if found.first() is None:
        session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.OWNER))
        await session.flush()


async def _entry_point(session: AsyncSession, tenant: Tenant, demo: DemoVenue) -> None:
    found = (
        await session.execute(
            select(EntryPoint).where(EntryPoint.tenant_id == tenant.id, EntryPoint.code == demo.code)
        )
    ).scalar_one_or_none()
    if found is not None:
        found.name_en = found.name_en or demo.entry_name
        found.name_zh_hans = found.name_zh_hans or demo.entry_name_zh
        return
    starts: date | None = None
    ends: date | None = None
    if demo.event_name:
        starts = datetime.now(ZoneInfo(tenant.time_zone or DEFAULT_TIME_ZONE)).date() + timedelta(days=14)
        ends = starts + timedelta(days=2)
    session.add(
        EntryPoint(
            tenant_id=tenant.id,
            code=demo.code,
            name_en=demo.entry_name,
            name_zh_hans=demo.entry_name_zh,
            scenario=demo.scenario,
            event_name_en=f"{demo.event_name} {starts.year}" if demo.event_name and starts else None,
            event_name_zh_hans=f"{starts.year}{demo.event_name_zh}" if demo.event_name_zh and starts else None,
            event_starts_on=starts,
            event_ends_on=ends,
            presets={},
            active=True,
        )
    )
    await session.flush()


#: The visitor's own history: every footprint and certificate of the browser, at every venue.
FOOTPRINT_LINE = "My footprint (every footprint and certificate of this browser, once it has computed one)"


async def seed(db: Database, registry: ScenarioRegistry, settings: Settings) -> list[str]:
    lines = [f"Platform admin: {{base}}/login  ({ADMIN_EMAIL} / {ADMIN_PASSWORD})"]
    async with db.platform_session() as session:
        await ensure_platform_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD)
        for demo in DEMO_VENUES:
            if registry.get(demo.scenario) is None:
                continue
            tenant = await _venue(session, demo, settings)
            if tenant is None:
                lines.append(f"Skipped the {demo.scenario} demo venue: a real venue uses the address {demo.slug!r}")
                continue
            owner = await _user(session, demo.owner_email, VENUE_PASSWORD)
            await _membership(session, tenant, owner)
            await _entry_point(session, tenant, demo)
            lines.append(f"Visitor page ({demo.scenario}): {{base}}/v/{demo.slug}/{demo.code}")
            lines.append(f"Venue admin: {{base}}/login  ({demo.owner_email} / {VENUE_PASSWORD})")
    lines.append(f"{FOOTPRINT_LINE}: {{base}}/footprint")
    return lines
