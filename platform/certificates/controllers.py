"""Anyone may check a certificate: the verify page, its JSON twin, and the public keys.

``/certificates/verify?number=NPC-…`` or ``/certificates/verify?p=<payload>`` (what the QR code holds) answers
with the certificate and a verdict; anything that is not a valid certificate gets a
"not valid" with its reason, in the page's language (the API gives both), never an
error page. The keys at ``/.well-known/neutralpoint/certificate-keys.json`` let anyone
check a payload without us (``docs/certificates.md``).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.certificates import renderings, services, signing
from neutralpoint.certificates.models import Certificate
from neutralpoint.certificates.schemas import CertificateView, Verification
from neutralpoint.jobs.queue import JobQueue
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
    test_mode: bool = False
    """Paid through a test provider: no money was taken for it."""


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
    """The payload format new certificates are signed in (``NPC2``; the first ones were
    ``NPC1``, still verified; both specified in ``docs/certificates.md``)."""


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
        test_mode=view.test_mode,
    )


def _reason_both(verification: Verification) -> dict[str, str] | None:
    if verification.reason is None:
        return None
    return {lang: verification.reason.message(lang) for lang in LANGUAGES}


@get("/certificates/verify", include_in_schema=False, access=PUBLIC, rate_limit="certificate_checks")
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
    rate_limit="certificate_checks",
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


@get(["/C/{certificate_code:str}", "/c/{certificate_code:str}"], include_in_schema=False, access=PUBLIC)
async def compact_address(request: Request[Any, Any, Any], certificate_code: FromPath[str]) -> Redirect:
    """What a certificate's QR code opens (``<BASE_URL>/C/<payload>``): the verify page."""
    query = {"p": certificate_code[:MAX_QUERY_CHARS]}
    lang = normalize_language(request.query_params.get("lang"))
    if lang:
        query["lang"] = lang
    return Redirect(f"/certificates/verify?{urlencode(query)}", status_code=303)


# --- the certificate's own page, its files and its JSON twin -----------------------------------


class RenderingOut(msgspec.Struct):
    kind: str
    """``pdf`` (A4 landscape), ``card`` (1200×630 PNG) or ``poster`` (1080×1920 PNG)."""
    ready: bool
    """False while the job draws it: ask again in a few seconds."""
    url: str


class CertificatePageOut(msgspec.Struct):
    certificate: CertificateOut
    language: str
    """The language the files are drawn in (the holder's unless ``lang`` asked another)."""
    page_url: str
    renderings: list[RenderingOut]


def _file_language(request: Request[Any, Any, Any], certificate: Certificate) -> str:
    return renderings.language_for(certificate, normalize_language(request.query_params.get("files")))


async def _renderings(
    db_session: AsyncSession, jobs: JobQueue, certificate: Certificate, lang: str, base_url: str
) -> tuple[list[RenderingOut], bool]:
    """Each file with whether it is drawn; asks for the drawing when one is missing."""
    wanted = await renderings.current_fingerprint(db_session, certificate, lang)
    ready = await renderings.ready_kinds(db_session, certificate, lang, wanted)
    if ready != set(renderings.KINDS):
        await renderings.request_rendering(jobs, certificate.number, lang, wanted)
    files = [
        RenderingOut(kind, kind in ready, f"{base_url}{renderings.file_path(certificate.number, kind, lang)}")
        for kind in renderings.KINDS
    ]
    return files, ready == set(renderings.KINDS)


@get("/certificates/{certificate_number:str}", include_in_schema=False, access=PUBLIC)
async def certificate_page(
    request: Request[Any, Any, Any],
    state: State,
    db_session: NamedDependency[AsyncSession],
    jobs: NamedDependency[JobQueue],
    certificate_number: FromPath[str],
) -> Response[Any]:
    """The certificate to share: its statement, PDF and share images (in the holder's
    language), and Open Graph tags so a shared link shows the share card."""
    number = certificate_number[:MAX_QUERY_CHARS]
    certificate = await services.find(db_session, number)
    if certificate is None:
        # The verify page says why this is not a certificate, in the reader's language.
        query = {"number": number[:40]}
        asked = normalize_language(request.query_params.get("lang"))
        if asked:
            query["lang"] = asked
        return Redirect(f"/certificates/verify?{urlencode(query)}", status_code=303)
    if certificate.number != number:
        kept = f"?{request.url.query}" if request.url.query else ""
        return Redirect(renderings.page_path(certificate.number) + kept, status_code=301)
    lang = choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )
    view = await services.view_of(db_session, certificate)
    files_lang = _file_language(request, certificate)
    files, ready = await _renderings(db_session, jobs, certificate, files_lang, state.settings.base_url)
    venue = await renderings.venue_of(db_session, certificate)
    response = render(
        request,
        "certificates/certificate.html",
        lang=lang,
        headers={"Cache-Control": "no-store"},
        c=view,
        brand=venue,
        files={f.kind: f for f in files},
        files_lang=files_lang,
        other_files_lang=next(code for code in LANGUAGES if code != files_lang),
        ready=ready,
        page_url=f"{state.settings.base_url}{renderings.page_path(certificate.number)}",
        holder=view.holder,
    )
    chosen = normalize_language(request.query_params.get("lang"))
    if chosen:
        response.set_cookie("lang", chosen, max_age=LANG_COOKIE_SECONDS, samesite="lax")
    return response


@get("/certificates/{certificate_number:str}/{certificate_file:str}", include_in_schema=False, access=PUBLIC)
async def certificate_file(
    request: Request[Any, Any, Any],
    state: State,
    db_session: NamedDependency[AsyncSession],
    jobs: NamedDependency[JobQueue],
    certificate_number: FromPath[str],
    certificate_file: FromPath[str],
) -> Response[Any]:
    """A drawn file; while the job draws it, a short page that says so and reloads itself."""
    kind = renderings.FILENAMES.get(certificate_file)
    certificate = await services.find(db_session, certificate_number[:MAX_QUERY_CHARS])
    if kind is None or certificate is None:
        raise NotFoundException()
    lang = renderings.language_for(certificate, normalize_language(request.query_params.get("lang")))
    wanted = await renderings.current_fingerprint(db_session, certificate, lang)
    found = await renderings.stored(db_session, certificate, kind.name, lang, wanted)
    if found is None:
        await renderings.request_rendering(jobs, certificate.number, lang, wanted)
        page_lang = choose_language(None, request.cookies.get("lang"), request.headers.get("accept-language"))
        return render(
            request,
            "certificates/preparing.html",
            lang=page_lang,
            status_code=202,
            headers={"Cache-Control": "no-store", "Retry-After": "3", "Refresh": "3"},
            number=certificate.number,
        )
    download = request.query_params.get("download") == "1"
    extension = kind.filename.rsplit(".", 1)[1]
    return Response(
        found.content,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"{'attachment' if download else 'inline'}; "
            f'filename="{certificate.number}-{kind.name}-{lang}.{extension}"',
            # Short: a refund or a retirement changes the drawing under the same address.
            "Cache-Control": "public, max-age=300",
        },
    )


@get(
    "/api/v1/public/certificates/{certificate_number:str}",
    tags=["certificates"],
    access=PUBLIC,
    summary="A certificate, and its PDF and share images (drawn by a job: not ready at first)",
)
async def certificate_api(
    state: State,
    db_session: NamedDependency[AsyncSession],
    jobs: NamedDependency[JobQueue],
    certificate_number: FromPath[str],
    lang: Annotated[
        str | None, QueryParameter(name="lang", description="The files' language (default: the holder's)")
    ] = None,
) -> CertificatePageOut:
    certificate = await services.find(db_session, certificate_number[:MAX_QUERY_CHARS])
    if certificate is None:
        raise NotFoundException("There is no certificate with this number.")
    files_lang = renderings.language_for(certificate, normalize_language(lang))
    files, _ = await _renderings(db_session, jobs, certificate, files_lang, state.settings.base_url)
    view = await services.view_of(db_session, certificate)
    return CertificatePageOut(
        certificate=certificate_out(view, state.settings.base_url),
        language=files_lang,
        page_url=f"{state.settings.base_url}{renderings.page_path(certificate.number)}",
        renderings=files,
    )


route_handlers = [
    verify_page,
    verify_api,
    public_keys,
    compact_address,
    certificate_page,
    certificate_file,
    certificate_api,
]
