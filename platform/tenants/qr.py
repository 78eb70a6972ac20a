"""QR codes for entry points, in the venue's colour.

Error correction level Q (a quarter of the symbol may be damaged or covered, e.g. by a
sticker or a fold in a poster) and the standard four-module quiet zone. A brand colour too
light to scan against white is darkened, keeping its hue, until the contrast is enough.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import segno

from neutralpoint.web.colours import darkened_until

QUIET_ZONE = 4
MIN_CONTRAST = 4.0
SCALE_MIN = 1
SCALE_MAX = 40


def make_qr(url: str) -> segno.QRCode:
    return segno.make_qr(url, error="q", boost_error=False)


def scannable_colour(colour: str) -> str:
    """``colour`` itself when dark enough for a scanner against white, else a darker shade."""
    return darkened_until(colour, MIN_CONTRAST)


def qr_svg(url: str, colour: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    make_qr(url).save(
        out,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        dark=scannable_colour(colour),
        light="#ffffff",
        xmldecl=True,
        title=url,
    )
    return out.getvalue()


def qr_png(url: str, colour: str, scale: int = 10) -> bytes:
    out = io.BytesIO()
    make_qr(url).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark=scannable_colour(colour), light="#ffffff")
    return out.getvalue()


def dark_runs(url: str) -> tuple[int, Iterator[tuple[int, int, int]]]:
    """``(size in modules, (row, first column, length) of each horizontal run of dark modules)``,
    quiet zone included, for drawing the symbol as vectors (the poster)."""
    qr = make_qr(url)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=QUIET_ZONE)]

    def runs() -> Iterator[tuple[int, int, int]]:
        for y, row in enumerate(rows):
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    yield y, start, x - start
                else:
                    x += 1

    return len(rows), runs()


def qr_svg_markup(text: str, scale: int = 4) -> str:
    """The QR code of ``text`` as an ``<svg>`` element to put inside a page (black on white,
    no title: the text may be a secret that the page shows once, and no tooltip should repeat)."""
    return make_qr(text).svg_inline(
        scale=scale, border=QUIET_ZONE, dark="#000000", light="#ffffff", svgclass="qr", lineclass=None, omitsize=True
    )
