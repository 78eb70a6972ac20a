"""Printable posters for entry points (A4 or A5, portrait), drawn with reportlab.

The QR code is drawn as vector rectangles so it stays sharp at any print size. Chinese
text uses reportlab's built-in CID font STSong-Light, which PDF viewers supply, so no font
file ships with the platform. Output is deterministic (``invariant``): the same venue and
entry point give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from neutralpoint.tenants.qr import dark_runs, scannable_colour
from neutralpoint.web.colours import text_colour_on

PAGE_SIZES = {"A4": A4, "A5": A5}
CJK_FONT = "STSong-Light"
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
INK = "#1f2933"
MUTED = "#52606d"
CALL_TO_ACTION = {
    "en": "Scan to measure and neutralize your footprint",
    "zh-Hans": "扫码计算并抵消您的碳足迹",
}


@dataclass(frozen=True)
class PosterContent:
    venue_name: str
    colour: str
    entry_name: str
    url: str
    code: str
    event_name: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    raster_logo: bytes | None = None


@cache
def _register_cjk_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _latin_encodable(ch: str) -> bool:
    """Whether the standard Helvetica (WinAnsi) has the glyph; if not, the CID font does."""
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _segments(text: str, bold: bool) -> list[tuple[str, str]]:
    """Split ``text`` into runs of one font each: Latin in Helvetica, the rest in STSong."""
    latin = LATIN_BOLD if bold else LATIN
    segments: list[tuple[str, str]] = []
    for ch in text:
        font = latin if _latin_encodable(ch) else CJK_FONT
        if ch == " " and segments:
            font = segments[-1][1]
        if segments and segments[-1][1] == font:
            segments[-1] = (segments[-1][0] + ch, font)
        else:
            segments.append((ch, font))
    return segments


def _width(segments: list[tuple[str, str]], size: float) -> float:
    return sum(float(pdfmetrics.stringWidth(part, font, size)) for part, font in segments)


def _fit(text: str, size: float, width: float, minimum: float, bold: bool) -> tuple[list[tuple[str, str]], float]:
    """Shrink ``size`` until ``text`` fits ``width``; below ``minimum``, cut it with an ellipsis."""
    segments = _segments(text, bold)
    while size > minimum and _width(segments, size) > width:
        size -= 0.5
    while len(text) > 1 and _width(segments, size) > width:
        text = text[:-1]
        segments = _segments(text.rstrip() + "…", bold)
    return segments, size


def _draw(canvas: Canvas, segments: list[tuple[str, str]], x: float, y: float, size: float) -> None:
    for part, font in segments:
        canvas.setFont(font, size)
        canvas.drawString(x, y, part)
        x += pdfmetrics.stringWidth(part, font, size)


def _centred(
    canvas: Canvas,
    text: str,
    y: float,
    page_width: float,
    width: float,
    size: float,
    *,
    bold: bool = False,
    colour: str = INK,
    minimum: float = 7,
) -> float:
    """Draw one centred line; return the size used."""
    segments, used = _fit(text, size, width, minimum, bold)
    canvas.setFillColor(HexColor(colour))
    _draw(canvas, segments, (page_width - _width(segments, used)) / 2, y, used)
    return used


def _event_line(content: PosterContent) -> str | None:
    parts = []
    if content.event_name:
        parts.append(content.event_name)
    if content.starts_on and content.ends_on and content.ends_on != content.starts_on:
        parts.append(f"{content.starts_on.isoformat()} – {content.ends_on.isoformat()}")
    elif content.starts_on or content.ends_on:
        parts.append((content.starts_on or content.ends_on).isoformat())  # type: ignore[union-attr]
    return " · ".join(parts) or None


def render_poster(content: PosterContent, size: str = "A4") -> bytes:
    _register_cjk_font()
    width, height = PAGE_SIZES[size]
    unit = width / 100  # everything scales with the page, so A5 is A4 shrunk
    margin = 7 * unit
    inner = width - 2 * margin
    brand = scannable_colour(content.colour)
    on_band = text_colour_on(content.colour)

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setTitle(f"{content.venue_name} — {content.entry_name}")
    canvas.setAuthor("NeutralPoint")
    canvas.setSubject(content.url)

    # Header band in the venue's colour, with the logo (raster only) and the venue's name.
    band = 17 * unit
    canvas.setFillColor(HexColor(content.colour))
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    name_left = margin
    if content.raster_logo:
        logo = ImageReader(io.BytesIO(content.raster_logo))
        logo_w, logo_h = logo.getSize()
        box = band * 0.66
        scale = min(box / logo_w, box / logo_h)
        draw_w, draw_h = logo_w * scale, logo_h * scale
        pad = unit * 0.8
        top = height - (band - box) / 2
        canvas.setFillColor(HexColor("#ffffff"))
        canvas.roundRect(margin - pad, top - box - pad, box + 2 * pad, box + 2 * pad, unit, stroke=0, fill=1)
        canvas.drawImage(logo, margin + (box - draw_w) / 2, top - box + (box - draw_h) / 2, draw_w, draw_h, mask="auto")
        name_left = margin + box + 4 * unit
    name, name_size = _fit(content.venue_name, 7 * unit, width - margin - name_left, 3 * unit, bold=True)
    canvas.setFillColor(HexColor(on_band))
    baseline = height - band / 2 - name_size * 0.35
    left = name_left if content.raster_logo else (width - _width(name, name_size)) / 2
    _draw(canvas, name, left, baseline, name_size)

    # Which entry point this is: its name, the event and its dates.
    y = height - band - 9 * unit
    _centred(canvas, content.entry_name, y, width, inner, 5.2 * unit, bold=True)
    event = _event_line(content)
    if event:
        y -= 5.5 * unit
        _centred(canvas, event, y, width, inner, 3.4 * unit, colour=MUTED)

    # The call to action, in both languages.
    y -= 9 * unit
    _centred(canvas, CALL_TO_ACTION["en"], y, width, inner, 4.4 * unit, bold=True, colour=brand)
    y -= 6.2 * unit
    _centred(canvas, CALL_TO_ACTION["zh-Hans"], y, width, inner, 4.6 * unit, colour=brand)

    # The QR code, as vectors; under it the short address for those who type.
    footer = 12 * unit
    url_block = 10 * unit
    available = y - 4 * unit - footer - url_block
    side = min(68 * unit, available)
    modules, runs = dark_runs(content.url)
    module = side / modules
    left = (width - side) / 2
    bottom = y - 4 * unit - side
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.rect(left, bottom, side, side, stroke=0, fill=1)
    # One path for all modules: filled at once, neighbouring modules show no hairline seams.
    canvas.setFillColor(HexColor(brand))
    symbol = canvas.beginPath()
    for row, column, length in runs:
        symbol.rect(left + column * module, bottom + side - (row + 1) * module, length * module, module)
    canvas.drawPath(symbol, stroke=0, fill=1)
    url_y = bottom - 5 * unit
    _centred(canvas, content.url, url_y, width, inner, 3.6 * unit, bold=True, minimum=6)
    _centred(canvas, f"Code · 代码  {content.code}", url_y - 4.6 * unit, width, inner, 2.8 * unit, colour=MUTED)

    # Footer.
    canvas.setFillColor(HexColor(content.colour))
    canvas.rect(0, 0, width, 2 * unit, stroke=0, fill=1)
    _centred(canvas, "NeutralPoint", 5 * unit, width, inner, 2.6 * unit, colour=MUTED)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
