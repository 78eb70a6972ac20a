from __future__ import annotations

from typing import Any


async def test_only_platform_admins_are_shown_the_way_to_the_platform_pages(app: Any, settings: Any, db: Any) -> None:
    from scenarios.signed_in import client_as, make_person

    admin = await make_person(db, None, admin=True)
    owner = await make_person(db, None)
    async with client_as(app, settings, admin) as client:
        page = await client.get("/venue")
    assert page.status_code == 200
    assert 'href="/platform"' in page.text
    async with client_as(app, settings, owner) as client:
        page = await client.get("/venue")
    assert page.status_code == 200
    assert 'href="/platform"' not in page.text
