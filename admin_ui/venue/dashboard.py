"""A person's venues, a venue's dashboard, and its branding (name, colour, language, city,
host name, logo, scenarios)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.refusals import FieldError, FieldValidationError, FormErrors
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import accounts, addresses, branding, entry_points, host_claims, members
from neutralpoint.tenants.access import SIGNED_IN, Role, User, VenueAccess, VenueMember
from neutralpoint.tenants.hosts import host_directory
from neutralpoint.tenants.logos import prepare_logo
from neutralpoint.tenants.schemas import TenantStatus
from neutralpoint.web.i18n import LANGUAGE_NAMES, LANGUAGES
from neutralpoint_admin.venue.pages import (
    form_values,
    page,
    page_language,
    see_other,
    to_login,
    venue_context,
)

if TYPE_CHECKING:
    from neutralpoint.tenants.models import Tenant


def _branding_values(tenant: Tenant, registry: ScenarioRegistry) -> dict[str, Any]:
    return {
        "display_name_en": tenant.display_name_en or "",
        "display_name_zh_hans": tenant.display_name_zh_hans or "",
        "primary_color": tenant.primary_color,
        "default_language": tenant.default_language,
        "time_zone": tenant.time_zone,
        "city": branding.city_label(tenant, "en"),
        # The name the venue asked for last: its pending claim, else its proven host.
        "custom_host": tenant.host_claim or tenant.custom_host or "",
        "enabled_scenarios": [s.id for s in branding.enabled_scenarios(registry, tenant)],
    }


class DashboardPages(Controller):
    path = "/venue"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/", access=SIGNED_IN)
    async def venues(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[DbSession], user: NamedDependency[User]
    ) -> Response[Any]:
        venues = await accounts.venues_of(db_session, user)
        if not venues and user.is_platform_admin:
            return see_other("/platform/venues")
        return page(
            request,
            "venue/list.html",
            user=user,
            venues=venues,
            pending=any(v.tenant.status == TenantStatus.PENDING for v in venues),
            resent=request.query_params.get("resent") == "1",
            password_changed=request.query_params.get("password_changed") == "1",
            left=request.query_params.get("left") == "1",
        )

    @get("/{slug:str}", access=VenueAccess(Role.STAFF))
    async def dashboard(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> Template:
        entries = await entry_points.entry_points(db_session)
        scenarios = {s.id: s for s in registry.ordered()}
        return page(
            request,
            "venue/dashboard.html",
            **venue_context(
                access,
                "dashboard",
                entries=entries,
                scenarios=scenarios,
                entry_point_urls={e.id: addresses.entry_point_url(settings, access.tenant, e) for e in entries},
                venue_url=addresses.venue_url(settings, access.tenant),
                city=branding.city_label(access.tenant, page_language(request)),
                member_count=len(await members.members(db_session)),
                welcome=request.query_params.get("welcome") == "1",
                joined=request.query_params.get("joined") == "1",
                resent=request.query_params.get("resent") == "1",
            ),
        )

    @get("/{slug:str}/branding", access=VenueAccess(Role.MANAGER))
    async def branding(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        return self._branding_page(request, access, registry, settings, _branding_values(access.tenant, registry))

    def _branding_page(
        self,
        request: Request[Any, Any, Any],
        access: VenueMember,
        registry: ScenarioRegistry,
        settings: Settings,
        values: dict[str, Any],
        errors: dict[str, FieldError] | None = None,
    ) -> Template:
        return page(
            request,
            "venue/branding.html",
            status_code=400 if errors else 200,
            errors=errors,
            **venue_context(
                access,
                "branding",
                values=values,
                scenarios=registry.ordered(),
                languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                time_zones=branding.time_zone_names(),
                saved=request.query_params.get("saved") == "1",
                host_proven=request.query_params.get("host") == "proven",
                proof=host_claims.proof_steps(access.tenant),
                logo_max_kb=settings.logo_max_bytes // 1024,
            ),
        )

    @post("/{slug:str}/branding", access=VenueAccess(Role.MANAGER))
    async def save_branding(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        form = await request.form()
        values: dict[str, Any] = form_values(
            form,
            "primary_color",
            "default_language",
            "city",
            "custom_host",
        )
        # The names as the form sends them: each language's field (or one name, in the venue's language).
        sent_only = ("display_name", "display_name_en", "display_name_zh_hans", "time_zone")
        values |= {key: form.get(key, "") for key in sent_only if key in form}
        values["enabled_scenarios"] = form.getall("enabled_scenarios", [])
        upload = form.get("logo")
        try:
            async with db_session.begin_nested():
                await branding.update_branding(db_session, settings, registry, access.tenant, values)
                if isinstance(upload, UploadFile) and upload.filename:
                    content = await upload.read(settings.logo_max_bytes + 1)
                    try:
                        logo = prepare_logo(content, settings.logo_max_bytes)
                    except FieldValidationError as exc:
                        raise FormErrors({"logo": exc.error}) from None
                    branding.set_logo(access.tenant, logo)
                elif "remove_logo" in form and access.tenant.logo_content_type:
                    branding.set_logo(access.tenant, None)
                await db_session.flush()
        except FormErrors as exc:
            await db_session.refresh(access.tenant)
            return self._branding_page(request, access, registry, settings, values, exc.errors)
        return see_other(f"/venue/{slug}/branding?saved=1", background=BackgroundTask(host_directory.invalidate))

    @post("/{slug:str}/branding/host", access=VenueAccess(Role.MANAGER))
    async def prove_host(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        """Look for the proof of the claimed host name now (the page's twin of ``POST …/host/prove``)."""
        try:
            await host_claims.prove(db_session, settings, access.tenant)
        except FormErrors as exc:
            await db_session.refresh(access.tenant)
            values = _branding_values(access.tenant, registry)
            return self._branding_page(request, access, registry, settings, values, exc.errors)
        return see_other(
            f"/venue/{slug}/branding?host=proven#host", background=BackgroundTask(host_directory.invalidate)
        )
