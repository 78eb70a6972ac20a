"""Looking for a venue's proof that a host name is its own: a DNS TXT record or a page on the host.

Both look for the same value, ``np-verify=<token>``: in a TXT record at ``_neutralpoint.<host>``,
or as the whole body of ``http://<host>/.well-known/neutralpoint-verify/<token>`` (answered
with 200 and no redirect). Names are resolved with the resolver of ``HOST_PROOF_NAMESERVERS``
(the system's when unset), so the proof and its tests ask the same servers. In production the
page is never fetched from a private, loopback or link-local address: a venue cannot make the
platform call into its own network.
"""

from __future__ import annotations

import ipaddress
import logging

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.rdatatype
import httpx

from neutralpoint.settings import Settings

log = logging.getLogger("neutralpoint.hosts")

DNS_LABEL = "_neutralpoint"
VALUE_PREFIX = "np-verify="
WELL_KNOWN = "/.well-known/neutralpoint-verify/"
#: How long one look may take, in seconds: a venue waits for it after pressing "Check now".
LOOK_SECONDS = 5.0
#: The most of a proof page read: the value is short, and a big page proves nothing.
PAGE_MAX_BYTES = 1024


def dns_name(host: str) -> str:
    return f"{DNS_LABEL}.{host}"


def proof_value(token: str) -> str:
    return f"{VALUE_PREFIX}{token}"


def proof_path(token: str) -> str:
    return f"{WELL_KNOWN}{token}"


def _resolver(settings: Settings) -> dns.asyncresolver.Resolver:
    resolver = dns.asyncresolver.Resolver(configure=not settings.host_proof_nameservers)
    if settings.host_proof_nameservers:
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(address, port) for address, port in settings.host_proof_nameservers
        ]
    resolver.lifetime = LOOK_SECONDS
    return resolver


async def dns_proves(settings: Settings, host: str, token: str) -> bool:
    """Whether a TXT record at ``_neutralpoint.<host>`` holds ``np-verify=<token>``."""
    expected = proof_value(token)
    try:
        answer = await _resolver(settings).resolve(dns_name(host), dns.rdatatype.TXT, raise_on_no_answer=False)
    except dns.exception.DNSException as exc:
        log.info("no TXT proof for %s: %s", host, exc.__class__.__name__)
        return False
    for record in answer.rrset or ():
        text = b"".join(record.strings).decode("utf-8", "replace").strip()
        if text == expected:
            return True
    return False


async def _addresses(settings: Settings, host: str) -> list[str]:
    resolver = _resolver(settings)
    found: list[str] = []
    for kind in (dns.rdatatype.A, dns.rdatatype.AAAA):
        try:
            answer = await resolver.resolve(host, kind, raise_on_no_answer=False)
        except dns.exception.DNSException:
            continue
        found.extend(record.to_text() for record in answer.rrset or ())
    return found


def _may_fetch(settings: Settings, address: str) -> bool:
    return settings.environment != "production" or ipaddress.ip_address(address).is_global


async def http_proves(settings: Settings, host: str, token: str) -> bool:
    """Whether ``http://<host>/.well-known/neutralpoint-verify/<token>`` answers ``np-verify=<token>``."""
    expected = proof_value(token).encode()
    port = settings.host_proof_http_port
    host_header = host if port == 80 else f"{host}:{port}"
    async with httpx.AsyncClient(timeout=LOOK_SECONDS, follow_redirects=False, trust_env=False) as client:
        for address in await _addresses(settings, host):
            if not _may_fetch(settings, address):
                log.info("proof page of %s not fetched: %s is not a public address", host, address)
                continue
            literal = f"[{address}]" if ":" in address else address
            try:
                async with client.stream(
                    "GET", f"http://{literal}:{port}{proof_path(token)}", headers={"Host": host_header}
                ) as response:
                    if response.status_code != 200:
                        continue
                    body = b""
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > PAGE_MAX_BYTES:
                            break
            except httpx.HTTPError as exc:
                log.info("proof page of %s at %s: %s", host, address, exc.__class__.__name__)
                continue
            if body.strip() == expected:
                return True
    return False
