"""Reserving, paying, pooling into whole tonnes, spilling across lots, expiry and refunds."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from neutralpoint.credits import services
from neutralpoint.credits.models import Hold, LedgerEntry, Lot, Reservation, Sale, Tonne
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.refusals import FormErrors

TONNE = 1_000_000


async def lot_numbers(db: Database, lot_id: uuid.UUID) -> tuple[int, int, int, int]:
    async with db.platform_session() as session:
        lot = await session.get(Lot, lot_id)
        assert lot is not None
        return lot.quantity_grams, lot.reserved_grams, lot.sold_grams, lot.available_grams


def spans(sale: Any) -> list[tuple[str, int, int]]:
    return [(p.serial, p.gram_from, p.gram_to) for p in sale.pieces]


async def test_sub_tonne_purchases_pool_into_whole_tonnes(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    lot = await factory.lot(project, 5)
    offer = await factory.allocation(lot, 5 * TONNE, venues=[venue])
    first, second, third = [await factory.buy(venue, offer.id, 400_000) for _ in range(3)]
    t1, t2 = lot.serial_first, lot.serial_first[:-6] + "000002"
    assert spans(first) == [(t1, 0, 400_000)]
    assert spans(second) == [(t1, 400_000, 800_000)]
    assert spans(third) == [(t1, 800_000, TONNE), (t2, 0, 200_000)]
    assert first.created
    assert first.grams == 400_000
    assert first.amount_minor == 4_800  # 0.4 t × ¥120.00
    assert (first.owner_minor, first.platform_minor, first.venue_minor) == (3_360, 960, 480)
    assert await lot_numbers(db, lot.id) == (5 * TONNE, 0, 1_200_000, 3_800_000)
    # The first tonne is now complete and due for retirement; the second is not.
    assert [p.retirement_status for p in third.pieces] == ["due", None]
    async with db.platform_session() as session:
        due = (await session.execute(select(Tonne).where(Tonne.lot_id == lot.id))).scalars().all()
        assert [(t.tonne_index, t.serial, t.status.value) for t in due] == [(0, t1, "due")]
        partial = await services.partial_tonnes(session, lot.id)
        assert [(p.serial, p.sold_grams, p.free_grams) for p in partial] == [(t2, 200_000, 800_000)]


async def test_confirming_twice_fulfils_once(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 2)
    offer = await factory.allocation(lot, 2 * TONNE, venues=[venue])
    sale = await factory.buy(venue, offer.id, 250_000, order_ref=f"twice-{factory.unique}")
    async with db.platform_session() as session:
        entries_before = (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar_one()
        again = await services.confirm_sale(session, order_ref=sale.order_ref, amount_minor=sale.amount_minor)
        entries_after = (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar_one()
    assert not again.created
    assert again.id == sale.id
    assert spans(again) == spans(sale)
    assert entries_after == entries_before
    assert await lot_numbers(db, lot.id) == (2 * TONNE, 0, 250_000, 1_750_000)


async def test_an_order_spills_over_into_the_next_lot(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    old = await factory.lot(project, 1, vintage=2021)
    new = await factory.lot(project, 3, vintage=2022)
    first_offer = await factory.allocation(old, TONNE, venues=[venue])
    await factory.allocation(new, 3 * TONNE, venues=[venue])
    await factory.buy(venue, first_offer.id, 700_000)
    async with db.session() as session:
        use_tenant(session, venue)
        offers = {o.allocation_id: o for o in await services.offers_for_venue(session, venue)}
    assert offers[first_offer.id].available_grams == 300_000
    assert offers[first_offer.id].project_available_grams == 3_300_000
    assert offers[first_offer.id].is_default
    sale = await factory.buy(venue, first_offer.id, 500_000)
    assert [(p.lot_id, p.gram_from, p.gram_to, p.vintage_year) for p in sale.pieces] == [
        (old.id, 700_000, TONNE, 2021),
        (new.id, 0, 200_000, 2022),
    ]
    assert sale.amount_minor == 6_000
    assert await lot_numbers(db, old.id) == (TONNE, 0, TONNE, 0)
    assert await lot_numbers(db, new.id) == (3 * TONNE, 0, 200_000, 2_800_000)


async def test_an_order_spills_over_into_another_offer_of_the_same_lot(db: Database, factory: Any) -> None:
    """The lot has the grams but the chosen offer has too few: the rest comes from the
    venue's other offer of the lot, and the counters of both offers and the lot agree."""
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 2)
    small = await factory.allocation(lot, 300_000, venues=[venue])
    large = await factory.allocation(lot, TONNE, venues=[venue])
    async with db.session() as session:
        use_tenant(session, venue)
        held = await services.reserve(session, tenant_id=venue, allocation_id=small.id, grams=500_000)
    assert sorted((h.allocation_id, h.grams) for h in held.holds) == sorted([(small.id, 300_000), (large.id, 200_000)])
    assert await lot_numbers(db, lot.id) == (2 * TONNE, 500_000, 0, 1_500_000)
    async with db.platform_session() as session:
        sale = await services.confirm_sale(session, order_ref=held.order_ref)
        offers = {a.id: a for a in await services.list_allocations(session, lot.id)}
    assert sum(p.grams for p in sale.pieces) == 500_000
    assert (offers[small.id].reserved_grams, offers[small.id].sold_grams) == (0, 300_000)
    assert (offers[large.id].reserved_grams, offers[large.id].sold_grams) == (0, 200_000)


async def test_sold_out_is_refused_and_writes_nothing(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, 600_000, venues=[venue])
    await factory.buy(venue, offer.id, 500_000)
    async with db.platform_session() as session:
        entries = (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar_one()
    with pytest.raises(services.SoldOut) as caught:
        await factory.buy(venue, offer.id, 100_001)
    assert caught.value.available_grams == 100_000
    assert "100000 g" in str(caught.value)
    async with db.platform_session() as session:
        assert (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar_one() == entries
    await factory.buy(venue, offer.id, 100_000)
    with pytest.raises(services.SoldOut, match="no credits"):
        await factory.buy(venue, offer.id, 1)
    assert await lot_numbers(db, lot.id) == (TONNE, 0, 600_000, 400_000)


async def test_below_the_minimum_charge_offers_both_ways(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, TONNE, venues=[venue])
    async with db.session() as session:
        use_tenant(session, venue)
        with pytest.raises(services.BelowMinimumCharge) as caught:
            await services.reserve(
                session, tenant_id=venue, allocation_id=offer.id, grams=10_000, order_ref=f"small-{factory.unique}"
            )
    quote = caught.value.quote
    assert (quote.price_minor, quote.minimum_minor, quote.grams_for_minimum) == (120, 400, 33_333)
    rounded = await factory.buy(venue, offer.id, 10_000)
    assert rounded.amount_minor == 400
    more = await factory.buy(venue, offer.id, quote.grams_for_minimum)
    assert (more.grams, more.amount_minor) == (33_333, 400)


async def test_expired_reservations_release_their_grams(db: Database, factory: Any) -> None:
    venue, other_venue = await factory.venue(), await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, TONNE, venues=[venue, other_venue])  # offered to both
    start = utcnow()
    async with db.session() as session:
        use_tenant(session, venue)
        held = await services.reserve(
            session,
            tenant_id=venue,
            allocation_id=offer.id,
            grams=TONNE,
            order_ref=f"slow-{factory.unique}",
            now=start,
            ttl=timedelta(minutes=30),
        )
    assert held.status == "reserved"
    assert held.expires_at == start + timedelta(minutes=30)
    assert await lot_numbers(db, lot.id) == (TONNE, TONNE, 0, 0)
    later = start + timedelta(minutes=31)
    async with db.session() as session:
        use_tenant(session, venue)
        offers = await services.offers_for_venue(session, venue, now=later)
        # Read only: an expired reservation counts as free, but nothing was written yet.
        assert [o.available_grams for o in offers if o.allocation_id == offer.id] == [TONNE]
    assert await lot_numbers(db, lot.id) == (TONNE, TONNE, 0, 0)
    # Another venue's purchase of the same lot releases the stale hold lazily (holds are
    # platform rows); purchases of other lots never touch it.
    async with db.session() as session:
        use_tenant(session, other_venue)
        await services.reserve(
            session,
            tenant_id=other_venue,
            allocation_id=offer.id,
            grams=1_000,
            order_ref=f"other-{factory.unique}",
            now=later,
            round_up_to_minimum=True,
        )
    assert await lot_numbers(db, lot.id) == (TONNE, 1_000, 0, TONNE - 1_000)
    async with db.platform_session() as session:
        reservation = (
            await session.execute(select(Reservation).where(Reservation.order_ref == f"slow-{factory.unique}"))
        ).scalar_one()
        assert reservation.status.value == "reserved"  # the other venue could not see it
        assert await services.expire_reservations(session, now=later) >= 0
        await session.refresh(reservation)
        assert reservation.status.value == "expired"
        await services.release_reservation(session, order_ref=f"other-{factory.unique}", actor="test")


async def test_a_reservation_lasts_reservation_minutes(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    offer = await factory.allocation(await factory.lot(await factory.project(), 1), TONNE, venues=[venue])
    assert services.reservation_ttl() == services.DEFAULT_RESERVATION_TTL
    services.use_reservation_minutes(7)
    try:
        async with db.session() as session:
            use_tenant(session, venue)
            held = await services.reserve(session, tenant_id=venue, allocation_id=offer.id, grams=500_000)
            released = await services.release_reservation(session, order_ref=held.order_ref, actor="test")
    finally:
        services.use_reservation_minutes(int(services.DEFAULT_RESERVATION_TTL.total_seconds()) // 60)
    assert released.status == "released"
    async with db.platform_session() as session:
        row = (await session.execute(select(Reservation).where(Reservation.order_ref == held.order_ref))).scalar_one()
    assert held.expires_at - row.created_at == timedelta(minutes=7)
    assert held.order_ref.startswith("np-")
    assert len(held.order_ref) == 27
    with pytest.raises(ValueError, match="RESERVATION_MINUTES"):
        services.use_reservation_minutes(0)


async def test_another_venues_order_reference_is_refused_in_both_languages(db: Database, factory: Any) -> None:
    here, there = await factory.venue(), await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    mine = await factory.allocation(lot, 500_000, venues=[here])
    theirs = await factory.allocation(lot, 500_000, venues=[there])
    taken = await factory.buy(there, theirs.id, 100_000)
    async with db.session() as session:
        use_tenant(session, here)
        with pytest.raises(FormErrors) as caught:
            await services.reserve(
                session, tenant_id=here, allocation_id=mine.id, grams=100_000, order_ref=taken.order_ref
            )
        # The refusal ends nothing: the same transaction goes on with a new reference.
        fresh = await services.reserve(session, tenant_id=here, allocation_id=mine.id, grams=100_000)
        await services.release_reservation(session, order_ref=fresh.order_ref, actor="test")
    assert list(caught.value.errors) == ["order_ref"]
    assert caught.value.as_dict()["order_ref"] == {
        "code": "reference_taken",
        "message": {
            "en": "This order reference is already used by another order: use a new reference.",
            "zh-Hans": "此订单编号已被另一个订单使用：请换一个新编号。",
        },
    }
    assert await lot_numbers(db, lot.id) == (TONNE, 0, 100_000, 900_000)


async def test_the_cron_expiry_and_a_late_payment(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, TONNE, venues=[venue])
    start = utcnow()
    order = f"late-{factory.unique}"
    async with db.session() as session:
        use_tenant(session, venue)
        await services.reserve(
            session, tenant_id=venue, allocation_id=offer.id, grams=300_000, order_ref=order, now=start
        )
    async with db.platform_session() as session:
        released = await services.expire_reservations(session, now=start + timedelta(hours=1))
    assert released >= 1
    assert await lot_numbers(db, lot.id) == (TONNE, 0, 0, TONNE)
    async with db.platform_session() as session:
        sale = await services.confirm_sale(session, order_ref=order, now=start + timedelta(hours=2))
    assert sale.created
    assert spans(sale) == [(lot.serial_first, 0, 300_000)]
    assert await lot_numbers(db, lot.id) == (TONNE, 0, 300_000, 700_000)


async def test_a_late_payment_for_sold_out_grams_is_refused(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, TONNE, venues=[venue])
    start = utcnow()
    async with db.session() as session:
        use_tenant(session, venue)
        await services.reserve(
            session, tenant_id=venue, allocation_id=offer.id, grams=TONNE, order_ref=f"late-{factory.unique}", now=start
        )
    async with db.platform_session() as session:
        await services.expire_reservations(session, now=start + timedelta(hours=1))
    await factory.buy(venue, offer.id, 600_000)
    async with db.platform_session() as session:
        with pytest.raises(services.SoldOut):
            await services.confirm_sale(session, order_ref=f"late-{factory.unique}")
    async with db.platform_session() as session:
        assert (
            await session.execute(select(Sale).where(Sale.order_ref == f"late-{factory.unique}"))
        ).scalar_one_or_none() is None


async def test_cancelling_releases_at_once(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, TONNE, venues=[venue])
    order = f"cancel-{factory.unique}"
    async with db.session() as session:
        use_tenant(session, venue)
        await services.reserve(session, tenant_id=venue, allocation_id=offer.id, grams=500_000, order_ref=order)
        again = await services.reserve(session, tenant_id=venue, allocation_id=offer.id, grams=500_000, order_ref=order)
        assert len(again.holds) == 1
    async with db.session() as session:
        use_tenant(session, venue)
        released = await services.release_reservation(session, order_ref=order, actor="visitor")
    assert released.status == "released"
    assert [h.status for h in released.holds] == ["released"]
    assert await lot_numbers(db, lot.id) == (TONNE, 0, 0, TONNE)
    async with db.session() as session:
        use_tenant(session, venue)
        with pytest.raises(FormErrors) as caught:
            await services.reserve(session, tenant_id=venue, allocation_id=offer.id, grams=1, order_ref=order)
    assert list(caught.value.errors) == ["order_ref"]


async def test_refund_before_retirement_puts_exact_grams_back(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 2)
    offer = await factory.allocation(lot, 2 * TONNE, venues=[venue])
    first = await factory.buy(venue, offer.id, 400_000)
    second = await factory.buy(venue, offer.id, 700_000)  # [400000, 1000000) + tonne 2 [0, 100000)
    async with db.platform_session() as session:
        due = (await session.execute(select(Tonne).where(Tonne.lot_id == lot.id))).scalars().all()
        assert [t.tonne_index for t in due] == [0]
        refund = await services.refund_sale(session, order_ref=second.order_ref, actor="admin", reason="asked")
        assert (refund.released_grams, refund.retained_grams) == (700_000, 0)
        again = await services.refund_sale(session, order_ref=second.order_ref, actor="admin")
        assert again.already_refunded
        # The first tonne is no longer complete: it leaves the retirement queue.
        assert (await session.execute(select(Tonne).where(Tonne.lot_id == lot.id))).scalars().all() == []
    assert await lot_numbers(db, lot.id) == (2 * TONNE, 0, 400_000, 1_600_000)
    # The next buyer gets exactly the freed grams back, lowest tonne first.
    third = await factory.buy(venue, offer.id, 650_000)
    t1, t2 = lot.serial_first, lot.serial_first[:-6] + "000002"
    assert spans(third) == [(t1, 400_000, TONNE), (t2, 0, 50_000)]
    async with db.platform_session() as session:
        view = await services.get_sale(session, second.order_ref)
        assert view is not None
        assert view.status == "refunded"
        assert {p.status for p in view.pieces} == {"refunded"}
    assert first.status == "paid"


async def test_a_venue_sees_only_its_own_offers_and_sales(db: Database, factory: Any) -> None:
    here, there = await factory.venue(), await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    mine = await factory.allocation(lot, 500_000, venues=[here])
    theirs = await factory.allocation(lot, 500_000, venues=[there])
    sale = await factory.buy(there, theirs.id, 100_000)
    async with db.session() as session:
        use_tenant(session, here)
        assert [o.allocation_id for o in await services.offers_for_venue(session, here)] == [mine.id]
        with pytest.raises(FormErrors) as caught:
            await services.reserve(
                session, tenant_id=here, allocation_id=theirs.id, grams=1000, order_ref="x" + sale.order_ref[1:]
            )
        assert list(caught.value.errors) == ["allocation_id"]
        assert await services.get_sale(session, sale.order_ref) is None
    async with db.session() as session:
        use_tenant(session, there)
        found = await services.get_sale(session, sale.order_ref)
        assert found is not None
        assert found.pieces[0].serial == lot.serial_first


async def test_venue_chooses_order_default_and_hidden_offers(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    a = await factory.allocation(await factory.lot(project, 1), TONNE, venues=[venue])
    b = await factory.allocation(await factory.lot(project, 1), TONNE, venues=[venue])
    c = await factory.allocation(await factory.lot(await factory.project(), 1), TONNE, venues=[venue])
    async with db.session() as session:
        use_tenant(session, venue)
        assert [o.allocation_id for o in await services.offers_for_venue(session, venue)][:3] == [a.id, b.id, c.id]
        chosen = await services.choose_offers(session, venue, shown=[c.id, a.id], default_id=a.id)
        assert [
            (o.allocation_id, o.visible, o.is_default) for o in chosen if o.allocation_id in {a.id, b.id, c.id}
        ] == [
            (c.id, True, False),
            (a.id, True, True),
            (b.id, False, False),
        ]
        visible = [o.allocation_id for o in await services.offers_for_venue(session, venue)]
        assert visible[:2] == [c.id, a.id]
        assert b.id not in visible
        with pytest.raises(FormErrors) as caught:
            await services.choose_offers(session, venue, shown=[c.id], default_id=a.id)
        assert list(caught.value.errors) == ["default_id"]
    # Spill follows the venue's shown offers only: b is hidden, so a's order cannot use it.
    await factory.buy(venue, a.id, TONNE)
    with pytest.raises(services.SoldOut):
        await factory.buy(venue, a.id, 1_000)


async def test_holds_and_reservations_for_spilled_orders_are_per_lot(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    project = await factory.project()
    one = await factory.allocation(await factory.lot(project, 1), 300_000, venues=[venue])
    two = await factory.allocation(await factory.lot(project, 1), 300_000, venues=[venue])
    order = f"split-{factory.unique}"
    async with db.session() as session:
        use_tenant(session, venue)
        held = await services.reserve(session, tenant_id=venue, allocation_id=one.id, grams=500_000, order_ref=order)
    assert sorted((h.allocation_id, h.grams) for h in held.holds) == sorted([(one.id, 300_000), (two.id, 200_000)])
    async with db.platform_session() as session:
        holds = (await session.execute(select(Hold).where(Hold.order_ref == order))).scalars().all()
        assert sum(h.grams for h in holds) == 500_000
        await services.release_reservation(session, order_ref=order, actor="test")


async def test_quote_and_a_confirmation_that_disagrees_with_it(db: Database, factory: Any) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, TONNE, venues=[venue], price=8_800)
    order = f"quote-{factory.unique}"
    async with db.session() as session:
        use_tenant(session, venue)
        quote = await services.quote_offer(session, tenant_id=venue, allocation_id=offer.id, grams=250_001)
        assert (quote.price_minor, quote.currency, quote.below_minimum) == (2_201, "CNY", False)
        held = await services.reserve(session, tenant_id=venue, allocation_id=offer.id, grams=250_001, order_ref=order)
        assert held.amount_minor == quote.price_minor
    for wrong, field in (({"amount_minor": 2_200}, "amount_minor"), ({"currency": "USD"}, "currency")):
        async with db.platform_session() as session:
            with pytest.raises(FormErrors) as caught:
                await services.confirm_sale(session, order_ref=order, **wrong)
            assert list(caught.value.errors) == [field]
    async with db.platform_session() as session:
        assert await services.get_sale(session, order) is None
        sale = await services.confirm_sale(session, order_ref=order, amount_minor=2_201, currency="cny")
    assert (sale.amount_minor, sale.owner_minor + sale.platform_minor + sale.venue_minor) == (2_201, 2_201)


@pytest.mark.parametrize(
    ("grams", "order_ref", "field"),
    [
        (0, "ok", "grams"),
        (-1, "ok", "grams"),
        (10**10, "ok", "grams"),
        (1000, "", "order_ref"),
        (1000, "x" * 65, "order_ref"),
    ],
)
async def test_bad_purchase_input_is_refused(
    db: Database, factory: Any, grams: int, order_ref: str, field: str
) -> None:
    venue = await factory.venue()
    lot = await factory.lot(await factory.project(), 1)
    offer = await factory.allocation(lot, TONNE, venues=[venue])
    async with db.session() as session:
        use_tenant(session, venue)
        with pytest.raises(FormErrors) as caught:
            await services.reserve(session, tenant_id=venue, allocation_id=offer.id, grams=grams, order_ref=order_ref)
    assert list(caught.value.errors) == [field]
    assert await lot_numbers(db, lot.id) == (TONNE, 0, 0, TONNE)
