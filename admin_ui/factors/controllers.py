"""Factor sets side by side for platform admins; factor overrides for a venue's managers.

``/platform/factor-sets`` lists every loaded scenario × each of its factor-set versions ×
each factor (value, unit, source), so an admin sees what changed between versions.
``/venue/<slug>/factor-overrides`` lets a manager replace a factor of a scenario the venue
uses with a measured value, a note and an evidence file (PDF, PNG or JPEG, at most 5 MB,
checked by content). Their JSON twins are ``neutralpoint.scenarios.factor_controllers``.
Someone else's venue, or a page above one's role, is a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from neutralpoint.database.session import DbSession
from neutralpoint.refusals import FormErrors
from neutralpoint.scenarios import overrides
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.i18n import text_for, unit_text
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.tenants.access import PLATFORM_ADMIN, Role, VenueAccess, VenueMember
from neutralpoint.web.i18n import choose_language
from neutralpoint.web.templating import render
from neutralpoint_admin.platform.pages import platform_page
from neutralpoint_admin.venue.pages import venue_context

CSRF_FIELD = "_csrf_token"


def _lang(request: Request[Any, Any, Any], venue_default: str | None = None) -> str:
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
        venue_default,
    )


def _to_login(request: Request[Any, Any, Any], _: NotAuthorizedException) -> Response[Any]:
    """A page needing a signed-in person sends others to the sign-in page and back."""
    return Redirect(path=f"/login?next={quote(request.url.path)}", status_code=303)


# --- factor sets side by side --------------------------------------------------------------------


def factor_set_view(scenario: LoadedScenario) -> dict[str, Any]:
    """One scenario's versions as columns and its factors as rows (a factor may be new or gone)."""
    versions = list(scenario.factor_sets)
    keys: list[str] = []
    for fs in versions:
        keys.extend(k for k in fs.factors if k not in keys)
    rows = []
    for key in keys:
        cells = []
        previous: Decimal | None = None
        for fs in versions:
            factor = fs.factors.get(key)
            value = factor.value if factor is not None else None
            cells.append({"value": value, "changed": previous is not None and value is not None and value != previous})
            previous = value if value is not None else previous
        latest = next(fs.factors[key] for fs in reversed(versions) if key in fs.factors)
        rows.append({"key": key, "factor": latest, "cells": cells})
    return {"scenario": scenario, "versions": [fs.version for fs in versions], "rows": rows}


@get(
    "/platform/factor-sets",
    include_in_schema=False,
    exception_handlers={NotAuthorizedException: _to_login},
    access=PLATFORM_ADMIN,
)
async def factor_sets_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[DbSession],
    registry: NamedDependency[ScenarioRegistry],
) -> Template:
    """Every plugin's factor sets side by side: scenarios × versions × factors."""
    views = [factor_set_view(s) for s in registry.ordered()]
    return platform_page(request, "factors/factor_sets.html", section="factor_sets", scenarios=views)


# --- venue overrides -------------------------------------------------------------------------------


def _choices(registry: ScenarioRegistry, access: VenueMember, lang: str) -> list[dict[str, Any]]:
    groups = []
    for scenario in overrides.overridable(registry, access.tenant.enabled_scenarios):
        options = [
            {
                "value": f"{scenario.id}:{factor.key}",
                "label": (
                    f"{text_for(factor.label, lang)} — {factor.value} {unit_text(factor.unit, lang)} ({factor.key})"
                ),
            }
            for factor in scenario.factors.factors.values()
        ]
        groups.append({"label": text_for(scenario.info.name, lang), "options": options})
    return groups


def _published(registry: ScenarioRegistry, row: overrides.FactorOverride) -> FactorSet | None:
    scenario = registry.get(row.scenario)
    return scenario.factors if scenario is not None else None


def _rows_view(registry: ScenarioRegistry, rows: list[overrides.FactorOverride], lang: str) -> list[dict[str, Any]]:
    view = []
    for row in rows:
        published = _published(registry, row)
        factor = published.factors.get(row.factor_key) if published is not None else None
        scenario = registry.get(row.scenario)
        view.append(
            {
                "row": row,
                "scenario": text_for(scenario.info.name, lang) if scenario is not None else row.scenario,
                "label": text_for(factor.label, lang) if factor is not None else row.factor_key,
                "published": f"{factor.value} {unit_text(factor.unit, lang)}" if factor is not None else "—",
                "unit": unit_text(factor.unit, lang) if factor is not None else "",
            }
        )
    return view


async def _overrides_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    registry: ScenarioRegistry,
    access: VenueMember,
    *,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    lang = _lang(request, access.tenant.default_language)
    rows = await overrides.list_overrides(db_session, access.tenant.id)
    return render(
        request,
        "factors/overrides.html",
        lang=lang,
        status_code=status_code,
        request_path=request.url.path,
        **venue_context(access, "factor_overrides"),
        rows=_rows_view(registry, rows, lang),
        groups=_choices(registry, access, lang),
        values=values or {},
        refused=errors.errors if errors else {},
        saved=saved,
    )


@get(
    "/venue/{slug:str}/factor-overrides",
    include_in_schema=False,
    exception_handlers={NotAuthorizedException: _to_login},
    access=VenueAccess(Role.MANAGER),
)
async def overrides_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[DbSession],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    access: NamedDependency[VenueMember],
) -> Template:
    """The venue's measured values and a form to add one."""
    return await _overrides_page(request, db_session, registry, access, saved=request.query_params.get("saved") == "1")


@post(
    "/venue/{slug:str}/factor-overrides",
    include_in_schema=False,
    exception_handlers={NotAuthorizedException: _to_login},
    status_code=303,
    access=VenueAccess(Role.MANAGER),
)
async def create_override_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[DbSession],
    registry: NamedDependency[ScenarioRegistry],
    slug: FromPath[str],
    access: NamedDependency[VenueMember],
) -> Response[Any]:
    """Store a measured value (303 back to the list), or show the form again with the problems (400)."""
    form = await request.form()
    raw = {name: form.get(name) for name in ("factor", "value", "note")}
    evidence, filename = await overrides.read_evidence(form.get("evidence"))
    try:
        validated = overrides.validate_override(registry, access.tenant.enabled_scenarios, raw, evidence, filename)
    except FormErrors as exc:
        values = {k: str(v or "") for k, v in raw.items()}
        return await _overrides_page(request, db_session, registry, access, values=values, errors=exc, status_code=400)
    await overrides.save_override(db_session, access.tenant.id, access.user.id, validated)
    return Redirect(path=f"/venue/{slug}/factor-overrides?saved=1", status_code=303)


@post(
    "/venue/{slug:str}/factor-overrides/{override_id:str}/delete",
    include_in_schema=False,
    exception_handlers={NotAuthorizedException: _to_login},
    status_code=303,
    access=VenueAccess(Role.MANAGER),
)
async def delete_override_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[DbSession],
    slug: FromPath[str],
    override_id: FromPath[str],
    access: NamedDependency[VenueMember],
) -> Response[Any]:
    if not await overrides.delete_override(db_session, access.tenant.id, override_id):
        raise NotFoundException()
    return Redirect(path=f"/venue/{slug}/factor-overrides", status_code=303)


@get(
    "/venue/{slug:str}/factor-overrides/{override_id:str}/evidence",
    include_in_schema=False,
    exception_handlers={NotAuthorizedException: _to_login},
    access=VenueAccess(Role.MANAGER),
)
async def evidence_file(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[DbSession],
    slug: FromPath[str],
    override_id: FromPath[str],
    access: NamedDependency[VenueMember],
) -> Response[bytes]:
    """The evidence as uploaded, served as a download of its checked type."""
    row = await overrides.find_override(db_session, access.tenant.id, override_id, with_evidence=True)
    if row is None:
        raise NotFoundException()
    return Response(
        row.evidence,
        media_type=row.evidence_content_type,
        headers={
            "content-disposition": f'attachment; filename="{row.evidence_filename}"',
            "x-content-type-options": "nosniff",
            "cache-control": "private, no-store",
        },
    )


route_handlers: list[Any] = [
    factor_sets_page,
    overrides_page,
    create_override_page,
    delete_override_page,
    evidence_file,
]
