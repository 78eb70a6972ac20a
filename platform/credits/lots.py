"""Lots of credits the platform bought: checking, recording and reading them.

A lot's serial range must parse, hold exactly its quantity and overlap no other lot; the
acquisition is a ledger entry. Corrections after the fact are in ``lot_corrections``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.credits import ledger, pricing, reasons, serials, stock
from neutralpoint.credits.field_checks import checked_evidence, now_or_given
from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    LedgerKind,
    Lot,
    Project,
    Tonne,
    TonneStatus,
)
from neutralpoint.credits.retirement import partial_tonnes
from neutralpoint.credits.schemas import EvidenceFile, LotStatus
from neutralpoint.credits.selling import check_actor
from neutralpoint.database.base import utcnow
from neutralpoint.refusals import Collector, FieldError, checked, problem, refuse

LATEST_UTC_OFFSET = timedelta(hours=14)


# --- lots ---------------------------------------------------------------------------------


def _serial_problems(problems: Collector, first: Any, last: Any, quantity: Any) -> serials.SerialRange | None:
    quantity_ok = problems.field("quantity_tonnes", rules.whole_number, quantity, minimum=1, maximum=1_000_000_000)
    found: serials.SerialRange | None = problems.check(
        serials.parse_serial_range, str(first or ""), None if last is None else str(last)
    )
    if found is not None and quantity_ok is not None:
        problems.check(serials.check_quantity, found, quantity_ok)
    return found


async def overlapping_lot(
    session: AsyncSession, found: serials.SerialRange, *, except_lot: uuid.UUID | None = None
) -> Lot | None:
    """Another lot whose serials share some tonne with ``found`` (any project: a serial is unique)."""
    candidates = (
        await session.execute(
            select(Lot).where(
                Lot.serial_prefix == found.prefix,
                Lot.serial_suffix == found.suffix,
                Lot.serial_block_notation == found.block_notation,
                Lot.serial_first_number <= found.last_number,
                Lot.serial_last_number >= found.first_number,
            )
        )
    ).scalars()
    return next((lot for lot in candidates if lot.id != except_lot), None)


def checked_vintage(value: Any, field: str = "vintage_year") -> int:
    return checked(field, rules.whole_number, value, minimum=1990, maximum=utcnow().year + 1)


def latest_today(moment: datetime) -> date:
    """Today's date where it is latest (UTC+14): a date after it is in the future everywhere,
    so an admin east of UTC is never refused the day they bought a lot."""
    return (moment.astimezone(UTC) + LATEST_UTC_OFFSET).date()


def not_in_future(value: date, field: str, moment: datetime) -> date:
    if value > latest_today(moment):
        raise refuse(
            field, problem("date_in_future", "The acquisition date cannot be in the future.", "购入日期不能晚于今天。")
        )
    return value


def _acquired_on(value: Any, moment: datetime) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise refuse(
            "acquired_on",
            problem("required", "Enter the date the platform acquired the lot.", "请输入平台购入此批次的日期。"),
        )
    return not_in_future(value, "acquired_on", moment)


@dataclass(frozen=True)
class _CheckedLot:
    project: Project | None
    found: serials.SerialRange | None
    currency: str | None
    evidence: EvidenceFile | None
    notes: str | None


async def _check_lot(
    session: AsyncSession,
    problems: Collector,
    *,
    project_id: uuid.UUID | None,
    vintage_year: int | None,
    serial_first: str,
    serial_last: str | None,
    quantity_tonnes: int | None,
    unit_cost_minor: int | None,
    cost_currency: str,
    acquired_on: date | None,
    evidence: EvidenceFile | None,
    notes: str,
    moment: datetime,
    lock: bool,
) -> _CheckedLot:
    """Every check of a new lot; the overlap with other lots under the books lock when ``lock``."""
    project = await session.get(Project, project_id) if isinstance(project_id, uuid.UUID) else None
    if project is None:
        problems.add(
            "project_id", problem("required", "Choose the project this lot belongs to.", "请选择此批次所属的项目。")
        )
    problems.check(checked_vintage, vintage_year)
    found = _serial_problems(problems, serial_first, serial_last, quantity_tonnes)
    problems.field("unit_cost_minor", rules.whole_number, unit_cost_minor, minimum=0)
    currency = problems.check(pricing.check_currency, cost_currency, "cost_currency")
    problems.check(_acquired_on, acquired_on, moment)
    cleaned_evidence = problems.check(checked_evidence, evidence, "evidence")
    cleaned_notes = problems.field("notes", rules.text, notes, max_length=5000)
    if lock:
        await ledger.lock_supply(session)
    if found is not None and "serial_first" not in problems.errors:
        clash = await overlapping_lot(session, found)
        if clash is not None:
            problems.add(
                "serial_first",
                problem(
                    "serials_overlap",
                    "These serials overlap lot {first} – {last} (vintage {vintage}).",
                    "这些序列号与批次 {first} – {last}（年份 {vintage}）重叠。",
                    first=clash.serial_first,
                    last=clash.serial_last,
                    vintage=clash.vintage_year,
                ),
            )
    return _CheckedLot(project, found, currency, cleaned_evidence, cleaned_notes)


async def lot_problems(
    session: AsyncSession,
    *,
    project_id: uuid.UUID | None,
    vintage_year: int | None,
    serial_first: str,
    serial_last: str | None,
    quantity_tonnes: int | None,
    unit_cost_minor: int | None,
    cost_currency: str,
    acquired_on: date | None,
    evidence: EvidenceFile | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> dict[str, FieldError]:
    """What ``create_lot`` would refuse in these values, field by field, without writing
    anything; a value a form could not read is None. A form that already found problems of
    its own shows these beside them, so one submission names every bad field."""
    problems = Collector()
    await _check_lot(
        session,
        problems,
        project_id=project_id,
        vintage_year=vintage_year,
        serial_first=serial_first,
        serial_last=serial_last,
        quantity_tonnes=quantity_tonnes,
        unit_cost_minor=unit_cost_minor,
        cost_currency=cost_currency,
        acquired_on=acquired_on,
        evidence=evidence,
        notes=notes,
        moment=now_or_given(now),
        lock=False,
    )
    return problems.errors


async def create_lot(
    session: AsyncSession,
    *,
    project_id: uuid.UUID,
    vintage_year: int,
    serial_first: str,
    serial_last: str | None,
    quantity_tonnes: int,
    unit_cost_minor: int,
    cost_currency: str,
    acquired_on: date,
    actor: str,
    evidence: EvidenceFile | None = None,
    notes: str = "",
    is_demo: bool = False,
    now: datetime | None = None,
) -> Lot:
    """Record a lot the platform bought. The serial range must parse, hold exactly
    ``quantity_tonnes`` tonnes and overlap no other lot; ``acquired_on`` is not in the future."""
    moment = now_or_given(now)
    problems = Collector()
    actor = problems.check(check_actor, actor) or ""
    checked = await _check_lot(
        session,
        problems,
        project_id=project_id,
        vintage_year=vintage_year,
        serial_first=serial_first,
        serial_last=serial_last,
        quantity_tonnes=quantity_tonnes,
        unit_cost_minor=unit_cost_minor,
        cost_currency=cost_currency,
        acquired_on=acquired_on,
        evidence=evidence,
        notes=notes,
        moment=moment,
        lock=True,
    )
    problems.raise_if_any()
    moment = now_or_given(now)  # after the books lock: the ledger sees the time of the write
    project, found, currency, cleaned_evidence = checked.project, checked.found, checked.currency, checked.evidence
    assert found is not None
    assert project is not None
    lot = Lot(
        project_id=project.id,
        vintage_year=vintage_year,
        serial_first=serial_first.strip(),
        serial_last=(serial_last or "").strip() or serial_first.strip(),
        serial_prefix=found.prefix,
        serial_suffix=found.suffix,
        serial_width=found.width,
        serial_block_notation=found.block_notation,
        serial_first_number=found.first_number,
        serial_last_number=found.last_number,
        quantity_tonnes=quantity_tonnes,
        unit_cost_minor=unit_cost_minor,
        cost_currency=currency,
        acquired_on=acquired_on,
        evidence=cleaned_evidence.content if cleaned_evidence else None,
        evidence_content_type=cleaned_evidence.content_type if cleaned_evidence else None,
        evidence_filename=cleaned_evidence.filename if cleaned_evidence else None,
        notes=checked.notes or "",
        is_demo=is_demo,
        created_at=moment,
    )
    session.add(lot)
    await session.flush()
    await ledger.append(
        session,
        LedgerKind.ACQUIRE,
        actor=actor,
        now=moment,
        lot_id=lot.id,
        grams=lot.quantity_grams,
        amount_minor=unit_cost_minor * quantity_tonnes,
        currency=currency,
        reason=reasons.LOT_ACQUIRED,
        details={
            "project_id": str(project.id),
            "vintage_year": vintage_year,
            "serial_first": lot.serial_first,
            "serial_last": lot.serial_last,
            "quantity_tonnes": quantity_tonnes,
            "unit_cost_minor": unit_cost_minor,
        },
    )
    return lot


async def list_lots(session: AsyncSession, project_id: uuid.UUID | None = None) -> list[Lot]:
    query = select(Lot).order_by(Lot.created_at)
    if project_id is not None:
        query = query.where(Lot.project_id == project_id)
    return list((await session.execute(query)).scalars())


async def lot_status(session: AsyncSession, lot_id: uuid.UUID) -> LotStatus:
    lot = await stock.fresh_lot(session, lot_id)
    rows = await session.execute(
        select(Tonne.status, func.count()).where(Tonne.lot_id == lot.id).group_by(Tonne.status)
    )
    counts: dict[TonneStatus, int] = dict(rows.tuples().all())
    return LotStatus(
        lot_id=lot.id,
        project_id=lot.project_id,
        quantity_grams=lot.quantity_grams,
        allocated_grams=lot.allocated_grams,
        reserved_grams=lot.reserved_grams,
        sold_grams=lot.sold_grams,
        available_grams=lot.available_grams,
        retired_grams=lot.retired_grams,
        due_grams=counts.get(TonneStatus.DUE, 0) * GRAMS_PER_TONNE,
        retiring_grams=counts.get(TonneStatus.RETIRING, 0) * GRAMS_PER_TONNE,
        partial_tonnes=len(await partial_tonnes(session, lot.id)),
        locked=lot.locked,
    )
