"""The e-mail that tells a buyer their certificate's credits are retired at the registry.

A certificate's serial pieces are *pending* until their whole tonne is retired and the
registry's reference recorded (by a registry adapter in ``batch_retirements``, or by a
platform admin). Whoever records it, in whichever process, a listener on the session's
flush sees the tonnes turn retired and, in the same transaction, writes one message to
the mail outbox for each valid certificate whose every piece is now retired and whose
order gave an address: in the holder's language (the certificate's), with each serial's
registry reference and the certificate's address. A tonne turns retired once, so each
certificate's last pending tonne does too: the message is written once.

The credits domain knows nothing of orders or e-mail; this module reads its tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, and_, event, inspect, or_, select
from sqlalchemy.orm import Session

from neutralpoint.certificates.models import Certificate, CertificateStatus
from neutralpoint.credits.models import Piece, PieceStatus, RetirementRequest, Tonne, TonneStatus
from neutralpoint.database.base import new_id, utcnow
from neutralpoint.payments.models import Order
from neutralpoint.settings import get_settings
from neutralpoint.tenants.models import OutboxMessage
from neutralpoint.web.formatting import format_grams

KIND = "certificate_retired"
_base_url: str | None = None

CERTIFICATES = cast(Table, Certificate.__table__)
PIECES = cast(Table, Piece.__table__)
TONNES = cast(Table, Tonne.__table__)
REQUESTS = cast(Table, RetirementRequest.__table__)
ORDERS = cast(Table, Order.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)


def use_base_url(base_url: str) -> None:
    """The address the message links to (``BASE_URL``): the web app and the worker set it at
    startup from their settings; elsewhere (a command) it is read from the environment."""
    global _base_url
    _base_url = base_url.rstrip("/")


def _address() -> str:
    return _base_url if _base_url is not None else get_settings().base_url.rstrip("/")


def _retired_now(tonne: Tonne) -> bool:
    history = inspect(tonne).attrs.status.history
    return TonneStatus.RETIRED in (history.added or ())


def _tonne_filter(keys: Iterable[tuple[Any, int]]) -> Any:
    return or_(*(and_(TONNES.c.lot_id == lot, TONNES.c.tonne_index == index) for lot, index in keys))


def message(
    *,
    recipient: str,
    language: str,
    number: str,
    grams: int,
    venue: str,
    retirements: list[tuple[str, str, str | None]],
    test_mode: bool,
) -> dict[str, Any]:
    """The outbox row: ``retirements`` is each piece's ``(serial, reference, url)``."""
    page = f"{_address()}/certificates/{number}"
    if language == "zh-Hans":
        lines = "\n".join(
            f"  {serial}  注销编号 {reference}" + (f"  {url}" if url else "") for serial, reference, url in retirements
        )
        subject = f"您的证书 {number}：其碳信用已在登记处注销"
        body = (
            ("测试模式：此证书通过测试支付获得，未实际收款。\n\n" if test_mode else "")
            + f"您的证书 {number}（在{venue}中和 {format_grams(grams, language)} 二氧化碳当量）所对应的碳信用"
            f"已在登记处注销，永久有效，任何人都不能再次使用：\n\n{lines}\n\n"
            f"您的证书已更新：{page}\n"
        )
    else:
        lines = "\n".join(
            f"  {serial}  retirement reference {reference}" + (f"  {url}" if url else "")
            for serial, reference, url in retirements
        )
        subject = f"Your certificate {number}: its credits are retired at the registry"
        body = (
            ("TEST MODE: paid through a test payment, no money was taken.\n\n" if test_mode else "")
            + f"The carbon credits of your certificate {number} ({format_grams(grams, language)} CO2e neutralized "
            f"at {venue}) are now retired at the registry, for good: nobody can use them again.\n\n{lines}\n\n"
            f"Your certificate, updated: {page}\n"
        )
    if test_mode:
        subject = "[TEST] " + subject
    return {
        "id": new_id(),
        "recipient": recipient,
        "subject": subject[:200],
        "body_text": body,
        "kind": KIND,
        "attempts": 0,
        "created_at": utcnow(),
    }


def announce(session: Session, retired: set[tuple[uuid.UUID, int]]) -> int:
    """Write the message of every valid certificate that ``retired`` (tonnes just retired)
    leaves with no pending piece; the number written."""
    if not retired:
        return 0
    lots_and_tonnes = or_(*(and_(PIECES.c.lot_id == lot, PIECES.c.tonne_index == index) for lot, index in retired))
    sale_ids = session.execute(
        select(PIECES.c.sale_id).where(lots_and_tonnes, PIECES.c.status == PieceStatus.ACTIVE).distinct()
    ).scalars()
    certificates = session.execute(
        select(
            CERTIFICATES.c.number,
            CERTIFICATES.c.language,
            CERTIFICATES.c.grams,
            CERTIFICATES.c.venue_name,
            CERTIFICATES.c.pieces,
            CERTIFICATES.c.test_mode,
            ORDERS.c.buyer_email,
        )
        .join(ORDERS, ORDERS.c.id == CERTIFICATES.c.order_id)
        .where(CERTIFICATES.c.sale_id.in_(list(sale_ids)), CERTIFICATES.c.status == CertificateStatus.VALID)
        .order_by(CERTIFICATES.c.number)
    ).all()
    written = 0
    for number, language, grams, venue, pieces, test_mode, email in certificates:
        if not email:
            continue
        keys = {(uuid.UUID(str(p["lot_id"])), int(p["tonne_index"])) for p in pieces}
        tonnes = {
            (lot, index): (status, reference, url)
            for lot, index, status, reference, url in session.execute(
                select(
                    TONNES.c.lot_id,
                    TONNES.c.tonne_index,
                    TONNES.c.status,
                    REQUESTS.c.registry_reference,
                    REQUESTS.c.registry_url,
                )
                .outerjoin(REQUESTS, REQUESTS.c.id == TONNES.c.request_id)
                .where(_tonne_filter(keys))
            )
        }
        if len(tonnes) != len(keys) or any(status != TonneStatus.RETIRED for status, _, _ in tonnes.values()):
            continue  # another piece still waits for its tonne: the last one's retirement tells
        retirements = [
            (
                str(p["serial"]),
                tonnes[(uuid.UUID(str(p["lot_id"])), int(p["tonne_index"]))][1] or "",
                tonnes[(uuid.UUID(str(p["lot_id"])), int(p["tonne_index"]))][2],
            )
            for p in pieces
        ]
        session.execute(
            OUTBOX.insert().values(
                message(
                    recipient=email,
                    language=language,
                    number=number,
                    grams=int(grams),
                    venue=venue,
                    retirements=retirements,
                    test_mode=bool(test_mode),
                )
            )
        )
        written += 1
    return written


@event.listens_for(Session, "after_flush")
def _follow_retirements(session: Session, _flush_context: Any) -> None:
    """Tonnes turned retired in this flush: tell the holders whose certificates are now whole."""
    retired = {(obj.lot_id, obj.tonne_index) for obj in session.dirty if isinstance(obj, Tonne) and _retired_now(obj)}
    if retired:
        announce(session, retired)


__all__ = ["KIND", "announce", "message", "use_base_url"]
