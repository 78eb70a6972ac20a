"""The credit supply refuses a bad field the one way (docs/refusing-input.md): in the API and
on the platform pages, in English and Chinese, naming the field, and without a row or a
ledger entry written."""

from __future__ import annotations

from typing import Any

from supply_flows import counts, field_error, post_form

from neutralpoint.database.engine import Database


async def test_the_api_names_the_field_in_both_languages(admin_client: Any, db: Database) -> None:
    before = await counts(db)
    response = await admin_client.post(
        "/api/v1/credits/owners", json={"name": "Forest Co", "payout_currency": "CNY", "contact_email": "nobody"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "contact_email": {
                "code": "email_invalid",
                "message": {
                    "en": "Enter an e-mail address such as name@example.org.",
                    "zh-Hans": "请输入有效的电子邮箱地址，例如 name@example.org。",
                },
            }
        }
    }
    assert await counts(db) == before


async def test_the_schema_s_limits_answer_in_the_same_shape(admin_client: Any, db: Database) -> None:
    before = await counts(db)
    long_name = await admin_client.post("/api/v1/credits/owners", json={"name": "n" * 121, "payout_currency": "CNY"})
    assert long_name.status_code == 400
    assert long_name.json()["errors"] == {
        "name": {"code": "too_long", "message": {"en": "Use at most 120 characters.", "zh-Hans": "最多 120 个字符。"}}
    }
    shares = await admin_client.post(
        "/api/v1/credits/allocations",
        json={
            "lot_id": "00000000-0000-0000-0000-000000000000",
            "grams": 1,
            "price_per_tonne_minor": 100,
            "currency": "CNY",
            "owner_bp": 10_001,
            "platform_bp": 0,
            "venue_bp": 0,
        },
    )
    assert shares.status_code == 400
    assert shares.json()["errors"]["owner_bp"] == {
        "code": "too_large",
        "message": {"en": "Must be at most 10000.", "zh-Hans": "不能大于 10000。"},
    }
    assert await counts(db) == before


async def test_the_page_shows_the_message_beside_its_field_in_chinese(admin_client: Any, db: Database) -> None:
    before = await counts(db)
    response = await post_form(
        admin_client,
        "/platform/owners/new?lang=zh-Hans",
        {"name": "森林公司", "payout_currency": "CNY", "contact_email": "nobody"},
    )
    assert response.status_code == 400
    assert field_error(response.text, "contact_email") == "请输入有效的电子邮箱地址，例如 name@example.org。"
    english = await post_form(
        admin_client,
        "/platform/owners/new?lang=en",
        {"name": "Forest Co", "payout_currency": "CNY", "contact_email": "nobody"},
    )
    assert field_error(english.text, "contact_email") == "Enter an e-mail address such as name@example.org."
    assert await counts(db) == before
