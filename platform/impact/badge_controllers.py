"""The impact badge at public addresses another site may embed: ``/v/{slug}/badge.svg`` and
``.png`` for a venue, ``/v/{slug}/{code}/badge.svg`` and ``.png`` for one entry point (an
event); ``?lang=en`` or ``?lang=zh-Hans`` (else the venue's language). Cached for ten minutes
by browsers and shared caches, revalidated by ETag. JSON twins under
``/api/v1/public/venues/{slug}/…/badge`` give the figure and the HTML snippet.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.impact import badges
from neutralpoint.impact.badges import Badge
from neutralpoint.settings import Settings
from neutralpoint.tenants.access import PUBLIC

CACHE = "public, max-age=600, stale-while-revalidate=3600"
LangParam = Annotated[str | None, QueryParameter(description="en or zh-Hans (the venue's language otherwise)")]


class BadgeOut(msgspec.Struct):
    venue: str
    entry_point: str | None
    name: str
    lang: str
    grams: int
    #: Hundredths of a tonne, rounded down (what the badge shows).
    tonnes: str
    svg_url: str
    png_url: str
    link_url: str
    #: The HTML to paste into a page: the badge, linking to the venue's (or the event's) page.
    html: str
    #: The figure counts test-mode orders (the deployment takes test payments only; no money
    #: was taken) and the pictures carry a TEST mark; live deployments count live orders only.
    test_mode: bool = False


def badge_out(settings: Settings, badge: Badge) -> BadgeOut:
    svg, png, link = badges.badge_addresses(settings.base_url, badge)
    return BadgeOut(
        venue=badge.slug,
        entry_point=badge.code,
        name=badge.name,
        lang=badge.lang,
        grams=badge.grams,
        tonnes=badge.tonnes,
        svg_url=svg,
        png_url=png,
        link_url=link,
        html=badges.badge_snippet(badge, svg, link),
        test_mode=badge.test_mode,
    )


async def _badge(session: AsyncSession, settings: Settings, slug: str, code: str | None, lang: str | None) -> Badge:
    badge = await badges.find_badge(session, slug, code, lang, settings.payments_test_mode)
    if badge is None:
        raise NotFoundException()
    return badge


def _image(request: Request[Any, Any, Any], badge: Badge, media_type: str, body: bytes | None) -> Response[bytes]:
    headers = {"Cache-Control": CACHE, "ETag": badge.etag, "Access-Control-Allow-Origin": "*"}
    if request.headers.get("if-none-match") == badge.etag or body is None:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


async def _svg(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    settings: Settings,
    slug: str,
    code: str | None,
    lang: str | None,
) -> Response[bytes]:
    badge = await _badge(session, settings, slug, code, lang)
    fresh = request.headers.get("if-none-match") != badge.etag
    return _image(request, badge, "image/svg+xml", badges.badge_svg(badge).encode() if fresh else None)


async def _png(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    settings: Settings,
    slug: str,
    code: str | None,
    lang: str | None,
) -> Response[bytes]:
    badge = await _badge(session, settings, slug, code, lang)
    if request.headers.get("if-none-match") == badge.etag:
        return _image(request, badge, "image/png", None)
    body = await asyncio.to_thread(badges.badge_png, badge, badges.badge_fonts())
    return _image(request, badge, "image/png", body)


@get("/v/{slug:str}/badge.svg", tags=["public"], access=PUBLIC, summary="A venue's impact badge (SVG)")
async def venue_badge_svg(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    lang: LangParam = None,
) -> Response[bytes]:
    return await _svg(request, db_session, settings, slug, None, lang)


@get("/v/{slug:str}/badge.png", tags=["public"], access=PUBLIC, summary="A venue's impact badge (PNG)")
async def venue_badge_png(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    lang: LangParam = None,
) -> Response[bytes]:
    return await _png(request, db_session, settings, slug, None, lang)


@get("/v/{slug:str}/{code:str}/badge.svg", tags=["public"], access=PUBLIC, summary="An event's impact badge (SVG)")
async def entry_badge_svg(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    code: FromPath[str],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    lang: LangParam = None,
) -> Response[bytes]:
    return await _svg(request, db_session, settings, slug, code, lang)


@get("/v/{slug:str}/{code:str}/badge.png", tags=["public"], access=PUBLIC, summary="An event's impact badge (PNG)")
async def entry_badge_png(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    code: FromPath[str],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    lang: LangParam = None,
) -> Response[bytes]:
    return await _png(request, db_session, settings, slug, code, lang)


@get(
    "/api/v1/public/venues/{slug:str}/badge",
    tags=["public"],
    access=PUBLIC,
    summary="A venue's impact badge: its figure, addresses and HTML snippet",
)
async def venue_badge(
    slug: FromPath[str],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    lang: LangParam = None,
) -> Response[BadgeOut]:
    badge = await _badge(db_session, settings, slug, None, lang)
    return Response(badge_out(settings, badge), headers={"Cache-Control": CACHE})


@get(
    "/api/v1/public/venues/{slug:str}/entry-points/{code:str}/badge",
    tags=["public"],
    access=PUBLIC,
    summary="An entry point's (an event's) impact badge: its figure, addresses and HTML snippet",
)
async def entry_badge(
    slug: FromPath[str],
    code: FromPath[str],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    lang: LangParam = None,
) -> Response[BadgeOut]:
    badge = await _badge(db_session, settings, slug, code, lang)
    return Response(badge_out(settings, badge), headers={"Cache-Control": CACHE})


route_handlers = [
    venue_badge_svg,
    venue_badge_png,
    entry_badge_svg,
    entry_badge_png,
    venue_badge,
    entry_badge,
]
