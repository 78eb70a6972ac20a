"""A venue's own host name, claimed, proven, then served; and taken back by a platform admin.

A venue claims a name on its branding page (or ``PATCH /api/v1/venues/{slug}``): the claim
waits, with a random token, until the venue proves the name is its own (``host_proof``: a DNS
TXT record or a page on the host). Only then does ``Tenant.custom_host`` carry it, and only
that column is served (``hosts``) and printed on QR codes. Several venues may claim one name;
the first to prove it gets it, and a proven name cannot be claimed by another venue. A
venue's proven host keeps serving while it claims another, until the other is proven.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.database.base import utcnow
from neutralpoint.refusals import Collector, FieldError, FormErrors, problem, refuse
from neutralpoint.settings import Settings
from neutralpoint.tenants import host_proof
from neutralpoint.tenants import validation as check
from neutralpoint.tenants.addresses import platform_host
from neutralpoint.tenants.models import Tenant

log = logging.getLogger("neutralpoint.hosts")

FIELD = "custom_host"
NOTHING_CLAIMED = problem(
    "host_not_claimed",
    "There is no host name waiting to be proven; enter one first.",
    "没有等待验证的主机名，请先填写一个。",
)
UNKNOWN_CLAIM = problem("host_unknown", "This venue has no such host name.", "该场所没有这个主机名。")


@dataclass(frozen=True)
class ProofSteps:
    """What a venue publishes to prove ``host``: one of the two is enough."""

    host: str
    dns_name: str
    dns_value: str
    http_url: str
    claimed_at: datetime


@dataclass(frozen=True)
class HostClaim:
    """A host name of a venue as a platform admin sees it: proven (served) or pending."""

    slug: str
    venue: str
    host: str
    proven: bool
    since: datetime | None
    proof: str | None
    #: The venue's time zone: ``since`` is shown on its clock.
    time_zone: str = "UTC"


def proof_steps(tenant: Tenant) -> ProofSteps | None:
    """The record and page that prove the venue's pending claim, or None without one."""
    if not tenant.host_claim or not tenant.host_claim_token or tenant.host_claimed_at is None:
        return None
    return ProofSteps(
        host=tenant.host_claim,
        dns_name=host_proof.dns_name(tenant.host_claim),
        dns_value=host_proof.proof_value(tenant.host_claim_token),
        http_url=f"http://{tenant.host_claim}{host_proof.proof_path(tenant.host_claim_token)}",
        claimed_at=tenant.host_claimed_at,
    )


def _not_proven(steps: ProofSteps) -> FieldError:
    return problem(
        "host_not_proven",
        "{host} is not proven yet: neither a TXT record {dns_name} holding {value} was found, nor the page {url} "
        "answering it. DNS changes can take a while to spread; try again later.",
        "{host} 尚未通过验证：既未找到内容为 {value} 的 TXT 记录 {dns_name}，也未找到返回该值的页面 {url}。"
        "DNS 更改可能需要一段时间生效，请稍后再试。",
        host=steps.host,
        dns_name=steps.dns_name,
        value=steps.dns_value,
        url=steps.http_url,
    )


def _related_to_platform(settings: Settings, host: str, errors: Collector) -> bool:
    platform = platform_host(settings)
    if host == platform:
        errors.add(FIELD, check.HOST_IS_PLATFORM)
        return True
    if host.endswith("." + platform) or platform.endswith("." + host):
        errors.add(FIELD, check.HOST_NEAR_PLATFORM)
        return True
    return False


async def check_claim(
    session: AsyncSession, settings: Settings, tenant: Tenant, host: str | None, errors: Collector
) -> None:
    """File under ``custom_host`` why ``host`` cannot be claimed: the platform's, or proven by another venue."""
    if host is None or FIELD in errors or _related_to_platform(settings, host, errors):
        return
    taken = await session.execute(select(Tenant.id).where(Tenant.custom_host == host, Tenant.id != tenant.id))
    if taken.first():
        errors.add(FIELD, check.HOST_TAKEN)


def apply_claim(tenant: Tenant, host: str | None) -> None:
    """What the venue now asks for: nothing (its host and claim end), its proven host, or a new claim."""
    if host is None:
        if tenant.custom_host:
            log.info("venue %s gave up its host %s", tenant.slug, tenant.custom_host)
        tenant.custom_host = None
        tenant.host_proven_at = None
        tenant.host_proof = None
        _drop_claim(tenant)
    elif host == tenant.custom_host:
        _drop_claim(tenant)
    elif host != tenant.host_claim:
        tenant.host_claim = host
        tenant.host_claim_token = secrets.token_urlsafe(24)
        tenant.host_claimed_at = utcnow()


def _drop_claim(tenant: Tenant) -> None:
    tenant.host_claim = None
    tenant.host_claim_token = None
    tenant.host_claimed_at = None


async def prove(session: AsyncSession, settings: Settings, tenant: Tenant) -> str:
    """Look for the proof of the venue's claim; when found, the claimed host serves the venue.

    Returns how it was proven (``dns`` or ``http``); refuses (409) when nothing proves it or
    another venue proved the name first."""
    steps = proof_steps(tenant)
    if steps is None or tenant.host_claim_token is None:
        raise refuse(FIELD, NOTHING_CLAIMED, status_code=409)
    token = tenant.host_claim_token
    if await host_proof.dns_proves(settings, steps.host, token):
        method = "dns"
    elif await host_proof.http_proves(settings, steps.host, token):
        method = "http"
    else:
        raise refuse(
            FIELD,
            _not_proven(steps),
            status_code=409,
        )
    errors = Collector()
    await check_claim(session, settings, tenant, steps.host, errors)
    if errors:
        raise FormErrors(errors.errors, status_code=409)
    tenant.custom_host = steps.host
    tenant.host_proven_at = utcnow()
    tenant.host_proof = method
    _drop_claim(tenant)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise refuse(FIELD, check.HOST_TAKEN, status_code=409) from None
    log.info("venue %s proved its host %s by %s", tenant.slug, steps.host, method)
    return method


async def all_claims(session: AsyncSession) -> list[HostClaim]:
    """Every venue's proven host and pending claim, newest first, for the platform's admins."""
    rows = (
        await session.execute(
            select(Tenant).where(or_(Tenant.custom_host.is_not(None), Tenant.host_claim.is_not(None)))
        )
    ).scalars()
    claims: list[HostClaim] = []
    for tenant in rows:
        if tenant.custom_host:
            claims.append(
                HostClaim(
                    tenant.slug,
                    tenant.display_name,
                    tenant.custom_host,
                    True,
                    tenant.host_proven_at,
                    tenant.host_proof,
                    tenant.time_zone,
                )
            )
        if tenant.host_claim:
            claims.append(
                HostClaim(
                    tenant.slug,
                    tenant.display_name,
                    tenant.host_claim,
                    False,
                    tenant.host_claimed_at,
                    None,
                    tenant.time_zone,
                )
            )
    return sorted(claims, key=lambda c: (c.since is None, c.since), reverse=True)


async def revoke(session: AsyncSession, slug: str, host: str) -> HostClaim:
    """Take ``host`` from the venue ``slug``: a proven host stops serving at once, a claim ends.

    Names the host, not only the venue, so that an admin revokes what they saw."""
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
    cleaned = host.strip().lower()
    if tenant is None or cleaned not in (tenant.custom_host, tenant.host_claim):
        raise refuse("host", UNKNOWN_CLAIM, status_code=404)
    revoked = HostClaim(
        tenant.slug,
        tenant.display_name,
        cleaned,
        cleaned == tenant.custom_host,
        tenant.host_proven_at if cleaned == tenant.custom_host else tenant.host_claimed_at,
        tenant.host_proof if cleaned == tenant.custom_host else None,
        tenant.time_zone,
    )
    if cleaned == tenant.custom_host:
        tenant.custom_host = None
        tenant.host_proven_at = None
        tenant.host_proof = None
    else:
        _drop_claim(tenant)
    await session.flush()
    log.warning("host %s of venue %s revoked by a platform admin", cleaned, slug)
    return revoked
