"""When the registry's reference of a certificate's tonnes is recorded, its holder hears of
it by e-mail when their order gave an address: in their language, with each serial's
reference and the certificate's address, once."""

from __future__ import annotations

from typing import Any

import pytest
from shop_world import World
from sqlalchemy import select

from neutralpoint.credits import services as credits
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.payments.retirement_mail import KIND
from neutralpoint.refusals import FormErrors
from neutralpoint.tenants.models import OutboxMessage

ADMIN = "admin@platform.test"


async def _paid(world: World, jobs: JobQueue, shop: Any, grams: int, **body: Any) -> dict[str, Any]:
    created = await world.order(shop, basis="mass", grams=grams, **body)
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    assert (await world.sandbox_pay(shop, reference)).status_code == 200
    await jobs.drain()
    order = await world.get(shop, reference)
    assert order["status"] == "fulfilled"
    return order


async def _mail(db: Database, recipient: str) -> list[OutboxMessage]:
    async with db.platform_session() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient, OutboxMessage.kind == KIND)
        )
        return list(rows)


async def test_the_holder_hears_once_when_the_reference_is_recorded(
    world: World, db: Database, jobs: JobQueue, unique: str
) -> None:
    shop = await world.shop(tonnes=2)
    chinese, english = f"zh-{unique}@example.org", f"en-{unique}@example.org"
    first = await _paid(world, jobs, shop, 600_000, buyer_email=chinese, language="zh-Hans", buyer_name="李伟")
    both = await _paid(world, jobs, shop, 900_000, buyer_email=english, language="en")  # tonnes 1 and 2
    await _paid(world, jobs, shop, 500_000)  # no address: nobody to tell
    assert len(both["pieces"]) == 2

    [request] = [r for r in await credits.batch_retirements(db, actor=ADMIN) if r.project_id == shop.project_id]
    assert (request.status, request.tonnes) == ("awaiting_reference", 2)
    # Retiring is not retired: nothing yet.
    assert await _mail(db, chinese) == []
    assert await _mail(db, english) == []

    async with db.platform_session() as session:
        await credits.record_retirement_reference(
            session,
            request.id,
            reference="CDCER-RET-2026-000777",
            registry_url="https://registry.example.org/r/000777",
            actor=ADMIN,
        )
    [zh] = await _mail(db, chinese)
    assert zh.subject == f"[TEST] 您的证书 {first['certificate_number']}：其碳信用已在登记处注销"
    assert "CDCER-RET-2026-000777" in zh.body_text
    assert "https://registry.example.org/r/000777" in zh.body_text
    assert f"http://testserver.local/certificates/{first['certificate_number']}" in zh.body_text
    assert "retired at the registry" not in zh.body_text  # the holder's language only
    [en] = await _mail(db, english)
    number = both["certificate_number"]
    assert en.subject == f"[TEST] Your certificate {number}: its credits are retired at the registry"
    for piece in both["pieces"]:
        assert f"{piece['serial']}  retirement reference CDCER-RET-2026-000777" in en.body_text
    assert "TEST MODE" in en.body_text  # sandbox payments

    # Once: the request cannot be recorded again, and batching again retires nothing more.
    async with db.platform_session() as session:
        with pytest.raises(FormErrors):
            await credits.record_retirement_reference(session, request.id, reference="again", actor=ADMIN)
    assert [r for r in await credits.batch_retirements(db, actor=ADMIN) if r.project_id == shop.project_id] == []
    assert len(await _mail(db, chinese)) == len(await _mail(db, english)) == 1
    # The certificate's page says so too.
    page = await world.client.get(f"/certificates/verify?number={both['certificate_number']}&lang=en")
    assert "CDCER-RET-2026-000777" in page.text
