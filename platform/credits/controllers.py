"""The platform admins' JSON API for credit supply, under ``/api/v1/credits``.

Signed in with the same session cookie as the pages (``POST /api/v1/login``); anyone who
is not a platform admin gets a 404, as for any object they may not see. Bad input is a
400 with ``{"errors": {field: {"code", "message": {"en", "zh-Hans"}}}}`` and nothing is
written. The admin pages (``neutralpoint_admin``) call the same services.

Public, for anyone: ``/projects`` and ``/projects/<slug or id>`` (what a project is, where,
its registry, and the tonnes this platform retired for it with the registry's references),
with their JSON twins under ``/api/v1/public/projects``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, SerializationException
from litestar.params import FromPath, JSONBody
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import overview, public, reports, retirement, services
from neutralpoint.credits.models import Allocation, Lot, Project, ProjectOwner, ProjectPhoto
from neutralpoint.credits.schemas import (
    AllocationIn,
    AllocationOut,
    AuditOut,
    CorrectionIn,
    LotIn,
    LotOut,
    OwnerIn,
    OwnerOut,
    ProjectIn,
    ProjectOut,
    ReferenceIn,
    RetirementView,
    WithdrawIn,
)
from neutralpoint.credits.vocabulary import registry_name
from neutralpoint.refusals import problem, refuse
from neutralpoint.tenants.access import PLATFORM_ADMIN, PUBLIC
from neutralpoint.tenants.models import User
from neutralpoint.web.i18n import choose_language, normalize_language
from neutralpoint.web.templating import render

_Row = TypeVar("_Row")


async def _found(session: AsyncSession, model: type[_Row], key: uuid.UUID) -> _Row:
    """The row with primary key ``key``, or 404 (the session sees only what it may)."""
    row = await session.get(model, key)
    if row is None:
        raise NotFoundException()
    return row


def owner_out(owner: ProjectOwner) -> OwnerOut:
    return OwnerOut(owner.id, owner.name, owner.contact_name, owner.contact_email, owner.payout_currency)


async def project_out(session: AsyncSession, project: Project) -> ProjectOut:
    return ProjectOut(
        id=project.id,
        slug=project.slug,
        owner_id=project.owner_id,
        name=dict(project.name),
        description=dict(project.description or {}),
        registry_code=project.registry_code,
        registry_name=registry_name(project.registry_code),
        registry_project_id=project.registry_project_id,
        registry_url=project.registry_url,
        project_type=project.project_type,
        methodology=project.methodology,
        country=project.country,
        region=project.region,
        region_zh_hans=project.region_zh_hans,
        latitude=project.latitude,
        longitude=project.longitude,
        retirement_jurisdiction=project.retirement_jurisdiction,
        retirement_beneficiary=project.retirement_beneficiary,
        sdgs=list(project.sdgs or []),
        status=project.status.value,
        retired_tonnes=await retirement.retired_tonnes(session, project.id),
    )


async def lot_out(session: AsyncSession, lot: Lot) -> LotOut:
    has_evidence = (await session.execute(select(Lot.evidence_filename).where(Lot.id == lot.id))).scalar_one()
    return LotOut(
        id=lot.id,
        project_id=lot.project_id,
        vintage_year=lot.vintage_year,
        serial_first=lot.serial_first,
        serial_last=lot.serial_last,
        quantity_tonnes=lot.quantity_tonnes,
        unit_cost_minor=lot.unit_cost_minor,
        cost_currency=lot.cost_currency,
        acquired_on=lot.acquired_on,
        locked=lot.locked,
        has_evidence=has_evidence is not None,
        status=await services.lot_status(session, lot.id),
        partial_tonnes=await services.partial_tonnes(session, lot.id),
    )


async def allocation_out(session: AsyncSession, allocation: Allocation) -> AllocationOut:
    return AllocationOut(
        id=allocation.id,
        lot_id=allocation.lot_id,
        project_id=allocation.project_id,
        grams_offered=allocation.grams_offered,
        reserved_grams=allocation.reserved_grams,
        sold_grams=allocation.sold_grams,
        available_grams=allocation.available_grams,
        all_venues=allocation.all_venues,
        venue_ids=await services.allocation_venue_ids(session, allocation.id),
        price_per_tonne_minor=allocation.price_per_tonne_minor,
        currency=allocation.currency,
        owner_bp=allocation.owner_bp,
        platform_bp=allocation.platform_bp,
        venue_bp=allocation.venue_bp,
        valid_from=allocation.valid_from,
        valid_until=allocation.valid_until,
        status=allocation.status.value,
    )


class DueTonneOut(msgspec.Struct):
    lot_id: uuid.UUID
    project_id: uuid.UUID
    tonne_index: int
    serial: str
    beneficiary: str
    due_at: datetime


async def _patch_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    try:
        body = await request.json()
    except SerializationException:
        raise refuse(
            "body",
            problem(
                "not_an_object", "Send a JSON object of the fields to change.", "请发送包含要修改字段的 JSON 对象。"
            ),
        ) from None
    if not isinstance(body, dict):
        raise refuse(
            "body",
            problem(
                "not_an_object", "Send a JSON object of the fields to change.", "请发送包含要修改字段的 JSON 对象。"
            ),
        )
    return body


class CreditsAdminApi(Controller):
    path = "/api/v1/credits"
    opt = {"access": PLATFORM_ADMIN}  # noqa: RUF012
    tags = ["credits"]  # noqa: RUF012

    @get("/owners", summary="Project owners")
    async def list_owners(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> list[OwnerOut]:
        return [owner_out(o) for o in await services.list_project_owners(db_session)]

    @post("/owners", status_code=201, summary="Add a project owner")
    async def create_owner(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], data: JSONBody[OwnerIn]
    ) -> OwnerOut:
        owner = await services.create_project_owner(db_session, **_fields(data))
        return owner_out(owner)

    @get("/projects", summary="Projects")
    async def list_projects(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> list[ProjectOut]:
        return [await project_out(db_session, p) for p in await services.list_projects(db_session)]

    @post("/projects", status_code=201, summary="Add a project")
    async def create_project(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], data: JSONBody[ProjectIn]
    ) -> ProjectOut:
        values = _fields(data)
        if values.get("retirement_beneficiary") is None:
            values.pop("retirement_beneficiary", None)
        project = await services.create_project(db_session, **values)
        return await project_out(db_session, project)

    @get("/projects/{project_id:uuid}", summary="A project")
    async def get_project(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        project_id: FromPath[uuid.UUID],
    ) -> ProjectOut:
        project = await services.get_project(db_session, project_id)
        if project is None:
            raise NotFoundException()
        return await project_out(db_session, project)

    @get("/projects/{project_id:uuid}/lots", summary="A project's lots, with their numbers")
    async def project_lots(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        project_id: FromPath[uuid.UUID],
    ) -> list[LotOut]:
        return [await lot_out(db_session, lot) for lot in await services.list_lots(db_session, project_id)]

    @post("/lots", status_code=201, summary="Record a lot the platform bought")
    async def create_lot(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        data: JSONBody[LotIn],
        user: NamedDependency[User],
    ) -> LotOut:
        """The serial range must parse, hold exactly ``quantity_tonnes`` and overlap no other lot."""
        lot = await services.create_lot(db_session, actor=user.email, **_fields(data))
        return await lot_out(db_session, lot)

    @get("/lots/{lot_id:uuid}", summary="A lot, its numbers and its partly sold tonnes")
    async def get_lot(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], lot_id: FromPath[uuid.UUID]
    ) -> LotOut:
        return await lot_out(db_session, await _found(db_session, Lot, lot_id))

    @post("/lots/{lot_id:uuid}/corrections", status_code=201, summary="Correct a lot")
    async def correct_lot(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        lot_id: FromPath[uuid.UUID],
        data: JSONBody[CorrectionIn],
        user: NamedDependency[User],
    ) -> LotOut:
        """An append-only correction: ``field`` is ``serial_range`` (value ``[first, last]``),
        ``vintage_year``, ``unit_cost`` (``[minor units, currency]``) or ``notes``."""
        await _found(db_session, Lot, lot_id)
        if data.field in ("acquired_on", "evidence"):
            raise refuse(
                "field",
                problem(
                    "unknown_choice",
                    "Correct the acquisition date and the evidence on the lot's page.",
                    "请在批次页面上更正取得日期和证明文件。",
                ),
            )
        lot = await services.correct_lot(
            db_session, lot_id, field=data.field, value=data.value, reason=data.reason, actor=user.email
        )
        return await lot_out(db_session, lot)

    @post("/allocations", status_code=201, summary="Offer grams of a lot to venues")
    async def create_allocation(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        data: JSONBody[AllocationIn],
        user: NamedDependency[User],
    ) -> AllocationOut:
        allocation = await services.create_allocation(db_session, actor=user.email, **_fields(data))
        return await allocation_out(db_session, allocation)

    @get("/lots/{lot_id:uuid}/allocations", summary="A lot's allocations")
    async def lot_allocations(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], lot_id: FromPath[uuid.UUID]
    ) -> list[AllocationOut]:
        return [await allocation_out(db_session, a) for a in await services.list_allocations(db_session, lot_id)]

    @post("/allocations/{allocation_id:uuid}/withdraw", status_code=200, summary="Stop an offer")
    async def withdraw_allocation(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        allocation_id: FromPath[uuid.UUID],
        data: JSONBody[WithdrawIn],
        user: NamedDependency[User],
    ) -> AllocationOut:
        await _found(db_session, Allocation, allocation_id)
        allocation = await services.withdraw_allocation(db_session, allocation_id, actor=user.email, reason=data.reason)
        return await allocation_out(db_session, allocation)

    @get("/retirements", summary="Registry retirement requests")
    async def list_retirements(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> list[RetirementView]:
        return await services.list_retirements(db_session)

    @post("/retirements/batch", status_code=201, summary="Batch due tonnes into retirement requests now")
    async def batch_retirements(
        self, request: Request[Any, Any, Any], state: State, user: NamedDependency[User]
    ) -> list[RetirementView]:
        # Its own transactions: the registries are called outside any of them.
        return await services.batch_retirements(state.db, actor=user.email)

    @post(
        "/retirements/{request_id:uuid}/reference",
        status_code=200,
        summary="Record the registry's retirement reference",
    )
    async def record_reference(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        request_id: FromPath[uuid.UUID],
        data: JSONBody[ReferenceIn],
        user: NamedDependency[User],
    ) -> RetirementView:
        return await services.record_retirement_reference(
            db_session, request_id, reference=data.reference, registry_url=data.registry_url, actor=user.email
        )

    @get("/audit", summary="Check every invariant of the books")
    async def audit(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> AuditOut:
        report = await services.audit(db_session)
        return AuditOut(report.ok, report.summary(), report.entries, report.lots, report.sales, report.problems)

    @get("/reports/stock/{by:str}", summary="Grams per project, lot, allocation or venue")
    async def stock_report(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        by: FromPath[str],
    ) -> list[reports.StockTotal]:
        return await reports.stock_totals(db_session, by=by)  # type: ignore[arg-type]

    @get("/reports/sales/{by:str}", summary="Revenue and what is owed, per project, lot, allocation, venue or owner")
    async def sales_report(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        by: FromPath[str],
    ) -> list[reports.SalesTotal]:
        return await reports.sales_totals(db_session, by=by)  # type: ignore[arg-type]

    # the twins of the platform pages (neutralpoint_admin.platform)

    @get("/summary", summary="Stock across every lot, and money per currency (the platform home)")
    async def summary(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> overview.PlatformSummary:
        return await overview.platform_summary(db_session)

    @get("/owners/{owner_id:uuid}", summary="A project owner")
    async def get_owner(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], owner_id: FromPath[uuid.UUID]
    ) -> OwnerOut:
        return owner_out(await _found(db_session, ProjectOwner, owner_id))

    @patch("/owners/{owner_id:uuid}", summary="Change a project owner")
    async def update_owner(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], owner_id: FromPath[uuid.UUID]
    ) -> OwnerOut:
        """Any of ``name``, ``contact_name``, ``contact_email``, ``payout_details``, ``payout_currency``."""
        await _found(db_session, ProjectOwner, owner_id)
        values = await _patch_values(request)
        values.pop("is_demo", None)
        return owner_out(await services.update_project_owner(db_session, owner_id, **values))

    @patch("/projects/{project_id:uuid}", summary="Change a project")
    async def update_project(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        project_id: FromPath[uuid.UUID],
    ) -> ProjectOut:
        """Any field of ``POST /projects`` (``owner_id``, ``slug``, ``name``, ``description``,
        ``registry_code``, ``registry_project_id``, ``registry_url``, ``project_type``, ``methodology``,
        ``country``, ``region``, ``latitude``, ``longitude``, ``retirement_jurisdiction``,
        ``retirement_beneficiary``, ``sdgs``, ``status``)."""
        await _found(db_session, Project, project_id)
        values = await _patch_values(request)
        values.pop("is_demo", None)
        if "owner_id" in values:
            try:
                values["owner_id"] = uuid.UUID(str(values["owner_id"]))
            except ValueError:
                raise refuse("owner_id", problem("required", "Choose the project owner.", "请选择项目业主。")) from None
        project = await services.update_project(db_session, project_id, **values)
        return await project_out(db_session, project)

    @get("/allocations", summary="Every allocation, newest first")
    async def list_allocations(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> list[AllocationOut]:
        allocations = sorted(await services.list_allocations(db_session), key=lambda a: a.created_at, reverse=True)
        return [await allocation_out(db_session, a) for a in allocations]

    @get("/retirements/due", summary="Fully sold tonnes not yet sent for retirement")
    async def due_tonnes(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> list[DueTonneOut]:
        return [
            DueTonneOut(t.lot_id, t.project_id, t.tonne_index, t.serial, t.beneficiary, t.due_at)
            for t in await services.due_tonnes(db_session)
        ]


def _fields(data: Any) -> dict[str, Any]:
    return {name: getattr(data, name) for name in data.__struct_fields__}


# --- public project pages: /projects and /api/v1/public/projects ------------------------------

LANG_COOKIE_SECONDS = 365 * 24 * 3600


def _public_language(request: Request[Any, Any, Any]) -> str:
    return choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )


def _public_page(request: Request[Any, Any, Any], template: str, **context: Any) -> Template:
    lang = _public_language(request)
    response = render(
        request,
        template,
        lang=lang,
        headers={"Cache-Control": "public, max-age=60"},
        sdg_names={number: names.get(lang, names["en"]) for number, names in public.SDG_NAMES.items()},
        **context,
    )
    chosen = normalize_language(request.query_params.get("lang"))
    if chosen:
        response.set_cookie("lang", chosen, max_age=LANG_COOKIE_SECONDS, samesite="lax")
        response.headers["Cache-Control"] = "no-store"
    return response


class PublicProjectPages(Controller):
    """What anyone may read about the projects whose credits the platform sells."""

    path = "/projects"
    opt = {"access": PUBLIC}  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def projects(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Template:
        found = await public.list_public_projects(db_session)
        views = [await public.public_project(db_session, p, details=False) for p in found]
        return _public_page(request, "credits/projects.html", projects=views)

    @get("/{slug:str}")
    async def project(
        self, slug: FromPath[str], request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        found = await public.find_public_project(db_session, slug)
        if found is None:
            raise NotFoundException()
        return _public_page(request, "credits/project.html", project=await public.public_project(db_session, found))

    @get("/{slug:str}/photos/{photo_id:uuid}")
    async def photo(
        self, slug: FromPath[str], photo_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> Response[bytes]:
        found = await public.find_public_project(db_session, slug)
        if found is None:
            raise NotFoundException()
        row = (
            await db_session.execute(
                select(ProjectPhoto.content, ProjectPhoto.content_type).where(
                    ProjectPhoto.id == photo_id, ProjectPhoto.project_id == found.id
                )
            )
        ).one_or_none()
        if row is None:
            raise NotFoundException()
        return Response(
            row.content,
            media_type=row.content_type,
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )


class PublicProjectsApi(Controller):
    path = "/api/v1/public/projects"
    opt = {"access": PUBLIC}  # noqa: RUF012
    tags = ["public"]  # noqa: RUF012

    @get("/", summary="Active projects whose credits the platform sells")
    async def list_projects(self, db_session: NamedDependency[AsyncSession]) -> list[public.PublicProject]:
        """Without retirements and photos; ask for one project to get them."""
        found = await public.list_public_projects(db_session)
        return [await public.public_project(db_session, p, details=False) for p in found]

    @get("/{slug:str}", summary="A project, with the tonnes this platform retired for it and their references")
    async def get_project(self, slug: FromPath[str], db_session: NamedDependency[AsyncSession]) -> public.PublicProject:
        found = await public.find_public_project(db_session, slug)
        if found is None:
            raise NotFoundException()
        return await public.public_project(db_session, found)


route_handlers: list[Any] = [CreditsAdminApi, PublicProjectPages, PublicProjectsApi]
