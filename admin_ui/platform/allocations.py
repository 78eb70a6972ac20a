"""Allocations: offering grams of a lot to one venue, some or all, at a price and a split;
every allocation; and withdrawing one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.credits import csv_export, inspection, overview, services
from neutralpoint.database.session import DbSession
from neutralpoint.refusals import Collector, FieldError, FormErrors, problem
from neutralpoint.tenants.access import User
from neutralpoint.tenants.directory import all_venues
from neutralpoint_admin.platform import forms
from neutralpoint_admin.platform.lots import lot_page
from neutralpoint_admin.platform.pages import PlatformController, or_404, platform_page, see_other


class AllocationPages(PlatformController):
    async def _allocation_form_page(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        lot_id: uuid.UUID,
        values: dict[str, Any],
        errors: Mapping[str, FieldError] | None = None,
    ) -> Template:
        lot = await or_404(inspection.find_lot(session, lot_id))
        project = await or_404(inspection.find_project(session, lot.project_id))
        return platform_page(
            request,
            "platform/allocation_form.html",
            section="allocations",
            lot=lot,
            project=project,
            venues=await all_venues(session),
            values=values,
            errors=errors,
        )

    @get("/lots/{lot_id:uuid}/allocations/new")
    async def new_allocation(
        self, lot_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Template:
        lot = await or_404(inspection.find_lot(db_session, lot_id))
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
        db_session: NamedDependency[DbSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        lot = await or_404(inspection.find_lot(db_session, lot_id))
        shown = forms.allocation_form(await request.form())
        problems = Collector()
        values = forms.allocation_values(shown, problems)
        if values["grams"] is not None and values["grams"] > lot.unallocated_grams:
            free = csv_export.tonnes_text(lot.unallocated_grams)
            problems.add(
                "offered_tonnes",
                problem(
                    "too_large",
                    "Only {tonnes} t of this lot are not offered yet.",
                    "此批次尚未提供的只有 {tonnes} 吨。",
                    tonnes=free,
                ),
            )
        errors: Mapping[str, FieldError] = problems.errors
        if problems:
            found = await services.allocation_problems(db_session, lot_id=lot_id, **values)
            errors = forms.with_service_problems(problems, found, forms.ALLOCATION_RENAMES)
        else:
            try:
                async with db_session.begin_nested():
                    await services.create_allocation(db_session, lot_id=lot_id, actor=user.email, **values)
            except FormErrors as exc:
                errors = forms.field_errors(exc, forms.ALLOCATION_RENAMES)
        if errors:
            return await self._allocation_form_page(request, db_session, lot_id, shown, errors)
        return see_other(f"/platform/lots/{lot_id}#allocations")

    @get("/allocations")
    async def allocations(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        rows = await inspection.allocation_rows(db_session)
        return platform_page(
            request,
            "platform/allocations.html",
            section="allocations",
            rows=rows,
            venue_names=await overview.allocation_venue_names(db_session, {row.allocation.id for row in rows}),
        )

    @post("/allocations/{allocation_id:uuid}/withdraw")
    async def withdraw_allocation(
        self,
        allocation_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        allocation = await or_404(inspection.find_allocation(db_session, allocation_id))
        lot_id = allocation.lot_id
        reason = forms.text(await request.form(), "reason")
        try:
            async with db_session.begin_nested():
                await services.withdraw_allocation(db_session, allocation_id, actor=user.email, reason=reason)
        except FormErrors as exc:
            return await lot_page(
                request,
                db_session,
                lot_id,
                errors={f"withdraw_{k}": v for k, v in exc.errors.items()},
                error_allocation=allocation_id,
            )
        return see_other(f"/platform/lots/{lot_id}#allocations")
