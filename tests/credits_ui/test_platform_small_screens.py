"""The platform pages on a phone: wide tables scroll inside their box instead of widening the
page, and exact quantities are written out rather than shown only on hover."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

from supply_flows import SupplyBuilder

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_TEMPLATES = sorted((ROOT / "admin_ui/templates/platform").glob("*.html"))


def test_every_platform_table_scrolls_inside_its_box() -> None:
    unwrapped = []
    for path in PLATFORM_TEMPLATES:
        lines = path.read_text().splitlines()
        unwrapped += [
            f"{path.name}:{number + 1}"
            for number, line in enumerate(lines)
            if line.strip().startswith("<table") and lines[number - 1].strip() != '<div class="scroll">'
        ]
    assert not unwrapped, unwrapped


async def test_long_owner_email_addresses_may_break(admin_client: Any, supply: SupplyBuilder) -> None:
    await supply.project()
    page = await admin_client.get("/platform/owners")
    assert page.status_code == 200
    assert '<div class="scroll">' in page.text
    assert ".email{overflow-wrap:anywhere}" in page.text


async def test_the_exact_grams_are_written_out_not_hovered(admin_client: Any, supply: SupplyBuilder) -> None:
    venue = await supply.venue()
    lot = await supply.lot(await supply.project(), 3)
    allocation = await supply.allocation(lot, 2_000_000, venues=[venue.id])
    await supply.buy(venue.id, allocation.id, 1_234_567)
    for lang in ("en", "zh-Hans"):
        page = await admin_client.get(f"/platform?lang={lang}")
        assert page.status_code == 200
        assert "Hover" not in page.text
        assert "悬停" not in page.text
        sold = (await admin_client.get("/api/v1/credits/summary")).json()["sold_grams"]
        assert f"{sold:,} g" in unescape(re.sub(r"<[^>]+>", " ", page.text))
        lot_page = await admin_client.get(f"/platform/lots/{lot.id}?lang={lang}")
        assert "1,234,567 g" in unescape(re.sub(r"<[^>]+>", " ", lot_page.text))
