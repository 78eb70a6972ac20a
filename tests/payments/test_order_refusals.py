"""Payments refuse a bad field the one way (docs/refusing-input.md): in the API and on the
pages, in English and Chinese, naming the field, and without an order being written."""

from __future__ import annotations

import re
from typing import Any

from shop_world import World
from sqlalchemy import func, select

from neutralpoint.database.engine import Database
from neutralpoint.payments.models import Order


async def _orders(db: Database, venue_id: Any) -> int:
    async with db.platform_session() as session:
        found = await session.scalar(select(func.count()).select_from(Order).where(Order.tenant_id == venue_id))
        return int(found or 0)


async def test_the_schema_s_limit_answers_in_the_one_shape(world: World, db: Database) -> None:
    """``buyer_name`` is limited by msgspec before the route runs, with the shared rule's code."""
    shop = await world.shop()
    response = await world.order(shop, basis="mass", grams=1000, buyer_name="n" * 121)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "errors": {
            "buyer_name": {
                "code": "too_long",
                "message": {"en": "Use at most 120 characters.", "zh-Hans": "最多 120 个字符。"},
            }
        }
    }
    assert await _orders(db, shop.venue_id) == 0


async def test_the_service_s_rule_answers_in_both_languages(world: World, db: Database) -> None:
    shop = await world.shop()
    response = await world.order(shop, basis="mass", grams=1000, buyer_email="not an address")
    assert response.status_code == 400
    assert response.json()["errors"]["buyer_email"] == {
        "code": "email_invalid",
        "message": {
            "en": "Enter an e-mail address such as name@example.org.",
            "zh-Hans": "请输入有效的电子邮箱地址，例如 name@example.org。",
        },
    }
    assert await _orders(db, shop.venue_id) == 0


async def test_the_order_form_shows_the_message_beside_its_field_in_chinese(world: World, db: Database) -> None:
    shop = await world.shop()
    estimate_id = await world.footprint(shop)
    page = await world.client.get(f"/v/{shop.slug}/r/{estimate_id}?lang=zh-Hans")
    token = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None
    refused = await world.client.post(
        f"/v/{shop.slug}/r/{estimate_id}/orders?lang=zh-Hans",
        data={"allocation_id": str(shop.allocation_id), "basis": "mass", "mass_kg": "", "_csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert refused.status_code == 400, refused.text
    beside = re.search(r'id="mass_kg-error">([^<]*)</p>', refused.text)
    assert beside is not None
    assert re.search(r"[\u3400-\u9fff]", beside.group(1)), beside.group(1)
    assert await _orders(db, shop.venue_id) == 0
