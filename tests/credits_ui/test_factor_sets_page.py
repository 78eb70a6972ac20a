"""The platform's factor-sets page: a platform admin page like the others, in the reader's language."""

from __future__ import annotations

from typing import Any


async def test_the_factor_sets_page_has_the_platform_navigation(admin_client: Any) -> None:
    page = await admin_client.get("/platform/factor-sets?lang=en")
    assert page.status_code == 200
    assert 'class="platform-nav"' in page.text
    assert '<a href="/platform/factor-sets" aria-current="page">Factor sets</a>' in page.text
    assert '<a href="/platform/projects">Projects and lots</a>' in page.text
    assert 'action="/logout"' in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_factor_units_are_in_the_readers_language(admin_client: Any) -> None:
    chinese = await admin_client.get("/platform/factor-sets?lang=zh-Hans")
    assert chinese.status_code == 200
    assert '<td class="nowrap">kg CO₂e / 人公里</td>' in chinese.text
    assert '<td class="nowrap">kg CO₂e / 车公里</td>' in chinese.text
    assert '<td class="nowrap">kg CO₂e / 间夜</td>' in chinese.text
    assert "passenger-km</td>" not in chinese.text
    assert "vehicle-km</td>" not in chinese.text
    assert '<a href="/platform/factor-sets" aria-current="page">排放因子集</a>' in chinese.text

    english = await admin_client.get("/platform/factor-sets?lang=en")
    assert '<td class="nowrap">kg CO₂e / passenger-km</td>' in english.text
    assert '<td class="nowrap">kg CO₂e / room-night</td>' in english.text
