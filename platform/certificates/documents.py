"""A certificate drawn: the A4 landscape PDF, the 1200×630 share card and the 1080×1920 share
poster, in the venue's brand and the holder's language.

Everything here is a pure function of a ``CertificateDocument`` (no database, no clock),
so the rendering job, the tests and anyone else draw the same thing. Each carries the QR
code of the signed payload (``signing``), which opens the verify page and which anyone can
check offline; the PDF also states the payload in its metadata (``Keywords``), so that
``neutralpoint certificates verify`` reads it from the file and compares it with the QR code.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import segno
from babel.dates import format_date
from PIL import Image, ImageDraw
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from neutralpoint.certificates.reading import PAYLOAD_KEYWORD
from neutralpoint.fonts import Face, Texts, draw_string, drawable, image_font, pdf_canvas, pdf_fonts, string_width
from neutralpoint.web.colours import darkened_until, text_colour_on
from neutralpoint.web.formatting import BABEL_LOCALES, format_grams
from neutralpoint.web.i18n import gettext_functions

CARD_SIZE = (1200, 630)
POSTER_SIZE = (1080, 1920)
INK = "#1f2933"
MUTED = "#52606d"
PAPER = "#fbfaf6"
#: Pixels per QR module in the PDF's QR image: sharp when printed, small in the file.
PDF_QR_SCALE = 8
#: Serial pieces listed on the PDF before "and N more".
PIECES_SHOWN = 4


@dataclass(frozen=True)
class Piece:
    serial: str
    vintage_year: int
    grams: int


@dataclass(frozen=True)
class CertificateDocument:
    """What a certificate shows, already in the holder's language."""

    number: str
    language: str
    holder: str
    venue_name: str
    entry_point: str
    grams: int
    project_name: str
    project_registry_id: str
    pieces: tuple[Piece, ...]
    issued_on: date
    retired: bool
    void: bool
    key_id: str
    ledger_position: int | None
    ledger_hash: str
    qr_text: str
    """What the QR code holds: the verify address with the signed payload."""
    payload: str
    page_url: str
    """The certificate's public page, printed for those who type."""
    colour: str
    logo: bytes | None = None
    """A raster logo (PNG) or nothing."""
    test_mode: bool = False
    """Paid through a test provider (the sandbox, or Stripe's test keys): stamped as such."""

    @property
    def stamp(self) -> str | None:
        """Which stamp crosses the drawing: void first, then test mode; none for a valid one."""
        if self.void:
            return "void"
        return "test" if self.test_mode else None


def _translator(lang: str) -> Callable[..., str]:
    gettext: Callable[..., str] = gettext_functions(lang)["plain_gettext"]
    return gettext


@dataclass(frozen=True)
class Words:
    """Every sentence a rendering shows, in one language."""

    title: str
    certifies: str
    neutralized: str
    grams: str
    place: str
    project: str
    serials: str
    more: str
    retirement: str
    issued: str
    number: str
    scan: str
    signed: str
    void: str
    test: str
    share_line: str

    @classmethod
    def of(cls, document: CertificateDocument) -> Words:
        _ = _translator(document.language)
        place = document.venue_name + (f" · {document.entry_point}" if document.entry_point else "")
        hidden = max(0, len(document.pieces) - PIECES_SHOWN)
        ledger = (
            _(
                "ledger entry %(position)s, SHA-256 %(hash)s",
                position=document.ledger_position,
                hash=document.ledger_hash,
            )
            if document.ledger_position is not None
            else ""
        )
        return cls(
            title=_("Certificate of carbon neutralization"),
            certifies=_("This certifies that"),
            neutralized=_("neutralized"),
            grams=_("%(grams)s CO₂e", grams=format_grams(document.grams, document.language)),
            place=_("at %(place)s", place=place),
            project=_(
                "through %(project)s (%(registry)s)",
                project=document.project_name,
                registry=document.project_registry_id,
            ),
            serials=_("Serial numbers"),
            more=_("and %(count)s more", count=hidden) if hidden else "",
            retirement=_("retired at the registry")
            if document.retired
            else _("retirement pending: its tonne is retired once whole"),
            issued=_(
                "Issued %(date)s",
                date=format_date(document.issued_on, "long", locale=BABEL_LOCALES.get(document.language, "en")),
            ),
            number=_("Certificate %(number)s", number=document.number),
            scan=_("Scan to verify"),
            signed=" · ".join(filter(None, [_("Signed with Ed25519 key %(key)s", key=document.key_id), ledger])),
            void=_("VOID"),
            test=_("TEST MODE"),
            share_line=_("%(holder)s neutralized", holder=document.holder),
        )

    def all(self) -> list[str]:
        return [str(v) for v in self.__dict__.values()]


def _qr(text: str) -> segno.QRCode:
    return segno.make_qr(text, error="m", boost_error=False)


def qr_image(text: str, scale: int, colour: str = "#000000") -> Image.Image:
    """The QR code as a picture, quiet zone included, dark modules in ``colour``."""
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=scale, border=4, dark=colour, light="#ffffff")
    out.seek(0)
    image = Image.open(out)
    return image.convert("RGB")


def _qr_square(text: str, side: int, colour: str) -> Image.Image:
    """The QR code at the largest whole number of pixels per module that fits ``side``,
    centred on a white square of ``side`` (uneven modules scan badly)."""
    modules = int(_qr(text).symbol_size(scale=1, border=4)[0])
    qr = qr_image(text, max(1, side // modules), colour)
    square = Image.new("RGB", (side, side), (255, 255, 255))
    square.paste(qr, ((side - qr.width) // 2, (side - qr.height) // 2))
    return square


def _scannable(colour: str) -> str:
    return darkened_until(colour, 7.0)


# --- the PDF ----------------------------------------------------------------------------------


def _fit(text: str, size: float, width: float, face: Face, minimum: float) -> tuple[str, float]:
    while size > minimum and string_width(text, size, face) > width:
        size -= 0.5
    shown = text
    while len(text) > 1 and string_width(shown, size, face) > width:
        text = text[:-1]
        shown = text.rstrip() + "…"
    return shown, size


def _ink(canvas: Canvas, colour: str | Color) -> None:
    value = HexColor(colour) if isinstance(colour, str) else colour
    canvas.setFillColor(value)
    canvas.setStrokeColor(value)


def _line(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    size: float,
    width: float,
    *,
    face: Face = Face.SANS,
    colour: str = INK,
    bold: bool = False,
    centred: bool = False,
    minimum: float = 6,
) -> float:
    """One line fitted to ``width`` (shrunk, then cut); returns the size used."""
    shown, used = _fit(text, size, width, face, minimum)
    _ink(canvas, colour)
    left = x + (width - string_width(shown, used, face)) / 2 if centred else x
    draw_string(canvas, shown, left, y, used, face=face, bold=bold)
    return used


def _pdf_texts(document: CertificateDocument, words: Words) -> Texts:
    pieces = [f"{p.serial} {p.vintage_year} {format_grams(p.grams, document.language)}" for p in document.pieces]
    return Texts.of(
        sans=[*words.all(), document.venue_name, document.entry_point, document.page_url, "NeutralPoint", *pieces],
        serif=[words.title, document.holder, words.grams, words.void, words.test],
    )


def render_pdf(document: CertificateDocument) -> bytes:
    """The certificate on one A4 landscape page, every glyph from an embedded font subset."""
    words = Words.of(document)
    with pdf_fonts(_pdf_texts(document, words)):
        return _render_pdf(document, words)


def _render_pdf(document: CertificateDocument, words: Words) -> bytes:
    width, height = landscape(A4)
    brand = document.colour
    ink = _scannable(brand)
    buffer = io.BytesIO()
    canvas = pdf_canvas(buffer, (width, height))
    canvas.setTitle(f"{words.title} {document.number}")
    canvas.setAuthor(document.venue_name)
    canvas.setCreator("NeutralPoint")
    canvas.setSubject(document.qr_text)
    canvas.setKeywords(PAYLOAD_KEYWORD + document.payload)

    # Paper and frame: a band of the brand colour, a hairline inside it.
    canvas.setFillColor(HexColor(PAPER))
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    _ink(canvas, brand)
    canvas.setLineWidth(9)
    canvas.rect(20, 20, width - 40, height - 40, stroke=1, fill=0)
    canvas.setLineWidth(0.8)
    canvas.rect(33, 33, width - 66, height - 66, stroke=1, fill=0)
    left, right = 60.0, width - 60.0
    inner = right - left

    # The venue: its logo and name, top left; the number and date, top right.
    top = height - 78
    name_x = left
    if document.logo:
        logo = ImageReader(io.BytesIO(document.logo))
        logo_w, logo_h = logo.getSize()
        box = 46.0
        scale = min(box / logo_w, box / logo_h)
        canvas.drawImage(logo, left, top - box + 14, logo_w * scale, logo_h * scale, mask="auto")
        name_x = left + box + 12
    _line(canvas, document.venue_name, name_x, top, 16, inner / 2 - (name_x - left), colour=ink, bold=True)
    if document.entry_point:
        _line(canvas, document.entry_point, name_x, top - 18, 11, inner / 2 - (name_x - left), colour=MUTED)
    number_width = string_width(words.number, 10)
    _ink(canvas, MUTED)
    draw_string(canvas, words.number, right - number_width, top + 4, 10)
    draw_string(canvas, words.issued, right - string_width(words.issued, 10), top - 10, 10)

    # The statement, centred.
    y = height - 168
    _line(canvas, words.title, left, y, 30, inner, face=Face.SERIF, colour=ink, bold=True, centred=True)
    y -= 40
    _line(canvas, words.certifies, left, y, 13, inner, colour=MUTED, centred=True)
    y -= 44
    _line(canvas, document.holder, left + 80, y, 34, inner - 160, face=Face.SERIF, centred=True, minimum=14)
    _ink(canvas, brand)
    canvas.setLineWidth(0.8)
    canvas.line(width / 2 - 170, y - 12, width / 2 + 170, y - 12)
    y -= 40
    _line(canvas, words.neutralized, left, y, 13, inner, colour=MUTED, centred=True)
    y -= 38
    _line(canvas, words.grams, left, y, 30, inner, face=Face.SERIF, colour=ink, bold=True, centred=True)
    y -= 28
    _line(canvas, words.place, left + 60, y, 13, inner - 120, centred=True)
    y -= 19
    _line(canvas, words.project, left + 60, y, 12, inner - 120, colour=MUTED, centred=True)

    # Bottom left: the serial pieces and their retirement; the signature.
    qr_side = 118.0
    column = inner - qr_side - 40
    y = 150
    _line(canvas, words.serials, left, y, 10, column, colour=ink, bold=True)
    for piece in document.pieces[:PIECES_SHOWN]:
        y -= 13
        text = f"{piece.serial}  ·  {piece.vintage_year}  ·  {format_grams(piece.grams, document.language)}"
        _line(canvas, text, left, y, 8.5, column)
    if words.more:
        y -= 13
        _line(canvas, words.more, left, y, 8.5, column, colour=MUTED)
    y -= 15
    _line(canvas, words.retirement, left, y, 8.5, column, colour=MUTED)
    _line(canvas, words.signed, left, 56, 6.5, column, colour=MUTED, minimum=4)

    # Bottom right: the QR code of the signed payload, and the address for those who type.
    qr = qr_image(document.qr_text, PDF_QR_SCALE, _scannable(brand))
    qr_x, qr_y = right - qr_side, 68.0
    canvas.drawImage(ImageReader(qr), qr_x, qr_y, qr_side, qr_side)
    _line(canvas, words.scan, qr_x - 30, qr_y - 9, 8.5, qr_side + 30, colour=ink, bold=True, centred=True)
    _line(canvas, document.page_url, qr_x - 110, qr_y - 20, 6.5, qr_side + 110, colour=MUTED, centred=True, minimum=4)

    if document.stamp:
        stamp = words.void if document.stamp == "void" else words.test
        canvas.saveState()
        canvas.translate(width / 2, height / 2)
        canvas.rotate(24)
        canvas.setFillColor(Color(0.75, 0.1, 0.1, alpha=0.35))
        canvas.setStrokeColor(Color(0.75, 0.1, 0.1, alpha=0.35))
        size = 120.0 if document.stamp == "void" else 90.0
        draw_string(canvas, stamp, -string_width(stamp, size, Face.SERIF) / 2, -40, size, face=Face.SERIF, bold=True)
        canvas.restoreState()

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- the share images -------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _fitted(
    draw: ImageDraw.ImageDraw, text: str, face: Face, size: int, width: int, minimum: int = 14
) -> tuple[str, int]:
    """The size at which ``text`` fits ``width`` (widths grow with the size), cut below ``minimum``."""
    text = drawable(text)
    length = draw.textlength(text, font=image_font(face, size))
    if length > width:
        size = max(minimum, int(size * width / length))
    font = image_font(face, size)
    shown = text
    while len(text) > 1 and draw.textlength(shown, font=font) > width:
        text = text[:-1]
        shown = text.rstrip() + "…"
    return shown, size


def _text(
    draw: ImageDraw.ImageDraw,
    text: str,
    xy: tuple[int, int],
    size: int,
    width: int,
    colour: str,
    *,
    face: Face = Face.SANS,
    bold: bool = False,
    centred: bool = False,
    minimum: int = 14,
) -> int:
    """Draw one fitted line with its top at ``xy``; return the height it took."""
    shown, used = _fitted(draw, text, face, size, width, minimum)
    font = image_font(face, used)
    x, y = xy
    if centred:
        x += int((width - draw.textlength(shown, font=font)) / 2)
    stroke = max(1, used // 28) if bold else 0
    draw.text((x, y), shown, font=font, fill=_rgb(colour), stroke_width=stroke, stroke_fill=_rgb(colour))
    return int(used * 1.3)


def _logo(logo: bytes | None, box: int) -> Image.Image | None:
    if not logo:
        return None
    try:
        opened = Image.open(io.BytesIO(logo))
        opened.load()
    except (OSError, ValueError):
        return None
    image = opened.convert("RGBA")
    image.thumbnail((box, box))
    return image


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _stamp(image: Image.Image, document: CertificateDocument, words: Words) -> None:
    if not document.stamp:
        return
    if document.stamp == "test":
        # A band along the top edge: plain to read, and clear of the QR code, which must scan.
        band = max(40, image.width // 25)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, image.width, band), fill=(190, 25, 25, 255))
        font = image_font(Face.SANS, band * 3 // 5)
        length = draw.textlength(drawable(words.test), font=font)
        draw.text(((image.width - length) / 2, band * 4 // 5), words.test, font=font, fill="#ffffff", anchor="ls")
        return
    text = words.void
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = image.width // 5
    font = image_font(Face.SERIF, size)
    length = draw.textlength(drawable(text), font=font)
    draw.text(((image.width - length) / 2, (image.height - size) / 2), text, font=font, fill=(190, 25, 25, 110))
    image.alpha_composite(layer.rotate(20, center=(image.width / 2, image.height / 2)))


def render_share_card(document: CertificateDocument) -> bytes:
    """1200×630 (the size link previews use): the statement on the brand colour, the QR code
    on white beside it."""
    words = Words.of(document)
    width, height = CARD_SIZE
    image = Image.new("RGBA", CARD_SIZE, (*_rgb(document.colour), 255))
    draw = ImageDraw.Draw(image)
    on_brand = text_colour_on(document.colour)
    panel = 400
    draw.rectangle((width - panel, 0, width, height), fill=(255, 255, 255, 255))
    column = width - panel - 120
    x, y = 60, 52
    logo = _logo(document.logo, 72)
    if logo is not None:
        draw.rounded_rectangle((x - 8, y - 8, x + logo.width + 8, y + logo.height + 8), 12, fill=(255, 255, 255, 255))
        image.alpha_composite(logo, (x, y))
        _text(
            draw, document.venue_name, (x + logo.width + 28, y + 14), 34, column - logo.width - 28, on_brand, bold=True
        )
        y += max(logo.height, 60) + 40
    else:
        y += _text(draw, document.venue_name, (x, y), 36, column, on_brand, bold=True) + 30
    y += _text(draw, words.share_line, (x, y), 34, column, on_brand)
    y += _text(draw, words.grams, (x, y), 84, column, on_brand, face=Face.SERIF, bold=True, minimum=40) + 6
    if document.entry_point:
        y += _text(draw, document.entry_point, (x, y), 30, column, on_brand)
    y += _text(draw, document.project_name, (x, y), 26, column, on_brand)
    _text(draw, words.number, (x, height - 70), 24, column, on_brand)

    side = panel - 70
    qr = _qr_square(document.qr_text, side, _scannable(document.colour))
    qx = width - panel + 35
    image.paste(qr, (qx, 70))
    _text(draw, words.scan, (width - panel, 70 + side + 24), 30, panel, INK, bold=True, centred=True)
    _text(draw, words.title, (width - panel + 20, 70 + side + 72), 22, panel - 40, MUTED, centred=True)
    _stamp(image, document, words)
    return _png(image.convert("RGB"))


def render_share_poster(document: CertificateDocument) -> bytes:
    """1080×1920 (a phone screen, as shared to WeChat Moments or a story): the brand band,
    the statement, and a large QR code to scan from another phone."""
    words = Words.of(document)
    width, height = POSTER_SIZE
    image = Image.new("RGBA", POSTER_SIZE, (*_rgb(PAPER), 255))
    draw = ImageDraw.Draw(image)
    brand = (*_rgb(document.colour), 255)
    on_brand = text_colour_on(document.colour)
    ink = _scannable(document.colour)
    band = 300
    draw.rectangle((0, 0, width, band), fill=brand)
    draw.rectangle((0, height - 36, width, height), fill=brand)
    margin = 80
    inner = width - 2 * margin
    logo = _logo(document.logo, 120)
    y = 90
    if logo is not None:
        lx = (width - logo.width) // 2
        draw.rounded_rectangle(
            (lx - 12, 40, lx + logo.width + 12, 40 + logo.height + 24), 16, fill=(255, 255, 255, 255)
        )
        image.alpha_composite(logo, (lx, 52))
        y = 52 + logo.height + 30
    _text(draw, document.venue_name, (margin, y), 58, inner, on_brand, bold=True, centred=True)
    y = band + 80
    y += _text(draw, words.title, (margin, y), 58, inner, ink, face=Face.SERIF, bold=True, centred=True) + 30
    y += _text(draw, words.certifies, (margin, y), 36, inner, MUTED, centred=True)
    y += _text(draw, document.holder, (margin, y), 76, inner, INK, face=Face.SERIF, centred=True, minimum=32) + 10
    y += _text(draw, words.neutralized, (margin, y), 36, inner, MUTED, centred=True)
    y += _text(draw, words.grams, (margin, y), 104, inner, ink, face=Face.SERIF, bold=True, centred=True, minimum=48)
    y += 10
    if document.entry_point:
        y += _text(draw, document.entry_point, (margin, y), 36, inner, INK, centred=True)
    y += _text(draw, document.project_name, (margin, y), 32, inner, MUTED, centred=True)

    side = 560
    qr = _qr_square(document.qr_text, side, _scannable(document.colour))
    qy = height - 36 - 120 - 60 - side
    image.paste(qr, ((width - side) // 2, qy))
    _text(draw, words.scan, (margin, qy + side + 24), 40, inner, INK, bold=True, centred=True)
    _text(draw, words.number, (margin, qy + side + 84), 30, inner, MUTED, centred=True)
    _stamp(image, document, words)
    return _png(image.convert("RGB"))
