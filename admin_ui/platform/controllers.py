"""The platform admins' pages for the credit supply, under ``/platform``.

Project owners, projects (with photos), lots (with evidence, status, partly sold tonnes,
assigned pieces, append-only corrections), allocations to venues, registry retirements,
reports with CSV downloads, and the audit of the books. Every page calls the credits
services and has a JSON twin under ``/api/v1/credits``. A form with bad input comes back
with each message beside its field (status 400) and nothing written; a good one answers
303 to the next page. Anyone who is not a platform admin gets a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from babel import Locale
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import csv_export, overview, reasons, reports, services
from neutralpoint.credits.errors import CreditsInputError, ErrorText
from neutralpoint.credits.models import (
    Allocation,
    LedgerEntry,
    Lot,
    Piece,
    Project,
    ProjectOwner,
    ProjectPhoto,
    ProjectStatus,
    RetirementRequest,
    RetirementStatus,
    Sale,
    Tonne,
    TonneStatus,
)
from neutralpoint.credits.public import SDG_NAMES
from neutralpoint.credits.vocabulary import COUNTRIES, KNOWN_REGISTRIES, PROJECT_TYPES, project_type_name, registry_name
from neutralpoint.tenants.access import PLATFORM_ADMIN
from neutralpoint.tenants.models import Tenant, User
from neutralpoint.web.i18n import gettext_functions
from neutralpoint_admin.platform import forms
from neutralpoint_admin.platform.pages import HIDDEN_FROM_OTHERS, page_language, platform_page, see_other

PIECES_SHOWN = 200
LEDGER_SHOWN = 100
DUE_SERIALS_SHOWN = 50
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


async def _owner(session: AsyncSession, owner_id: uuid.UUID) -> ProjectOwner:
    owner = await session.get(ProjectOwner, owner_id, populate_existing=True)
    if owner is None:
        raise NotFoundException()
    return owner


async def _project(session: AsyncSession, project_id: uuid.UUID) -> Project:
    project = await session.get(Project, project_id, populate_existing=True)
    if project is None:
        raise NotFoundException()
    return project


async def _lot(session: AsyncSession, lot_id: uuid.UUID) -> Lot:
    lot = await session.get(Lot, lot_id, populate_existing=True)
    if lot is None:
        raise NotFoundException()
    return lot


def _owner_shown(owner: ProjectOwner | None) -> dict[str, str]:
    if owner is None:
        return dict.fromkeys(forms.OWNER_FIELDS, "") | {"payout_currency": "CNY"}
    return {name: getattr(owner, name) or "" for name in forms.OWNER_FIELDS}


def _project_shown(project: Project | None) -> dict[str, Any]:
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


def _reason_text(lang: str) -> Callable[[LedgerEntry], str]:
    """A ledger entry's reason for the page: the platform's own words translated, a person's as written."""
    translate = gettext_functions(lang)["plain_gettext"]

    def shown(entry: LedgerEntry) -> str:
        message = reasons.reason_message(entry.kind, entry.reason)
        return entry.reason if message is None else str(translate(message[0], **message[1]))

    return shown


def _file_response(content: bytes | None, content_type: str | None, filename: str | None) -> Response[bytes]:
    if content is None:
        raise NotFoundException()
    safe_name = (filename or "evidence").replace('"', "").replace("\r", "").replace("\n", "")
    return Response(
        content,
        media_type=content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


class PlatformPages(Controller):
    path = "/platform"
    include_in_schema = False
    opt = {"access": PLATFORM_ADMIN}  # noqa: RUF012
    exception_handlers = HIDDEN_FROM_OTHERS  # type: ignore[assignment]

    # --- home -------------------------------------------------------------------------------

    @get("/")
    async def home(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], user: NamedDependency[User]
    ) -> Template:
        summary = await overview.platform_summary(db_session)
        return platform_page(request, "platform/home.html", section="home", user=user, summary=summary)

    # --- project owners ---------------------------------------------------------------------

    @get("/owners")
    async def owners(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        counts: dict[uuid.UUID, int] = {
            owner_id: int(n)
            for owner_id, n in await db_session.execute(
                select(Project.owner_id, func.count()).group_by(Project.owner_id)
            )
        }
        return platform_page(
            request,
            "platform/owners.html",
            section="owners",
            owners=await services.list_project_owners(db_session),
            project_counts=counts,
        )

    @get("/owners/new")
    async def new_owner(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        return platform_page(
            request, "platform/owner_form.html", section="owners", owner=None, values=_owner_shown(None)
        )

    @post("/owners/new")
    async def create_owner(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        values = forms.owner_values(await request.form())
        try:
            async with db_session.begin_nested():
                owner = await services.create_project_owner(db_session, **values)
        except CreditsInputError as exc:
            return platform_page(
                request, "platform/owner_form.html", section="owners", owner=None, values=values, errors=exc.errors
            )
        return see_other(f"/platform/owners/{owner.id}?saved=1")

    @get("/owners/{owner_id:uuid}")
    async def owner_page(
        self, owner_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        owner = await _owner(db_session, owner_id)
        return await self._owner_page(request, db_session, owner, _owner_shown(owner))

    async def _owner_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        owner: ProjectOwner,
        values: dict[str, str],
        errors: Mapping[str, ErrorText] | None = None,
    ) -> Template:
        projects = (
            await session.execute(select(Project).where(Project.owner_id == owner.id).order_by(Project.created_at))
        ).scalars()
        return platform_page(
            request,
            "platform/owner_form.html",
            section="owners",
            owner=owner,
            values=values,
            errors=errors,
            projects=list(projects),
            saved=request.query_params.get("saved") == "1",
        )

    @post("/owners/{owner_id:uuid}")
    async def save_owner(
        self, owner_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        await _owner(db_session, owner_id)
        values = forms.owner_values(await request.form())
        try:
            async with db_session.begin_nested():
                await services.update_project_owner(db_session, owner_id, **values)
        except CreditsInputError as exc:
            owner = await _owner(db_session, owner_id)
            return await self._owner_page(request, db_session, owner, values, exc.errors)
        return see_other(f"/platform/owners/{owner_id}?saved=1")

    # --- projects ---------------------------------------------------------------------------

    @get("/projects")
    async def projects(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        lang = page_language(request)
        stock = {row.key: row for row in await overview.stock_rows(db_session, by="project", lang=lang)}
        lot_counts: dict[uuid.UUID, int] = {
            project_id: int(n)
            for project_id, n in await db_session.execute(select(Lot.project_id, func.count()).group_by(Lot.project_id))
        }
        owners = {o.id: o for o in await services.list_project_owners(db_session)}
        return platform_page(
            request,
            "platform/projects.html",
            section="projects",
            projects=await services.list_projects(db_session),
            stock=stock,
            lot_counts=lot_counts,
            owners=owners,
            registry_name=registry_name,
            project_type_name=project_type_name,
        )

    async def _project_form_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        project: Project | None,
        values: dict[str, Any],
        errors: Mapping[str, ErrorText] | None = None,
        photo_errors: Mapping[str, ErrorText] | None = None,
    ) -> Template:
        lang = page_language(request)
        context: dict[str, Any] = {}
        if project is not None:
            lots = await services.list_lots(session, project.id)
            context["lots"] = lots
            context["lot_status"] = {lot.id: await services.lot_status(session, lot.id) for lot in lots}
            context["photos"] = list(
                (
                    await session.execute(
                        select(ProjectPhoto.id, ProjectPhoto.caption, ProjectPhoto.content_type)
                        .where(ProjectPhoto.project_id == project.id)
                        .order_by(ProjectPhoto.position, ProjectPhoto.created_at)
                    )
                ).all()
            )
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
    async def new_project(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        values = _project_shown(None)
        owner_id = request.query_params.get("owner")
        if owner_id:
            values["owner_id"] = owner_id
        return await self._project_form_page(request, db_session, None, values)

    @post("/projects/new")
    async def create_project(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        shown = forms.project_form(await request.form())
        problems = forms.FormProblems()
        values = forms.project_values(shown, problems)
        if problems:
            found = await services.project_problems(db_session, **values)
            errors = forms.with_service_problems(problems, found, forms.PROJECT_RENAMES)
            return await self._project_form_page(request, db_session, None, shown, errors)
        try:
            async with db_session.begin_nested():
                project = await services.create_project(db_session, **values)
        except CreditsInputError as exc:
            errors = forms.field_errors(exc, forms.PROJECT_RENAMES)
            return await self._project_form_page(request, db_session, None, shown, errors)
        return see_other(f"/platform/projects/{project.id}?saved=1")

    @get("/projects/{project_id:uuid}")
    async def project(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> Template:
        project = await _project(db_session, project_id)
        return await self._project_form_page(request, db_session, project, _project_shown(project))

    @post("/projects/{project_id:uuid}")
    async def save_project(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[Any]:
        await _project(db_session, project_id)
        shown = forms.project_form(await request.form())
        problems = forms.FormProblems()
        values = forms.project_values(shown, problems)
        errors: Mapping[str, ErrorText] = problems.errors
        if problems:
            found = await services.project_problems(db_session, project_id, **values)
            errors = forms.with_service_problems(problems, found, forms.PROJECT_RENAMES)
        else:
            try:
                async with db_session.begin_nested():
                    await services.update_project(db_session, project_id, **values)
            except CreditsInputError as exc:
                errors = forms.field_errors(exc, forms.PROJECT_RENAMES)
        if errors:
            project = await _project(db_session, project_id)
            return await self._project_form_page(request, db_session, project, shown, errors)
        return see_other(f"/platform/projects/{project_id}?saved=1")

    @post("/projects/{project_id:uuid}/photos")
    async def add_photo(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[Any]:
        project = await _project(db_session, project_id)
        form = await request.form()
        problems = forms.FormProblems()
        file = await forms.upload(form, "photo", problems)
        if file is None and not problems:
            problems.add("photo", "Choose a picture to upload.")
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
            except CreditsInputError as exc:
                errors = forms.field_errors(exc, {"caption": "photo_caption"})
        if errors:
            project = await _project(db_session, project_id)
            return await self._project_form_page(
                request, db_session, project, _project_shown(project), photo_errors=errors
            )
        return see_other(f"/platform/projects/{project.id}#photos")

    @post("/projects/{project_id:uuid}/photos/{photo_id:uuid}/remove")
    async def remove_photo(
        self,
        project_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[Any]:
        photo = await db_session.get(ProjectPhoto, photo_id)
        if photo is None or photo.project_id != project_id:
            raise NotFoundException()
        await services.remove_project_photo(db_session, photo_id)
        return see_other(f"/platform/projects/{project_id}#photos")

    @get("/projects/{project_id:uuid}/photos/{photo_id:uuid}")
    async def photo(
        self,
        project_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        row = (
            await db_session.execute(
                select(ProjectPhoto.content, ProjectPhoto.content_type).where(
                    ProjectPhoto.id == photo_id, ProjectPhoto.project_id == project_id
                )
            )
        ).one_or_none()
        if row is None:
            raise NotFoundException()
        return Response(
            row.content,
            media_type=row.content_type,
            headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
        )

    # --- lots -------------------------------------------------------------------------------

    async def _lot_form_page(
        self,
        request: Request[Any, Any, Any],
        project: Project,
        values: dict[str, str],
        errors: Mapping[str, ErrorText] | None = None,
    ) -> Template:
        return platform_page(
            request, "platform/lot_form.html", section="projects", project=project, values=values, errors=errors
        )

    @get("/projects/{project_id:uuid}/lots/new")
    async def new_lot(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> Template:
        project = await _project(db_session, project_id)
        values = dict.fromkeys(forms.LOT_FIELDS, "") | {"cost_currency": "CNY"}
        return await self._lot_form_page(request, project, values)

    @post("/projects/{project_id:uuid}/lots/new")
    async def create_lot(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        project = await _project(db_session, project_id)
        form = await request.form()
        shown = {name: forms.text(form, name) for name in forms.LOT_FIELDS}
        problems = forms.FormProblems()
        values = forms.lot_values(shown, problems)
        evidence = await forms.upload(form, "evidence", problems)
        if problems:
            found = await services.lot_problems(db_session, project_id=project.id, evidence=evidence, **values)
            errors = forms.with_service_problems(problems, found, forms.LOT_RENAMES)
            return await self._lot_form_page(request, project, shown, errors)
        try:
            async with db_session.begin_nested():
                lot = await services.create_lot(
                    db_session, project_id=project.id, actor=user.email, evidence=evidence, **values
                )
        except CreditsInputError as exc:
            project = await _project(db_session, project_id)
            return await self._lot_form_page(request, project, shown, forms.field_errors(exc, forms.LOT_RENAMES))
        return see_other(f"/platform/lots/{lot.id}?created=1")

    async def _lot_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        lot_id: uuid.UUID,
        *,
        correction: dict[str, str] | None = None,
        errors: Mapping[str, ErrorText] | None = None,
        error_allocation: uuid.UUID | None = None,
    ) -> Template:
        lot = await _lot(session, lot_id)
        project = await _project(session, lot.project_id)
        allocations = await services.list_allocations(session, lot.id)
        venue_names = await overview.allocation_venue_names(session, {a.id for a in allocations})
        pieces_total = int(
            (await session.execute(select(func.count()).select_from(Piece).where(Piece.lot_id == lot.id))).scalar_one()
        )
        pieces = (
            await session.execute(
                select(Piece, Sale.order_ref, Tenant.display_name)
                .join(Sale, Sale.id == Piece.sale_id)
                .join(Tenant, Tenant.id == Piece.tenant_id)
                .where(Piece.lot_id == lot.id)
                .order_by(Piece.tonne_index, Piece.gram_from, Piece.created_at)
                .limit(PIECES_SHOWN)
            )
        ).all()
        tonnes: dict[int, TonneStatus] = {
            row.tonne_index: row.status
            for row in await session.execute(select(Tonne.tonne_index, Tonne.status).where(Tonne.lot_id == lot.id))
        }
        entries = (
            await session.execute(
                select(LedgerEntry)
                .where(LedgerEntry.lot_id == lot.id)
                .order_by(LedgerEntry.seq.desc())
                .limit(LEDGER_SHOWN)
            )
        ).scalars()
        has_evidence = (await session.execute(select(Lot.evidence_filename).where(Lot.id == lot.id))).scalar_one()
        return platform_page(
            request,
            "platform/lot.html",
            reason_text=_reason_text(page_language(request)),
            section="projects",
            lot=lot,
            project=project,
            status=await services.lot_status(session, lot.id),
            partial=await services.partial_tonnes(session, lot.id),
            allocations=allocations,
            venue_names=venue_names,
            pieces=pieces,
            pieces_total=pieces_total,
            pieces_shown=PIECES_SHOWN,
            tonnes=tonnes,
            entries=list(entries),
            evidence_filename=has_evidence,
            correctable=services.LOT_CORRECTABLE,
            correction=correction or dict.fromkeys(forms.CORRECTION_FIELDS, ""),
            errors=errors,
            error_allocation=error_allocation,
            created=request.query_params.get("created") == "1",
            corrected=request.query_params.get("corrected") == "1",
        )

    @get("/lots/{lot_id:uuid}")
    async def lot(
        self, lot_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return await self._lot_page(request, db_session, lot_id)

    @get("/lots/{lot_id:uuid}/evidence")
    async def lot_evidence(
        self, lot_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[bytes]:
        row = (
            await db_session.execute(
                select(Lot.evidence, Lot.evidence_content_type, Lot.evidence_filename).where(Lot.id == lot_id)
            )
        ).one_or_none()
        if row is None:
            raise NotFoundException()
        return _file_response(row.evidence, row.evidence_content_type, row.evidence_filename)

    @post("/lots/{lot_id:uuid}/corrections")
    async def correct_lot(
        self,
        lot_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        await _lot(db_session, lot_id)
        form = await request.form()
        shown = {name: forms.text(form, name) for name in forms.CORRECTION_FIELDS}
        problems = forms.FormProblems()
        value = await forms.correction_value(form, shown, problems)
        if not shown["reason"]:
            problems.add("reason", "This is required.")
        errors = problems.errors
        if not problems:
            try:
                async with db_session.begin_nested():
                    await services.correct_lot(
                        db_session, lot_id, field=shown["field"], value=value, reason=shown["reason"], actor=user.email
                    )
            except CreditsInputError as exc:
                errors = dict(exc.errors)
        if errors:
            return await self._lot_page(request, db_session, lot_id, correction=shown, errors=errors)
        return see_other(f"/platform/lots/{lot_id}?corrected=1#corrections")

    # --- allocations ------------------------------------------------------------------------

    async def _allocation_form_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        lot_id: uuid.UUID,
        values: dict[str, Any],
        errors: Mapping[str, ErrorText] | None = None,
    ) -> Template:
        lot = await _lot(session, lot_id)
        project = await _project(session, lot.project_id)
        venues = (await session.execute(select(Tenant).order_by(Tenant.display_name))).scalars()
        return platform_page(
            request,
            "platform/allocation_form.html",
            section="allocations",
            lot=lot,
            project=project,
            venues=list(venues),
            values=values,
            errors=errors,
        )

    @get("/lots/{lot_id:uuid}/allocations/new")
    async def new_allocation(
        self, lot_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        lot = await _lot(db_session, lot_id)
        free = lot.unallocated_grams
        values: dict[str, Any] = dict.fromkeys(forms.ALLOCATION_FIELDS, "") | {
            "offered_tonnes": csv_export.tonnes_text(free) if free else "",
            "currency": "CNY",
            "split_unit": "percent",
            "owner_share": "70",
            "platform_share": "20",
            "venue_share": "10",
            "audience": "all",
            "venues": [],
        }
        return await self._allocation_form_page(request, db_session, lot_id, values)

    @post("/lots/{lot_id:uuid}/allocations/new")
    async def create_allocation(
        self,
        lot_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        lot = await _lot(db_session, lot_id)
        shown = forms.allocation_form(await request.form())
        problems = forms.FormProblems()
        values = forms.allocation_values(shown, problems)
        if values["grams"] is not None and values["grams"] > lot.unallocated_grams:
            free = csv_export.tonnes_text(lot.unallocated_grams)
            problems.add("offered_tonnes", ("Only %(tonnes)s t of this lot are not offered yet.", {"tonnes": free}))
        errors: Mapping[str, ErrorText] = problems.errors
        if problems:
            found = await services.allocation_problems(db_session, lot_id=lot_id, **values)
            errors = forms.with_service_problems(problems, found, forms.ALLOCATION_RENAMES)
        else:
            try:
                async with db_session.begin_nested():
                    await services.create_allocation(db_session, lot_id=lot_id, actor=user.email, **values)
            except CreditsInputError as exc:
                errors = forms.field_errors(exc, forms.ALLOCATION_RENAMES)
        if errors:
            return await self._allocation_form_page(request, db_session, lot_id, shown, errors)
        return see_other(f"/platform/lots/{lot_id}#allocations")

    @get("/allocations")
    async def allocations(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        rows = (
            await db_session.execute(
                select(Allocation, Lot, Project)
                .join(Lot, Lot.id == Allocation.lot_id)
                .join(Project, Project.id == Allocation.project_id)
                .order_by(Allocation.status, Allocation.created_at.desc())
            )
        ).all()
        venue_names = await overview.allocation_venue_names(db_session, {row[0].id for row in rows})
        return platform_page(
            request,
            "platform/allocations.html",
            section="allocations",
            rows=rows,
            venue_names=venue_names,
        )

    @post("/allocations/{allocation_id:uuid}/withdraw")
    async def withdraw_allocation(
        self,
        allocation_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        allocation = await db_session.get(Allocation, allocation_id)
        if allocation is None:
            raise NotFoundException()
        lot_id = allocation.lot_id
        form = await request.form()
        reason = forms.text(form, "reason")
        try:
            async with db_session.begin_nested():
                await services.withdraw_allocation(db_session, allocation_id, actor=user.email, reason=reason)
        except CreditsInputError as exc:
            return await self._lot_page(
                request,
                db_session,
                lot_id,
                errors={f"withdraw_{k}": v for k, v in exc.errors.items()},
                error_allocation=allocation_id,
            )
        return see_other(f"/platform/lots/{lot_id}#allocations")

    # --- retirements ------------------------------------------------------------------------

    async def _retirements_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        *,
        errors: Mapping[str, ErrorText] | None = None,
        error_request: uuid.UUID | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        due = await services.due_tonnes(session)
        projects = {p.id: p for p in await services.list_projects(session)}
        due_by_project: dict[uuid.UUID, list[Tonne]] = {}
        for tonne in due:
            due_by_project.setdefault(tonne.project_id, []).append(tonne)
        requests = await services.list_retirements(session)
        has_evidence = set(
            (
                await session.execute(
                    select(RetirementRequest.id).where(RetirementRequest.evidence_filename.is_not(None))
                )
            ).scalars()
        )
        return platform_page(
            request,
            "platform/retirements.html",
            section="retirements",
            due_by_project=due_by_project,
            due_count=len(due),
            due_serials_shown=DUE_SERIALS_SHOWN,
            projects=projects,
            awaiting=[r for r in requests if r.status == RetirementStatus.AWAITING_REFERENCE.value],
            others=sorted(
                (r for r in requests if r.status != RetirementStatus.AWAITING_REFERENCE.value),
                key=lambda r: r.created_at,
                reverse=True,
            ),
            has_evidence=has_evidence,
            errors=errors,
            error_request=error_request,
            values=values or {},
            batched=request.query_params.get("batched"),
            recorded=request.query_params.get("recorded") == "1",
        )

    @get("/retirements")
    async def retirements(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        return await self._retirements_page(request, db_session)

    @post("/retirements/batch")
    async def batch_retirements(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], user: NamedDependency[User]
    ) -> Response[Any]:
        made = await services.batch_retirements(db_session, actor=user.email)
        return see_other(f"/platform/retirements?batched={len(made)}")

    @post("/retirements/{request_id:uuid}/reference")
    async def record_reference(
        self,
        request_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        if await db_session.get(RetirementRequest, request_id) is None:
            raise NotFoundException()
        form = await request.form()
        values = {"reference": forms.text(form, "reference"), "registry_url": forms.text(form, "registry_url")}
        problems = forms.FormProblems()
        evidence = await forms.upload(form, "evidence", problems)
        errors = problems.errors
        if not problems:
            try:
                async with db_session.begin_nested():
                    await services.record_retirement_reference(
                        db_session,
                        request_id,
                        reference=values["reference"],
                        registry_url=values["registry_url"] or None,
                        evidence=evidence,
                        actor=user.email,
                    )
            except CreditsInputError as exc:
                errors = dict(exc.errors)
        if errors:
            return await self._retirements_page(
                request, db_session, errors=errors, error_request=request_id, values=values
            )
        return see_other("/platform/retirements?recorded=1")

    @get("/retirements/{request_id:uuid}/evidence")
    async def retirement_evidence(
        self,
        request_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        row = (
            await db_session.execute(
                select(
                    RetirementRequest.evidence,
                    RetirementRequest.evidence_content_type,
                    RetirementRequest.evidence_filename,
                ).where(RetirementRequest.id == request_id)
            )
        ).one_or_none()
        if row is None:
            raise NotFoundException()
        return _file_response(row.evidence, row.evidence_content_type, row.evidence_filename)

    # --- reports ----------------------------------------------------------------------------

    @get("/reports")
    async def reports(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        by: FromQuery[str] = "project",
    ) -> Template:
        if by not in overview.GROUPINGS:
            raise NotFoundException()
        lang = page_language(request)
        stock = await overview.stock_rows(db_session, by=by, lang=lang) if by in overview.STOCK_GROUPINGS else None
        sales = await overview.sales_rows(db_session, by=by, lang=lang) if by in overview.SALES_GROUPINGS else None
        return platform_page(
            request,
            "platform/reports.html",
            section="reports",
            by=by,
            groupings=overview.GROUPINGS,
            stock=stock,
            sales=sales,
            money=await _money_footer(db_session, by, sales),
        )

    @get("/reports/{by:str}/stock.csv")
    async def stock_csv(
        self, by: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[str]:
        if by not in overview.STOCK_GROUPINGS:
            raise NotFoundException()
        rows = await overview.stock_rows(db_session, by=by, lang=page_language(request))
        return _csv(csv_export.stock_csv(rows), f"stock-by-{by}.csv")

    @get("/reports/{by:str}/sales.csv")
    async def sales_csv(
        self, by: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[str]:
        if by not in overview.SALES_GROUPINGS:
            raise NotFoundException()
        rows = await overview.sales_rows(db_session, by=by, lang=page_language(request))
        return _csv(csv_export.sales_csv(rows), f"sales-by-{by}.csv")

    # --- audit ------------------------------------------------------------------------------

    @get("/audit")
    async def audit(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        report = await services.audit(db_session)
        return platform_page(request, "platform/audit.html", section="audit", report=report)


async def _money_footer(
    session: AsyncSession, by: str, sales: list[overview.SalesRow] | None
) -> list[overview.CurrencyTotal]:
    """Totals per currency under a sales table. Per lot, a sale that took grams from two
    lots is a row in each, so the orders are counted once from the per-project totals."""
    if sales is None:
        return []
    if by == "lot":
        return overview.money_by_currency(await reports.sales_totals(session, by="project"))
    return overview.money_by_currency(sales)


def _csv(body: str, filename: str) -> Response[str]:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


route_handlers: list[Any] = [PlatformPages]
