"""Stored footprints and the factor-set versions they were computed with."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from neutralpoint.database.base import Base, TenantScoped, new_id, utcnow
from neutralpoint.fastpath.group_commit import SHARED_IN_BATCH


class FactorSetSnapshot(Base):
    """Every factor-set version ever used, so an old estimate recomputes to the same grams
    even after the plugin moved on (or was uninstalled)."""

    __tablename__ = "factor_set_snapshots"
    __table_args__ = (UniqueConstraint("scenario", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    scenario: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Estimate(TenantScoped, Base):
    """One visitor's computed footprint at one entry point."""

    __tablename__ = "estimates"
    __table_args__ = (
        Index("ix_estimates_visitor_tenant", "visitor_id", "tenant_id"),
        Index("ix_estimates_tenant_entry", "tenant_id", "entry_point_id"),
        # What follows from the entry point a visitor scanned, not from their answers: in a burst
        # at one entry point every estimate has the same, and the group commit sends it once.
        {
            "info": {
                SHARED_IN_BATCH: (
                    "tenant_id",
                    "entry_point_id",
                    "scenario",
                    "kind",
                    "scenario_name",
                    "factor_set_version",
                    "factor_fingerprint",
                    "context",
                )
            }
        },
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    entry_point_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("entry_points.id", ondelete="SET NULL"), nullable=True
    )
    #: The anonymous visitor (their ``np_visitor`` cookie); ``None`` for an organiser's
    #: whole-event footprint, which no visitor made.
    visitor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    #: The signed-in person who computed an organiser's footprint (never a visitor id).
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    scenario: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16), default="visitor")
    scenario_name: Mapped[dict[str, str]] = mapped_column(JSON)
    factor_set_version: Mapped[str] = mapped_column(String(40))
    factor_fingerprint: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total_grams: Mapped[int] = mapped_column(BigInteger)
    #: What the calculation knew beyond the inputs (venue location, presets), so that a
    #: recomputation does not depend on the venue's current settings.
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# A venue's measured factor values live beside the code that applies them; their table is
# part of this domain's schema all the same (Alembic compares against this metadata).
from neutralpoint.scenarios.overrides import FactorOverride  # noqa: E402

__all__ = ["Estimate", "FactorOverride", "FactorSetSnapshot"]
