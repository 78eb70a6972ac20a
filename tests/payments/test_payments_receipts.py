"""The receipt the fulfilment queues: in the buyer's language first, then the other one,
with the order's reference, mass, project, serial pieces and price; once per order,
however often the fulfilment runs."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from shop_world import GRAMS, World
from sqlalchemy import select

from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue, tasks
from neutralpoint.payments import fulfilment
from neutralpoint.payments.providers import SandboxProvider
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import OutboxMessage


async def _receipts(db: Database, recipient: str) -> list[OutboxMessage]:
    async with db.platform_session() as session:
        rows = await session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient, OutboxMessage.kind == "receipt")
        )
        return list(rows.scalars())


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
async def test_the_receipt_names_everything_bought_once_in_both_languages(
    world: World, db: Database, settings: Settings, jobs: JobQueue, unique: str, language: str
) -> None:
    shop = await world.shop()
    email = f"buyer-{unique}@example.org"
    created = await world.order(
        shop, basis="mass", grams=GRAMS, buyer_name="Li Wei", buyer_email=email, language=language
    )
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    paid = await world.sandbox_pay(shop, reference)
    assert paid.status_code == 200, paid.text
    # The job the payment queued, and the same job run again, several times at once.
    ctx: dict[str, Any] = {"db": db, "settings": settings, "payment_provider": SandboxProvider(db)}
    outcomes = await asyncio.gather(*(tasks()["fulfil_order"](ctx, reference) for _ in range(4)))
    await jobs.drain()
    assert set(outcomes) <= {fulfilment.FULFILLED, fulfilment.ALREADY}
    assert await fulfilment.fulfil(db, SandboxProvider(db), settings, reference) == fulfilment.ALREADY

    [receipt] = await _receipts(db, email)
    order = await world.get(shop, reference)
    assert order["status"] == "fulfilled"
    pieces = order["pieces"]
    assert pieces
    assert sum(p["grams"] for p in pieces) == GRAMS
    body = receipt.body_text
    english, chinese = (
        body.split("——") if language == "en" else reversed(body.split("——"))  # the buyer's language first
    )
    assert english.strip().startswith("TEST MODE")
    assert chinese.strip().startswith("测试模式")
    assert receipt.subject.startswith("[TEST] ")
    assert reference in receipt.subject
    assert ("收据" in receipt.subject.split("/")[0]) == (language == "zh-Hans")
    # 117,092 g at CNY 120.00 a tonne: CNY 14.06, rounded up to the fen.
    # Where: the venue's name in each language (this venue has an English one only, which stands in).
    venue = f"Summit {shop.slug.removeprefix('shop-')}"
    assert f"Order {reference} at {venue}: 117 kg (117,092 g) CO2e neutralized with Longquan forest" in english
    assert "(Carbon Benefits Chengdu emission reductions (CDCER))" in english
    assert "（成都“碳惠天府”碳减排量(CDCER)）" in chinese
    assert "paid CN¥14.06" in english
    assert f"订单 {reference}：在{venue}已通过「龙泉山林业碳汇" in chinese
    assert "中和 117 kg (117,092 g) 二氧化碳当量" in chinese
    assert "支付 ¥14.06" in chinese
    for piece in pieces:
        assert f"{piece['serial']}  vintage 2023, grams {piece['gram_from'] + 1:,}–{piece['gram_to']:,}" in english
        assert f"{piece['serial']}  2023 年度，该吨第 {piece['gram_from'] + 1:,}–{piece['gram_to']:,} 克" in chinese
    link = f"http://testserver.local/v/{shop.slug}/orders/{reference}"
    assert f"Your order: {link}" in english
    assert f"您的订单：{link}" in chinese
    certificate = f"http://testserver.local/certificates/{order['certificate_number']}"
    assert f"Your certificate, to download and share: {certificate}" in english
    assert f"您的证书（可下载、分享）：{certificate}" in chinese
    assert "Li Wei" in english
    assert "Li Wei" in chinese
    assert not re.search(r"\{|\}|%\(", body), "a placeholder was left unfilled"


async def test_no_address_no_receipt(world: World, db: Database, jobs: JobQueue, unique: str) -> None:
    shop = await world.shop()
    created = await world.order(shop, basis="mass", grams=GRAMS, buyer_name=f"Anonymous {unique}")
    reference = created.json()["reference"]
    await world.sandbox_pay(shop, reference)
    await jobs.drain()
    assert (await world.get(shop, reference))["status"] == "fulfilled"
    async with db.platform_session() as session:
        found = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.kind == "receipt", OutboxMessage.body_text.contains(reference))
        )
    assert found is None
