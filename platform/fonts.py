"""The typefaces every document we draw carries with it, so it reads the same everywhere.

PDFs (posters, certificates) embed a subset of Noto Sans SC or Noto Serif SC (SIL Open
Font License, from the ``pylopdf-fonts-zh-cn`` package) holding exactly the characters
they show, Latin and Chinese alike: a reader without Chinese fonts, or without the
viewer-supplied STSong-Light that PDFs once relied on, still sees every character. The
fonts ship as OpenType with PostScript outlines, which reportlab does not embed, so the
subset is converted to TrueType outlines first (fontTools' cu2qu). PNGs draw from the
same files through Pillow.

reportlab keeps fonts in a registry of its own, by name, and keeps the first font
registered under a name for good. So each face is registered once under a fixed name,
and a document is drawn inside ``pdf_fonts``, which makes the document's subset that
font's face while holding a lock: two documents drawn at once in two threads never see
each other's glyphs, and the registry holds two fonts however many documents are drawn.
"""

from __future__ import annotations

import io
import string
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import pylopdf_fonts_zh_cn
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont
from reportlab.pdfbase.ttfonts import TTFontFace
from reportlab.pdfgen.canvas import Canvas

#: Characters every subset holds besides the document's own, so a later ellipsis or
#: separator added while fitting a line is always there.
BASE_CHARACTERS = string.printable.strip() + " …·–—×“”‘’"
#: Characters the faces lack, drawn as their nearest plain form ("CO₂e" as "CO2e").
PLAIN_FORMS = str.maketrans({"₂": "2", "₃": "3", "⁺": "+", "⁻": "-"})
#: How far a cubic curve may move when made quadratic, in font units (of 1000 per em).
CURVE_TOLERANCE = 1.0
_REGISTRY_LOCK = threading.Lock()


class Face(StrEnum):
    SANS = "sans"
    SERIF = "serif"


def drawable(text: str) -> str:
    """``text`` as the faces can draw it."""
    return text.translate(PLAIN_FORMS)


def font_file(face: Face) -> Path:
    """The OpenType file of ``face`` (Noto Sans SC or Noto Serif SC, regular weight)."""
    return pylopdf_fonts_zh_cn.serif_path() if face == Face.SERIF else pylopdf_fonts_zh_cn.sans_path()


def pdf_name(face: Face) -> str:
    """The name a document drawn inside ``pdf_fonts`` sets its text in."""
    return f"NeutralPoint{face.value.title()}"


def pdf_canvas(out: io.BytesIO, pagesize: tuple[float, float]) -> Canvas:
    """A reproducible canvas whose initial font is the embedded sans (reportlab's default,
    Helvetica, would be named in the file without being embedded)."""
    return Canvas(out, pagesize=pagesize, invariant=1, pageCompression=1, initialFontName=pdf_name(Face.SANS))


def _to_truetype(font: TTFont) -> None:
    """Replace the PostScript (CFF) outlines of ``font`` with TrueType ones, in place."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, CURVE_TOLERANCE, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    for table in ("VORG", "vhea", "vmtx"):
        if table in font:
            del font[table]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\000\001\000\000"


def truetype_subset(face: Face, text: str) -> bytes:
    """A TrueType font holding the glyphs of ``text`` (and ``BASE_CHARACTERS``) from ``face``."""
    return _subset_of_characters(face, "".join(sorted(set(drawable(text) + BASE_CHARACTERS))))


@lru_cache(maxsize=64)
def _subset_of_characters(face: Face, characters: str) -> bytes:
    """The subset of exactly ``characters``: a third of a second of CPU each, and the same
    bytes every time, so documents showing the same characters (every poster of a venue,
    every certificate in Latin letters) share one."""
    font = TTFont(str(font_file(face)), recalcTimestamp=False)  # the same text gives the same bytes
    options = subset.Options()
    options.layout_features = []  # characters are drawn one by one: no shaping tables to keep
    options.hinting = False
    options.notdef_outline = True
    options.desubroutinize = True
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG", "STAT"]
    # Dropped before subsetting, which would otherwise read the large layout tables first.
    for tag in options.drop_tables:
        if tag in font:
            del font[tag]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    _to_truetype(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Texts:
    """Everything a document will show, by face (what its font subsets must hold)."""

    sans: str = ""
    serif: str = ""

    @classmethod
    def of(cls, sans: Iterable[str], serif: Iterable[str] = ()) -> Texts:
        return cls("".join(sans), "".join(serif))


@contextmanager
def pdf_fonts(texts: Texts) -> Iterator[None]:
    """Register this document's subsets as ``pdf_name(face)``; draw and save it inside."""
    subsets = {Face.SANS: truetype_subset(Face.SANS, texts.sans)}
    if texts.serif:
        subsets[Face.SERIF] = truetype_subset(Face.SERIF, texts.serif)
    with _REGISTRY_LOCK:
        for face, data in subsets.items():
            _set_face(pdf_name(face), data)
        yield


def _set_face(name: str, data: bytes) -> None:
    """The font registered as ``name`` draws with the TrueType font ``data`` from now on."""
    if name in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.getFont(name).face = TTFontFace(io.BytesIO(data))
    else:
        # Not shaped: characters are drawn one by one, and a shaper would keep the first face.
        pdfmetrics.registerFont(ReportlabTTFont(name, io.BytesIO(data), shapable=False))


def draw_string(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    size: float,
    *,
    face: Face = Face.SANS,
    bold: bool = False,
) -> None:
    """Draw ``text`` at ``(x, y)`` in the fill colour; ``bold`` strokes the outline too (the
    embedded faces have one weight)."""
    line = canvas.beginText(x, y)
    line.setFont(pdf_name(face), size)
    if bold:
        canvas.saveState()
        canvas.setLineWidth(size * 0.035)
        canvas.setLineJoin(1)
        line.setTextRenderMode(2)
    line.textOut(drawable(text))
    canvas.drawText(line)
    if bold:
        canvas.restoreState()


def string_width(text: str, size: float, face: Face = Face.SANS) -> float:
    return float(pdfmetrics.stringWidth(drawable(text), pdf_name(face), size))


def image_font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    """``face`` at ``size`` pixels for drawing on a PNG with Pillow."""
    return ImageFont.truetype(str(font_file(face)), size)
