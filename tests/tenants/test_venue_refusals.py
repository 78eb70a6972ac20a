"""Venues refuse a bad field the one way (docs/refusing-input.md): in the API and on the
pages, in English and Chinese, naming the field, and without a venue or an account written."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from tenant_flows import PASSWORD, outbox, post_form

from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import Tenant, User


async def _written(db: Database, slug: str, email: str) -> int:
    async with db.platform_session() as session:
        venues = await session.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug == slug))
        users = await session.scalar(select(func.count()).select_from(User).where(User.email == email))
        return int(venues or 0) + int(users or 0) + len(await outbox(db, email))


async def test_the_api_names_every_bad_field_in_both_languages(client: Any, db: Database, unique: str) -> None:
    slug, email = f"api-{unique}", f"api-{unique}@example.org"
    response = await client.post(
        "/api/v1/signup", json={"name": "", "slug": "-bad-", "email": email, "password": PASSWORD}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["name"] == {
        "code": "required",
        "message": {"en": "This field is required.", "zh-Hans": "此项为必填项。"},
    }
    assert errors["slug"]["code"] == "slug_format"
    assert errors["slug"]["message"]["zh-Hans"].startswith("请使用 3 到 40 个小写字母")
    assert await _written(db, slug, email) == 0


async def test_the_schema_s_limit_answers_in_the_same_shape(client: Any, db: Database, unique: str) -> None:
    """An address longer than any column is refused by msgspec, with the shared rule's code."""
    slug, email = f"long-{unique}", "x" * 250 + f"{unique}@example.org"
    response = await client.post(
        "/api/v1/signup", json={"name": "Hall", "slug": slug, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "email": {
                "code": "too_long",
                "message": {"en": "Use at most 254 characters.", "zh-Hans": "最多 254 个字符。"},
            }
        }
    }
    assert await _written(db, slug, email) == 0


async def test_the_page_shows_each_message_beside_its_field_in_chinese(
    other_client: Any, db: Database, unique: str
) -> None:
    slug, email = f"zh-{unique}", "not-an-address"
    response = await post_form(
        other_client, "/signup?lang=zh-Hans", {"name": "场馆", "slug": slug, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 400
    beside = re.search(r'id="email-error">([^<]*)</p>', response.text)
    assert beside is not None
    assert beside.group(1) == "请输入有效的电子邮箱地址，例如 name@example.org。"
    assert 'aria-describedby="email-error"' in response.text
    assert await _written(db, slug, email) == 0
