"""The leaderboards' projection of the certificates, kept in step as they are issued and voided.

Every valid certificate of a visitor's order is one entry on up to seven boards: its entry
point's (all time), its venue's (all time, its year and its month on the venue's clock, its
``time_zone``) and the platform's (all time, year and month in ``BOARD_TIME_ZONE``, one
zone for every venue, which the platform's board states). When a venue changes its time
zone, its board's years and months are counted again on the new clock, in the same
transaction, so that ``rebuild`` always gives what the listener kept. An organiser's
whole-event order is left out: it would top every board, and the event page counts it on
its own. A voided certificate leaves every board.

The projection follows the ``Certificate`` rows themselves: a listener on every session's
flush sees a certificate inserted valid, or its status turned to void, and writes the
entries and the bucket tallies in the same transaction. So whoever issues or voids a
certificate (the fulfilment job, a refund, a test) keeps the boards right without calling
this domain, and the boards never count an order whose transaction rolled back.
``rebuild`` recomputes everything from the certificates (``neutralpoint impact rebuild``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from neutralpoint.certificates.models import Certificate, CertificateStatus
from neutralpoint.impact.models import StandingEntry, StandingTally
from neutralpoint.payments.models import Order, OrderBasis
from neutralpoint.tenants.models import EntryPoint, Tenant

#: Where a month or a year of the platform's board begins (the platform's home; venues
#: default to it, and their own boards count on their own clocks).
BOARD_TIME_ZONE_NAME = "Asia/Shanghai"
BOARD_TIME_ZONE = ZoneInfo(BOARD_TIME_ZONE_NAME)
PLATFORM = "platform"
ALL_TIME = "all"
PERIOD_KINDS = ("all", "year", "month")
#: Significant digits of a bucket: certificates within 1 % of each other share one.
BUCKET_DIGITS = 3

ENTRIES = cast(Table, StandingEntry.__table__)
TALLIES = cast(Table, StandingTally.__table__)


def venue_board(venue_id: uuid.UUID) -> str:
    return f"venue:{venue_id.hex}"


def entry_board(entry_point_id: uuid.UUID) -> str:
    return f"entry:{entry_point_id.hex}"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else BOARD_TIME_ZONE
    except (ValueError, KeyError):  # a zone this machine's tz database lacks
        return BOARD_TIME_ZONE


def period_key(kind: str, moment: datetime, time_zone: str | None = None) -> str:
    """``all``, ``2026`` or ``2026-12``: the period of ``kind`` that holds ``moment`` on the
    clock of ``time_zone`` (an IANA name; none: the platform board's)."""
    if kind == "all":
        return ALL_TIME
    local = moment.astimezone(_zone(time_zone))
    return f"{local.year:04d}" if kind == "year" else f"{local.year:04d}-{local.month:02d}"


def bucket(grams: int) -> int:
    """Its length and first three digits: ``117_092`` g is ``6_117``. Larger grams, larger bucket."""
    digits = str(max(grams, 1))
    return len(digits) * 1000 + int((digits + "00")[:BUCKET_DIGITS])


def bucket_end(value: int) -> int:
    """The smallest gram value above bucket ``value`` (the bucket holds ``[start, end)``)."""
    length, lead = divmod(value, 1000)
    if length <= BUCKET_DIGITS:
        return lead // int(10 ** (BUCKET_DIGITS - length)) + 1
    return (lead + 1) * int(10 ** (length - BUCKET_DIGITS))


@dataclass(frozen=True)
class Placement:
    board: str
    period: str


def placements(
    venue_id: uuid.UUID, entry_point_id: uuid.UUID | None, issued_at: datetime, venue_time_zone: str | None = None
) -> list[Placement]:
    """The boards and periods one visitor's certificate counts on: the venue's years and
    months on the venue's clock, the platform's on ``BOARD_TIME_ZONE``."""
    found = [Placement(entry_board(entry_point_id), ALL_TIME)] if entry_point_id is not None else []
    found.extend(
        Placement(venue_board(venue_id), period_key(kind, issued_at, venue_time_zone)) for kind in PERIOD_KINDS
    )
    found.extend(Placement(PLATFORM, period_key(kind, issued_at)) for kind in PERIOD_KINDS)
    return found


def _upsert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _add_tallies(session: Session, changes: Iterable[tuple[str, str, int, int, int]]) -> None:
    """Add ``(board, period, bucket, entries, grams)`` to the tallies, in key order: two
    transactions that touch the same tallies lock them in the same order."""
    dialect = session.get_bind().dialect.name
    insert = _upsert(dialect)
    for board, period, value, entries, grams in sorted(changes):
        statement = insert(TALLIES).values(board=board, period=period, bucket=value, entries=entries, grams=grams)
        statement = statement.on_conflict_do_update(
            index_elements=["board", "period", "bucket"],
            set_={"entries": TALLIES.c.entries + entries, "grams": TALLIES.c.grams + grams},
        )
        session.execute(statement)


def _venue_time_zone(session: Session, venue_id: uuid.UUID) -> str | None:
    tenants = Tenant.__table__
    zone: str | None = session.execute(select(tenants.c.time_zone).where(tenants.c.id == venue_id)).scalar()
    return zone


def _order_facts(session: Session, order_id: uuid.UUID) -> tuple[uuid.UUID | None, bool]:
    """The certificate's entry point and whether it is an organiser's whole-event order
    (table statements: the rows are read in whatever scope the issuing session has)."""
    orders = Order.__table__
    row = session.execute(
        select(orders.c.tenant_id, orders.c.entry_point_code, orders.c.basis).where(orders.c.id == order_id)
    ).first()
    if row is None:
        return None, False
    tenant_id, code, basis = row
    if basis == OrderBasis.EVENT.value or basis == OrderBasis.EVENT:
        return None, True
    if not code:
        return None, False
    points = EntryPoint.__table__
    entry_point_id = session.execute(
        select(points.c.id).where(points.c.tenant_id == tenant_id, points.c.code == code)
    ).scalar()
    return entry_point_id, False


def enter(session: Session, certificate: Certificate) -> int:
    """Put a valid certificate on its boards; the number of entries written."""
    entry_point_id, organiser = _order_facts(session, certificate.order_id)
    if organiser:
        return 0
    rows = placements(
        certificate.venue_id, entry_point_id, certificate.issued_at, _venue_time_zone(session, certificate.venue_id)
    )
    session.execute(
        ENTRIES.insert(),
        [
            {
                "board": p.board,
                "period": p.period,
                "certificate_id": certificate.id,
                "grams": certificate.grams,
                "issued_at": certificate.issued_at,
            }
            for p in rows
        ],
    )
    value = bucket(certificate.grams)
    _add_tallies(session, ((p.board, p.period, value, 1, certificate.grams) for p in rows))
    return len(rows)


def withdraw(session: Session, certificate_id: uuid.UUID) -> int:
    """Take a voided certificate off every board; the number of entries removed."""
    rows = session.execute(
        select(ENTRIES.c.board, ENTRIES.c.period, ENTRIES.c.grams).where(ENTRIES.c.certificate_id == certificate_id)
    ).all()
    if not rows:
        return 0
    session.execute(delete(ENTRIES).where(ENTRIES.c.certificate_id == certificate_id))
    _add_tallies(session, ((board, period, bucket(grams), -1, -grams) for board, period, grams in rows))
    return len(rows)


def recount_venue_periods(session: Session, venue_id: uuid.UUID, time_zone: str | None) -> int:
    """The venue board's years and months counted again on ``time_zone`` (the venue changed
    its clock); the number of certificates placed again."""
    board = venue_board(venue_id)
    placed = session.execute(
        select(ENTRIES.c.certificate_id, ENTRIES.c.grams, ENTRIES.c.issued_at).where(
            ENTRIES.c.board == board, ENTRIES.c.period == ALL_TIME
        )
    ).all()
    session.execute(delete(ENTRIES).where(ENTRIES.c.board == board, ENTRIES.c.period != ALL_TIME))
    session.execute(delete(TALLIES).where(TALLIES.c.board == board, TALLIES.c.period != ALL_TIME))
    if not placed:
        return 0
    rows = [
        {
            "board": board,
            "period": period_key(kind, issued_at, time_zone),
            "certificate_id": certificate_id,
            "grams": grams,
            "issued_at": issued_at,
        }
        for certificate_id, grams, issued_at in placed
        for kind in ("year", "month")
    ]
    session.execute(ENTRIES.insert(), rows)
    tallies: dict[tuple[str, str, int], list[int]] = {}
    for row in rows:
        found = tallies.setdefault((board, row["period"], bucket(row["grams"])), [0, 0])
        found[0] += 1
        found[1] += row["grams"]
    _add_tallies(session, ((b, p, v, n, g) for (b, p, v), (n, g) in tallies.items()))
    return len(placed)


def _zone_changed(venue: Tenant) -> bool:
    history = inspect(venue).attrs.time_zone.history
    added, deleted = list(history.added or ()), list(history.deleted or ())
    return bool(added) and bool(deleted) and added[0] != deleted[0]


def _voided(certificate: Certificate) -> bool:
    history = inspect(certificate).attrs.status.history
    return CertificateStatus.VOID in (history.added or ()) and CertificateStatus.VALID in (history.deleted or ())


@event.listens_for(Session, "after_flush")
def _follow_certificates(session: Session, _flush_context: Any) -> None:
    """Certificates inserted valid enter their boards; certificates turned void leave them;
    a venue's new time zone recounts its board's years and months."""
    for obj in list(session.new):
        if isinstance(obj, Certificate) and obj.status == CertificateStatus.VALID:
            enter(session, obj)
    for obj in list(session.dirty):
        if isinstance(obj, Certificate) and _voided(obj):
            withdraw(session, obj.id)
        elif isinstance(obj, Tenant) and _zone_changed(obj):
            recount_venue_periods(session, obj.id, obj.time_zone)


async def rebuild(session: AsyncSession) -> int:
    """Every board from the certificates themselves; the number of certificates entered.

    For an installation whose certificates predate the boards, or to check them: the
    result must equal what the listener kept (a test compares the two).
    """
    await session.execute(delete(ENTRIES))
    await session.execute(delete(TALLIES))
    certificates = (
        await session.scalars(select(Certificate).where(Certificate.status == CertificateStatus.VALID))
    ).all()

    def enter_all(sync: Session) -> int:
        return sum(1 for certificate in certificates if enter(sync, certificate))

    return await session.run_sync(enter_all)


__all__ = [
    "ALL_TIME",
    "BOARD_TIME_ZONE",
    "BOARD_TIME_ZONE_NAME",
    "PLATFORM",
    "bucket",
    "bucket_end",
    "enter",
    "entry_board",
    "period_key",
    "placements",
    "rebuild",
    "recount_venue_periods",
    "venue_board",
    "withdraw",
]
