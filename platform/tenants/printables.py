"""An entry point's QR code (SVG, PNG) and poster (PDF) as HTTP responses.

The dashboard and the API serve the same files; both come from here.
"""

from __future__ import annotations

import asyncio

from litestar import Response
from litestar.exceptions import ValidationException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.settings import Settings
from neutralpoint.tenants.addresses import entry_point_url, logo_on_posters
from neutralpoint.tenants.models import EntryPoint, Tenant
from neutralpoint.tenants.posters import PAGE_SIZES, PosterContent, render_poster
from neutralpoint.tenants.qr import SCALE_MAX, SCALE_MIN, qr_png, qr_svg

PRIVATE_CACHE = "private, max-age=300"


def _bounded_scale(scale: int) -> int:
    if not SCALE_MIN <= scale <= SCALE_MAX:
        raise ValidationException(f"scale must be between {SCALE_MIN} and {SCALE_MAX}")
    return scale


def _disposition(entry: EntryPoint, extension: str, download: bool) -> str:
    kind = "attachment" if download else "inline"
    return f'{kind}; filename="{entry.code}.{extension}"'


#: The QR code's two formats: media type, drawing function and default scale (pixels a module).
QR_FORMATS = {"svg": ("image/svg+xml", qr_svg, 8), "png": ("image/png", qr_png, 10)}


def qr_response(
    settings: Settings, tenant: Tenant, entry: EntryPoint, image: str, scale: int | None, download: bool
) -> Response[bytes]:
    """The entry point's QR code as ``image`` (``svg`` or ``png``), at ``scale`` or the format's default."""
    media_type, draw, default_scale = QR_FORMATS[image]
    size = _bounded_scale(default_scale if scale is None else scale)
    body = draw(entry_point_url(settings, tenant, entry), tenant.primary_color, size)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": _disposition(entry, image, download), "Cache-Control": PRIVATE_CACHE},
    )


def _other(lang: str) -> str:
    return "en" if lang == "zh-Hans" else "zh-Hans"


def _both(own: str | None, other: str | None) -> str:
    """A poster speaks to readers of both languages: the venue's own name, then the other one."""
    return " · ".join(dict.fromkeys(name for name in (own, other) if name))


async def poster_response(
    session: AsyncSession, settings: Settings, tenant: Tenant, entry: EntryPoint, size: str, download: bool
) -> Response[bytes]:
    size = size.upper()
    if size not in PAGE_SIZES:
        raise ValidationException("size must be A4 or A5")
    logo: bytes | None = None
    if logo_on_posters(tenant):
        logo = (await session.execute(select(Tenant.logo).where(Tenant.id == tenant.id))).scalar_one_or_none()
    own = tenant.default_language
    content = PosterContent(
        venue_name=tenant.display_name_in(own),
        colour=tenant.primary_color,
        entry_name=_both(entry.name_in(own), entry.name_in(_other(own))),
        url=entry_point_url(settings, tenant, entry),
        code=entry.code,
        event_name=_both(entry.event_name_in(own), entry.event_name_in(_other(own))) or None,
        starts_on=entry.event_starts_on,
        ends_on=entry.event_ends_on,
        raster_logo=logo,
    )
    return Response(
        await asyncio.to_thread(render_poster, content, size),
        media_type="application/pdf",
        headers={
            "Content-Disposition": _disposition(entry, f"{size.lower()}.pdf", download),
            "Cache-Control": PRIVATE_CACHE,
        },
    )
