"""The leaderboards' tables: a projection of the valid certificates, and the holders' choices.

None is tenant-scoped: a leaderboard is public by design and crosses venues (the platform's
board), so the rows name their board (``platform``, ``venue:<id>``, ``entry:<id>``) and
hold nothing a certificate does not already publish.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neutralpoint.database.base import Base, utcnow


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
