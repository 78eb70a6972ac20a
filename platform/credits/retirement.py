"""Registry retirement of fully sold tonnes, batched per project and beneficiary wording.

A tonne whose 1,000,000 grams are all sold is *due*. ``batch_retirements`` (on demand and
nightly) groups due tonnes into one request per project and wording and hands each to
the registry's adapter, outside any transaction; from then on the tonne is *retiring* and
a refund can no longer put its grams back on sale. The registry's reference makes it *retired*. A partly sold
tonne is never retired: ``partial_tonnes`` reports it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
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
from neutralpoint.database.engine import Database
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


#: How long a request being submitted is left to the run that sent it. A run that died
#: before recording the registry's answer leaves its request pending; a later run sends it
#: again (with the same request id) once this has passed.
SUBMISSION_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class _Claimed:
    """A pending request this run sends to its adapter."""

    request_id: uuid.UUID
    adapter: str
    submission: RetirementSubmission


async def batch_retirements(
    db: Database,
    *,
    now: datetime | None = None,
    actor: str = "system:retirement",
    adapters: AdapterRegistry | None = None,
    lease: timedelta = SUBMISSION_LEASE,
) -> list[RetirementView]:
    """Group every due tonne into retirement requests and submit each to its adapter.

    No transaction waits for a registry: one transaction claims the due tonnes into
    pending requests (their lots locked, so a refund cannot reopen a tonne meanwhile), the
    adapters are called outside any transaction, and each answer is recorded in a
    transaction of its own. A run that dies in between leaves its requests pending; a
    later run sends them again after ``lease`` (adapters see the same request id), so
    running it again is always safe. Returns the requests this run submitted.
    """
    actor = check_actor(actor)
    registry = adapters or registry_adapters.default_adapters()
    async with db.platform_session() as session:
        claimed = await _claim_due_tonnes(session, registry, now=now)
    async with db.platform_session() as session:
        claimed += await _claim_unanswered(session, now=now, lease=lease, mine={c.request_id for c in claimed})
    views = []
    for claim in claimed:
        adapter = registry.adapters.get(claim.adapter)
        if adapter is None:
            result = SubmissionResult(
                SubmissionStatus.FAILED, error=f"the registry adapter {claim.adapter} is not installed"
            )
        else:
            result = await registry_adapters.submit(adapter, claim.submission)
        async with db.platform_session() as session:
            view = await _record_answer(session, claim.request_id, result, actor=actor, now=now)
        if view is not None:
            views.append(view)
    return views


def _submission(request: RetirementRequest, project: Project) -> RetirementSubmission:
    return RetirementSubmission(
        request_id=request.id,
        registry_code=project.registry_code,
        registry_project_id=project.registry_project_id,
        project_name=project.name.get("en", ""),
        beneficiary=request.beneficiary,
        serials=tuple(request.serials),
    )


async def _claim_due_tonnes(
    session: AsyncSession, registry: AdapterRegistry, *, now: datetime | None
) -> list[_Claimed]:
    """One pending request per project and wording for the due tonnes; the tonnes retiring."""
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
    claimed = []
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
            submitted_at=moment,
        )
        session.add(request)
        await session.flush()
        for tonne in tonnes:
            tonne.status = TonneStatus.RETIRING
            tonne.request_id = request.id
        await session.flush()
        claimed.append(_Claimed(request.id, adapter.name, _submission(request, project)))
    return claimed


async def _claim_unanswered(
    session: AsyncSession, *, now: datetime | None, lease: timedelta, mine: set[uuid.UUID]
) -> list[_Claimed]:
    """Pending requests whose run died before recording the registry's answer: this run
    takes each over by one conditional update, so two runs never send the same one."""
    moment = now or utcnow()
    stale = or_(RetirementRequest.submitted_at.is_(None), RetirementRequest.submitted_at < moment - lease)
    pending = (
        await session.execute(
            select(RetirementRequest.id)
            .where(RetirementRequest.status == RetirementStatus.PENDING, stale)
            .order_by(RetirementRequest.created_at)
        )
    ).scalars()
    claimed = []
    for request_id in [r for r in pending if r not in mine]:
        taken = await session.execute(
            update(RetirementRequest)
            .where(RetirementRequest.id == request_id, RetirementRequest.status == RetirementStatus.PENDING, stale)
            .values(submitted_at=moment)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue
        request = await session.get(RetirementRequest, request_id, populate_existing=True)
        assert request is not None
        project = await session.get(Project, request.project_id)
        assert project is not None
        claimed.append(_Claimed(request.id, request.adapter, _submission(request, project)))
    return claimed


async def _record_answer(
    session: AsyncSession,
    request_id: uuid.UUID,
    result: SubmissionResult,
    *,
    actor: str,
    now: datetime | None,
) -> RetirementView | None:
    """The adapter's answer on a request still pending (None: another run answered it)."""
    lots = (await session.execute(select(Tonne.lot_id).where(Tonne.request_id == request_id).distinct())).scalars()
    await ledger.lock_lots(session, lots)
    moment = now or utcnow()
    request = (
        await session.execute(
            select(RetirementRequest)
            .where(RetirementRequest.id == request_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if request is None or request.status != RetirementStatus.PENDING:
        return None
    tonnes = list(
        (
            await session.execute(
                select(Tonne).where(Tonne.request_id == request.id).order_by(Tonne.lot_id, Tonne.tonne_index)
            )
        ).scalars()
    )
    await _apply_result(session, request, tonnes, result, actor=actor, now=moment)
    return retirement_view(request)


async def _apply_result(
    session: AsyncSession,
    request: RetirementRequest,
    tonnes: list[Tonne],
    result: SubmissionResult,
    *,
    actor: str,
    now: datetime,
) -> None:
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
