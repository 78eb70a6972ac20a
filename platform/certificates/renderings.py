"""A certificate's PDF and share images: drawn by a job, kept, served.

Drawing takes a second or two (font subsets, QR codes), so a request never draws: the
fulfilment job asks for the ``render_certificate`` job (arq, or in-process without Redis)
as soon as it has issued the certificate, in the holder's language; a page that finds its
files missing (another language, a drawing made stale, ``CERTIFICATES_DRAWN_AT_ISSUE``
off) asks for it too, and says "being prepared" until the three files are stored. A stored file is
served as long as its fingerprint (status, retirement, the venue's colour and logo, the
language, the drawing's version) is the certificate's current one; a refund or a
retirement changes it, and the files are drawn again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from neutralpoint.certificates import documents, services, signing
from neutralpoint.certificates.models import Certificate, CertificateRendering
from neutralpoint.certificates.schemas import CertificateView
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.languages import LANGUAGES
from neutralpoint.settings import Settings
from neutralpoint.tenants.addresses import logo_on_posters
from neutralpoint.tenants.models import Tenant
from neutralpoint.web.formatting import in_time_zone
from neutralpoint.web.i18n import gettext_functions

RENDER_JOB = "render_certificate"
#: Raise when a drawing changes, so that every stored file is drawn again.
DRAWING_VERSION = "1"


@dataclass(frozen=True)
class Kind:
    name: str
    filename: str
    content_type: str
    draw: Callable[[documents.CertificateDocument], bytes]


KINDS = {
    kind.name: kind
    for kind in (
        Kind("pdf", "certificate.pdf", "application/pdf", documents.render_pdf),
        Kind("card", "share-card.png", "image/png", documents.render_share_card),
        Kind("poster", "share-poster.png", "image/png", documents.render_share_poster),
    )
}
FILENAMES = {kind.filename: kind for kind in KINDS.values()}


@dataclass(frozen=True)
class Rendered:
    content: bytes
    content_type: str


def language_for(certificate: Certificate, asked: str | None) -> str:
    """The language asked for when we draw in it, else the holder's."""
    return asked if asked in LANGUAGES else certificate.language


def page_path(number: str) -> str:
    return f"/certificates/{number}"


def file_path(number: str, kind: str, lang: str) -> str:
    return f"/certificates/{number}/{KINDS[kind].filename}?lang={lang}"


def render_job_id(number: str, lang: str, fingerprint: str) -> str:
    return f"{RENDER_JOB}:{number}:{lang}:{fingerprint[:16]}"


async def venue_of(session: AsyncSession, certificate: Certificate) -> Tenant:
    venue = await session.get(Tenant, certificate.venue_id)
    assert venue is not None  # a venue's certificates go with it (ON DELETE CASCADE)
    return venue


def fingerprint(view: CertificateView, venue: Tenant, lang: str) -> str:
    """What a drawing of this certificate shows beyond its signed facts."""
    retirements = ",".join(f"{p.retirement_status}:{p.retirement_reference or ''}" for p in view.pieces)
    parts = [
        DRAWING_VERSION,
        lang,
        view.status,
        "test" if view.test_mode else "live",
        retirements,
        venue.primary_color,
        str(venue.logo_version),
        view.payload,
    ]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


async def current_fingerprint(session: AsyncSession, certificate: Certificate, lang: str) -> str:
    view = await services.view_of(session, certificate)
    return fingerprint(view, await venue_of(session, certificate), lang)


async def ready_kinds(session: AsyncSession, certificate: Certificate, lang: str, wanted: str) -> set[str]:
    """The kinds stored for ``lang`` with the fingerprint ``wanted``."""
    rows = await session.execute(
        select(CertificateRendering.kind).where(
            CertificateRendering.certificate_id == certificate.id,
            CertificateRendering.language == lang,
            CertificateRendering.fingerprint == wanted,
        )
    )
    return set(rows.scalars())


async def stored(session: AsyncSession, certificate: Certificate, kind: str, lang: str, wanted: str) -> Rendered | None:
    """The stored file when it is current; ``None`` when it must be drawn (again)."""
    row = await session.scalar(
        select(CertificateRendering)
        .options(undefer(CertificateRendering.content))
        .where(
            CertificateRendering.certificate_id == certificate.id,
            CertificateRendering.kind == kind,
            CertificateRendering.language == lang,
        )
    )
    if row is None or row.fingerprint != wanted:
        return None
    return Rendered(row.content, row.content_type)


async def request_rendering(jobs: JobQueue, number: str, lang: str, wanted: str) -> None:
    """Ask for the drawings once per fingerprint (the job id makes a repeat a no-op)."""
    await jobs.enqueue(RENDER_JOB, number, lang, job_id=render_job_id(number, lang, wanted))


async def request_at_issue(db: Database, jobs: JobQueue, order_reference: str) -> bool:
    """Ask for the drawings of the order's certificate in its holder's language, as soon as
    it is issued: its page is then ready when the visitor opens it. False without one."""
    async with db.platform_session() as session:
        certificate = await session.scalar(select(Certificate).where(Certificate.order_reference == order_reference))
        if certificate is None:
            return False
        wanted = await current_fingerprint(session, certificate, certificate.language)
        number, lang = certificate.number, certificate.language
    await request_rendering(jobs, number, lang, wanted)
    return True


async def document_of(
    session: AsyncSession, settings: Settings, certificate: Certificate, lang: str
) -> tuple[documents.CertificateDocument, str]:
    """What to draw, and the fingerprint of it."""
    view = await services.view_of(session, certificate)
    venue = await venue_of(session, certificate)
    logo: bytes | None = None
    if logo_on_posters(venue):
        logo = await session.scalar(select(Tenant.logo).where(Tenant.id == venue.id))
    pieces = tuple(documents.Piece(p.serial, p.vintage_year, p.grams) for p in view.pieces)
    holder = view.holder
    if view.holder_is_anonymous:
        holder = gettext_functions(lang)["plain_gettext"]("Anonymous visitor")
    document = documents.CertificateDocument(
        number=view.number,
        language=lang,
        holder=holder,
        venue_name=view.venue_names.get(lang) or view.venue_name,
        entry_point=view.entry_point,
        grams=view.grams,
        project_name=view.project_names.get(lang) or view.project_name,
        project_registry_id=view.project_registry_id,
        pieces=pieces,
        issued_on=in_time_zone(view.issued_at, view.time_zone).date(),
        retired=view.retirement_status == "retired",
        void=view.status == "void",
        key_id=view.key_id,
        ledger_position=view.ledger_position,
        ledger_hash=view.ledger_hash,
        qr_text=signing.qr_address(settings.base_url, view.payload),
        payload=view.payload,
        page_url=f"{settings.base_url}{page_path(view.number)}",
        colour=venue.primary_color,
        logo=logo,
        test_mode=view.test_mode,
    )
    return document, fingerprint(view, venue, lang)


def _draw_all(document: documents.CertificateDocument) -> dict[str, bytes]:
    return {name: kind.draw(document) for name, kind in KINDS.items()}


async def render(db: Database, settings: Settings, number: str, lang: str) -> int:
    """Draw the certificate's files in ``lang`` and store them; returns how many were drawn
    (0 when the current ones are stored already or there is no such certificate)."""
    async with db.platform_session() as session:
        certificate = await services.find(session, number)
        if certificate is None or lang not in LANGUAGES:
            return 0
        document, wanted = await document_of(session, settings, certificate, lang)
        if await ready_kinds(session, certificate, lang, wanted) == set(KINDS):
            return 0
        certificate_id = certificate.id
    # Drawing is CPU work: off the event loop, outside any transaction.
    drawn = await asyncio.to_thread(_draw_all, document)
    try:
        async with db.platform_session() as session:
            existing = {
                row.kind: row
                for row in (
                    await session.execute(
                        select(CertificateRendering).where(
                            CertificateRendering.certificate_id == certificate_id,
                            CertificateRendering.language == lang,
                        )
                    )
                ).scalars()
            }
            for name, content in drawn.items():
                row = existing.get(name)
                if row is None:
                    row = CertificateRendering(certificate_id=certificate_id, kind=name, language=lang)
                    session.add(row)
                row.fingerprint = wanted
                row.content_type = KINDS[name].content_type
                row.content = content
                row.size = len(content)
                row.rendered_at = utcnow()
    except IntegrityError:
        # Another run stored the same drawings first.
        return 0
    return len(drawn)
