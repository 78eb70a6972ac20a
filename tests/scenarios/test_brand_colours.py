"""A venue's brand colour stays readable on its pages, whatever colour it picked."""

from __future__ import annotations

from typing import Any

import pytest

from neutralpoint.web.colours import TEXT_CONTRAST, brand_ink, contrast_with_white, text_colour_on


@pytest.mark.parametrize("colour", ["#0f766e", "#ffee00", "#ffffff", "#8b1e3f", "#b45309", "#00ff00"])
def test_links_in_the_brand_colour_read_on_white(colour: str) -> None:
    ink = brand_ink(colour)
    assert contrast_with_white(ink) >= TEXT_CONTRAST
    if contrast_with_white(colour) >= TEXT_CONTRAST:
        assert ink == colour


def test_text_on_the_brand_colour_is_white_or_near_black() -> None:
    assert text_colour_on("#0f766e") == "#ffffff"
    assert text_colour_on("#ffee00") == "#111827"


async def test_a_yellow_venue_gets_dark_header_text_and_dark_links(client: Any, make_venue: Any) -> None:
    venue = await make_venue(color="#ffee00")
    page = (await client.get(venue.entry_point_url)).text
    assert '<link rel="stylesheet" href="/brand/ffee00.css">' in page
    stylesheet = await client.get("/brand/ffee00.css")
    assert stylesheet.headers["content-type"].startswith("text/css")
    assert "max-age=31536000" in stylesheet.headers["cache-control"]
    css = stylesheet.text
    assert "--brand:#ffee00;--on-brand:#111827;" in css
    ink = css.split("--brand-ink:", 1)[1].split("}", 1)[0]
    assert contrast_with_white(ink) >= TEXT_CONTRAST


@pytest.mark.parametrize("name", ["ffee00", "FFEE00.css", "ffee0.css", "ffee00.css.map", "..%2Fapp.css"])
async def test_only_a_colour_has_a_stylesheet(client: Any, name: str) -> None:
    assert (await client.get(f"/brand/{name}")).status_code == 404
