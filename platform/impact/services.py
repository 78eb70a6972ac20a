"""Leaderboards read: the top of a board, a certificate's rank, the holder's listing choice.

A rank is ``1 +`` the certificates on the board with more grams (equal grams share a
rank). It is found without counting the board: the tallies of the buckets above the
certificate's own are summed, and only its own bucket (values within 1 % of it) is
counted in the index. Every valid certificate counts, listed or not, so hiding one's name
changes nobody's rank; a hidden certificate is left out of the pages only.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.certificates.models import Certificate, CertificateStatus
from neutralpoint.database.base import utcnow
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.impact import standings
from neutralpoint.impact.models import Listing, StandingEntry, StandingTally, Visibility
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.tenants.models import EntryPoint, Tenant

ENTRIES = cast(Table, StandingEntry.__table__)
TALLIES = cast(Table, StandingTally.__table__)
LISTINGS = cast(Table, Listing.__table__)
CERTIFICATES = cast(Table, Certificate.__table__)
TOP = 100
NAME_MAX = 40
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Period:
    """``kind`` is ``all``, ``year`` or ``month``; ``key`` is what the rows store."""

    kind: str
    key: str
    time_zone: str = standings.BOARD_TIME_ZONE_NAME
    """The clock its years and months are counted on: the venue's, or the platform board's."""


def period(
    kind: str | None, key: str | None = None, *, now: datetime | None = None, time_zone: str | None = None
) -> Period:
    """The period asked for: ``month`` alone is this month on the board's clock (``time_zone``:
    the venue's for its board, none for the platform's)."""
    zone = time_zone or standings.BOARD_TIME_ZONE_NAME
    kind = (kind or "all").strip().lower()
    if kind not in standings.PERIOD_KINDS:
        raise FormErrors(
            {
                "period": FieldError(
                    "unknown_choice",
                    text={
                        "en": "Choose the period: all, year or month.",
                        "zh-Hans": "请选择时间段：all（全部）、year（年）或 month（月）。",
                    },
                )
            }
        )
    if kind == "all":
        return Period("all", standings.ALL_TIME, zone)
    if not key:
        return Period(kind, standings.period_key(kind, now or utcnow(), zone), zone)
    pattern = _YEAR if kind == "year" else _MONTH
    if not pattern.match(key):
        example = "2026" if kind == "year" else "2026-12"
        raise FormErrors(
            {
                "key": FieldError(
                    "invalid",
                    text={
                        "en": f"Give the {kind} as {example}.",
                        "zh-Hans": f"请按 {example} 的格式填写{'年份' if kind == 'year' else '月份'}。",
                    },
                )
            }
        )
    return Period(kind, key, zone)


@dataclass(frozen=True)
class Row:
    rank: int
    grams: int
    name: str | None
    """The holder's chosen name; ``None`` for an anonymous entry."""
    venue_name: str
    entry_point: str
    issued_at: datetime


@dataclass(frozen=True)
class Top:
    board: str
    period: Period
    rows: list[Row]
    entries: int
    """Every valid certificate on the board in the period, listed or not."""
    grams: int


async def totals(session: AsyncSession, board: str, key: str) -> tuple[int, int]:
    """Certificates and grams on a board in a period."""
    row = (
        await session.execute(
            select(func.coalesce(func.sum(TALLIES.c.entries), 0), func.coalesce(func.sum(TALLIES.c.grams), 0)).where(
                TALLIES.c.board == board, TALLIES.c.period == key
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def top(session: AsyncSession, board: str, chosen: Period, limit: int = TOP) -> Top:
    """The first ``limit`` places of a board; hidden certificates keep their place but no row."""
    rows = (
        await session.execute(
            select(
                ENTRIES.c.grams,
                ENTRIES.c.issued_at,
                LISTINGS.c.visibility,
                LISTINGS.c.public_name,
                CERTIFICATES.c.venue_name,
                CERTIFICATES.c.entry_point,
            )
            .select_from(
                ENTRIES.join(CERTIFICATES, CERTIFICATES.c.id == ENTRIES.c.certificate_id).outerjoin(
                    LISTINGS, LISTINGS.c.certificate_id == ENTRIES.c.certificate_id
                )
            )
            .where(ENTRIES.c.board == board, ENTRIES.c.period == chosen.key)
            .order_by(ENTRIES.c.grams.desc(), ENTRIES.c.issued_at, ENTRIES.c.certificate_id)
            .limit(limit)
        )
    ).all()
    shown: list[Row] = []
    rank = 0
    previous: int | None = None
    for position, (grams, issued_at, visibility, public_name, venue_name, entry_point) in enumerate(rows, start=1):
        if grams != previous:
            rank, previous = position, grams
        if visibility == Visibility.HIDDEN.value or visibility == Visibility.HIDDEN:
            continue
        named = visibility in (Visibility.NAMED, Visibility.NAMED.value) and public_name
        shown.append(Row(rank, int(grams), public_name if named else None, venue_name, entry_point, issued_at))
    entries, grams_total = await totals(session, board, chosen.key)
    return Top(board, chosen, shown, entries, grams_total)


async def rank_of(session: AsyncSession, board: str, key: str, grams: int) -> tuple[int, int]:
    """``(rank, of)`` for a certificate of ``grams`` on a board in a period, in one round trip."""
    own = standings.bucket(grams)
    above = (
        select(func.coalesce(func.sum(TALLIES.c.entries), 0))
        .where(TALLIES.c.board == board, TALLIES.c.period == key, TALLIES.c.bucket > own)
        .scalar_subquery()
    )
    near = (
        select(func.count())
        .select_from(ENTRIES)
        .where(
            ENTRIES.c.board == board,
            ENTRIES.c.period == key,
            ENTRIES.c.grams > grams,
            ENTRIES.c.grams < standings.bucket_end(own),
        )
        .scalar_subquery()
    )
    everyone = (
        select(func.coalesce(func.sum(TALLIES.c.entries), 0))
        .where(TALLIES.c.board == board, TALLIES.c.period == key)
        .scalar_subquery()
    )
    row = (await session.execute(select(above, near, everyone))).one()
    return 1 + int(row[0]) + int(row[1]), int(row[2])


@dataclass(frozen=True)
class Standing:
    """Where one certificate stands on one board in one period."""

    scope: str
    """``entry_point``, ``venue`` or ``platform``."""
    board: str
    period: Period
    rank: int
    of: int
    label: str
    """The entry point's event (or its name), the venue's name, or empty for the platform."""
    venue_slug: str
    entry_code: str


async def standings_of(session: AsyncSession, certificate: Certificate, lang: str | None = None) -> list[Standing]:
    """The certificate's rank on each board it is on: entry point first, then venue, then
    the platform, all time before year before month; none for a void or an organiser's.
    Places are named for a reader of ``lang`` (the venue's language by default)."""
    if certificate.status != CertificateStatus.VALID:
        return []
    placed = (
        await session.execute(
            select(ENTRIES.c.board, ENTRIES.c.period).where(ENTRIES.c.certificate_id == certificate.id)
        )
    ).all()
    # The entry point's name is read in its venue's scope (row-level security on PostgreSQL).
    use_tenant(session, certificate.venue_id)
    venue = await session.get(Tenant, certificate.venue_id)
    found = []
    for board, key in placed:
        scope, label, code = "platform", "", ""
        if board.startswith("entry:"):
            scope = "entry_point"
            point = await session.get(EntryPoint, uuid.UUID(board.split(":", 1)[1]))
            reader = lang or (venue.default_language if venue else "en")
            label = (point.event_name_in(reader) or point.name_in(reader)) if point else certificate.entry_point
            code = point.code if point else ""
        elif board.startswith("venue:"):
            scope = "venue"
            label = venue.display_name_in(lang or venue.default_language) if venue else certificate.venue_name
        kind = "all" if key == standings.ALL_TIME else ("year" if len(key) == 4 else "month")
        zone = venue.time_zone if venue is not None and scope == "venue" else standings.BOARD_TIME_ZONE_NAME
        rank, of = await rank_of(session, board, key, certificate.grams)
        found.append(
            Standing(scope, board, Period(kind, key, zone), rank, of, label, venue.slug if venue else "", code)
        )
    scopes = {"entry_point": 0, "venue": 1, "platform": 2}
    kinds = {"all": 0, "year": 1, "month": 2}
    return sorted(found, key=lambda s: (scopes[s.scope], kinds[s.period.kind]))


async def certificate_by_number(session: AsyncSession, number: str) -> Certificate | None:
    return await session.scalar(select(Certificate).where(Certificate.number == number.strip().upper()))


async def certificate_of_order(session: AsyncSession, venue_id: uuid.UUID, reference: str) -> Certificate | None:
    """The certificate of a venue's order: its reference is the buyer's secret."""
    return await session.scalar(
        select(Certificate).where(
            Certificate.venue_id == venue_id, Certificate.order_reference == reference.strip().upper()
        )
    )


@dataclass(frozen=True)
class ListingChoice:
    visibility: Visibility
    public_name: str


async def listing_of(session: AsyncSession, certificate_id: uuid.UUID) -> ListingChoice:
    found = await session.get(Listing, certificate_id)
    if found is None:
        return ListingChoice(Visibility.ANONYMOUS, "")
    return ListingChoice(found.visibility, found.public_name)


def check_listing(visibility: str | None, public_name: str | None) -> ListingChoice:
    """The choice as given, or ``FormErrors`` naming the field (nothing is written)."""
    try:
        chosen = Visibility((visibility or "").strip().lower())
    except ValueError:
        raise FormErrors(
            {
                "visibility": FieldError(
                    "unknown_choice",
                    text={
                        "en": "Choose how to appear: named, anonymous or hidden.",
                        "zh-Hans": "请选择展示方式：named（署名）、anonymous（匿名）或 hidden（不展示）。",
                    },
                )
            }
        ) from None
    name = " ".join((public_name or "").split())
    if chosen != Visibility.NAMED:
        return ListingChoice(chosen, "")
    if not name:
        raise FormErrors(
            {
                "public_name": FieldError(
                    "required",
                    text={
                        "en": "Enter the name to show on the leaderboards.",
                        "zh-Hans": "请填写在排行榜上显示的名字。",
                    },
                )
            }
        )
    if len(name) > NAME_MAX or _CONTROL.search(name):
        raise FormErrors(
            {
                "public_name": FieldError(
                    "invalid",
                    text={
                        "en": f"Use at most {NAME_MAX} characters, without control characters.",
                        "zh-Hans": f"名字最多 {NAME_MAX} 个字符，且不能包含控制字符。",
                    },
                )
            }
        )
    return ListingChoice(chosen, name)


async def set_listing(session: AsyncSession, certificate_id: uuid.UUID, choice: ListingChoice) -> ListingChoice:
    found = await session.get(Listing, certificate_id)
    if found is None:
        session.add(
            Listing(certificate_id=certificate_id, visibility=choice.visibility, public_name=choice.public_name)
        )
    else:
        found.visibility = choice.visibility
        found.public_name = choice.public_name
        found.updated_at = utcnow()
    await session.flush()
    return choice
