"""What anyone may see of a project: the public project page and its JSON twin.

Only active and archived projects are public (a draft is not). The page says what the
project is, where, under which registry and methodology, the vintages the platform holds,
and how many of its tonnes this platform has retired, with each registry reference.
Nothing about buyers, venues, prices paid or the platform's costs is shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from babel import Locale
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits.models import (
    Lot,
    Project,
    ProjectPhoto,
    ProjectStatus,
    RetirementRequest,
    RetirementStatus,
    region_in,
)
from neutralpoint.credits.retirement import retired_tonnes
from neutralpoint.credits.vocabulary import project_type_name, registry_name

PUBLIC_STATUSES = (ProjectStatus.ACTIVE, ProjectStatus.ARCHIVED)
BABEL_LOCALES = {"en": "en", "zh-Hans": "zh_Hans_CN"}

SDG_NAMES: dict[int, dict[str, str]] = {
    1: {"en": "No poverty", "zh-Hans": "无贫穷"},
    2: {"en": "Zero hunger", "zh-Hans": "零饥饿"},
    3: {"en": "Good health and well-being", "zh-Hans": "良好健康与福祉"},
    4: {"en": "Quality education", "zh-Hans": "优质教育"},
    5: {"en": "Gender equality", "zh-Hans": "性别平等"},
    6: {"en": "Clean water and sanitation", "zh-Hans": "清洁饮水和卫生设施"},
    7: {"en": "Affordable and clean energy", "zh-Hans": "经济适用的清洁能源"},
    8: {"en": "Decent work and economic growth", "zh-Hans": "体面工作和经济增长"},
    9: {"en": "Industry, innovation and infrastructure", "zh-Hans": "产业、创新和基础设施"},
    10: {"en": "Reduced inequalities", "zh-Hans": "减少不平等"},
    11: {"en": "Sustainable cities and communities", "zh-Hans": "可持续城市和社区"},
    12: {"en": "Responsible consumption and production", "zh-Hans": "负责任消费和生产"},
    13: {"en": "Climate action", "zh-Hans": "气候行动"},
    14: {"en": "Life below water", "zh-Hans": "水下生物"},
    15: {"en": "Life on land", "zh-Hans": "陆地生物"},
    16: {"en": "Peace, justice and strong institutions", "zh-Hans": "和平、正义与强大机构"},
    17: {"en": "Partnerships for the goals", "zh-Hans": "促进目标实现的伙伴关系"},
}


def country_name(code: str, lang: str = "en") -> str:
    names = Locale.parse(BABEL_LOCALES.get(lang, "en")).territories
    return str(names.get(code, code))


@dataclass(frozen=True)
class PublicPhoto:
    id: uuid.UUID
    url: str
    content_type: str
    caption: dict[str, str]


@dataclass(frozen=True)
class PublicRetirement:
    """One registry retirement of this project's pooled tonnes, with the registry's reference."""

    reference: str
    registry_url: str | None
    tonnes: int
    serials: list[str]
    beneficiary: str
    retired_at: datetime | None


@dataclass(frozen=True)
class PublicProject:
    slug: str
    url: str
    name: dict[str, str]
    description: dict[str, str]
    registry_code: str
    registry_name: dict[str, str]
    registry_project_id: str
    registry_url: str
    project_type: str
    project_type_name: dict[str, str]
    methodology: str
    country: str
    country_name: dict[str, str]
    region: str
    region_zh_hans: str
    latitude: str | None
    longitude: str | None
    retirement_jurisdiction: str
    sdgs: list[int]
    status: str
    is_demo: bool
    vintages: list[int]
    retired_tonnes: int
    retirements: list[PublicRetirement]
    photos: list[PublicPhoto]

    def region_in(self, lang: str) -> str:
        return region_in(self.region, self.region_zh_hans, lang)


def project_url(project: Project) -> str:
    return f"/projects/{project.slug}"


async def find_public_project(session: AsyncSession, slug_or_id: str) -> Project | None:
    """The project at ``/projects/<slug or id>`` if it is public, else None."""
    try:
        query = select(Project).where(Project.id == uuid.UUID(slug_or_id))
    except ValueError:
        query = select(Project).where(Project.slug == slug_or_id.lower())
    project = (await session.execute(query)).scalar_one_or_none()
    return project if project is not None and project.status in PUBLIC_STATUSES else None


async def list_public_projects(session: AsyncSession) -> list[Project]:
    """Active projects, newest first."""
    query = select(Project).where(Project.status == ProjectStatus.ACTIVE).order_by(Project.created_at.desc())
    return list((await session.execute(query)).scalars())


async def photos_of(session: AsyncSession, project: Project) -> list[PublicPhoto]:
    rows = await session.execute(
        select(ProjectPhoto.id, ProjectPhoto.content_type, ProjectPhoto.caption)
        .where(ProjectPhoto.project_id == project.id)
        .order_by(ProjectPhoto.position, ProjectPhoto.created_at)
    )
    return [
        PublicPhoto(
            id=row.id,
            url=f"{project_url(project)}/photos/{row.id}",
            content_type=row.content_type,
            caption=dict(row.caption or {}),
        )
        for row in rows
    ]


async def retirements_of(session: AsyncSession, project_id: uuid.UUID) -> list[PublicRetirement]:
    requests = (
        await session.execute(
            select(RetirementRequest)
            .where(RetirementRequest.project_id == project_id, RetirementRequest.status == RetirementStatus.RETIRED)
            .order_by(RetirementRequest.retired_at.desc(), RetirementRequest.created_at.desc())
        )
    ).scalars()
    return [
        PublicRetirement(
            reference=r.registry_reference or "",
            registry_url=r.registry_url,
            tonnes=r.tonnes,
            serials=list(r.serials),
            beneficiary=r.beneficiary,
            retired_at=r.retired_at,
        )
        for r in requests
    ]


async def vintages_of(session: AsyncSession, project_id: uuid.UUID) -> list[int]:
    rows = await session.execute(select(Lot.vintage_year).where(Lot.project_id == project_id).distinct())
    return sorted(int(v) for v in rows.scalars())


async def public_project(session: AsyncSession, project: Project, *, details: bool = True) -> PublicProject:
    """The public facts of one project; without ``details``, no retirements or photos (for lists)."""
    return PublicProject(
        slug=project.slug,
        url=project_url(project),
        name=dict(project.name),
        description=dict(project.description or {}),
        registry_code=project.registry_code,
        registry_name={lang: registry_name(project.registry_code, lang) for lang in ("en", "zh-Hans")},
        registry_project_id=project.registry_project_id,
        registry_url=project.registry_url,
        project_type=project.project_type,
        project_type_name={lang: project_type_name(project.project_type, lang) for lang in ("en", "zh-Hans")},
        methodology=project.methodology,
        country=project.country,
        country_name={lang: country_name(project.country, lang) for lang in ("en", "zh-Hans")},
        region=project.region,
        region_zh_hans=project.region_zh_hans,
        latitude=project.latitude,
        longitude=project.longitude,
        retirement_jurisdiction=project.retirement_jurisdiction,
        sdgs=list(project.sdgs or []),
        status=project.status.value,
        is_demo=project.is_demo,
        vintages=await vintages_of(session, project.id),
        retired_tonnes=await retired_tonnes(session, project.id),
        retirements=await retirements_of(session, project.id) if details else [],
        photos=await photos_of(session, project) if details else [],
    )
