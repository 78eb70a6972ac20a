"""Demo data: carbon projects with owners, serial-numbered lots and offers to the demo venues.

Four made-up projects, one per serial format the platform reads: a Chengdu forestry
carbon sink under CDCER (碳惠天府) and a rural household biogas project under CCER
(plain serial ranges), a Sichuan wind farm under Verra VCS (a Verra block serial) and
clean cookstoves under Gold Standard (a Gold Standard block serial). Everything is
flagged ``is_demo``, the project ids start with ``DEMO-`` and every description and page
says it is demo data. Each lot is offered to the demo venues (venues flagged ``is_demo``
by ``neutralpoint.tenants.demo``, which runs first) at a CNY price, and each demo venue
shows the offers with the Chengdu project preselected.

Safe to run again: everything is looked up first and only what is missing is created.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import reasons, services
from neutralpoint.credits.models import (
    Allocation,
    AllocationStatus,
    Lot,
    Project,
    ProjectOwner,
    VenueOffer,
)
from neutralpoint.database.engine import Database
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import Tenant

ACTOR = "system:demo"
SPLIT_BP = (8000, 1500, 500)
"""Owner 80 %, platform 15 %, venue 5 % of every demo sale."""
DEMO_NOTE = {
    "en": "Demo project: made up to show how the platform works. It is not a real project and its credits "
    "are not real registry credits.",
    "zh-Hans": "演示项目：为展示平台如何运作而虚构，并非真实项目，其碳信用也不是真实的登记簿碳信用。",
}


@dataclass(frozen=True)
class DemoProject:
    slug: str
    owner_name: str
    owner_contact: str
    name: dict[str, str]
    description: dict[str, str]
    registry_code: str
    registry_project_id: str
    registry_url: str
    project_type: str
    methodology: str
    region: str
    region_zh_hans: str
    latitude: str
    longitude: str
    jurisdiction: str
    sdgs: tuple[int, ...]
    vintage: int
    serial_first: str
    serial_last: str | None
    tonnes: int
    unit_cost_minor: int
    offered_tonnes: int
    price_per_tonne_minor: int
    picture: str


DEMO_PROJECTS = (
    DemoProject(
        slug="demo-longquan-forest-sink",
        owner_name="Longquanyi Forestry Co-operative 龙泉驿林业合作社",
        owner_contact="Ms Li Qing",
        name={"en": "Longquan Mountain afforestation carbon sink", "zh-Hans": "龙泉山造林碳汇"},
        description={
            "en": "Native broadleaf trees planted and tended on degraded slopes of the Longquan Mountain, the "
            "green belt east of Chengdu. The growing forest takes carbon dioxide out of the air; the emission "
            "reductions are certified under Chengdu's Carbon Benefits (碳惠天府) mechanism.",
            "zh-Hans": "在成都东部绿心龙泉山退化坡地上种植并管护乡土阔叶树。生长中的森林从空气中吸收二氧化碳，"
            "其碳减排量依据成都“碳惠天府”机制核证。",
        },
        registry_code="CDCER",
        registry_project_id="DEMO-CDCER-ZLGH-0012",
        registry_url="",
        project_type="forestry",
        methodology="Carbon Benefits Chengdu: afforestation and forest tending (造林管护)",
        region="Longquanyi District, Chengdu, Sichuan",
        region_zh_hans="四川省成都市龙泉驿区",
        latitude="30.5600",
        longitude="104.3400",
        jurisdiction="Chengdu, China",
        sdgs=(8, 13, 15),
        vintage=2023,
        serial_first="CDCER-2023-ZLGH-0012-000001",
        serial_last="CDCER-2023-ZLGH-0012-000500",
        tonnes=500,
        unit_cost_minor=3_500,
        offered_tonnes=300,
        price_per_tonne_minor=6_000,
        picture="forest",
    ),
    DemoProject(
        slug="demo-yibin-household-biogas",
        owner_name="Yibin Rural Energy Service Centre 宜宾农村能源服务中心",
        owner_contact="Mr Zhang Wei",
        name={"en": "Yibin rural household biogas", "zh-Hans": "宜宾农村户用沼气"},
        description={
            "en": "Small digesters on family farms turn pig manure into biogas for cooking and lighting. Methane "
            "that would escape from open manure pits is burnt instead, and households use less coal and firewood.",
            "zh-Hans": "农户家中的小型沼气池把猪粪转化为做饭和照明用的沼气。原本会从露天粪池逸出的甲烷被燃烧利用，"
            "农户也减少了燃煤和薪柴的使用。",
        },
        registry_code="CCER",
        registry_project_id="DEMO-CCER-0031",
        registry_url="https://ccer.cets.org.cn/",
        project_type="methane",
        methodology="CMS-026-V01, methane recovery in agricultural activities at household or small farm level",
        region="Yibin, Sichuan",
        region_zh_hans="四川省宜宾市",
        latitude="28.7700",
        longitude="104.6300",
        jurisdiction="China",
        sdgs=(3, 7, 13),
        vintage=2022,
        serial_first="CN-CCER-SC-2022-0031-000001",
        serial_last="CN-CCER-SC-2022-0031-001000",
        tonnes=1000,
        unit_cost_minor=5_200,
        offered_tonnes=400,
        price_per_tonne_minor=8_000,
        picture="biogas",
    ),
    DemoProject(
        slug="demo-liangshan-wind",
        owner_name="Liangshan Highland Wind Power Co. 凉山高原风电有限公司",
        owner_contact="Mr Aga Muqie",
        name={"en": "Liangshan highland wind farm", "zh-Hans": "凉山高原风电场"},
        description={
            "en": "Wind turbines on the ridges of the Liangshan highlands feed the Sichuan grid, replacing "
            "electricity that coal plants would otherwise generate.",
            "zh-Hans": "凉山高原山脊上的风电机组向四川电网供电，替代原本由燃煤电厂发出的电量。",
        },
        registry_code="VCS",
        registry_project_id="DEMO-9871",
        registry_url="https://registry.verra.org/",
        project_type="renewable_energy",
        methodology="ACM0002, grid-connected electricity generation from renewable sources",
        region="Liangshan Yi Autonomous Prefecture, Sichuan",
        region_zh_hans="四川省凉山彝族自治州",
        latitude="27.8800",
        longitude="102.2700",
        jurisdiction="",
        sdgs=(7, 8, 13),
        vintage=2021,
        serial_first="15632-456789001-456791000-VCS-VCU-997-VER-CN-1-9871-01012021-31122021-0",
        serial_last=None,
        tonnes=2000,
        unit_cost_minor=2_500,
        offered_tonnes=500,
        price_per_tonne_minor=4_500,
        picture="wind",
    ),
    DemoProject(
        slug="demo-dali-cookstoves",
        owner_name="Erhai Clean Cooking Association 洱海清洁炊事协会",
        owner_contact="Ms Duan Lan",
        name={"en": "Dali efficient cookstoves", "zh-Hans": "大理高效炉灶"},
        description={
            "en": "Efficient wood stoves replace open fires in village kitchens around Erhai Lake: less "
            "firewood is cut, and families breathe less smoke.",
            "zh-Hans": "洱海周边村庄的厨房用高效柴灶替代明火，减少了薪柴砍伐，家人吸入的烟尘也更少。",
        },
        registry_code="GS",
        registry_project_id="DEMO-GS9912",
        registry_url="https://registry.goldstandard.org/",
        project_type="cookstoves",
        methodology="Gold Standard TPDDTEC, technologies and practices to displace decentralised thermal energy",
        region="Dali, Yunnan",
        region_zh_hans="云南省大理白族自治州",
        latitude="25.6100",
        longitude="100.2700",
        jurisdiction="",
        sdgs=(3, 5, 7, 13, 15),
        vintage=2022,
        serial_first="GS1-1-CN-GS9912-16-2022-24680-1-300",
        serial_last=None,
        tonnes=300,
        unit_cost_minor=4_000,
        offered_tonnes=150,
        price_per_tonne_minor=7_000,
        picture="cookstove",
    ),
)


def illustration(kind: str) -> bytes:
    """A plain drawn picture of the project's kind (not a photograph), for the demo pages."""
    width, height = 640, 400
    image = Image.new("RGB", (width, height), (214, 234, 248))
    draw = ImageDraw.Draw(image)
    for y in range(height // 2):
        shade = 214 + (41 * y) // (height // 2)
        draw.line([(0, y), (width, y)], fill=(shade - 40, shade - 15, 248))
    draw.polygon([(0, 260), (180, 170), (360, 240), (520, 160), (640, 220), (640, 400), (0, 400)], fill=(92, 148, 96))
    draw.rectangle((0, 320, width, height), fill=(120, 170, 100))
    if kind == "forest":
        for x in range(30, width, 55):
            base = 330 + (x % 3) * 12
            draw.rectangle((x - 4, base - 30, x + 4, base + 18), fill=(96, 64, 40))
            draw.ellipse((x - 30, base - 100, x + 30, base - 20), fill=(34, 110 + (x % 4) * 8, 52))
    elif kind == "wind":
        for x, y in ((170, 175), (360, 150), (520, 165)):
            draw.rectangle((x - 3, y, x + 3, y + 150), fill=(245, 245, 245))
            for dx, dy in ((0, -70), (60, 35), (-60, 35)):
                draw.line([(x, y), (x + dx, y + dy)], fill=(250, 250, 250), width=7)
            draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=(220, 220, 220))
    elif kind == "biogas":
        draw.rectangle((120, 250, 300, 340), fill=(196, 160, 120))
        draw.polygon([(110, 250), (210, 190), (310, 250)], fill=(150, 60, 40))
        draw.ellipse((360, 290, 520, 350), fill=(110, 110, 110))
        draw.rectangle((435, 230, 445, 300), fill=(90, 90, 90))
        draw.ellipse((425, 205, 455, 235), fill=(70, 130, 200))
    else:
        draw.rectangle((200, 250, 440, 360), fill=(170, 120, 80))
        draw.ellipse((270, 220, 370, 270), fill=(60, 60, 60))
        draw.polygon([(320, 215), (300, 180), (320, 150), (340, 180)], fill=(240, 140, 40))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


async def _owner(session: AsyncSession, demo: DemoProject) -> ProjectOwner:
    found = (
        await session.execute(
            select(ProjectOwner).where(ProjectOwner.name == demo.owner_name, ProjectOwner.is_demo.is_(True))
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    return await services.create_project_owner(
        session,
        name=demo.owner_name,
        contact_name=demo.owner_contact,
        contact_email=f"owner@{demo.slug}.demo.neutralpoint.test",
        payout_details="Demo data: no real payout account.",
        payout_currency="CNY",
        is_demo=True,
    )


async def _project(session: AsyncSession, demo: DemoProject) -> Project | None:
    """The demo project, created when missing; None when a real project took its address."""
    found = await services.get_project_by_slug(session, demo.slug)
    if found is not None:
        return found if found.is_demo else None
    owner = await _owner(session, demo)
    project = await services.create_project(
        session,
        owner_id=owner.id,
        slug=demo.slug,
        name=demo.name,
        description={lang: f"{DEMO_NOTE[lang]}\n\n{text}" for lang, text in demo.description.items()},
        registry_code=demo.registry_code,
        registry_project_id=demo.registry_project_id,
        registry_url=demo.registry_url,
        project_type=demo.project_type,
        methodology=demo.methodology,
        country="CN",
        region=demo.region,
        region_zh_hans=demo.region_zh_hans,
        latitude=demo.latitude,
        longitude=demo.longitude,
        retirement_jurisdiction=demo.jurisdiction,
        retirement_beneficiary="Visitors of NeutralPoint demo venues",
        sdgs=list(demo.sdgs),
        status="active",
        is_demo=True,
    )
    await services.add_project_photo(
        session,
        project.id,
        content=illustration(demo.picture),
        content_type="image/png",
        caption={"en": "Illustration (demo data)", "zh-Hans": "示意图（演示数据）"},
    )
    return project


async def _lot(session: AsyncSession, project: Project, demo: DemoProject) -> Lot:
    found = (
        await session.execute(select(Lot).where(Lot.project_id == project.id, Lot.serial_first == demo.serial_first))
    ).scalar_one_or_none()
    if found is not None:
        return found
    return await services.create_lot(
        session,
        project_id=project.id,
        vintage_year=demo.vintage,
        serial_first=demo.serial_first,
        serial_last=demo.serial_last,
        quantity_tonnes=demo.tonnes,
        unit_cost_minor=demo.unit_cost_minor,
        cost_currency="CNY",
        acquired_on=date(demo.vintage + 1, 6, 1),
        actor=ACTOR,
        notes="Demo data.",
        is_demo=True,
    )


async def _allocation(
    session: AsyncSession, lot: Lot, demo: DemoProject, venue_ids: list[uuid.UUID]
) -> Allocation | None:
    """The lot's demo offer to every demo venue (a venue that joined the demo later is added)."""
    found = (
        (
            await session.execute(
                select(Allocation)
                .where(
                    Allocation.lot_id == lot.id,
                    Allocation.is_demo.is_(True),
                    Allocation.status == AllocationStatus.ACTIVE,
                )
                .order_by(Allocation.created_at)
            )
        )
        .scalars()
        .first()
    )
    if found is not None:
        current = set(await services.allocation_venue_ids(session, found.id))
        if not found.all_venues and not set(venue_ids) <= current:
            return await services.update_allocation(
                session,
                found.id,
                actor=ACTOR,
                reason=reasons.DEMO_VENUES_ADDED,
                venue_ids=sorted(current | set(venue_ids)),
            )
        return found
    if not venue_ids:
        return None
    return await services.create_allocation(
        session,
        lot_id=lot.id,
        grams=demo.offered_tonnes * 1_000_000,
        price_per_tonne_minor=demo.price_per_tonne_minor,
        currency="CNY",
        owner_bp=SPLIT_BP[0],
        platform_bp=SPLIT_BP[1],
        venue_bp=SPLIT_BP[2],
        venue_ids=venue_ids,
        actor=ACTOR,
        is_demo=True,
    )


async def _choose_offers(session: AsyncSession, venue_id: uuid.UUID, demo_offers: list[uuid.UUID]) -> None:
    """A demo venue that never chose shows the demo offers first, the Chengdu project preselected."""
    chosen = (await session.execute(select(VenueOffer.id).where(VenueOffer.tenant_id == venue_id))).first()
    if chosen is not None or not demo_offers:
        return
    offers = await services.offers_for_venue(session, venue_id, include_hidden=True)
    others = [o.allocation_id for o in offers if o.visible and o.allocation_id not in demo_offers]
    await services.choose_offers(session, venue_id, shown=[*demo_offers, *others], default_id=demo_offers[0])


async def seed(db: Database, registry: ScenarioRegistry, settings: Settings) -> list[str]:
    lines: list[str] = []
    async with db.platform_session() as session:
        venues = list(
            (await session.execute(select(Tenant).where(Tenant.is_demo.is_(True)).order_by(Tenant.slug))).scalars()
        )
        venue_ids = [v.id for v in venues]
        offered: list[uuid.UUID] = []
        for demo in DEMO_PROJECTS:
            project = await _project(session, demo)
            if project is None:
                lines.append(f"Skipped the demo project {demo.slug!r}: a real project uses that address")
                continue
            lot = await _lot(session, project, demo)
            allocation = await _allocation(session, lot, demo, venue_ids)
            if allocation is not None:
                offered.append(allocation.id)
        for venue in venues:
            await _choose_offers(session, venue.id, offered)
    lines.append("Credit projects (demo data): {base}/projects")
    lines.append("Platform admin credits: {base}/platform")
    if venues:
        lines.append(f"Credits a venue offers: {{base}}/venue/{venues[0].slug}/offers")
    return lines
