"""Projects: the list with their stock, and the form to add or change one, with its lots,
photos and retired tonnes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from babel import Locale
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.credits import inspection, overview, services
from neutralpoint.credits.public import SDG_NAMES
from neutralpoint.credits.schemas import ProjectStatus
from neutralpoint.credits.vocabulary import COUNTRIES, KNOWN_REGISTRIES, PROJECT_TYPES, project_type_name, registry_name
from neutralpoint.database.session import DbSession
from neutralpoint.refusals import Collector, FieldError, FormErrors, problem
from neutralpoint_admin.platform import forms
from neutralpoint_admin.platform.pages import PlatformController, or_404, page_language, platform_page, see_other

if TYPE_CHECKING:
    from neutralpoint.credits.models import Project

BABEL_LOCALES = {"en": "en", "zh-Hans": "zh_Hans_CN"}


def _countries(lang: str) -> list[tuple[str, str]]:
    names = Locale.parse(BABEL_LOCALES.get(lang, "en")).territories
    return sorted(((code, str(names.get(code, code))) for code in COUNTRIES), key=lambda item: item[1])


def _vocabulary(lang: str) -> dict[str, Any]:
    """Choices the project form offers: registries, project types, countries, SDGs, statuses."""
    return {
        "registries": [(code, registry_name(code, lang)) for code in KNOWN_REGISTRIES],
        "project_types": [(code, project_type_name(code, lang)) for code in PROJECT_TYPES],
        "countries": _countries(lang),
        "sdg_names": {number: names.get(lang, names["en"]) for number, names in SDG_NAMES.items()},
        "statuses": [s.value for s in ProjectStatus],
    }


def project_shown(project: Project | None) -> dict[str, Any]:
    if project is None:
        return dict.fromkeys(forms.PROJECT_TEXT_FIELDS, "") | {
            "name_en": "",
            "name_zh": "",
            "description_en": "",
            "description_zh": "",
            "owner_id": "",
            "sdgs": [],
            "status": ProjectStatus.ACTIVE.value,
            "country": "CN",
        }
    shown: dict[str, Any] = {name: getattr(project, name) for name in forms.PROJECT_TEXT_FIELDS}
    shown.update(
        status=project.status.value,
        latitude=project.latitude or "",
        longitude=project.longitude or "",
        name_en=project.name.get("en", ""),
        name_zh=project.name.get("zh-Hans", ""),
        description_en=(project.description or {}).get("en", ""),
        description_zh=(project.description or {}).get("zh-Hans", ""),
        owner_id=str(project.owner_id),
        sdgs=[str(n) for n in project.sdgs or []],
    )
    return shown


class ProjectPages(PlatformController):
    @get("/projects")
    async def projects(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        lang = page_language(request)
        stock = {row.key: row for row in await overview.stock_rows(db_session, by="project", lang=lang)}
        owners = {o.id: o for o in await services.list_project_owners(db_session)}
        return platform_page(
            request,
            "platform/projects.html",
            section="projects",
            projects=await services.list_projects(db_session),
            stock=stock,
            lot_counts=await inspection.lot_counts_by_project(db_session),
            owners=owners,
            registry_name=registry_name,
            project_type_name=project_type_name,
        )

    async def _project_form_page(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        project: Project | None,
        values: dict[str, Any],
        errors: Mapping[str, FieldError] | None = None,
        photo_errors: Mapping[str, FieldError] | None = None,
    ) -> Template:
        lang = page_language(request)
        context: dict[str, Any] = {}
        if project is not None:
            lots = await services.list_lots(session, project.id)
            context["lots"] = lots
            context["lot_status"] = {lot.id: await services.lot_status(session, lot.id) for lot in lots}
            context["photos"] = await inspection.project_photos(session, project.id)
            context["retired_tonnes"] = await services.retired_tonnes(session, project.id)
        owners = await services.list_project_owners(session)
        merged = dict(errors or {})
        merged.update(photo_errors or {})
        return platform_page(
            request,
            "platform/project_form.html",
            section="projects",
            project=project,
            values=values,
            errors=merged,
            has_form_errors=bool(errors),
            owners=owners,
            owner_options=[("", "—"), *((str(o.id), o.name) for o in owners)],
            saved=request.query_params.get("saved") == "1",
            **_vocabulary(lang),
            **context,
        )

    @get("/projects/new")
    async def new_project(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        values = project_shown(None)
        owner_id = request.query_params.get("owner")
        if owner_id:
            values["owner_id"] = owner_id
        return await self._project_form_page(request, db_session, None, values)

    @post("/projects/new")
    async def create_project(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[Any]:
        shown = forms.project_form(await request.form())
        problems = Collector()
        values = forms.project_values(shown, problems)
        if problems:
            found = await services.project_problems(db_session, **values)
            errors = forms.with_service_problems(problems, found, forms.PROJECT_RENAMES)
            return await self._project_form_page(request, db_session, None, shown, errors)
        try:
            async with db_session.begin_nested():
                project = await services.create_project(db_session, **values)
        except FormErrors as exc:
            errors = forms.field_errors(exc, forms.PROJECT_RENAMES)
            return await self._project_form_page(request, db_session, None, shown, errors)
        return see_other(f"/platform/projects/{project.id}?saved=1")

    @get("/projects/{project_id:uuid}")
    async def project(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
    ) -> Template:
        project = await or_404(inspection.find_project(db_session, project_id))
        return await self._project_form_page(request, db_session, project, project_shown(project))

    @post("/projects/{project_id:uuid}")
    async def save_project(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
    ) -> Response[Any]:
        await or_404(inspection.find_project(db_session, project_id))
        shown = forms.project_form(await request.form())
        problems = Collector()
        values = forms.project_values(shown, problems)
        errors: Mapping[str, FieldError] = problems.errors
        if problems:
            found = await services.project_problems(db_session, project_id, **values)
            errors = forms.with_service_problems(problems, found, forms.PROJECT_RENAMES)
        else:
            try:
                async with db_session.begin_nested():
                    await services.update_project(db_session, project_id, **values)
            except FormErrors as exc:
                errors = forms.field_errors(exc, forms.PROJECT_RENAMES)
        if errors:
            project = await or_404(inspection.find_project(db_session, project_id))
            return await self._project_form_page(request, db_session, project, shown, errors)
        return see_other(f"/platform/projects/{project_id}?saved=1")

    # --- photos ---------------------------------------------------------------------------

    @post("/projects/{project_id:uuid}/photos")
    async def add_photo(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
    ) -> Response[Any]:
        project = await or_404(inspection.find_project(db_session, project_id))
        form = await request.form()
        problems = Collector()
        file = await forms.upload(form, "photo", problems)
        if file is None and not problems:
            problems.add("photo", problem("required", "Choose a picture to upload.", "请选择要上传的图片。"))
        errors = dict(problems.errors)
        if file is not None and not problems:
            try:
                async with db_session.begin_nested():
                    await services.add_project_photo(
                        db_session,
                        project_id,
                        content=file.content,
                        content_type=file.content_type,
                        caption={"en": forms.text(form, "caption_en"), "zh-Hans": forms.text(form, "caption_zh")},
                    )
            except FormErrors as exc:
                errors = forms.field_errors(exc, {"caption": "photo_caption"})
        if errors:
            project = await or_404(inspection.find_project(db_session, project_id))
            return await self._project_form_page(
                request, db_session, project, project_shown(project), photo_errors=errors
            )
        return see_other(f"/platform/projects/{project.id}#photos")

    @post("/projects/{project_id:uuid}/photos/{photo_id:uuid}/remove")
    async def remove_photo(
        self,
        project_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        db_session: NamedDependency[DbSession],
    ) -> Response[Any]:
        if await inspection.project_photo(db_session, project_id, photo_id) is None:
            raise NotFoundException()
        await services.remove_project_photo(db_session, photo_id)
        return see_other(f"/platform/projects/{project_id}#photos")

    @get("/projects/{project_id:uuid}/photos/{photo_id:uuid}")
    async def photo(
        self,
        project_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        db_session: NamedDependency[DbSession],
    ) -> Response[bytes]:
        photo = await or_404(inspection.project_photo(db_session, project_id, photo_id))
        return Response(
            photo.content,
            media_type=photo.content_type,
            headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
        )
