"""A breakdown reads well: each source one line in the reader's language (its row behind a
fold), each factor to three significant digits; the API keeps the exact values beside the
shown ones, so that a client can show them the same way."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from neutralpoint.web.formatting import format_factor, shown_factor

ATTENDEE = {"travel_mode": "rail_high_speed", "travel_distance_km": 300, "hotel_nights": 1, "meals_vegan": 1}


@pytest.mark.parametrize(
    ("exact", "shown"),
    [
        ("0.9635284", "0.964"),
        ("0.03048", "0.0305"),
        ("0.00012345", "0.000123"),
        ("12.35", "12.4"),
        ("520.53", "521"),
        ("1234.5", "1,235"),
        ("0.1098342", "0.11"),
        ("0.260265", "0.26"),
        ("12.5", "12.5"),
        ("99.96", "100"),
        ("1", "1"),
        ("0", "0"),
    ],
)
def test_factors_show_three_significant_digits_and_every_whole_one(exact: str, shown: str) -> None:
    """One precision for a factor: the page's text and the JSON's ``factor_shown`` are the same digits."""
    assert format_factor(Decimal(exact)) == shown
    assert str(shown_factor(exact)) == shown.replace(",", "")


async def _estimate(client: Any, venue: Any) -> dict[str, Any]:
    made = await client.post(
        f"/api/v1/public/venues/{venue.slug}/entry-points/{venue.code}/estimates", json={"inputs": ATTENDEE}
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def test_the_api_keeps_exact_factors_and_names_each_source_in_both_languages(
    client: Any, make_venue: Any
) -> None:
    venue = await make_venue(scenario="meetings")
    estimate = await _estimate(client, venue)
    rail = next(line for line in estimate["breakdown"] if line["key"].startswith("travel"))
    assert rail["factor_value"] == "0.03048"
    assert rail["factor_shown"] == "0.0305"
    source = estimate["sources"][rail["source"]]
    assert source["short_publisher"] == {"en": "China Environment News", "zh-Hans": "中国环境报"}
    assert source["short_title"]["zh-Hans"] == "盘一盘高铁飞机的碳排放量"
    assert "30.48 g CO2 per passenger-km" in source["citation"]
    desnz = [s for s in estimate["sources"] if s["short_publisher"]["en"] == "UK DESNZ"]
    assert desnz, estimate["sources"]
    assert "ID " in desnz[0]["table"]
    twin = await client.get(f"/api/v1/public/venues/{venue.slug}/results/{estimate['id']}")
    assert twin.status_code == 200, twin.text
    assert twin.json()["estimate"]["breakdown"] == estimate["breakdown"]
    assert twin.json()["estimate"]["sources"] == estimate["sources"]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "UK DESNZ, Greenhouse gas reporting: conversion factors, 2025"),
        ("zh-Hans", "英国能源安全与净零排放部，温室气体报告换算系数，2025"),
    ],
)
async def test_the_result_page_folds_each_source_to_one_line(
    client: Any, make_venue: Any, lang: str, line: str
) -> None:
    venue = await make_venue(scenario="meetings")
    estimate = await _estimate(client, venue)
    page = await client.get(f"/v/{venue.slug}/r/{estimate['id']}?lang={lang}")
    assert page.status_code == 200
    html = page.text
    summaries = re.findall(r'<summary><span class="source-line">(.*?)</span>', html)
    assert line in summaries, summaries
    # The full citation with its row stays behind the fold, with the link.
    folded = html.split('<span class="source-line">' + line, 1)[1].split("</details>", 1)[0]
    assert "Greenhouse gas reporting: conversion factors 2025 (full set, flat file)" in folded
    assert re.search(r"\(ID \d+_\d+", folded)
    assert 'href="https://www.gov.uk/' in folded
    assert "(ID " not in "".join(summaries)
    # Factors to three significant digits, the exact value kept in the markup.
    assert '<data value="0.03048">0.0305</data>' in html
    assert "0.03048<" not in html.replace('value="0.03048">', "")
