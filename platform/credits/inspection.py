"""What platform admins look at: single records fresh from the database, a lot's pieces,
tonnes and ledger, a project's photos, and the files kept as evidence.

The platform pages read through these functions rather than building queries of their
own. A record is read again from the database (``populate_existing``), so that a page
shown after a refused form carries the stored values, not the refused ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits.models import (
    Allocation,
    LedgerEntry,
    Lot,
    Piece,
    Project,
    ProjectOwner,
    ProjectPhoto,
    RetirementRequest,
    Sale,
    Tonne,
    TonneStatus,
)
from neutralpoint.tenants.models import Tenant


@dataclass(frozen=True)
class StoredFile:
    """A file kept in the database (evidence, a photo), as served back."""

    content: bytes
    content_type: str | None
    filename: str | None = None


@dataclass(frozen=True)
class PhotoInfo:
    id: uuid.UUID
    caption: dict[str, str]
    content_type: str


class SoldPiece(NamedTuple):
    """One assigned piece of a lot, with the order it went to and the venue that sold it."""

    piece: Piece
    order_ref: str
    venue_name: str
    #: Sold through a test payment (the sandbox): no money was taken.
    test_mode: bool = False


@dataclass(frozen=True)
class LotDetails:
    pieces: list[SoldPiece]
    pieces_total: int
    tonnes: dict[int, TonneStatus]
    entries: list[LedgerEntry]
    evidence_filename: str | None


class AllocationRow(NamedTuple):
    allocation: Allocation
    lot: Lot
    project: Project


# --- single records --------------------------------------------------------------------------


async def find_owner(session: AsyncSession, owner_id: uuid.UUID) -> ProjectOwner | None:
    return await session.get(ProjectOwner, owner_id, populate_existing=True)


async def find_project(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    return await session.get(Project, project_id, populate_existing=True)


async def find_lot(session: AsyncSession, lot_id: uuid.UUID) -> Lot | None:
    return await session.get(Lot, lot_id, populate_existing=True)


async def find_allocation(session: AsyncSession, allocation_id: uuid.UUID) -> Allocation | None:
    return await session.get(Allocation, allocation_id)


async def find_retirement_request(session: AsyncSession, request_id: uuid.UUID) -> RetirementRequest | None:
    return await session.get(RetirementRequest, request_id)


# --- owners and projects ---------------------------------------------------------------------


async def project_counts_by_owner(session: AsyncSession) -> dict[uuid.UUID, int]:
    rows = await session.execute(select(Project.owner_id, func.count()).group_by(Project.owner_id))
    return {owner_id: int(n) for owner_id, n in rows}


async def projects_of_owner(session: AsyncSession, owner_id: uuid.UUID) -> list[Project]:
    rows = await session.execute(select(Project).where(Project.owner_id == owner_id).order_by(Project.created_at))
    return list(rows.scalars())


async def lot_counts_by_project(session: AsyncSession) -> dict[uuid.UUID, int]:
    rows = await session.execute(select(Lot.project_id, func.count()).group_by(Lot.project_id))
    return {project_id: int(n) for project_id, n in rows}


async def project_photos(session: AsyncSession, project_id: uuid.UUID) -> list[PhotoInfo]:
    rows = await session.execute(
        select(ProjectPhoto.id, ProjectPhoto.caption, ProjectPhoto.content_type)
        .where(ProjectPhoto.project_id == project_id)
        .order_by(ProjectPhoto.position, ProjectPhoto.created_at)
    )
    return [PhotoInfo(id=row.id, caption=dict(row.caption or {}), content_type=row.content_type) for row in rows]


async def project_photo(session: AsyncSession, project_id: uuid.UUID, photo_id: uuid.UUID) -> StoredFile | None:
    """The photo, if it is one of this project's (another project's photo id is not found)."""
    row = (
        await session.execute(
            select(ProjectPhoto.content, ProjectPhoto.content_type).where(
                ProjectPhoto.id == photo_id, ProjectPhoto.project_id == project_id
            )
        )
    ).one_or_none()
    return None if row is None else StoredFile(content=row.content, content_type=row.content_type)


# --- lots ------------------------------------------------------------------------------------


async def lot_evidence(session: AsyncSession, lot_id: uuid.UUID) -> StoredFile | None:
    row = (
        await session.execute(
            select(Lot.evidence, Lot.evidence_content_type, Lot.evidence_filename).where(Lot.id == lot_id)
        )
    ).one_or_none()
    if row is None or row.evidence is None:
        return None
    return StoredFile(content=row.evidence, content_type=row.evidence_content_type, filename=row.evidence_filename)


async def lot_details(session: AsyncSession, lot_id: uuid.UUID, *, pieces_shown: int, entries_shown: int) -> LotDetails:
    """The first ``pieces_shown`` assigned pieces (and how many there are), every tonne's
    status, the last ``entries_shown`` ledger entries, and the evidence's file name."""
    pieces_total = int(
        (await session.execute(select(func.count()).select_from(Piece).where(Piece.lot_id == lot_id))).scalar_one()
    )
    pieces = await session.execute(
        select(Piece, Sale.order_ref, Tenant.display_name, Sale.test_mode)
        .join(Sale, Sale.id == Piece.sale_id)
        .join(Tenant, Tenant.id == Piece.tenant_id)
        .where(Piece.lot_id == lot_id)
        .order_by(Piece.tonne_index, Piece.gram_from, Piece.created_at)
        .limit(pieces_shown)
    )
    tonnes = await session.execute(select(Tonne.tonne_index, Tonne.status).where(Tonne.lot_id == lot_id))
    entries = await session.execute(
        select(LedgerEntry).where(LedgerEntry.lot_id == lot_id).order_by(LedgerEntry.seq.desc()).limit(entries_shown)
    )
    filename = (await session.execute(select(Lot.evidence_filename).where(Lot.id == lot_id))).scalar_one_or_none()
    return LotDetails(
        pieces=[SoldPiece(piece=row[0], order_ref=row[1], venue_name=row[2], test_mode=row[3]) for row in pieces],
        pieces_total=pieces_total,
        tonnes={row.tonne_index: row.status for row in tonnes},
        entries=list(entries.scalars()),
        evidence_filename=filename,
    )


# --- allocations and retirements -------------------------------------------------------------


async def allocation_rows(session: AsyncSession) -> list[AllocationRow]:
    """Every allocation with its lot and project, open ones first, newest first."""
    rows = await session.execute(
        select(Allocation, Lot, Project)
        .join(Lot, Lot.id == Allocation.lot_id)
        .join(Project, Project.id == Allocation.project_id)
        .order_by(Allocation.status, Allocation.created_at.desc())
    )
    return [AllocationRow(allocation=row[0], lot=row[1], project=row[2]) for row in rows]


async def retirements_with_evidence(session: AsyncSession) -> set[uuid.UUID]:
    rows = await session.execute(select(RetirementRequest.id).where(RetirementRequest.evidence_filename.is_not(None)))
    return set(rows.scalars())


async def retirement_evidence(session: AsyncSession, request_id: uuid.UUID) -> StoredFile | None:
    row = (
        await session.execute(
            select(
                RetirementRequest.evidence,
                RetirementRequest.evidence_content_type,
                RetirementRequest.evidence_filename,
            ).where(RetirementRequest.id == request_id)
        )
    ).one_or_none()
    if row is None or row.evidence is None:
        return None
    return StoredFile(content=row.evidence, content_type=row.evidence_content_type, filename=row.evidence_filename)
