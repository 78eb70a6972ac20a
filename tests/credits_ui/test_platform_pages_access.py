"""Every platform page renders for a platform admin, is a 404 for anyone else signed in, and
sends a signed-out visitor to the sign-in page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from supply_flows import SupplyBuilder

from neutralpoint.credits.models import ProjectOwner
from neutralpoint.database.engine import Database


async def _pages(db: Database, supply: SupplyBuilder) -> list[str]:
    venue = await supply.venue()
    project = await supply.project()
    lot = await supply.lot(project, 5)
    await supply.allocation(lot, 2_000_000, venues=[venue.id])
    async with db.platform_session() as session:
        owner = await session.get(ProjectOwner, project.owner_id)
        assert owner is not None
    return [
        "/platform",
        "/platform/owners",
        "/platform/owners/new",
        f"/platform/owners/{owner.id}",
        "/platform/projects",
        "/platform/projects/new",
        f"/platform/projects/{project.id}",
        f"/platform/projects/{project.id}/lots/new",
        f"/platform/lots/{lot.id}",
        f"/platform/lots/{lot.id}/allocations/new",
        "/platform/allocations",
        "/platform/retirements",
        *(f"/platform/reports?by={by}" for by in ("project", "lot", "allocation", "venue", "owner")),
        *(f"/platform/reports/{by}/stock.csv" for by in ("project", "lot", "allocation", "venue")),
        *(f"/platform/reports/{by}/sales.csv" for by in ("project", "allocation", "venue", "owner")),
        "/platform/audit",
    ]


async def test_platform_admin_sees_every_page_in_both_languages(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    for path in await _pages(db, supply):
        for lang in ("en", "zh-Hans"):
            separator = "&" if "?" in path else "?"
            response = await admin_client.get(f"{path}{separator}lang={lang}")
            assert response.status_code == 200, (path, lang, response.text[:2000])
            if not path.endswith(".csv"):
                assert "/platform/audit" in response.text


async def test_a_venue_owner_gets_404_and_a_signed_out_visitor_is_sent_to_sign_in(
    venue_owner: tuple[Any, Any], anonymous: Any, db: Database, supply: SupplyBuilder
) -> None:
    """Signed out, ``/platform`` answers as ``/platform/orders`` does: the sign-in page, then back."""
    owner_client, _ = venue_owner
    for path in await _pages(db, supply):
        response = await owner_client.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert "/platform/audit" not in response.text
        response = await anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303, (path, response.status_code)
        assert response.headers["location"] == f"/login?next={quote(path, safe='/')}", path
        assert "/platform/audit" not in response.text
    for path in ("/platform", "/platform/orders"):
        response = await anonymous.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, f"/login?next={path}")


async def test_platform_forms_refuse_others(venue_owner: tuple[Any, Any], db: Database, supply: SupplyBuilder) -> None:
    from supply_flows import counts, post_form

    owner_client, _ = venue_owner
    project = await supply.project()
    before = await counts(db)
    for path in (
        "/platform/owners/new",
        "/platform/projects/new",
        f"/platform/projects/{project.id}/lots/new",
        "/platform/retirements/batch",
    ):
        response = await post_form(owner_client, path, {"name": "Intruder", "payout_currency": "CNY"})
        assert response.status_code == 404, path
    assert await counts(db) == before


async def test_allocation_dates_and_status_tags_do_not_break(
    admin_client: Any, db: Database, supply: SupplyBuilder
) -> None:
    """A date breaks at its dashes and a three-character Chinese tag stacks one character a line."""
    venue = await supply.venue()
    lot = await supply.lot(await supply.project(), 5)
    await supply.allocation(lot, 2_000_000, venues=[venue.id])
    page = await admin_client.get("/platform/allocations?lang=zh-Hans")
    validity = r'<td><span class="nowrap">\d{4}-\d\d-\d\d</span> – <span class="nowrap">开放</span></td>'
    assert re.search(validity, page.text)
    assert ".tag{white-space:nowrap}" in page.text


async def test_one_tonne_reads_singular(admin_client: Any, supply: SupplyBuilder) -> None:
    """"1 tonne", never "1 tonnes": the lot's quantity and the tonnes due for retirement."""
    venue = await supply.venue()
    lot = await supply.lot(await supply.project(), 1)
    allocation = await supply.allocation(lot, 1_000_000, venues=[venue.id])
    await supply.buy(venue.id, allocation.id, 1_000_000)
    page = (await admin_client.get(f"/platform/lots/{lot.id}?lang=en")).text
    assert "1 tonne<" in page
    assert "1 tonnes" not in page
    retirements = (await admin_client.get("/platform/retirements?lang=en")).text
    assert "1 tonnes" not in retirements
    home = (await admin_client.get("/platform?lang=en")).text
    assert "1 tonnes" not in home
    assert re.search(r"\d+ tonnes? due; \d+ requests? waiting", home)
