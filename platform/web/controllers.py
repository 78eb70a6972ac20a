"""Routes every page leans on: the venue's colours as a stylesheet, the favicon, the API viewer's files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File

import neutralpoint.web as web_package
from neutralpoint.web.access import public_opt
from neutralpoint.web.colours import brand_ink, text_colour_on
from neutralpoint.web.schema_viewer import schema_assets_router

BRAND_STYLESHEET = re.compile(r"([0-9a-f]{6})\.css")
STATIC = Path(web_package.__file__).parent / "static"
#: A colour's stylesheet never changes: browsers keep it a year.
FOREVER = CacheControlHeader(max_age=365 * 24 * 3600, public=True)


@get("/brand/{stylesheet:str}", opt=public_opt(), include_in_schema=False, sync_to_thread=False)
def brand_stylesheet(stylesheet: FromPath[str]) -> Response[str]:
    """A venue colour's custom properties (``/brand/0f766e.css``), linked by every page.

    A stylesheet rather than an inline ``<style>``, so that the content security policy
    needs no ``unsafe-inline``; named by the colour, not the venue, so it needs no
    database and every venue of one colour shares a cached copy.
    """
    match = BRAND_STYLESHEET.fullmatch(stylesheet)
    if match is None:
        raise NotFoundException()
    colour = "#" + match.group(1)
    css = f":root{{--brand:{colour};--on-brand:{text_colour_on(colour)};--brand-ink:{brand_ink(colour)}}}\n"
    return Response(css, media_type="text/css; charset=utf-8", headers={"cache-control": FOREVER.to_header()})


@get("/favicon.ico", opt=public_opt(), include_in_schema=False, sync_to_thread=False)
def favicon() -> File:
    """Where browsers look for the icon whether or not a page names one."""
    return File(
        STATIC / "favicon.ico",
        media_type="image/x-icon",
        content_disposition_type="inline",
        headers={"cache-control": "public, max-age=86400"},
    )


route_handlers: list[Any] = [brand_stylesheet, favicon, schema_assets_router()]
