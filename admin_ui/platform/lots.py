"""Lots: recording one a platform bought, its page (numbers, allocations, partly sold
tonnes, assigned pieces, the ledger), its evidence, and its append-only corrections."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint import input_rules as rules
from neutralpoint.credits import inspection, overview, reasons, services
from neutralpoint.database.session import DbSession
from neutralpoint.refusals import Collector, FieldError, FormErrors
from neutralpoint.tenants.access import User
from neutralpoint.web.i18n import gettext_functions
from neutralpoint_admin.platform import forms
from neutralpoint_admin.platform.pages import (
    PlatformController,
    file_response,
    or_404,
    page_language,
    platform_page,
    see_other,
)

if TYPE_CHECKING:
    from neutralpoint.credits.models import LedgerEntry, Project

PIECES_SHOWN = 200
LEDGER_SHOWN = 100


def _reason_text(lang: str) -> Callable[[LedgerEntry], str]:
    """A ledger entry's reason for the page: the platform's own words translated, a person's as written."""
    translate = gettext_functions(lang)["plain_gettext"]

    def shown(entry: LedgerEntry) -> str:
        message = reasons.reason_message(entry.kind, entry.reason)
        return entry.reason if message is None else str(translate(message[0], **message[1]))

    return shown


async def lot_page(
    request: Request[Any, Any, Any],
    session: DbSession,
    lot_id: uuid.UUID,
    *,
    correction: dict[str, str] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    error_allocation: uuid.UUID | None = None,
) -> Template:
    """The lot's page; a refused correction or withdrawal shows its problems in place."""
    lot = await or_404(inspection.find_lot(session, lot_id))
    project = await or_404(inspection.find_project(session, lot.project_id))
    allocations = await services.list_allocations(session, lot.id)
    details = await inspection.lot_details(session, lot.id, pieces_shown=PIECES_SHOWN, entries_shown=LEDGER_SHOWN)
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
        venue_names=await overview.allocation_venue_names(session, {a.id for a in allocations}),
        pieces=details.pieces,
        pieces_total=details.pieces_total,
        pieces_shown=PIECES_SHOWN,
        tonnes=details.tonnes,
        entries=details.entries,
        evidence_filename=details.evidence_filename,
        correctable=services.LOT_CORRECTABLE,
        correction=correction or dict.fromkeys(forms.CORRECTION_FIELDS, ""),
        errors=errors,
        error_allocation=error_allocation,
        created=request.query_params.get("created") == "1",
        corrected=request.query_params.get("corrected") == "1",
    )


class LotPages(PlatformController):
    def _lot_form_page(
        self,
        request: Request[Any, Any, Any],
        project: Project,
        values: dict[str, str],
        errors: Mapping[str, FieldError] | None = None,
    ) -> Template:
        return platform_page(
            request, "platform/lot_form.html", section="projects", project=project, values=values, errors=errors
        )

    @get("/projects/{project_id:uuid}/lots/new")
    async def new_lot(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
    ) -> Template:
        project = await or_404(inspection.find_project(db_session, project_id))
        values = dict.fromkeys(forms.LOT_FIELDS, "") | {"cost_currency": "CNY"}
        return self._lot_form_page(request, project, values)

    @post("/projects/{project_id:uuid}/lots/new")
    async def create_lot(
        self,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        project = await or_404(inspection.find_project(db_session, project_id))
        form = await request.form()
        shown = {name: forms.text(form, name) for name in forms.LOT_FIELDS}
        problems = Collector()
        values = forms.lot_values(shown, problems)
        evidence = await forms.upload(form, "evidence", problems)
        if problems:
            found = await services.lot_problems(db_session, project_id=project.id, evidence=evidence, **values)
            errors = forms.with_service_problems(problems, found, forms.LOT_RENAMES)
            return self._lot_form_page(request, project, shown, errors)
        try:
            async with db_session.begin_nested():
                lot = await services.create_lot(
                    db_session, project_id=project.id, actor=user.email, evidence=evidence, **values
                )
        except FormErrors as exc:
            project = await or_404(inspection.find_project(db_session, project_id))
            return self._lot_form_page(request, project, shown, forms.field_errors(exc, forms.LOT_RENAMES))
        return see_other(f"/platform/lots/{lot.id}?created=1")

    @get("/lots/{lot_id:uuid}")
    async def lot(
        self, lot_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Template:
        return await lot_page(request, db_session, lot_id)

    @get("/lots/{lot_id:uuid}/evidence")
    async def lot_evidence(
        self, lot_id: FromPath[uuid.UUID], db_session: NamedDependency[DbSession]
    ) -> Response[bytes]:
        return file_response(await inspection.lot_evidence(db_session, lot_id))

    @post("/lots/{lot_id:uuid}/corrections")
    async def correct_lot(
        self,
        lot_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        await or_404(inspection.find_lot(db_session, lot_id))
        form = await request.form()
        shown = {name: forms.text(form, name) for name in forms.CORRECTION_FIELDS}
        problems = Collector()
        value = await forms.correction_value(form, shown, problems)
        if not shown["reason"]:
            problems.add("reason", rules.REQUIRED)
        errors = problems.errors
        if not problems:
            try:
                async with db_session.begin_nested():
                    await services.correct_lot(
                        db_session, lot_id, field=shown["field"], value=value, reason=shown["reason"], actor=user.email
                    )
            except FormErrors as exc:
                errors = dict(exc.errors)
        if errors:
            return await lot_page(request, db_session, lot_id, correction=shown, errors=errors)
        return see_other(f"/platform/lots/{lot_id}?corrected=1#corrections")
