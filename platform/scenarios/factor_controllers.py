"""The factor sets' and the venues' measured factor values' JSON routes under ``/api/v1``.

``/api/v1/platform/factor-sets`` (platform admins): every loaded scenario's factor-set
versions, each factor with value, unit and source. ``/api/v1/venues/{slug}/factor-overrides``
(managers and owners): the venue's measured values, recording one with its evidence, and
removing one. Their pages are in the admin UI (``/platform/factor-sets``,
``/venue/{slug}/factor-overrides``).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.refusals import FormErrors
from neutralpoint.scenarios import overrides
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.tenants.access import PLATFORM_ADMIN, Role, VenueAccess, VenueMember
from neutralpoint.web.api_errors import refusal_response
from neutralpoint.web.cross_site import FORM_OPT


def factor_sets_json(registry: ScenarioRegistry) -> dict[str, Any]:
    return {
        "scenarios": [
            {
                "id": scenario.id,
                "name": dict(scenario.info.name),
                "plugin": scenario.plugin,
                "current_version": scenario.factors.version,
                "factor_sets": [{**fs.as_dict(), "fingerprint": fs.fingerprint} for fs in scenario.factor_sets],
            }
            for scenario in registry.ordered()
        ]
    }


def override_json(registry: ScenarioRegistry, row: overrides.FactorOverride, slug: str) -> dict[str, Any]:
    scenario = registry.get(row.scenario)
    factor = scenario.factors.factors.get(row.factor_key) if scenario is not None else None
    return {
        "id": str(row.id),
        "scenario": row.scenario,
        "factor_key": row.factor_key,
        "value": row.value,
        "unit": factor.unit if factor is not None else None,
        "published_value": str(factor.value) if factor is not None else None,
        "published_source": factor.source.as_dict() if factor is not None else None,
        "note": row.note,
        "evidence": {
            "filename": row.evidence_filename,
            "content_type": row.evidence_content_type,
            "size": row.evidence_size,
            "sha256": row.evidence_sha256,
            "url": f"/venue/{slug}/factor-overrides/{row.id}/evidence",
        },
        "created_at": row.created_at.isoformat(),
    }


class FactorSetsApi(Controller):
    path = "/api/v1/platform/factor-sets"
    tags = ["platform"]  # noqa: RUF012
    opt = {"access": PLATFORM_ADMIN}  # noqa: RUF012

    @get("/", summary="Every scenario's factor sets and their versions", sync_to_thread=False)
    def factor_sets(self, registry: NamedDependency[ScenarioRegistry]) -> dict[str, Any]:
        """Every loaded scenario's factor-set versions, each factor with value, unit and source."""
        return factor_sets_json(registry)


class FactorOverridesApi(Controller):
    path = "/api/v1/venues/{slug:str}/factor-overrides"
    tags = ["venues"]  # noqa: RUF012
    opt = {"access": VenueAccess(Role.MANAGER)}  # noqa: RUF012

    @get("/", summary="A venue's measured factor values")
    async def list_overrides(
        self,
        slug: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> dict[str, Any]:
        """The venue's measured factor values (manager or owner)."""
        rows = await overrides.list_overrides(db_session, access.tenant.id)
        return {"overrides": [override_json(registry, row, slug) for row in rows]}

    @post(
        "/",
        status_code=201,
        summary="Record a measured factor value, with its evidence (manager)",
        opt={FORM_OPT: True},
    )
    async def create_override(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> Response[dict[str, Any]]:
        """Multipart: ``factor`` (``scenario:key``), ``value``, ``note``, ``evidence`` (file).
        400 names each bad field."""
        form = await request.form()
        raw = {name: form.get(name) for name in ("factor", "value", "note")}
        evidence, filename = await overrides.read_evidence(form.get("evidence"))
        try:
            validated = overrides.validate_override(registry, access.tenant.enabled_scenarios, raw, evidence, filename)
        except FormErrors as exc:
            return refusal_response(exc)
        row = await overrides.save_override(db_session, access.tenant.id, access.user.id, validated)
        return Response(override_json(registry, row, slug), status_code=201)

    @delete("/{override_id:str}", status_code=204, summary="Remove a measured factor value (manager)")
    async def delete_override(
        self,
        override_id: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        access: NamedDependency[VenueMember],
    ) -> None:
        if not await overrides.delete_override(db_session, access.tenant.id, override_id):
            raise NotFoundException()


route_handlers: list[Any] = [FactorSetsApi, FactorOverridesApi]
