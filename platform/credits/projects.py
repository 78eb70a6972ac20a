"""Credit projects and their photos (platform-admin services).

Every function validates all its input first and raises ``FormErrors`` naming each
bad field before anything is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.credits import vocabulary
from neutralpoint.credits.field_checks import now_or_given
from neutralpoint.credits.models import (
    Project,
    ProjectOwner,
    ProjectPhoto,
    ProjectStatus,
)
from neutralpoint.refusals import Collector, FieldError, FormErrors, problem, refuse

DEFAULT_BENEFICIARY = "Visitors of NeutralPoint venues"


MAX_PHOTO_BYTES = 5 * 1024 * 1024


PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


NO_SUCH_PROJECT = problem("not_found", "There is no such project.", "没有此项目。")

# --- projects -----------------------------------------------------------------------------

_PROJECT_FIELDS = (
    "owner_id",
    "slug",
    "name",
    "description",
    "registry_code",
    "registry_project_id",
    "registry_url",
    "project_type",
    "methodology",
    "country",
    "region",
    "region_zh_hans",
    "latitude",
    "longitude",
    "retirement_jurisdiction",
    "retirement_beneficiary",
    "sdgs",
    "status",
    "is_demo",
)


async def _project_values(
    session: AsyncSession, values: Mapping[str, Any], problems: Collector, *, current: Project | None
) -> dict[str, Any]:
    unknown = sorted(set(values) - set(_PROJECT_FIELDS))
    if unknown:
        raise refuse(unknown[0], problem("unknown_field", "A project has no such field.", "项目没有此字段。"))
    creating = current is None
    out: dict[str, Any] = {}

    def wanted(name: str) -> bool:
        return name in values or (creating and name in _REQUIRED_PROJECT_FIELDS)

    if wanted("owner_id"):
        owner_id = values.get("owner_id")
        if not isinstance(owner_id, uuid.UUID) or await session.get(ProjectOwner, owner_id) is None:
            problems.add("owner_id", problem("required", "Choose the project owner.", "请选择项目业主。"))
        out["owner_id"] = owner_id
    if wanted("slug"):
        slug = str(values.get("slug") or "").strip().lower()
        if problems.field("slug", rules.slug, slug) is not None:
            taken = (await session.execute(select(Project.id).where(Project.slug == slug))).scalar_one_or_none()
            if taken is not None and (current is None or taken != current.id):
                problems.add(
                    "slug",
                    problem("slug_taken", "Another project already uses this address.", "已有其他项目使用此地址。"),
                )
        out["slug"] = slug
    if wanted("name"):
        out["name"] = problems.field("name", rules.texts, values.get("name"), required=True, max_length=200)
    if "description" in values or creating:
        out["description"] = problems.field(
            "description", rules.texts, values.get("description"), required=False, max_length=10000
        )
    if wanted("registry_code"):
        out["registry_code"] = problems.check(vocabulary.check_registry_code, values.get("registry_code", ""))
    if wanted("registry_project_id"):
        out["registry_project_id"] = problems.field(
            "registry_project_id", rules.text, values.get("registry_project_id"), required=True, max_length=80
        )
    if "registry_url" in values:
        out["registry_url"] = problems.field("registry_url", rules.url, values["registry_url"])
    if wanted("project_type"):
        out["project_type"] = problems.check(vocabulary.check_project_type, values.get("project_type", ""))
    if "methodology" in values:
        out["methodology"] = problems.field("methodology", rules.text, values["methodology"])
    if wanted("country"):
        out["country"] = problems.check(vocabulary.check_country, values.get("country", ""))
    for region in ("region", "region_zh_hans"):
        if region in values:
            out[region] = problems.field(region, rules.text, values[region], max_length=120)
    if "latitude" in values:
        out["latitude"] = problems.check(vocabulary.check_coordinate, values["latitude"], "latitude", 90)
    if "longitude" in values:
        out["longitude"] = problems.check(vocabulary.check_coordinate, values["longitude"], "longitude", 180)
    if "retirement_jurisdiction" in values:
        out["retirement_jurisdiction"] = problems.field(
            "retirement_jurisdiction", rules.text, values["retirement_jurisdiction"], max_length=120
        )
    if "retirement_beneficiary" in values or creating:
        wording = problems.field(
            "retirement_beneficiary",
            rules.text,
            values.get("retirement_beneficiary", DEFAULT_BENEFICIARY),
            required=True,
            max_length=300,
        )
        out["retirement_beneficiary"] = wording
    if "sdgs" in values:
        out["sdgs"] = problems.check(vocabulary.check_sdgs, values["sdgs"])
    if "status" in values or creating:
        raw = values.get("status", ProjectStatus.ACTIVE)
        try:
            out["status"] = ProjectStatus(raw)
        except ValueError:
            problems.add(
                "status", problem("unknown_choice", "Choose draft, active or archived.", "请选择草稿、有效或已归档。")
            )
    if "is_demo" in values:
        out["is_demo"] = bool(values["is_demo"])
    registry = out.get("registry_code") or (current.registry_code if current else None)
    registry_id = out.get("registry_project_id") or (current.registry_project_id if current else None)
    if registry and registry_id and ("registry_code" in out or "registry_project_id" in out):
        clash = (
            await session.execute(
                select(Project.id).where(Project.registry_code == registry, Project.registry_project_id == registry_id)
            )
        ).scalar_one_or_none()
        if clash is not None and (current is None or clash != current.id):
            problems.add(
                "registry_project_id",
                problem(
                    "registry_id_taken",
                    "Another project already has {registry} id {id}.",
                    "已有其他项目使用 {registry} 编号 {id}。",
                    registry=registry,
                    id=registry_id,
                ),
            )
    return out


_REQUIRED_PROJECT_FIELDS = (
    "owner_id",
    "slug",
    "name",
    "registry_code",
    "registry_project_id",
    "project_type",
    "country",
)


async def create_project(session: AsyncSession, *, now: datetime | None = None, **values: Any) -> Project:
    """Required: ``owner_id``, ``slug``, ``name`` ({"en", "zh-Hans"}), ``registry_code``,
    ``registry_project_id``, ``project_type``, ``country``. Optional: ``description``,
    ``registry_url``, ``methodology``, ``region``, ``latitude``/``longitude`` (decimal
    text), ``retirement_jurisdiction``, ``retirement_beneficiary``, ``sdgs``, ``status``
    (default active), ``is_demo``."""
    problems = Collector()
    cleaned = await _project_values(session, values, problems, current=None)
    problems.raise_if_any()
    moment = now_or_given(now)
    project = Project(**cleaned, created_at=moment, updated_at=moment)
    session.add(project)
    await session.flush()
    return project


async def project_problems(
    session: AsyncSession, project_id: uuid.UUID | None = None, **values: Any
) -> dict[str, FieldError]:
    """What ``create_project`` (or ``update_project`` of ``project_id``) would refuse in
    ``values``, field by field, without writing anything. A form that already found
    problems of its own shows these beside them, so one submission names every bad field."""
    current = None
    if project_id is not None:
        current = await session.get(Project, project_id)
        if current is None:
            return {"project_id": NO_SUCH_PROJECT}
    problems = Collector()
    try:
        await _project_values(session, values, problems, current=current)
    except FormErrors as exc:
        return dict(exc.errors)
    return problems.errors


async def update_project(
    session: AsyncSession, project_id: uuid.UUID, *, now: datetime | None = None, **values: Any
) -> Project:
    project = await session.get(Project, project_id)
    if project is None:
        raise refuse("project_id", NO_SUCH_PROJECT)
    problems = Collector()
    cleaned = await _project_values(session, values, problems, current=project)
    problems.raise_if_any()
    for name, value in cleaned.items():
        setattr(project, name, value)
    project.updated_at = now_or_given(now)
    await session.flush()
    return project


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    return await session.get(Project, project_id)


async def get_project_by_slug(session: AsyncSession, slug: str) -> Project | None:
    return (await session.execute(select(Project).where(Project.slug == slug))).scalar_one_or_none()


async def list_projects(session: AsyncSession, *, status: ProjectStatus | None = None) -> list[Project]:
    query = select(Project).order_by(Project.created_at)
    if status is not None:
        query = query.where(Project.status == status)
    return list((await session.execute(query)).scalars())


async def add_project_photo(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    content: bytes,
    content_type: str,
    caption: Mapping[str, str] | None = None,
) -> ProjectPhoto:
    problems = Collector()
    if await session.get(Project, project_id) is None:
        problems.add("project_id", NO_SUCH_PROJECT)
    if content_type not in PHOTO_TYPES:
        problems.add(
            "photo", problem("file_type", "Upload a JPEG, PNG or WebP picture.", "请上传 JPEG、PNG 或 WebP 图片。")
        )
    elif not content or len(content) > MAX_PHOTO_BYTES:
        problems.add("photo", problem("file_too_large", "A picture has at most 5 MB.", "图片最大 5 MB。"))
    cleaned_caption = problems.field("caption", rules.texts, caption, required=False, max_length=300)
    problems.raise_if_any()
    position = (
        await session.execute(
            select(func.count()).select_from(ProjectPhoto).where(ProjectPhoto.project_id == project_id)
        )
    ).scalar_one()
    photo = ProjectPhoto(
        project_id=project_id,
        content=content,
        content_type=content_type,
        caption=cleaned_caption or {},
        position=position,
    )
    session.add(photo)
    await session.flush()
    return photo


async def remove_project_photo(session: AsyncSession, photo_id: uuid.UUID) -> None:
    await session.execute(delete(ProjectPhoto).where(ProjectPhoto.id == photo_id))
