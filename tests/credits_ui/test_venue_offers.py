"""A venue chooses which credit offers its visitors see, their order and the default."""

from __future__ import annotations

from typing import Any

from supply_flows import SupplyBuilder, field_error, post_form, second_browser, sign_in_venue_member

from neutralpoint.credits import services
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import use_tenant


async def _offers(db: Database, venue_id: Any, mine: list[Any]) -> list[Any]:
    """The venue's offers among ``mine`` (other tests offer theirs to every venue), in its order."""
    ids = {a.id for a in mine}
    async with db.session() as session:
        use_tenant(session, venue_id)
        views = await services.offers_for_venue(session, venue_id, include_hidden=True)
    return sorted((v for v in views if v.allocation_id in ids), key=lambda o: (not o.visible, o.position))


async def _three_offers(supply: SupplyBuilder, venue_id: Any) -> list[Any]:
    forest = await supply.project()
    biogas = await supply.project(name={"en": "Household biogas", "zh-Hans": "户用沼气"})
    first = await supply.allocation(await supply.lot(forest, 5), 5_000_000, venues=[venue_id])
    second = await supply.allocation(await supply.lot(biogas, 5), 5_000_000, venues=[venue_id], price=8_000)
    third = await supply.allocation(await supply.lot(forest, 5), 5_000_000, venues=[venue_id], price=4_500)
    return [first, second, third]


async def test_choose_order_and_default_through_the_page(
    venue_owner: tuple[Any, Any], db: Database, supply: SupplyBuilder
) -> None:
    browser, venue = venue_owner
    a, b, c = await _three_offers(supply, venue.id)
    page = await browser.get(f"/venue/{venue.slug}/offers")
    assert page.status_code == 200
    assert "Household biogas" in page.text
    assert "¥80.00" in page.text

    response = await post_form(
        browser,
        f"/venue/{venue.slug}/offers",
        {
            "shown": [str(a.id), str(c.id)],
            f"position_{a.id}": "2",
            f"position_{b.id}": "3",
            f"position_{c.id}": "1",
            "default": str(c.id),
        },
    )
    assert response.status_code == 303, response.text
    offers = await _offers(db, venue.id, [a, b, c])
    assert [(o.allocation_id, o.visible, o.is_default) for o in offers] == [
        (c.id, True, True),
        (a.id, True, False),
        (b.id, False, False),
    ]
    dashboard = await browser.get(f"/venue/{venue.slug}/")
    assert f'href="/venue/{venue.slug}/offers"' in dashboard.text


async def test_bad_choices_come_back_beside_their_field(
    venue_owner: tuple[Any, Any], db: Database, supply: SupplyBuilder
) -> None:
    browser, venue = venue_owner
    a, b, _ = await _three_offers(supply, venue.id)
    before = await _offers(db, venue.id, [a, b])
    hidden_default = await post_form(
        browser, f"/venue/{venue.slug}/offers", {"shown": [str(a.id)], "default": str(b.id)}
    )
    assert hidden_default.status_code == 400
    assert field_error(hidden_default.text, "default") == "The default must be one of the offers shown."
    bad_number = await post_form(
        browser,
        f"/venue/{venue.slug}/offers",
        {"shown": [str(a.id)], f"position_{a.id}": "first", "default": str(a.id)},
    )
    assert bad_number.status_code == 400
    assert field_error(bad_number.text, f"position_{a.id}") == "Enter a whole number."
    assert 'value="first"' in bad_number.text
    assert await _offers(db, venue.id, [a, b]) == before


async def test_offers_api_twin(venue_owner: tuple[Any, Any], db: Database, supply: SupplyBuilder) -> None:
    browser, venue = venue_owner
    a, b, c = await _three_offers(supply, venue.id)
    other_venue = await supply.venue()
    elsewhere = await supply.allocation(await supply.lot(await supply.project(), 2), 1_000_000, venues=[other_venue.id])

    listed = await browser.get(f"/api/v1/venues/{venue.slug}/offers")
    assert listed.status_code == 200
    mine = {str(a.id), str(b.id), str(c.id)}
    assert [o["allocation_id"] for o in listed.json() if o["allocation_id"] in mine] == [
        str(a.id),
        str(b.id),
        str(c.id),
    ]
    assert [o["is_default"] for o in listed.json()].count(True) == 1

    chosen = await browser.put(
        f"/api/v1/venues/{venue.slug}/offers", json={"shown": [str(b.id), str(a.id)], "default_id": str(a.id)}
    )
    assert chosen.status_code == 200, chosen.text
    assert [
        (o["allocation_id"], o["visible"], o["is_default"]) for o in chosen.json() if o["allocation_id"] in mine
    ] == [
        (str(b.id), True, False),
        (str(a.id), True, True),
        (str(c.id), False, False),
    ]
    page = await browser.get(f"/venue/{venue.slug}/offers")
    assert page.text.index(str(b.id)) < page.text.index(str(a.id)) < page.text.index(str(c.id))

    refused = await browser.put(f"/api/v1/venues/{venue.slug}/offers", json={"shown": [str(elsewhere.id)]})
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"shown"}
    bad_default = await browser.put(
        f"/api/v1/venues/{venue.slug}/offers", json={"shown": [str(a.id)], "default_id": str(c.id)}
    )
    assert bad_default.status_code == 400
    assert set(bad_default.json()["errors"]) == {"default_id"}
    after = await _offers(db, venue.id, [a, b, c])
    assert [o.allocation_id for o in after if o.visible] == [b.id, a.id]


async def test_staff_and_other_venues_get_404(
    client: Any, venue_owner: tuple[Any, Any], db: Database, supply: SupplyBuilder
) -> None:
    owner_browser, venue = venue_owner
    other = await supply.venue()
    async with second_browser(client) as staff:
        await sign_in_venue_member(staff, db, venue, role="staff")
        assert (await staff.get(f"/venue/{venue.slug}/offers")).status_code == 404
        assert (await staff.get(f"/api/v1/venues/{venue.slug}/offers")).status_code == 404
    assert (await owner_browser.get(f"/venue/{other.slug}/offers")).status_code == 404
    assert (await owner_browser.put(f"/api/v1/venues/{other.slug}/offers", json={"shown": []})).status_code == 404
    async with second_browser(client) as anonymous:
        page = await anonymous.get(f"/venue/{venue.slug}/offers", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login?next=")
        assert (await anonymous.get(f"/api/v1/venues/{venue.slug}/offers")).status_code == 401
