"""The JSON of the platform's console of venues: list and search, details, approve, suspend,
reactivate. The pages are in ``neutralpoint_admin.platform.venues``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.tenants import console, schemas
from neutralpoint.tenants.access import PLATFORM_ADMIN
from neutralpoint.tenants.host_controllers import host_claim_out
from neutralpoint.tenants.models import Role, Tenant
from neutralpoint.web.api_errors import CONFLICT


def console_venue_out(tenant: Tenant, owner_emails: list[str]) -> schemas.ConsoleVenueOut:
    return schemas.ConsoleVenueOut(
        slug=tenant.slug,
        display_name=tenant.display_name,
        display_name_en=tenant.display_name_en,
        display_name_zh_hans=tenant.display_name_zh_hans,
        status=tenant.status.value,
        contact_email=tenant.contact_email,
        owner_emails=owner_emails,
        custom_host=tenant.custom_host,
        host_claim=tenant.host_claim,
        time_zone=tenant.time_zone,
        is_demo=tenant.is_demo,
        created_at=tenant.created_at,
        suspended_reason=tenant.suspended_reason,
        suspended_at=tenant.suspended_at,
        console_url=f"/platform/venues/{tenant.slug}",
    )


def details_out(details: console.VenueDetails) -> schemas.ConsoleVenueDetailsOut:
    tenant = details.tenant
    owners = [m.email for m in details.members if m.role == Role.OWNER]
    return schemas.ConsoleVenueDetailsOut(
        venue=console_venue_out(tenant, sorted(owners)),
        members=[
            schemas.ConsoleMemberOut(email=m.email, name=m.name, role=m.role.value, since=m.since)
            for m in details.members
        ],
        open_invitations=details.open_invitations,
        entry_points=[
            schemas.ConsoleEntryPointOut(
                code=e.code, name=e.name, scenario=e.scenario, active=e.active, created_at=e.created_at
            )
            for e in details.entry_points
        ],
        hosts=[host_claim_out(c) for c in details.hosts],
        activity_url=f"/api/v1/platform/venues/{tenant.slug}/activity",
        hosts_url="/api/v1/platform/hosts",
    )


class PlatformVenuesApi(Controller):
    """Every venue, for the platform's admins."""

    path = "/api/v1/platform/venues"
    tags = ["platform"]  # noqa: RUF012
    opt = {"access": PLATFORM_ADMIN}  # noqa: RUF012

    @get("/", summary="Venues matching a search, pending first, a page at a time")
    async def list_venues(
        self,
        db_session: NamedDependency[AsyncSession],
        q: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
    ) -> schemas.ConsoleVenuesOut:
        """``q`` matches either name, the slug, an owner's or the contact e-mail address and the
        host names; ``status`` is ``pending``, ``active`` or ``suspended``; ``page`` counts from 1.
        A bad filter is a 400 naming it."""
        query = console.venue_query({"q": q, "status": status, "page": page})
        found = await console.find_venues(db_session, query)
        return schemas.ConsoleVenuesOut(
            venues=[console_venue_out(row.tenant, row.owner_emails) for row in found.rows],
            total=found.total,
            page=found.page,
            pages=found.pages,
            page_size=console.PAGE_SIZE,
        )

    @get("/{slug:str}", summary="A venue, its members, entry points and host names")
    async def venue_details(
        self, slug: FromPath[str], db_session: NamedDependency[AsyncSession]
    ) -> schemas.ConsoleVenueDetailsOut:
        return details_out(await console.venue_details(db_session, slug))

    @post("/{slug:str}/approve", status_code=200, summary="Open a pending venue to visitors", responses={409: CONFLICT})
    async def approve(
        self, slug: FromPath[str], db_session: NamedDependency[AsyncSession]
    ) -> schemas.ConsoleVenueDetailsOut:
        """409 ``status`` unless the venue is pending."""
        await console.approve(db_session, slug)
        return details_out(await console.venue_details(db_session, slug))

    @post("/{slug:str}/suspend", status_code=200, summary="Suspend a venue, saying why", responses={409: CONFLICT})
    async def suspend(
        self, slug: FromPath[str], data: JSONBody[schemas.SuspendIn], db_session: NamedDependency[AsyncSession]
    ) -> schemas.ConsoleVenueDetailsOut:
        """Its public pages then say it is suspended, its QR codes take no estimates or
        payments, and its members read ``reason``. 400 ``reason`` when it is missing; 409
        ``status`` when the venue is suspended already."""
        await console.suspend(db_session, slug, {"reason": data.reason})
        return details_out(await console.venue_details(db_session, slug))

    @post("/{slug:str}/reactivate", status_code=200, summary="Open a suspended venue again", responses={409: CONFLICT})
    async def reactivate(
        self, slug: FromPath[str], db_session: NamedDependency[AsyncSession]
    ) -> schemas.ConsoleVenueDetailsOut:
        """409 ``status`` unless the venue is suspended."""
        await console.reactivate(db_session, slug)
        return details_out(await console.venue_details(db_session, slug))


route_handlers: list[Any] = [PlatformVenuesApi]
