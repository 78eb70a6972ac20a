"""Corrections to a recorded lot, each one an append-only ledger entry."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.credits import ledger, pricing, serials, stock
from neutralpoint.credits.field_checks import checked_evidence, now_or_given
from neutralpoint.credits.lots import checked_vintage, not_in_future, overlapping_lot
from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    LedgerKind,
    Lot,
    Piece,
    Tonne,
    TonneStatus,
)
from neutralpoint.credits.schemas import EvidenceFile
from neutralpoint.credits.selling import check_actor
from neutralpoint.refusals import Collector, checked, problem, refuse

LOT_CORRECTABLE = ("serial_range", "vintage_year", "unit_cost", "acquired_on", "notes", "evidence")


async def correct_lot(
    session: AsyncSession,
    lot_id: uuid.UUID,
    *,
    field: str,
    value: Any,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> Lot:
    """Change one thing about a lot through an append-only correction entry.

    The only way to change a lot once grams of it were sold (before that it is the same,
    with its own reason). ``field`` is one of ``LOT_CORRECTABLE``:

    - ``serial_range``: ``(serial_first, serial_last)``; the quantity follows the count. Refused
      when it would drop grams already allocated or assigned, overlap another lot, or
      renumber tonnes already sent for retirement; assigned pieces and due tonnes are
      renumbered (a platform session is needed to reach every venue's pieces).
    - ``vintage_year``; ``unit_cost``: ``(unit_cost_minor, cost_currency)``;
      ``acquired_on`` (not in the future); ``notes``; ``evidence``: an ``EvidenceFile``.
    """
    problems = Collector()
    actor = problems.check(check_actor, actor) or ""
    why = problems.field("reason", rules.text, reason, required=True, max_length=2000) or ""
    if field not in LOT_CORRECTABLE:
        problems.add(
            "field",
            problem(
                "unknown_choice",
                "A lot correction changes one of: {fields}.",
                "批次更正只能更改以下之一：{fields}。",
                fields=", ".join(LOT_CORRECTABLE),
            ),
        )
    problems.raise_if_any()
    await ledger.lock_supply(session)
    lot = (await ledger.lock_lots(session, [lot_id]))[lot_id]
    moment = now_or_given(now)  # after the locks: the lot's chain sees the time of the write
    details: dict[str, Any] = {"field": field}
    grams_delta = 0
    changes: dict[str, Any] = {}
    renumber: serials.SerialRange | None = None
    if field == "serial_range":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise refuse(
                "value", problem("required", "Give the first and the last serial.", "请填写首个和末个序列号。")
            )
        first, last = (str(v or "").strip() for v in value)
        found = serials.parse_serial_range(first, last or None)
        new_grams = found.count * GRAMS_PER_TONNE
        if new_grams < max(lot.allocated_grams, lot.fill_cursor, lot.reserved_grams + lot.sold_grams):
            raise refuse(
                "value",
                problem(
                    "range_too_small",
                    "The corrected range is smaller than what is already allocated or sold from this lot.",
                    "更正后的范围小于此批次已分配或已售出的数量。",
                ),
            )
        clash = await overlapping_lot(session, found, except_lot=lot.id)
        if clash is not None:
            raise refuse(
                "value",
                problem(
                    "serials_overlap",
                    "These serials overlap lot {first} – {last}.",
                    "这些序列号与批次 {first} – {last} 重叠。",
                    first=clash.serial_first,
                    last=clash.serial_last,
                ),
            )
        old = stock.serial_range_of(lot)
        used_tonnes = -(-lot.fill_cursor // GRAMS_PER_TONNE)
        renumbered = any(old.serial(i) != found.serial(i) for i in range(min(used_tonnes, old.count, found.count)))
        if renumbered:
            sent = (
                await session.execute(
                    select(func.count())
                    .select_from(Tonne)
                    .where(Tonne.lot_id == lot.id, Tonne.status.in_([TonneStatus.RETIRING, TonneStatus.RETIRED]))
                )
            ).scalar_one()
            if sent:
                raise refuse(
                    "value",
                    problem(
                        "serials_retiring",
                        "Tonnes of this lot were sent for retirement under their serials.",
                        "此批次的吨已按其序列号提交注销。",
                    ),
                )
            renumber = found
        changes = {
            "serial_first": first,
            "serial_last": last or first,
            "serial_prefix": found.prefix,
            "serial_suffix": found.suffix,
            "serial_width": found.width,
            "serial_block_notation": found.block_notation,
            "serial_first_number": found.first_number,
            "serial_last_number": found.last_number,
            "quantity_tonnes": found.count,
        }
        grams_delta = new_grams - lot.quantity_grams
        details.update(old=[lot.serial_first, lot.serial_last], new=[first, last or first])
    elif field == "vintage_year":
        changes = {"vintage_year": checked_vintage(value, "value")}
        details.update(old=lot.vintage_year, new=changes["vintage_year"])
    elif field == "unit_cost":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise refuse(
                "value",
                problem(
                    "required",
                    "Give the unit cost in minor units and its currency.",
                    "请填写以最小货币单位计的单位成本及其币种。",
                ),
            )
        cost = checked("value", rules.whole_number, value[0], minimum=0)
        currency = pricing.check_currency(value[1], "value")
        changes = {"unit_cost_minor": cost, "cost_currency": currency}
        details.update(old=[lot.unit_cost_minor, lot.cost_currency], new=[cost, currency])
    elif field == "acquired_on":
        if not isinstance(value, date) or isinstance(value, datetime):
            raise refuse("value", problem("required", "Enter a date.", "请输入日期。"))
        changes = {"acquired_on": not_in_future(value, "value", moment)}
        details.update(old=lot.acquired_on.isoformat(), new=value.isoformat())
    elif field == "notes":
        changes = {"notes": checked("value", rules.text, value, max_length=5000)}
        details.update(new=changes["notes"])
    elif field == "evidence":
        if not isinstance(value, EvidenceFile):
            raise refuse("value", problem("required", "Upload the evidence file.", "请上传证明文件。"))
        file = checked_evidence(value, "value")
        assert file is not None
        changes = {
            "evidence": file.content,
            "evidence_content_type": file.content_type,
            "evidence_filename": file.filename,
        }
        details.update(new=file.filename, bytes=len(file.content))
    await session.execute(
        update(Lot).where(Lot.id == lot.id).values(**changes).execution_options(synchronize_session=False)
    )
    if renumber is not None:
        await _renumber(session, lot.id, renumber)
    await ledger.append(
        session,
        LedgerKind.CORRECTION,
        actor=actor,
        now=moment,
        lot_id=lot.id,
        grams=grams_delta,
        reason=why,
        details=details,
    )
    return await stock.fresh_lot(session, lot.id)


async def _renumber(session: AsyncSession, lot_id: uuid.UUID, found: serials.SerialRange) -> None:
    pieces = (await session.execute(select(Piece).where(Piece.lot_id == lot_id))).scalars()
    for piece in pieces:
        piece.serial = found.serial(piece.tonne_index)
    tonnes = (await session.execute(select(Tonne).where(Tonne.lot_id == lot_id))).scalars()
    for tonne in tonnes:
        tonne.serial = found.serial(tonne.tonne_index)
    await session.flush()
