"""A venue's entry points: the list, creating and changing one (with its presets), deleting
one, and its QR codes and posters."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from neutralpoint.database.session import DbSession
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import addresses, branding, entry_points
from neutralpoint.tenants.access import Role, VenueAccess, VenueMember
from neutralpoint.tenants.printables import poster_response, qr_response
from neutralpoint_admin.venue.pages import (
    page,
    see_other,
    to_login,
    venue_context,
)

if TYPE_CHECKING:
    from neutralpoint.tenants.models import EntryPoint


def _entry_values(entry: EntryPoint | None) -> dict[str, Any]:
    if entry is None:
        return {
            "name_en": "",
            "name_zh_hans": "",
            "code": "",
            "scenario": "",
            "event_name_en": "",
            "event_name_zh_hans": "",
            "event_starts_on": "",
            "event_ends_on": "",
            "presets": {},
            "active": True,
        }
    return {
        "name_en": entry.name_en or "",
        "name_zh_hans": entry.name_zh_hans or "",
        "code": entry.code,
        "scenario": entry.scenario,
        "event_name_en": entry.event_name_en or "",
        "event_name_zh_hans": entry.event_name_zh_hans or "",
        "event_starts_on": entry.event_starts_on.isoformat() if entry.event_starts_on else "",
        "event_ends_on": entry.event_ends_on.isoformat() if entry.event_ends_on else "",
        "presets": dict(entry.presets or {}),
        "active": entry.active,
    }


def _entry_form(form: FormMultiDict) -> dict[str, Any]:
    """The posted entry-point form; presets are named ``preset__<scenario>__<field>`` and only
    those of the chosen scenario count."""
    scenario = str(form.get("scenario", ""))
    prefix = f"preset__{scenario}__"
    presets = {key[len(prefix) :]: value for key, value in form.items() if key.startswith(prefix)}
    # Names as the form sends them: each language's field (or one name, in the venue's language).
    names = ("name", "name_en", "name_zh_hans", "event_name", "event_name_en", "event_name_zh_hans")
    values = {
        **{key: form.get(key, "") for key in names if key in form},
        "scenario": scenario,
        "event_starts_on": form.get("event_starts_on", ""),
        "event_ends_on": form.get("event_ends_on", ""),
        "presets": presets,
        "active": "active" in form,
    }
    if "code" in form:
        values["code"] = form.get("code", "")
    return values


class EntryPointPages(Controller):
    path = "/venue"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: to_login}  # noqa: RUF012

    @get("/{slug:str}/entry-points", access=VenueAccess(Role.STAFF))
    async def entry_points(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        registry: NamedDependency[ScenarioRegistry],
        access: NamedDependency[VenueMember],
    ) -> Template:
        entries = await entry_points.entry_points(db_session)
        return page(
            request,
            "venue/entry_points.html",
            **venue_context(
                access,
                "entry_points",
                entries=entries,
                scenarios={s.id: s for s in registry.ordered()},
                enabled={s.id for s in branding.enabled_scenarios(registry, access.tenant)},
                entry_point_urls={e.id: addresses.entry_point_url(settings, access.tenant, e) for e in entries},
                saved=request.query_params.get("saved") == "1",
                deleted=request.query_params.get("deleted") == "1",
            ),
        )

    def _entry_page(
        self,
        request: Request[Any, Any, Any],
        access: VenueMember,
        registry: ScenarioRegistry,
        settings: Settings,
        entry: EntryPoint | None,
        values: dict[str, Any],
        errors: dict[str, FieldError] | None = None,
    ) -> Template:
        scenarios = branding.enabled_scenarios(registry, access.tenant)
        # Presets belong to one scenario: the one they were given (or posted, maybe wrongly) for,
        # else the saved one when editing; on a new entry point, the venue's only scenario. A new
        # entry point of a venue with several gets its presets once it is saved.
        by_id = {s.id: s for s in scenarios}
        if values.get("presets") and values.get("scenario") in by_id:
            preset_scenario: LoadedScenario | None = by_id[values["scenario"]]
        elif entry is not None:
            preset_scenario = by_id.get(entry.scenario)
        else:
            preset_scenario = scenarios[0] if len(scenarios) == 1 else None
        return page(
            request,
            "venue/entry_point_form.html",
            status_code=400 if errors else 200,
            errors=errors,
            **venue_context(
                access,
                "entry_points",
                entry=entry,
                values=values,
                scenarios=scenarios,
                preset_scenario=preset_scenario,
                preset_fields=entry_points.preset_fields(preset_scenario),
                presets_later=preset_scenario is None and any(entry_points.preset_fields(s) for s in scenarios),
                entry_point_url=addresses.entry_point_url(settings, access.tenant, entry) if entry else None,
                read_only=not access.allows(Role.MANAGER),
                saved=request.query_params.get("saved") == "1",
            ),
        )

    @get("/{slug:str}/entry-points/new", access=VenueAccess(Role.MANAGER))
    async def new_entry_point(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        values = _entry_values(None)
        scenarios = branding.enabled_scenarios(registry, access.tenant)
        if scenarios:
            values["scenario"] = scenarios[0].id
        return self._entry_page(request, access, registry, settings, None, values)

    @post("/{slug:str}/entry-points/new", access=VenueAccess(Role.MANAGER))
    async def create_entry_point(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        values = _entry_form(await request.form())
        try:
            async with db_session.begin_nested():
                entry = await entry_points.create_entry_point(db_session, registry, access.tenant, values)
        except FormErrors as exc:
            return self._entry_page(request, access, registry, settings, None, values, exc.errors)
        return see_other(f"/venue/{slug}/entry-points/{entry.id}?saved=1")

    async def _entry(self, session: DbSession, entry_id: uuid.UUID) -> EntryPoint:
        entry = await entry_points.entry_point(session, entry_id)
        if entry is None:
            raise NotFoundException()
        return entry

    @get("/{slug:str}/entry-points/{entry_id:uuid}", access=VenueAccess(Role.STAFF))
    async def entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        entry = await self._entry(db_session, entry_id)
        return self._entry_page(request, access, registry, settings, entry, _entry_values(entry))

    @post("/{slug:str}/entry-points/{entry_id:uuid}", access=VenueAccess(Role.MANAGER))
    async def save_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        registry: NamedDependency[ScenarioRegistry],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        entry = await self._entry(db_session, entry_id)
        values = _entry_form(await request.form())
        try:
            async with db_session.begin_nested():
                await entry_points.update_entry_point(db_session, registry, access.tenant, entry, values)
        except FormErrors as exc:
            await db_session.refresh(entry)
            return self._entry_page(request, access, registry, settings, entry, values, exc.errors)
        return see_other(f"/venue/{slug}/entry-points/{entry.id}?saved=1")

    def _delete_page(
        self, request: Request[Any, Any, Any], access: VenueMember, settings: Settings, entry: EntryPoint
    ) -> Template:
        """What deleting an entry point does, and the button that does it (``confirm=1``)."""
        return page(
            request,
            "venue/confirm.html",
            **venue_context(
                access,
                "entry_points",
                entry=entry,
                entry_point_url=addresses.entry_point_url(settings, access.tenant, entry),
            ),
        )

    @get("/{slug:str}/entry-points/{entry_id:uuid}/delete", access=VenueAccess(Role.MANAGER))
    async def confirm_delete_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Template:
        entry = await self._entry(db_session, entry_id)
        return self._delete_page(request, access, settings, entry)

    @post("/{slug:str}/entry-points/{entry_id:uuid}/delete", access=VenueAccess(Role.MANAGER))
    async def delete_entry_point(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[Any]:
        """Deletes only with ``confirm=1`` (the confirmation page's button); otherwise that page."""
        entry = await self._entry(db_session, entry_id)
        form = await request.form()
        if form.get("confirm") != "1":
            return self._delete_page(request, access, settings, entry)
        await entry_points.delete_entry_point(db_session, entry)
        return see_other(f"/venue/{slug}/entry-points?deleted=1")

    @get(
        ["/{slug:str}/entry-points/{entry_id:uuid}/qr.svg", "/{slug:str}/entry-points/{entry_id:uuid}/qr.png"],
        access=VenueAccess(Role.STAFF),
    )
    async def qr_code(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
        scale: FromQuery[int | None] = None,
        download: FromQuery[bool] = False,
    ) -> Response[bytes]:
        """The QR code as SVG or PNG, as the path's ending says (the default scale is the format's)."""
        entry = await self._entry(db_session, entry_id)
        image = request.url.path.rsplit(".", 1)[-1]
        return qr_response(settings, access.tenant, entry, image, scale, download)

    @get("/{slug:str}/entry-points/{entry_id:uuid}/poster.pdf", access=VenueAccess(Role.STAFF))
    async def poster(
        self,
        slug: FromPath[str],
        entry_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[DbSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
        size: FromQuery[str] = "A4",
        download: FromQuery[bool] = False,
    ) -> Response[bytes]:
        entry = await self._entry(db_session, entry_id)
        return await poster_response(db_session, settings, access.tenant, entry, size, download)
