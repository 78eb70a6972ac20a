"""The JSON twins the platform pages added to ``/api/v1/credits``."""

from __future__ import annotations

from typing import Any

from supply_flows import SupplyBuilder, counts

from neutralpoint.database.engine import Database


async def test_owner_and_project_changes(admin_client: Any, db: Database, supply: SupplyBuilder, unique: str) -> None:
    project = await supply.project()
    owner = await admin_client.get(f"/api/v1/credits/owners/{project.owner_id}")
    assert owner.status_code == 200
    changed = await admin_client.patch(
        f"/api/v1/credits/owners/{project.owner_id}", json={"contact_email": "payouts@example.org"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["contact_email"] == "payouts@example.org"
    before = await counts(db)
    refused = await admin_client.patch(
        f"/api/v1/credits/owners/{project.owner_id}", json={"payout_currency": "XXX", "name": ""}
    )
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"payout_currency", "name"}

    renamed = await admin_client.patch(
        f"/api/v1/credits/projects/{project.id}",
        json={"name": {"en": "Longquan Mountain forest", "zh-Hans": "龙泉山森林"}, "sdgs": [15]},
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"]["zh-Hans"], renamed.json()["sdgs"]) == ("龙泉山森林", [15])
    bad = await admin_client.patch(f"/api/v1/credits/projects/{project.id}", json={"country": "ZZ", "status": "gone"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"country", "status"}
    not_json = await admin_client.patch(
        f"/api/v1/credits/projects/{project.id}", content=b"[1, 2]", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert set(not_json.json()["errors"]) == {"body"}
    # Without a JSON content type, a cookie-authenticated change is refused before any route.
    untyped = await admin_client.patch(f"/api/v1/credits/projects/{project.id}", content=b"{}")
    assert untyped.status_code == 403
    assert set(untyped.json()["errors"]) == {"content_type"}
    assert await counts(db) == before


async def test_allocations_and_due_tonnes(admin_client: Any, supply: SupplyBuilder) -> None:
    venue = await supply.venue()
    project = await supply.project()
    lot = await supply.lot(project, 3)
    allocation = await supply.allocation(lot, 3_000_000, venues=[venue.id])
    await supply.buy(venue.id, allocation.id, 2_000_000)
    listed = await admin_client.get("/api/v1/credits/allocations")
    assert str(allocation.id) in {a["id"] for a in listed.json()}
    due = await admin_client.get("/api/v1/credits/retirements/due")
    mine = [t for t in due.json() if t["lot_id"] == str(lot.id)]
    assert [t["serial"] for t in mine] == [lot.serial_first, lot.serial_first[:-1] + "2"]


async def test_twins_are_404_for_others(venue_owner: tuple[Any, Any], anonymous: Any, supply: SupplyBuilder) -> None:
    browser, _ = venue_owner
    project = await supply.project()
    for path in ("/api/v1/credits/summary", "/api/v1/credits/allocations", "/api/v1/credits/retirements/due"):
        assert (await browser.get(path)).status_code == 404
        assert (await anonymous.get(path)).status_code == 401
    patched = await browser.patch(f"/api/v1/credits/projects/{project.id}", json={"status": "archived"})
    assert patched.status_code == 404
