"""Issuing, voiding, finding and verifying certificates.

The payments domain calls ``issue`` inside the transaction that records a fulfilment (so
a certificate exists exactly when the fulfilment does) and ``void`` in the one that
marks a refund. This module never imports payments; payments passes what it knows.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.certificates import signing
from neutralpoint.certificates.models import Certificate, CertificateKey, CertificateStatus
from neutralpoint.certificates.schemas import CertificateView, CertifiedPiece, Verification
from neutralpoint.credits import services as credits
from neutralpoint.credits.models import Project
from neutralpoint.credits.public import project_url
from neutralpoint.credits.schemas import SaleView
from neutralpoint.database.base import utcnow
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.refusals import problem
from neutralpoint.scenarios.models import Estimate
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import DEFAULT_TIME_ZONE, EntryPoint, Tenant
from neutralpoint.web.i18n import normalize_language

#: Crockford's base32 without I, L, O, U: read aloud and typed without confusion.
NUMBER_PATTERN = re.compile(r"^NPC?-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
ANONYMOUS_HOLDER = "Anonymous visitor"

VALID = "valid"
VOID = "void"
UNKNOWN_NUMBER = "unknown_number"
BAD_NUMBER = "bad_number"
NOT_OURS = "not_on_record"
NOTHING = "nothing_to_check"


def new_number() -> str:
    """60 random bits: ``NPC-XXXX-XXXX-XXXX``; the next one cannot be guessed from any other.

    The first certificates were numbered ``NP-…``, the shape of order references; their
    numbers, signed inside their payloads, keep resolving and verifying."""
    chars = "".join(secrets.choice(signing.NUMBER_ALPHABET) for _ in range(12))
    return f"{signing.NUMBER_PREFIX}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def candidate_numbers(text: str) -> list[str]:
    """The numbers ``text`` may be, as people type them: any case, spaces or no dashes, O
    for 0, I and L for 1; with its prefix (``NPC`` or ``NP``), or without (either)."""
    raw = re.sub(r"[\s\-]", "", text.upper())
    for prefix in sorted(signing.NUMBER_PREFIXES, key=len, reverse=True):
        if raw.startswith(prefix) and len(raw) == len(prefix) + 12:
            prefixes, raw = [prefix], raw[len(prefix) :]
            break
    else:
        prefixes = [signing.NUMBER_PREFIX, *(p for p in signing.NUMBER_PREFIXES if p != signing.NUMBER_PREFIX)]
    raw = raw.translate(str.maketrans("OIL", "011"))
    if len(raw) != 12:
        return []
    return [
        number
        for number in (f"{prefix}-{raw[:4]}-{raw[4:8]}-{raw[8:]}" for prefix in prefixes)
        if NUMBER_PATTERN.match(number)
    ]


def normalize_number(text: str) -> str:
    """The number ``text`` most likely is (the newest prefix when it has none)."""
    found = candidate_numbers(text)
    return found[0] if found else text.strip().upper()


@cache
def _key_from_text(text: str) -> signing.SigningKey:
    return signing.SigningKey.from_text(text)


def signing_key(settings: Settings) -> signing.SigningKey:
    """The key new certificates are signed with (``CERTIFICATE_SIGNING_KEY``)."""
    if not settings.certificate_signing_key:
        raise RuntimeError("CERTIFICATE_SIGNING_KEY is not set (Settings.from_env sets it)")
    return _key_from_text(settings.certificate_signing_key)


async def published_keys(session: AsyncSession, settings: Settings) -> list[signing.PublicKey]:
    """Every key that has signed a certificate, and the current one: rotating keeps old ones."""
    current = signing_key(settings)
    keys = {
        row.key_id: signing.PublicKey(row.key_id, signing.b64decode(row.public_key))
        for row in (await session.execute(select(CertificateKey).order_by(CertificateKey.first_used_at))).scalars()
    }
    keys.setdefault(current.key_id, signing.PublicKey(current.key_id, current.public_bytes))
    return list(keys.values())


async def _record_key(session: AsyncSession, key: signing.SigningKey) -> None:
    if await session.get(CertificateKey, key.key_id) is None:
        session.add(CertificateKey(key_id=key.key_id, public_key=signing.b64encode(key.public_bytes)))
        await session.flush()


def _english(names: dict[str, str]) -> str:
    return names.get("en") or next(iter(names.values()), "")


@dataclass(frozen=True)
class IssueRows:
    """The rows ``issue`` reads besides the sale, read beforehand (``prepare_issue``)."""

    venue: Tenant
    project: Project
    key_recorded: bool


async def prepare_issue(
    session: AsyncSession, settings: Settings, *, venue_id: uuid.UUID, project_id: uuid.UUID
) -> IssueRows:
    """Read the rows ``issue`` reads besides the sale (the venue, the project, whether the
    signing key is recorded) before it: a fulfilment issues its certificate while it holds
    its lot's lock, which then is not held for these reads."""
    venue = await session.get(Tenant, venue_id)
    project = await session.get(Project, project_id)
    assert venue is not None
    assert project is not None
    recorded = await session.get(CertificateKey, signing_key(settings).key_id) is not None
    return IssueRows(venue, project, recorded)


async def issue(
    session: AsyncSession,
    settings: Settings,
    *,
    order_id: uuid.UUID,
    order_reference: str,
    venue_id: uuid.UUID,
    buyer_name: str,
    estimate_id: uuid.UUID | None,
    entry_point_code: str,
    sale: SaleView,
    language: str = "en",
    test_mode: bool = False,
    now: datetime | None = None,
    rows: IssueRows | None = None,
) -> Certificate:
    """The order's certificate, signed; the existing one when it was issued already.

    Runs in the fulfilment's transaction (which sees every venue's rows); the unique
    order id is the last guard against a second certificate. ``rows``: what
    ``prepare_issue`` read for it, in this transaction.
    """
    existing = await session.scalar(select(Certificate).where(Certificate.order_id == order_id))
    if existing is not None:
        return existing
    key = signing_key(settings)
    if rows is None or not rows.key_recorded:
        await _record_key(session, key)
    issued_at = (now or utcnow()).replace(microsecond=0)
    venue = rows.venue if rows is not None else await session.get(Tenant, venue_id)
    assert venue is not None
    assert venue.id == venue_id
    project = rows.project if rows is not None else await session.get(Project, sale.project_id)
    assert project is not None
    assert project.id == sale.project_id
    # Names as the holder reads them: their language's, or the other one's when the venue gave one.
    holder_language = normalize_language(language) or "en"
    entry_point = ""
    if entry_point_code:
        point = await session.scalar(
            select(EntryPoint).where(EntryPoint.tenant_id == venue_id, EntryPoint.code == entry_point_code)
        )
        if point is not None:
            entry_point = point.event_name_in(holder_language) or point.name_in(holder_language)
    factor_set_version = ""
    if estimate_id is not None:
        factor_set_version = (
            await session.scalar(select(Estimate.factor_set_version).where(Estimate.id == estimate_id))
        ) or ""
    holder = " ".join(buyer_name.split())
    registry_id = f"{project.registry_code} {project.registry_project_id}".strip()
    certificate = Certificate(
        number=new_number(),
        test_mode=test_mode,
        order_id=order_id,
        venue_id=venue_id,
        venue_slug=venue.slug,
        order_reference=order_reference,
        sale_id=sale.id,
        holder=holder or ANONYMOUS_HOLDER,
        holder_is_anonymous=not holder,
        language=holder_language,
        venue_name=venue.display_name_in(holder_language),
        entry_point=entry_point,
        grams=sale.grams,
        project_id=project.id,
        project_name=_english(project.name),
        project_registry_id=registry_id,
        pieces=[
            {
                "serial": p.serial,
                "lot_id": str(p.lot_id),
                "tonne_index": p.tonne_index,
                "gram_from": p.gram_from,
                "gram_to": p.gram_to,
                "vintage_year": p.vintage_year,
            }
            for p in sale.pieces
        ],
        factor_set_version=factor_set_version,
        ledger_chain=sale.chain_lot_id,
        ledger_position=sale.chain_seq,
        ledger_hash=sale.chain_hash or "",
        key_id=key.key_id,
        status=CertificateStatus.VALID,
        issued_at=issued_at,
    )
    certificate.payload = signing.sign_payload(_facts(certificate), key)
    session.add(certificate)
    await session.flush()
    return certificate


def _facts(certificate: Certificate) -> signing.SignedFacts:
    ledger = (
        f"{certificate.ledger_chain}:{certificate.ledger_position}:{certificate.ledger_hash}"
        if certificate.ledger_chain is not None and certificate.ledger_position is not None
        else ""
    )
    return signing.SignedFacts(
        key_id=certificate.key_id,
        number=certificate.number,
        issued_at=certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        holder=certificate.holder,
        venue=certificate.venue_name,
        entry_point=certificate.entry_point,
        grams=certificate.grams,
        project=certificate.project_name,
        project_registry_id=certificate.project_registry_id,
        pieces=tuple((p["serial"], int(p["gram_from"]), int(p["gram_to"])) for p in certificate.pieces),
        factor_set_version=certificate.factor_set_version,
        ledger=ledger,
    )


async def void(session: AsyncSession, order_id: uuid.UUID, *, reason: str, now: datetime | None = None) -> bool:
    """Mark the order's certificate void (a refund); True when there was one to void."""
    certificate = await session.scalar(select(Certificate).where(Certificate.order_id == order_id))
    if certificate is None or certificate.status == CertificateStatus.VOID:
        return False
    certificate.status = CertificateStatus.VOID
    certificate.voided_at = now or utcnow()
    certificate.void_reason = reason[:200]
    await session.flush()
    return True


def payload_digest(payload: str) -> str:
    return hashlib.sha256(payload.encode("ascii", "replace")).hexdigest()


async def take_holder_name_off(
    session: AsyncSession, settings: Settings, order_ids: list[uuid.UUID], now: datetime | None = None
) -> int:
    """Re-label these orders' certificates with the anonymous holder (their holder deleted
    their personal footprint): each is signed again with the anonymous name, so its page,
    drawings and new QR codes carry no name, and the payload signed before is remembered by
    its SHA-256 alone, so copies already printed or shared still verify. A certificate stays
    valid (or void) as it was. Returns how many changed; the session sees every venue."""
    if not order_ids:
        return 0
    found = list(
        await session.scalars(
            select(Certificate).where(Certificate.order_id.in_(order_ids), Certificate.holder_is_anonymous.is_(False))
        )
    )
    if not found:
        return 0
    key = signing_key(settings)
    await _record_key(session, key)
    for certificate in found:
        certificate.earlier_payload_sha256 = payload_digest(certificate.payload)
        certificate.holder = ANONYMOUS_HOLDER
        certificate.holder_is_anonymous = True
        certificate.key_id = key.key_id
        certificate.payload = signing.sign_payload(_facts(certificate), key)
    await session.flush()
    return len(found)


async def number_for_order(session: AsyncSession, order_id: uuid.UUID) -> str | None:
    return await session.scalar(select(Certificate.number).where(Certificate.order_id == order_id))


async def find(session: AsyncSession, number: str) -> Certificate | None:
    """The certificate with ``number`` as people type it (any case, with or without dashes)."""
    wanted = candidate_numbers(number)
    if not wanted:
        return None
    found: Certificate | None = await session.scalar(select(Certificate).where(Certificate.number.in_(wanted)))
    return found


async def view_of(session: AsyncSession, certificate: Certificate) -> CertificateView:
    """What the certificate says and its status and retirement now."""
    return await _view(session, certificate)


async def _view(session: AsyncSession, certificate: Certificate) -> CertificateView:
    """The certificate with its pieces' retirement as the books say now (read in its venue's scope)."""
    use_tenant(session, certificate.venue_id)
    sale = await credits.get_sale(session, certificate.order_reference)
    live = {(str(p.lot_id), p.tonne_index, p.gram_from): p for p in sale.pieces} if sale else {}
    pieces = []
    for stored in certificate.pieces:
        now = live.get((stored["lot_id"], stored["tonne_index"], stored["gram_from"]))
        retired = now is not None and now.retirement_status == "retired"
        pieces.append(
            CertifiedPiece(
                serial=stored["serial"],
                vintage_year=int(stored["vintage_year"]),
                gram_from=int(stored["gram_from"]),
                gram_to=int(stored["gram_to"]),
                retirement_status="retired" if retired else "pending",
                retirement_reference=now.retirement_reference if now and retired else None,
                retirement_url=now.retirement_url if now and retired else None,
            )
        )
    project = await session.get(Project, certificate.project_id)
    venue = await session.get(Tenant, certificate.venue_id)
    all_retired = bool(pieces) and all(p.retirement_status == "retired" for p in pieces)
    return CertificateView(
        number=certificate.number,
        status=certificate.status.value,
        holder=certificate.holder,
        holder_is_anonymous=certificate.holder_is_anonymous,
        venue_name=certificate.venue_name,
        venue_slug=certificate.venue_slug,
        entry_point=certificate.entry_point,
        grams=certificate.grams,
        project_name=certificate.project_name,
        project_names=dict(project.name) if project else {},
        project_registry_id=certificate.project_registry_id,
        project_url=project_url(project) if project else "",
        project_registry_url=project.registry_url if project else "",
        pieces=tuple(pieces),
        retirement_status="retired" if all_retired else "pending",
        factor_set_version=certificate.factor_set_version,
        ledger_chain=str(certificate.ledger_chain) if certificate.ledger_chain else "",
        ledger_position=certificate.ledger_position,
        ledger_hash=certificate.ledger_hash,
        key_id=certificate.key_id,
        payload=certificate.payload,
        issued_at=certificate.issued_at,
        voided_at=certificate.voided_at,
        order_reference=certificate.order_reference,
        venue_names={lang: venue.display_name_in(lang) for lang in ("en", "zh-Hans")} if venue else {},
        time_zone=venue.time_zone if venue else DEFAULT_TIME_ZONE,
        test_mode=certificate.test_mode,
    )


def _verdict(view: CertificateView) -> Verification:
    if view.status == CertificateStatus.VOID:
        return Verification(
            False,
            True,
            VOID,
            problem(VOID, "This certificate was voided: its order was refunded.", "此证书已作废：其订单已退款。"),
            view,
        )
    return Verification(True, True, VALID, None, view)


async def verify(
    session: AsyncSession, settings: Settings, *, number: str | None = None, payload: str | None = None
) -> Verification:
    """Check a certificate by its number or by the payload its QR code carries.

    A payload must be signed by one of our published keys and name a certificate we
    issued with exactly that payload; a number must be one we issued, and its stored
    payload must still check. Either way the status (valid or void) is today's.
    """
    keys = {k.key_id: k.public_key for k in await published_keys(session, settings)}
    if payload:
        try:
            facts = signing.verify_payload(payload, keys)
        except signing.InvalidPayloadError as refused:
            return Verification(False, False, refused.code, refused.reason, None)
        found = await session.scalar(select(Certificate).where(Certificate.number == facts.number))
        scanned = signing.payload_from_text(payload)
        if found is None or (
            found.payload != scanned
            and not (found.earlier_payload_sha256 and found.earlier_payload_sha256 == payload_digest(scanned))
        ):
            return Verification(
                False,
                True,
                NOT_OURS,
                problem(
                    NOT_OURS,
                    "The signature is ours, but we have no certificate with this number and content.",
                    "签名来自我们，但我们没有编号和内容与之相符的证书。",
                ),
                None,
            )
        return _verdict(await _view(session, found))
    if not number or not number.strip():
        return Verification(
            False,
            None,
            NOTHING,
            problem(
                NOTHING,
                "Enter a certificate number, or scan the code on a certificate.",
                "请输入证书编号，或扫描证书上的二维码。",
            ),
            None,
        )
    wanted = candidate_numbers(number)
    if not wanted:
        return Verification(
            False,
            None,
            BAD_NUMBER,
            problem(
                BAD_NUMBER,
                "A certificate number looks like NPC-7K2M-9QXD-4TZR; this is not one.",
                "证书编号的格式如 NPC-7K2M-9QXD-4TZR；这不是证书编号。",
            ),
            None,
        )
    found = await session.scalar(select(Certificate).where(Certificate.number.in_(wanted)))
    if found is None:
        return Verification(
            False,
            None,
            UNKNOWN_NUMBER,
            problem(UNKNOWN_NUMBER, "There is no certificate with this number.", "没有这个编号的证书。"),
            None,
        )
    view = await _view(session, found)
    try:
        signing.verify_payload(found.payload, keys)
    except signing.InvalidPayloadError as refused:
        return Verification(False, False, refused.code, refused.reason, view)
    return _verdict(view)
