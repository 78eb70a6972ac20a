"""Fully sold tonnes are batched into registry retirement requests, per project and
beneficiary wording; the manual adapter waits for the registry's reference."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from neutralpoint.credits import ledger, services, tasks
from neutralpoint.credits.hookspecs import hookimpl
from neutralpoint.credits.models import LedgerEntry, Lot, RetirementRequest, Tonne
from neutralpoint.credits.registry_adapters import (
    AdapterRegistry,
    RetirementSubmission,
    SubmissionResult,
    SubmissionStatus,
)
from neutralpoint.credits.schemas import EvidenceFile
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.refusals import FormErrors

TONNE = 1_000_000
ADMIN = "admin@platform.test"


def mine(requests: list[Any], project_id: uuid.UUID) -> list[Any]:
    return [r for r in requests if r.project_id == project_id]


async def test_due_tonnes_are_batched_and_retired_with_the_registry_reference(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    lot = await factory.lot(project, 3)
    offer = await factory.allocation(lot, 3 * TONNE, venues=[venue])
    first = await factory.buy(venue, offer.id, 1_500_000)
    await factory.buy(venue, offer.id, 700_000)  # tonne 2 complete, tonne 3 holds 200 kg
    batch = mine(await services.batch_retirements(db), project.id)
    assert len(batch) == 1
    request = batch[0]
    prefix = lot.serial_first[:-6]
    assert (request.adapter, request.status, request.tonnes) == ("manual", "awaiting_reference", 2)
    assert request.serials == (f"{prefix}000001", f"{prefix}000002")
    assert request.beneficiary == "Visitors of NeutralPoint venues"
    assert mine(await services.batch_retirements(db), project.id) == []
    async with db.platform_session() as session:
        partial = await services.partial_tonnes(session, lot.id)
        assert [(p.serial, p.sold_grams) for p in partial] == [(f"{prefix}000003", 200_000)]
        view = await services.get_sale(session, first.order_ref)
        assert view is not None
        assert [(p.retirement_status, p.retirement_reference) for p in view.pieces] == [
            ("retiring", None),
            ("retiring", None),
        ]
        retired = await services.record_retirement_reference(
            session,
            request.id,
            reference="CDCER-RET-2026-000123",
            registry_url="https://registry.example.org/retirements/000123",
            evidence=EvidenceFile(b"%PDF retirement", "application/pdf", "retirement.pdf"),
            actor=ADMIN,
        )
    assert (retired.status, retired.registry_reference) == ("retired", "CDCER-RET-2026-000123")
    async with db.platform_session() as session:
        view = await services.get_sale(session, first.order_ref)
        assert view is not None
        assert {(p.retirement_status, p.retirement_reference) for p in view.pieces} == {
            ("retired", "CDCER-RET-2026-000123")
        }
        assert view.pieces[0].retirement_url == "https://registry.example.org/retirements/000123"
        lot_now = await session.get(Lot, lot.id)
        assert lot_now is not None
        assert lot_now.retired_grams == 2 * TONNE
        assert await services.retired_tonnes(session, project.id) == 2
        entries = (
            (
                await session.execute(
                    select(LedgerEntry).where(LedgerEntry.lot_id == lot.id, LedgerEntry.kind == "retire")
                )
            )
            .scalars()
            .all()
        )
        assert sorted(e.details["serial"] for e in entries) == [f"{prefix}000001", f"{prefix}000002"]
        assert {e.actor for e in entries} == {ADMIN}
        with pytest.raises(FormErrors) as caught:
            await services.record_retirement_reference(session, request.id, reference="again", actor=ADMIN)
        assert list(caught.value.errors) == ["request_id"]


async def test_refund_after_retirement_keeps_the_grams_retired(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    lot = await factory.lot(project, 2)
    offer = await factory.allocation(lot, 2 * TONNE, venues=[venue])
    sale = await factory.buy(venue, offer.id, 1_300_000)
    await services.batch_retirements(db)
    async with db.platform_session() as session:
        refund = await services.refund_sale(session, order_ref=sale.order_ref, actor=ADMIN, reason="chargeback")
    assert (refund.retained_grams, refund.released_grams) == (TONNE, 300_000)
    async with db.platform_session() as session:
        lot_now = await session.get(Lot, lot.id)
        assert lot_now is not None
        assert (lot_now.sold_grams, lot_now.available_grams) == (TONNE, TONNE)
        refunds = (
            (
                await session.execute(
                    select(LedgerEntry)
                    .where(LedgerEntry.order_ref == sale.order_ref, LedgerEntry.kind == "refund")
                    .order_by(LedgerEntry.seq)
                )
            )
            .scalars()
            .all()
        )
        assert [(e.grams, e.details.get("account")) for e in refunds] == [
            (TONNE, "platform"),
            (300_000, "available"),
            (1_300_000, None),
        ]
        assert refunds[-1].amount_minor == sale.amount_minor
        view = await services.get_sale(session, sale.order_ref)
        assert view is not None
        assert [p.status for p in view.pieces] == ["retained", "refunded"]


async def test_one_request_per_project_and_beneficiary_wording(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    forest = await factory.project()
    biogas = await factory.project(registry_code="CCER", project_type="methane")
    forest_offer = await factory.allocation(await factory.lot(forest, 3), 3 * TONNE, venues=[venue])
    biogas_offer = await factory.allocation(await factory.lot(biogas, 1), TONNE, venues=[venue])
    await factory.buy(venue, forest_offer.id, TONNE)
    await factory.buy(venue, biogas_offer.id, TONNE)
    async with db.platform_session() as session:
        await services.update_project(session, forest.id, retirement_beneficiary="Guests of the Chengdu Expo 2026")
    await factory.buy(venue, forest_offer.id, TONNE)
    requests = await services.batch_retirements(db)
    wording = sorted(
        (r.project_id == forest.id, r.beneficiary, r.tonnes) for r in requests if r.project_id in {forest.id, biogas.id}
    )
    assert wording == [
        (False, "Visitors of NeutralPoint venues", 1),
        (True, "Guests of the Chengdu Expo 2026", 1),
        (True, "Visitors of NeutralPoint venues", 1),
    ]


class InstantRegistry:
    """A registry with an API: it retires at once and answers with its reference."""

    name = "instant-test"
    registries = frozenset({"VCS"})

    def __init__(self) -> None:
        self.seen: list[RetirementSubmission] = []

    async def submit(self, submission: RetirementSubmission) -> SubmissionResult:
        self.seen.append(submission)
        return SubmissionResult(SubmissionStatus.RETIRED, reference=f"VCS-RET-{submission.tonnes}")


class DownRegistry:
    name = "down-test"
    registries = frozenset({"GS"})

    def submit(self, submission: RetirementSubmission) -> SubmissionResult:
        raise ConnectionError("registry unreachable")


class RegistryPlugin:
    def __init__(self, *adapters: Any) -> None:
        self.adapters = list(adapters)

    @hookimpl
    def neutralpoint_registry_adapters(self) -> list[Any]:
        return self.adapters


async def test_registry_adapters_come_from_plugins(db: Database, factory: Any) -> None:
    instant, down = InstantRegistry(), DownRegistry()
    adapters = AdapterRegistry([("test-registries", RegistryPlugin(instant, down))])
    assert adapters.for_registry("VCS") is instant
    assert adapters.for_registry("CDCER").name == "manual"
    venue = await factory.venue()
    wind = await factory.project(registry_code="VCS", project_type="renewable_energy")
    stoves = await factory.project(registry_code="GS", project_type="cookstoves")
    await factory.buy(venue, (await factory.allocation(await factory.lot(wind, 1), TONNE, venues=[venue])).id, TONNE)
    await factory.buy(venue, (await factory.allocation(await factory.lot(stoves, 1), TONNE, venues=[venue])).id, TONNE)
    requests = await services.batch_retirements(db, adapters=adapters)
    async with db.platform_session() as session:
        by_project = {r.project_id: r for r in requests}
        assert (by_project[wind.id].status, by_project[wind.id].registry_reference) == ("retired", "VCS-RET-1")
        assert instant.seen[-1].registry_code == "VCS"
        failed = by_project[stoves.id]
        assert (failed.status, failed.adapter) == ("failed", "down-test")
        assert "registry unreachable" in (failed.error or "")
        waiting = (await session.execute(select(Tonne).where(Tonne.project_id == stoves.id))).scalars().all()
        assert [(t.status.value, t.request_id) for t in waiting] == [("due", None)]
    retry = mine(await services.batch_retirements(db), stoves.id)
    assert [(r.adapter, r.status) for r in retry] == [("manual", "awaiting_reference")]


async def test_bad_reference_input_is_refused(db: Database, factory: Any) -> None:
    async with db.platform_session() as session:
        with pytest.raises(FormErrors) as caught:
            await services.record_retirement_reference(
                session, uuid.uuid4(), reference=" ", registry_url="not a url", actor=ADMIN
            )
    assert set(caught.value.errors) == {"reference", "registry_url"}


async def test_jobs_expire_and_batch(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    lot = await factory.lot(project, 2)
    offer = await factory.allocation(lot, 2 * TONNE, venues=[venue], valid_from=utcnow() - timedelta(days=1))
    await factory.buy(venue, offer.id, TONNE)
    async with db.session() as session:
        use_tenant(session, venue)
        await services.reserve(
            session,
            tenant_id=venue,
            allocation_id=offer.id,
            grams=500_000,
            order_ref=f"abandoned-{factory.unique}",
            now=utcnow() - timedelta(hours=2),
        )
    assert await tasks.expire_reservations({"db": db}) >= 1
    assert await tasks.batch_retirements({"db": db}) >= 1
    async with db.platform_session() as session:
        tonne = (await session.execute(select(Tonne).where(Tonne.project_id == project.id))).scalar_one()
        assert tonne.status.value == "retiring"
        lot_now = await session.get(Lot, lot.id)
        assert lot_now is not None
        assert (lot_now.reserved_grams, lot_now.sold_grams) == (0, TONNE)
        reservation = await services.get_reservation(session, f"abandoned-{factory.unique}")
        assert reservation is not None
        assert reservation.status == "expired"


class WatchingRegistry:
    """A registry that, while it is being called, looks at the books from outside: the
    request and its tonnes are already committed, and a purchase could lock their lot."""

    name = "watching-test"
    registries = frozenset({"WTCH"})

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen: list[tuple[str | None, list[str]]] = []

    async def submit(self, submission: RetirementSubmission) -> SubmissionResult:
        async with self.db.platform_session() as session:
            if self.db.is_postgres:
                await session.execute(text("SET LOCAL lock_timeout = '5s'"))
            request = await session.get(RetirementRequest, submission.request_id)
            tonnes = (
                (await session.execute(select(Tonne).where(Tonne.request_id == submission.request_id))).scalars().all()
            )
            self.seen.append((request.status.value if request else None, [t.status.value for t in tonnes]))
            await ledger.lock_lots(session, {t.lot_id for t in tonnes})
        return SubmissionResult(SubmissionStatus.RETIRED, reference=f"WTCH-{submission.tonnes}")


async def test_the_registry_is_called_outside_any_transaction(db: Database, factory: Any) -> None:
    watching = WatchingRegistry(db)
    adapters = AdapterRegistry([("watching", RegistryPlugin(watching))])
    venue = await factory.venue()
    project = await factory.project(registry_code="WTCH")
    await factory.buy(venue, (await factory.allocation(await factory.lot(project, 1), TONNE, venues=[venue])).id, TONNE)
    [request] = mine(await services.batch_retirements(db, adapters=adapters), project.id)
    assert watching.seen == [("pending", ["retiring"])]
    assert (request.status, request.registry_reference) == ("retired", "WTCH-1")


class DyingRegistry:
    """The first call never returns (the process running the batch dies); later ones retire."""

    name = "dying-test"
    registries = frozenset({"DIE"})

    def __init__(self) -> None:
        self.seen: list[uuid.UUID] = []

    async def submit(self, submission: RetirementSubmission) -> SubmissionResult:
        self.seen.append(submission.request_id)
        if len(self.seen) == 1:
            raise asyncio.CancelledError
        return SubmissionResult(SubmissionStatus.RETIRED, reference=f"DIE-{len(self.seen)}")


async def test_a_batch_that_died_before_the_answer_is_sent_again_once(db: Database, factory: Any) -> None:
    dying = DyingRegistry()
    adapters = AdapterRegistry([("dying", RegistryPlugin(dying))])
    venue = await factory.venue()
    project = await factory.project(registry_code="DIE")
    lot = await factory.lot(project, 1)
    await factory.buy(venue, (await factory.allocation(lot, TONNE, venues=[venue])).id, TONNE)
    with pytest.raises(asyncio.CancelledError):
        await services.batch_retirements(db, adapters=adapters)
    [sent] = dying.seen
    async with db.platform_session() as session:
        tonne = (await session.execute(select(Tonne).where(Tonne.lot_id == lot.id))).scalar_one()
        assert (tonne.status.value, tonne.request_id) == ("retiring", sent)
    # Within the lease another run leaves it to the one that sent it ...
    assert mine(await services.batch_retirements(db, adapters=adapters), project.id) == []
    assert dying.seen == [sent]
    # ... after it, a run sends the same request again and records the answer, once.
    [retried] = mine(await services.batch_retirements(db, adapters=adapters, lease=timedelta(0)), project.id)
    assert dying.seen == [sent, sent]
    assert (retried.id, retried.status, retried.registry_reference) == (sent, "retired", "DIE-2")
    assert mine(await services.batch_retirements(db, adapters=adapters, lease=timedelta(0)), project.id) == []
    async with db.platform_session() as session:
        retirements = (
            await session.execute(select(LedgerEntry).where(LedgerEntry.lot_id == lot.id, LedgerEntry.kind == "retire"))
        ).all()
    assert len(retirements) == 1
