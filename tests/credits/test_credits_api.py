"""The platform admins' JSON API for credit supply."""

from __future__ import annotations

from typing import Any

from neutralpoint.database.engine import Database
from neutralpoint.tenants.accounts import ensure_platform_admin
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import User

PASSWORD = "correct horse battery staple"


async def sign_in(client: Any, db: Database, email: str, *, admin: bool) -> None:
    async with db.platform_session() as session:
        if admin:
            await ensure_platform_admin(session, email, PASSWORD)
        else:
            session.add(User(email=email, password_hash=hash_password(PASSWORD)))
    response = await client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def test_only_platform_admins_reach_the_api(client: Any, db: Database, unique: str) -> None:
    assert (await client.get("/api/v1/credits/projects")).status_code == 401
    await sign_in(client, db, f"visitor-{unique}@example.org", admin=False)
    assert (await client.get("/api/v1/credits/projects")).status_code == 404
    assert (await client.get("/api/v1/credits/audit")).status_code == 404


async def test_supply_through_the_api(client: Any, db: Database, unique: str) -> None:
    await sign_in(client, db, f"admin-{unique}@example.org", admin=True)
    owner = await client.post("/api/v1/credits/owners", json={"name": "Sichuan Forestry Co.", "payout_currency": "CNY"})
    assert owner.status_code == 201, owner.text
    project_in = {
        "owner_id": owner.json()["id"],
        "slug": f"api-forest-{unique}",
        "name": {"en": "Longquan forest carbon sink", "zh-Hans": "龙泉山林业碳汇"},
        "registry_code": "cdcer",
        "registry_project_id": f"API-{unique}",
        "project_type": "forestry",
        "country": "CN",
        "sdgs": [15, 13],
    }
    project = await client.post("/api/v1/credits/projects", json=project_in)
    assert project.status_code == 201, project.text
    assert (project.json()["registry_code"], project.json()["sdgs"], project.json()["retired_tonnes"]) == (
        "CDCER",
        [13, 15],
        0,
    )
    bad = await client.post("/api/v1/credits/projects", json={**project_in, "country": "XX", "sdgs": [40]})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"slug", "registry_project_id", "country", "sdgs"}
    assert bad.json()["errors"]["country"]["message"]["en"].startswith("Enter the two-letter")
    lot_in = {
        "project_id": project.json()["id"],
        "vintage_year": 2023,
        "serial_first": f"CDCER-{unique}-000001",
        "serial_last": f"CDCER-{unique}-000020",
        "quantity_tonnes": 20,
        "unit_cost_minor": 4_000,
        "cost_currency": "CNY",
        "acquired_on": "2024-06-01",
    }
    mismatch = await client.post("/api/v1/credits/lots", json={**lot_in, "quantity_tonnes": 21})
    assert mismatch.status_code == 400
    assert "holds 20 tonnes" in mismatch.json()["errors"]["quantity_tonnes"]["message"]["en"]
    future = await client.post("/api/v1/credits/lots", json={**lot_in, "acquired_on": "2099-01-01"})
    assert future.status_code == 400
    assert future.json()["errors"]["acquired_on"]["message"]["en"] == "The acquisition date cannot be in the future."
    assert future.json()["errors"]["acquired_on"]["message"]["zh-Hans"] == "购入日期不能晚于今天。"
    assert (await client.get(f"/api/v1/credits/projects/{project.json()['id']}/lots")).json() == []
    lot = await client.post("/api/v1/credits/lots", json=lot_in)
    assert lot.status_code == 201, lot.text
    assert lot.json()["status"]["quantity_grams"] == 20_000_000
    allocation_in = {
        "lot_id": lot.json()["id"],
        "grams": 5_000_000,
        "price_per_tonne_minor": 9_000,
        "currency": "CNY",
        "owner_bp": 8000,
        "platform_bp": 1500,
        "venue_bp": 500,
        "all_venues": True,
    }
    free = await client.post("/api/v1/credits/allocations", json={**allocation_in, "price_per_tonne_minor": 0})
    assert free.status_code == 400
    assert "price_per_tonne_minor" in free.json()["errors"]
    allocation = await client.post("/api/v1/credits/allocations", json=allocation_in)
    assert allocation.status_code == 201, allocation.text
    assert allocation.json()["available_grams"] == 5_000_000
    corrected = await client.post(
        f"/api/v1/credits/lots/{lot.json()['id']}/corrections",
        json={"field": "vintage_year", "value": 2022, "reason": "registry statement says 2022"},
    )
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["vintage_year"] == 2022
    withdrawn = await client.post(
        f"/api/v1/credits/allocations/{allocation.json()['id']}/withdraw", json={"reason": "price review"}
    )
    assert (withdrawn.status_code, withdrawn.json()["status"], withdrawn.json()["grams_offered"]) == (
        200,
        "withdrawn",
        0,
    )
    stock = await client.get("/api/v1/credits/reports/stock/lot")
    assert any(row["key"] == lot.json()["id"] and row["held_grams"] == 20_000_000 for row in stock.json())
    assert (await client.get("/api/v1/credits/reports/sales/colour")).status_code == 400
    audit = await client.get("/api/v1/credits/audit")
    assert audit.status_code == 200
    assert audit.json()["ok"], audit.json()["problems"]
    assert (await client.post("/api/v1/credits/retirements/batch")).status_code == 201
    assert (await client.get(f"/api/v1/credits/lots/{'0' * 8}-0000-0000-0000-{'0' * 12}")).status_code == 404
