"""Registry retirement of fully sold tonnes, batched per project and beneficiary wording.

A tonne whose 1,000,000 grams are all sold is *due*. ``batch_retirements`` (on demand and
nightly) groups due tonnes into one request per project and wording and hands each to
the registry's adapter; from then on the tonne is *retiring* and a refund can no longer
put its grams back on sale. The registry's reference makes it *retired*. A partly sold
tonne is never retired: ``partial_tonnes`` reports it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.credits import ledger, reasons, registry_adapters, stock
from neutralpoint.credits.field_checks import MAX_EVIDENCE_BYTES
from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    FreeRange,
    LedgerKind,
    Lot,
    Project,
    RetirementRequest,
    RetirementStatus,
    Tonne,
    TonneStatus,
)
from neutralpoint.credits.registry_adapters import (
    AdapterRegistry,
    RetirementSubmission,
    SubmissionResult,
    SubmissionStatus,
)
from neutralpoint.credits.schemas import EvidenceFile, PartialTonne, RetirementView
from neutralpoint.credits.selling import check_actor
from neutralpoint.database.base import utcnow
from neutralpoint.refusals import Collector, problem, refuse


def retirement_view(request: RetirementRequest) -> RetirementView:
    return RetirementView(
        id=request.id,
        project_id=request.project_id,
        beneficiary=request.beneficiary,
        adapter=request.adapter,
        status=request.status.value,
        tonnes=request.tonnes,
        serials=tuple(request.serials),
        registry_reference=request.registry_reference,
        registry_url=request.registry_url,
        error=request.error,
        created_at=request.created_at,
        retired_at=request.retired_at,
    )


async def batch_retirements(
    session: AsyncSession,
    *,
    now: datetime | None = None,
    actor: str = "system:retirement",
    adapters: AdapterRegistry | None = None,
) -> list[RetirementView]:
    """Group every due tonne into retirement requests and submit each to its adapter."""
    actor = check_actor(actor)
    registry = adapters or registry_adapters.default_adapters()
    due_lots = (
        await session.execute(
            select(Tonne.lot_id).where(Tonne.status == TonneStatus.DUE, Tonne.request_id.is_(None)).distinct()
        )
    ).scalars()
    # The lots of the due tonnes, so a refund cannot reopen a tonne while it is being batched.
    locked = list(await ledger.lock_lots(session, due_lots))
    moment = now or utcnow()
    due = (
        (
            await session.execute(
                select(Tonne)
                .where(Tonne.status == TonneStatus.DUE, Tonne.request_id.is_(None), Tonne.lot_id.in_(locked))
                .order_by(Tonne.project_id, Tonne.beneficiary, Tonne.lot_id, Tonne.tonne_index)
            )
        )
        .scalars()
        .all()
    )
    groups: dict[tuple[uuid.UUID, str], list[Tonne]] = defaultdict(list)
    for tonne in due:
        groups[(tonne.project_id, tonne.beneficiary)].append(tonne)
    views = []
    for (project_id, beneficiary), tonnes in groups.items():
        project = await session.get(Project, project_id)
        assert project is not None
        adapter = registry.for_registry(project.registry_code)
        request = RetirementRequest(
            project_id=project_id,
            beneficiary=beneficiary,
            adapter=adapter.name,
            status=RetirementStatus.PENDING,
            tonnes=len(tonnes),
            serials=[t.serial for t in tonnes],
            created_at=moment,
        )
        session.add(request)
        await session.flush()
        for tonne in tonnes:
            tonne.status = TonneStatus.RETIRING
            tonne.request_id = request.id
        await session.flush()
        result = await registry_adapters.submit(
            adapter,
            RetirementSubmission(
                request_id=request.id,
                registry_code=project.registry_code,
                registry_project_id=project.registry_project_id,
                project_name=project.name.get("en", ""),
                beneficiary=beneficiary,
                serials=tuple(request.serials),
            ),
        )
        await _apply_result(session, request, tonnes, result, actor=actor, now=moment)
        views.append(retirement_view(request))
    return views


async def _apply_result(
    session: AsyncSession,
    request: RetirementRequest,
    tonnes: list[Tonne],
    result: SubmissionResult,
    *,
    actor: str,
    now: datetime,
) -> None:
    request.submitted_at = now
    if result.status == SubmissionStatus.RETIRED:
        await _complete(session, request, result.reference or "", result.registry_url, None, actor=actor, now=now)
    elif result.status == SubmissionStatus.AWAITING_REFERENCE:
        request.status = RetirementStatus.AWAITING_REFERENCE
    else:
        request.status = RetirementStatus.FAILED
        request.error = (result.error or "the registry adapter failed")[:2000]
        for tonne in tonnes:
            tonne.status = TonneStatus.DUE
            tonne.request_id = None
    await session.flush()


async def _complete(
    session: AsyncSession,
    request: RetirementRequest,
    reference: str,
    registry_url: str | None,
    evidence: EvidenceFile | None,
    *,
    actor: str,
    now: datetime,
) -> None:
    request.status = RetirementStatus.RETIRED
    request.registry_reference = reference
    request.registry_url = registry_url
    request.retired_at = now
    request.retired_by = actor
    request.error = None
    if evidence is not None:
        request.evidence = evidence.content
        request.evidence_content_type = evidence.content_type
        request.evidence_filename = evidence.filename
    tonnes = (
        (
            await session.execute(
                select(Tonne).where(Tonne.request_id == request.id).order_by(Tonne.lot_id, Tonne.tonne_index)
            )
        )
        .scalars()
        .all()
    )
    per_lot: dict[uuid.UUID, int] = defaultdict(int)
    for tonne in tonnes:
        tonne.status = TonneStatus.RETIRED
        per_lot[tonne.lot_id] += GRAMS_PER_TONNE
        await ledger.append(
            session,
            LedgerKind.RETIRE,
            actor=actor,
            now=now,
            lot_id=tonne.lot_id,
            grams=GRAMS_PER_TONNE,
            reason=reasons.retired_at_registry(reference),
            details={
                "serial": tonne.serial,
                "tonne": tonne.tonne_index,
                "request_id": str(request.id),
                "reference": reference,
                "beneficiary": request.beneficiary,
            },
        )
    for lot_id, grams in per_lot.items():
        await stock.shift(
            session, Lot, lot_id, guard=[Lot.retired_grams + grams <= Lot.sold_grams], retired_grams=grams
        )
    await session.flush()


async def record_retirement_reference(
    session: AsyncSession,
    request_id: uuid.UUID,
    *,
    reference: str,
    actor: str,
    registry_url: str | None = None,
    evidence: EvidenceFile | None = None,
    now: datetime | None = None,
) -> RetirementView:
    """A platform admin retired the request's tonnes at the registry: record its reference."""
    problems = Collector()
    text = problems.field("reference", rules.text, reference, required=True) or ""
    url = problems.field("registry_url", rules.url, registry_url) or None
    if evidence is not None and (not evidence.content or len(evidence.content) > MAX_EVIDENCE_BYTES):
        problems.add(
            "evidence",
            problem("file_size", "The evidence file is empty or larger than 20 MB.", "证明文件为空或大于 20 MB。"),
        )
    actor = problems.check(check_actor, actor) or ""
    problems.raise_if_any()
    tonne_lots = (
        await session.execute(select(Tonne.lot_id).where(Tonne.request_id == request_id).distinct())
    ).scalars()
    await ledger.lock_lots(session, tonne_lots)
    moment = now or utcnow()
    request = (
        await session.execute(
            select(RetirementRequest)
            .where(RetirementRequest.id == request_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if request is None:
        raise refuse("request_id", problem("not_found", "There is no such retirement request.", "没有此注销请求。"))
    if request.status != RetirementStatus.AWAITING_REFERENCE:
        raise refuse(
            "request_id",
            problem(
                "wrong_state",
                "This request is {status}, not awaiting a reference.",
                "该请求的状态为 {status}，并非等待注销编号。",
                status=request.status.value,
            ),
        )
    await _complete(session, request, text, url, evidence, actor=actor, now=moment)
    return retirement_view(request)


async def list_retirements(
    session: AsyncSession, *, project_id: uuid.UUID | None = None, status: RetirementStatus | None = None
) -> list[RetirementView]:
    query = select(RetirementRequest).order_by(RetirementRequest.created_at)
    if project_id is not None:
        query = query.where(RetirementRequest.project_id == project_id)
    if status is not None:
        query = query.where(RetirementRequest.status == status)
    return [retirement_view(r) for r in (await session.execute(query)).scalars()]


async def due_tonnes(session: AsyncSession, *, project_id: uuid.UUID | None = None) -> list[Tonne]:
    query = select(Tonne).where(Tonne.status == TonneStatus.DUE).order_by(Tonne.lot_id, Tonne.tonne_index)
    if project_id is not None:
        query = query.where(Tonne.project_id == project_id)
    return list((await session.execute(query)).scalars())


async def retired_tonnes(session: AsyncSession, project_id: uuid.UUID) -> int:
    """How many of the project's tonnes this platform has retired (for its public page)."""
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(Tonne)
                .where(Tonne.project_id == project_id, Tonne.status == TonneStatus.RETIRED)
            )
        ).scalar_one()
    )


async def partial_tonnes(session: AsyncSession, lot_id: uuid.UUID) -> list[PartialTonne]:
    """Tonnes of the lot that are partly sold: waiting for buyers, never retired as they are."""
    lot = await stock.fresh_lot(session, lot_id)
    serials = stock.serial_range_of(lot)
    holes: dict[int, int] = defaultdict(int)
    for tonne, start, end in (
        await session.execute(
            select(FreeRange.tonne_index, FreeRange.gram_from, FreeRange.gram_to).where(FreeRange.lot_id == lot.id)
        )
    ).all():
        holes[tonne] += end - start
    full, rest = divmod(lot.fill_cursor, GRAMS_PER_TONNE)
    spans = {tonne: GRAMS_PER_TONNE for tonne in holes if tonne < full}
    if rest:
        spans[full] = rest
    partial = []
    for tonne in sorted(spans):
        sold = spans[tonne] - holes.get(tonne, 0)
        if 0 < sold < GRAMS_PER_TONNE:
            partial.append(PartialTonne(lot.id, tonne, serials.serial(tonne), sold, GRAMS_PER_TONNE - sold))
    return partial
