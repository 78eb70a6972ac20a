"""Printable posters for entry points (A4 or A5, portrait), drawn with reportlab.

The QR code is drawn as vector rectangles so it stays sharp at any print size. Every
character, Latin or Chinese, is set in a subset of Noto Sans SC embedded in the file
(``neutralpoint.fonts``), so the poster prints the same where no Chinese font is
installed. Output is deterministic (``invariant``): the same venue and
entry point give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from neutralpoint.fonts import Texts, draw_string, pdf_canvas, pdf_fonts, string_width
from neutralpoint.tenants.qr import dark_runs, scannable_colour
from neutralpoint.web.colours import text_colour_on

PAGE_SIZES = {"A4": A4, "A5": A5}
INK = "#1f2933"
MUTED = "#52606d"
CALL_TO_ACTION = {
    "en": "Scan to measure and neutralize your footprint",
    "zh-Hans": "扫码计算并抵消您的碳足迹",
}
CODE_LABEL = "Code · 代码  "


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


def _fit(text: str, size: float, width: float, minimum: float) -> tuple[str, float]:
    """Shrink ``size`` until ``text`` fits ``width``; below ``minimum``, cut it with an ellipsis."""
    while size > minimum and string_width(text, size) > width:
        size -= 0.5
    shown = text
    while len(text) > 1 and string_width(shown, size) > width:
        text = text[:-1]
        shown = text.rstrip() + "…"
    return shown, size


def _ink(canvas: Canvas, colour: str) -> None:
    canvas.setFillColor(HexColor(colour))
    canvas.setStrokeColor(HexColor(colour))


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
    shown, used = _fit(text, size, width, minimum)
    _ink(canvas, colour)
    draw_string(canvas, shown, (page_width - string_width(shown, used)) / 2, y, used, bold=bold)
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


def _texts(content: PosterContent) -> Texts:
    return Texts.of(
        [
            content.venue_name,
            content.entry_name,
            _event_line(content) or "",
            *CALL_TO_ACTION.values(),
            content.url,
            f"{CODE_LABEL}{content.code}",
            "NeutralPoint",
        ]
    )


def render_poster(content: PosterContent, size: str = "A4") -> bytes:
    with pdf_fonts(_texts(content)):
        return _render(content, size)


def _render(content: PosterContent, size: str) -> bytes:
    width, height = PAGE_SIZES[size]
    unit = width / 100  # everything scales with the page, so A5 is A4 shrunk
    margin = 7 * unit
    inner = width - 2 * margin
    brand = scannable_colour(content.colour)
    on_band = text_colour_on(content.colour)

    buffer = io.BytesIO()
    canvas = pdf_canvas(buffer, (width, height))
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
    name, name_size = _fit(content.venue_name, 7 * unit, width - margin - name_left, 3 * unit)
    _ink(canvas, on_band)
    baseline = height - band / 2 - name_size * 0.35
    left = name_left if content.raster_logo else (width - string_width(name, name_size)) / 2
    draw_string(canvas, name, left, baseline, name_size, bold=True)

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
    _centred(canvas, f"{CODE_LABEL}{content.code}", url_y - 4.6 * unit, width, inner, 2.8 * unit, colour=MUTED)

    # Footer.
    canvas.setFillColor(HexColor(content.colour))
    canvas.rect(0, 0, width, 2 * unit, stroke=0, fill=1)
    _centred(canvas, "NeutralPoint", 5 * unit, width, inner, 2.6 * unit, colour=MUTED)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
