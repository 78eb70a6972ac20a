"""Registry retirements: tonnes due, batching them into requests, and recording the
registry's reference (with its evidence) for each request."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.credits import inspection, services
from neutralpoint.credits.schemas import RetirementStatus
from neutralpoint.database.session import DbSession
from neutralpoint.refusals import Collector, FieldError, FormErrors
from neutralpoint.tenants.access import User
from neutralpoint_admin.platform import forms
from neutralpoint_admin.platform.pages import PlatformController, file_response, or_404, platform_page, see_other

if TYPE_CHECKING:
    from neutralpoint.credits.models import Tonne

DUE_SERIALS_SHOWN = 50


class RetirementPages(PlatformController):
    async def _retirements_page(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        *,
        errors: Mapping[str, FieldError] | None = None,
        error_request: uuid.UUID | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        due = await services.due_tonnes(session)
        projects = {p.id: p for p in await services.list_projects(session)}
        due_by_project: dict[uuid.UUID, list[Tonne]] = {}
        for tonne in due:
            due_by_project.setdefault(tonne.project_id, []).append(tonne)
        requests = await services.list_retirements(session)
        awaiting = RetirementStatus.AWAITING_REFERENCE.value
        return platform_page(
            request,
            "platform/retirements.html",
            section="retirements",
            due_by_project=due_by_project,
            due_count=len(due),
            due_serials_shown=DUE_SERIALS_SHOWN,
            projects=projects,
            awaiting=[r for r in requests if r.status == awaiting],
            others=sorted((r for r in requests if r.status != awaiting), key=lambda r: r.created_at, reverse=True),
            has_evidence=await inspection.retirements_with_evidence(session),
            errors=errors,
            error_request=error_request,
            values=values or {},
            batched=request.query_params.get("batched"),
            recorded=request.query_params.get("recorded") == "1",
        )

    @get("/retirements")
    async def retirements(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        return await self._retirements_page(request, db_session)

    @post("/retirements/batch")
    async def batch_retirements(self, state: State, user: NamedDependency[User]) -> Response[Any]:
        # Its own transactions: the registries are called outside any of them.
        made = await services.batch_retirements(state.db, actor=user.email)
        return see_other(f"/platform/retirements?batched={len(made)}")

    @post("/retirements/{request_id:uuid}/reference")
    async def record_reference(
        self,
        request_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        user: NamedDependency[User],
    ) -> Response[Any]:
        await or_404(inspection.find_retirement_request(db_session, request_id))
        form = await request.form()
        values = {"reference": forms.text(form, "reference"), "registry_url": forms.text(form, "registry_url")}
        problems = Collector()
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
            except FormErrors as exc:
                errors = dict(exc.errors)
        if errors:
            return await self._retirements_page(
                request, db_session, errors=errors, error_request=request_id, values=values
            )
        return see_other("/platform/retirements?recorded=1")

    @get("/retirements/{request_id:uuid}/evidence")
    async def retirement_evidence(
        self, request_id: FromPath[uuid.UUID], db_session: NamedDependency[DbSession]
    ) -> Response[bytes]:
        return file_response(await inspection.retirement_evidence(db_session, request_id))
