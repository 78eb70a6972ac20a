"""The leaderboards' tables (a projection of the valid certificates, and the holders'
choices) and the visitors' personal footprints (histories, their browsers, sign-in links).

None is tenant-scoped: a leaderboard is public by design and crosses venues (the platform's
board), so the rows name their board (``platform``, ``venue:<id>``, ``entry:<id>``) and
hold nothing a certificate does not already publish.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from neutralpoint.database.base import Base, new_id, utcnow


class Visibility(enum.StrEnum):
    """How a certificate appears on the boards; without a choice it is ``anonymous``."""

    NAMED = "named"
    ANONYMOUS = "anonymous"
    HIDDEN = "hidden"


class StandingEntry(Base):
    """One valid certificate on one board in one period (``all``, ``2026``, ``2026-12``).

    The index orders a board's period by grams: read backwards, its first rows are the top
    of the board, and the certificates between two gram values are one range of it.
    """

    __tablename__ = "impact_standings"
    __table_args__ = (Index("ix_impact_standings_board_grams", "board", "period", "grams"),)

    board: Mapped[str] = mapped_column(String(48), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    grams: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class StandingTally(Base):
    """How many certificates (and grams) a board's period holds in one gram bucket.

    A bucket is a gram value's first three significant digits and its length
    (``standings.bucket``): a rank is the certificates of the buckets above plus a short
    range of the index within its own bucket, never a count of the whole board.
    """

    __tablename__ = "impact_tallies"

    board: Mapped[str] = mapped_column(String(48), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(BigInteger, default=0)
    grams: Mapped[int] = mapped_column(BigInteger, default=0)


class Listing(Base):
    """A certificate holder's choice for the boards; no row means the default (anonymous)."""

    __tablename__ = "impact_listings"

    certificate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True
    )
    visibility: Mapped[Visibility] = mapped_column(
        Enum(Visibility, values_callable=lambda e: [m.value for m in e], native_enum=False, length=12)
    )
    public_name: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FootprintHistory(Base):
    """One person's footprint across venues: the browsers (anonymous visitors) joined into
    it, and, once they asked to keep it, the e-mail address their sign-in links go to.

    Not venue-owned (a history crosses venues, like a certificate): it holds visitor ids and
    an address, never a venue's rows; the estimates and orders it finds stay venue-owned
    and are read across venues on purpose (``neutralpoint.impact.footprints``).
    """

    __tablename__ = "footprint_histories"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    #: Lower-cased; ``None`` for a history joined across hosts but not kept by e-mail.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kept_at: Mapped[datetime | None] = mapped_column(nullable=True)


class FootprintVisitor(Base):
    """A browser's anonymous visitor id, joined into a history (a visitor in no history is
    a history of one)."""

    __tablename__ = "footprint_visitors"

    visitor_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    history_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("footprint_histories.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class FootprintSignInLink(Base):
    """A mailed "keep my history" link: random, single-use, expiring; only its SHA-256 is kept."""

    __tablename__ = "footprint_sign_in_links"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
