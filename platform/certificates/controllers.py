"""Anyone may check a certificate: the verify page, its JSON twin, and the public keys.

``/certificates/verify?number=NP-…`` or ``/certificates/verify?p=<payload>`` (what the QR code holds) answers
with the certificate and a verdict; anything that is not a valid certificate gets a
"not valid" with its reason, in the page's language (the API gives both), never an
error page. The keys at ``/.well-known/neutralpoint/certificate-keys.json`` let anyone
check a payload without us (``docs/certificates.md``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.certificates import services, signing
from neutralpoint.certificates.schemas import CertificateView, Verification
from neutralpoint.languages import LANGUAGES
from neutralpoint.tenants.access import PUBLIC
from neutralpoint.web.i18n import choose_language, normalize_language
from neutralpoint.web.templating import render

KEYS_PATH = "/.well-known/neutralpoint/certificate-keys.json"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
#: Longer input is not read at all (a payload is under 4 kB; a number is 17 characters).
MAX_QUERY_CHARS = 4096


class PieceOut(msgspec.Struct):
    serial: str
    vintage_year: int
    gram_from: int
    gram_to: int
    grams: int
    retirement_status: str
    retirement_reference: str | None
    retirement_url: str | None


class CertificateOut(msgspec.Struct):
    number: str
    status: str
    holder: str
    holder_is_anonymous: bool
    venue: str
    entry_point: str
    grams: int
    project: str
    project_registry_id: str
    project_url: str
    project_registry_url: str
    pieces: list[PieceOut]
    retirement_status: str
    factor_set_version: str
    ledger_chain: str
    ledger_position: int | None
    ledger_hash: str
    key_id: str
    payload: str
    issued_at: str
    voided_at: str | None
    verify_url: str


class VerificationOut(msgspec.Struct):
    valid: bool
    signature_valid: bool | None
    reason_code: str
    reason: dict[str, str] | None
    """The reason in ``en`` and ``zh-Hans`` when the certificate is not valid."""
    certificate: CertificateOut | None


class PublicKeyOut(msgspec.Struct):
    kid: str
    alg: str
    public_key: str


class KeysOut(msgspec.Struct):
    keys: list[PublicKeyOut]
    format: str
    """The payload format these keys sign (``NPC1``, specified in ``docs/certificates.md``)."""


def _short(value: str | None) -> str | None:
    return value[:MAX_QUERY_CHARS] if value else None


def certificate_out(view: CertificateView, base_url: str) -> CertificateOut:
    return CertificateOut(
        number=view.number,
        status=view.status,
        holder=view.holder,
        holder_is_anonymous=view.holder_is_anonymous,
        venue=view.venue_name,
        entry_point=view.entry_point,
        grams=view.grams,
        project=view.project_name,
        project_registry_id=view.project_registry_id,
        project_url=f"{base_url}{view.project_url}" if view.project_url else "",
        project_registry_url=view.project_registry_url,
        pieces=[
            PieceOut(
                p.serial,
                p.vintage_year,
                p.gram_from,
                p.gram_to,
                p.grams,
                p.retirement_status,
                p.retirement_reference,
                p.retirement_url,
            )
            for p in view.pieces
        ],
        retirement_status=view.retirement_status,
        factor_set_version=view.factor_set_version,
        ledger_chain=view.ledger_chain,
        ledger_position=view.ledger_position,
        ledger_hash=view.ledger_hash,
        key_id=view.key_id,
        payload=view.payload,
        issued_at=view.issued_at.isoformat(),
        voided_at=view.voided_at.isoformat() if view.voided_at else None,
        verify_url=f"{base_url}/certificates/verify?number={view.number}",
    )


def _reason_both(verification: Verification) -> dict[str, str] | None:
    if verification.reason is None:
        return None
    return {lang: verification.reason.message(lang) for lang in LANGUAGES}


@get("/certificates/verify", include_in_schema=False, access=PUBLIC)
async def verify_page(
    request: Request[Any, Any, Any],
    state: State,
    db_session: NamedDependency[AsyncSession],
    number: Annotated[str | None, QueryParameter(name="number", description="A certificate number")] = None,
    payload: Annotated[str | None, QueryParameter(name="p", description="A certificate's QR code payload")] = None,
) -> Template:
    """The certificate and whether it is valid; with neither a number nor a code, the form alone."""
    lang = choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )
    asked = bool((number and number.strip()) or (payload and payload.strip()))
    verification = (
        await services.verify(db_session, state.settings, number=_short(number), payload=_short(payload))
        if asked
        else None
    )
    response = render(
        request,
        "certificates/verify.html",
        lang=lang,
        headers={"Cache-Control": "no-store"},
        verification=verification,
        reason=verification.reason.message(lang) if verification and verification.reason else "",
        number=(number or "").strip()[:40],
        keys_url=KEYS_PATH,
    )
    chosen = normalize_language(request.query_params.get("lang"))
    if chosen:
        response.set_cookie("lang", chosen, max_age=LANG_COOKIE_SECONDS, samesite="lax")
    return response


@get(
    "/api/v1/public/certificates/verify",
    tags=["certificates"],
    access=PUBLIC,
    summary="Check a certificate by its number or by the payload of its QR code",
)
async def verify_api(
    state: State,
    db_session: NamedDependency[AsyncSession],
    number: Annotated[str | None, QueryParameter(name="number", description="A certificate number")] = None,
    payload: Annotated[str | None, QueryParameter(name="p", description="A certificate's QR code payload")] = None,
) -> VerificationOut:
    """Always 200: ``valid`` says whether it is, ``reason`` (English and Chinese) why not,
    ``signature_valid`` whether our published key signed it."""
    verification = await services.verify(db_session, state.settings, number=_short(number), payload=_short(payload))
    return VerificationOut(
        valid=verification.valid,
        signature_valid=verification.signature_valid,
        reason_code=verification.reason_code,
        reason=_reason_both(verification),
        certificate=certificate_out(verification.certificate, state.settings.base_url)
        if verification.certificate
        else None,
    )


@get(
    KEYS_PATH,
    tags=["certificates"],
    access=PUBLIC,
    summary="The public keys certificates are signed with, old ones included",
)
async def public_keys(state: State, db_session: NamedDependency[AsyncSession]) -> Response[KeysOut]:
    keys = await services.published_keys(db_session, state.settings)
    body = KeysOut(
        keys=[PublicKeyOut(**k.as_json()) for k in keys],
        format=signing.FORMAT_TAG,
    )
    return Response(body, headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


route_handlers = [verify_page, verify_api, public_keys]
