"""Project owners: the list, and the form to add or change one (with the owner's projects)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.credits import inspection, services
from neutralpoint.database.session import DbSession
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint_admin.platform import forms
from neutralpoint_admin.platform.pages import PlatformController, or_404, platform_page, see_other

if TYPE_CHECKING:
    from neutralpoint.credits.models import ProjectOwner


def owner_shown(owner: ProjectOwner | None) -> dict[str, str]:
    if owner is None:
        return dict.fromkeys(forms.OWNER_FIELDS, "") | {"payout_currency": "CNY"}
    return {name: getattr(owner, name) or "" for name in forms.OWNER_FIELDS}


class OwnerPages(PlatformController):
    @get("/owners")
    async def owners(self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]) -> Template:
        return platform_page(
            request,
            "platform/owners.html",
            section="owners",
            owners=await services.list_project_owners(db_session),
            project_counts=await inspection.project_counts_by_owner(db_session),
        )

    @get("/owners/new")
    async def new_owner(self, request: Request[Any, Any, Any]) -> Template:
        return platform_page(
            request, "platform/owner_form.html", section="owners", owner=None, values=owner_shown(None)
        )

    @post("/owners/new")
    async def create_owner(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[Any]:
        values = forms.owner_values(await request.form())
        try:
            async with db_session.begin_nested():
                owner = await services.create_project_owner(db_session, **values)
        except FormErrors as exc:
            return platform_page(
                request, "platform/owner_form.html", section="owners", owner=None, values=values, errors=exc.errors
            )
        return see_other(f"/platform/owners/{owner.id}?saved=1")

    @get("/owners/{owner_id:uuid}")
    async def owner_page(
        self, owner_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Template:
        owner = await or_404(inspection.find_owner(db_session, owner_id))
        return await self._owner_page(request, db_session, owner, owner_shown(owner))

    async def _owner_page(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        owner: ProjectOwner,
        values: dict[str, str],
        errors: Mapping[str, FieldError] | None = None,
    ) -> Template:
        return platform_page(
            request,
            "platform/owner_form.html",
            section="owners",
            owner=owner,
            values=values,
            errors=errors,
            projects=await inspection.projects_of_owner(session, owner.id),
            saved=request.query_params.get("saved") == "1",
        )

    @post("/owners/{owner_id:uuid}")
    async def save_owner(
        self, owner_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], db_session: NamedDependency[DbSession]
    ) -> Response[Any]:
        await or_404(inspection.find_owner(db_session, owner_id))
        values = forms.owner_values(await request.form())
        try:
            async with db_session.begin_nested():
                await services.update_project_owner(db_session, owner_id, **values)
        except FormErrors as exc:
            owner = await or_404(inspection.find_owner(db_session, owner_id))
            return await self._owner_page(request, db_session, owner, values, exc.errors)
        return see_other(f"/platform/owners/{owner_id}?saved=1")
