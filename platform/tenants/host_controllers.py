"""The JSON of a venue's own host name: its claim and proof (venue managers) and every
venue's claims, which a platform admin may revoke. The pages are in ``neutralpoint_admin``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.settings import Settings
from neutralpoint.tenants import host_claims, schemas
from neutralpoint.tenants.access import PLATFORM_ADMIN, VenueAccess, VenueMember
from neutralpoint.tenants.hosts import host_directory
from neutralpoint.tenants.models import Role, Tenant
from neutralpoint.web.api_errors import CONFLICT


def venue_host_out(tenant: Tenant, *, proven_now: bool = False) -> schemas.VenueHostOut:
    steps = host_claims.proof_steps(tenant)
    return schemas.VenueHostOut(
        custom_host=tenant.custom_host,
        proven_at=tenant.host_proven_at,
        proof=tenant.host_proof,
        pending=schemas.HostProofOut(
            host=steps.host,
            dns_name=steps.dns_name,
            dns_value=steps.dns_value,
            http_url=steps.http_url,
            claimed_at=steps.claimed_at,
        )
        if steps
        else None,
        proven_now=proven_now,
    )


def host_claim_out(claim: host_claims.HostClaim) -> schemas.HostClaimOut:
    return schemas.HostClaimOut(
        slug=claim.slug,
        venue=claim.venue,
        host=claim.host,
        proven=claim.proven,
        since=claim.since,
        proof=claim.proof,
        time_zone=claim.time_zone,
    )


class VenueHostApi(Controller):
    """A venue claims a host name with ``PATCH /api/v1/venues/{slug}`` (``custom_host``); here
    it reads what proves it and asks the platform to look for the proof."""

    path = "/api/v1/venues/{slug:str}/host"
    tags = ["venues"]  # noqa: RUF012
    opt = {"access": VenueAccess(Role.MANAGER)}  # noqa: RUF012

    @get("/", summary="The venue's host name and how to prove a claimed one (manager)")
    async def get_host(self, slug: FromPath[str], access: NamedDependency[VenueMember]) -> schemas.VenueHostOut:
        return venue_host_out(access.tenant)

    @post(
        "/prove",
        status_code=200,
        summary="Look for the proof of the claimed host name now; proven, it serves the venue (manager)",
        responses={409: CONFLICT},
    )
    async def prove(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        access: NamedDependency[VenueMember],
    ) -> Response[schemas.VenueHostOut]:
        """409 ``custom_host`` when no claim waits, when neither the TXT record nor the page
        proves it yet, or when another venue proved the name first."""
        await host_claims.prove(db_session, settings, access.tenant)
        return Response(
            venue_host_out(access.tenant, proven_now=True), background=BackgroundTask(host_directory.invalidate)
        )


class PlatformHostApi(Controller):
    """Every venue's host names, for the platform's admins, who may take one back."""

    path = "/api/v1/platform/hosts"
    tags = ["platform"]  # noqa: RUF012
    opt = {"access": PLATFORM_ADMIN}  # noqa: RUF012

    @get("/", summary="Every venue's proven host names and pending claims, newest first")
    async def list_claims(self, db_session: NamedDependency[AsyncSession]) -> list[schemas.HostClaimOut]:
        return [host_claim_out(c) for c in await host_claims.all_claims(db_session)]

    @post("/revoke", status_code=200, summary="Take a host name from a venue")
    async def revoke(
        self, data: JSONBody[schemas.HostRevokeIn], db_session: NamedDependency[AsyncSession]
    ) -> Response[schemas.HostClaimOut]:
        """A proven host stops serving the venue at once; a pending claim ends. 404 ``host``
        when the venue has no such host name."""
        revoked = await host_claims.revoke(db_session, data.slug, data.host)
        return Response(host_claim_out(revoked), background=BackgroundTask(host_directory.invalidate))


route_handlers: list[Any] = [VenueHostApi, PlatformHostApi]
