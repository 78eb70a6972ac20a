"""What poppler says about a PDF's fonts and text: the checks a reader without Chinese fonts relies on."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdffonts") and shutil.which("pdftotext")), reason="needs poppler-utils"
)


@dataclass(frozen=True)
class PdfFont:
    name: str
    type: str
    embedded: bool
    subset: bool


def _with_file(pdf: bytes, *command: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [*command, str(path), *(["-"] if command[0] == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout


def pdf_fonts(pdf: bytes) -> list[PdfFont]:
    """``pdffonts``' table, read by its columns (as wide as the dashes under the header)."""
    lines = _with_file(pdf, "pdffonts").splitlines()
    widths = [len(dashes) for dashes in lines[1].split(" ")]
    fonts = []
    for line in lines[2:]:
        cells, start = [], 0
        for width in widths:
            cells.append(line[start : start + width].strip())
            start += width + 1
        fonts.append(PdfFont(cells[0], cells[1], cells[3] == "yes", cells[4] == "yes"))
    return fonts


def pdf_text(pdf: bytes, *, raw: bool = False) -> str:
    """The text poppler reads; ``raw`` in content-stream order, rotated text included."""
    return _with_file(pdf, "pdftotext", *(["-raw"] if raw else []))


def assert_every_font_is_an_embedded_subset(pdf: bytes) -> list[PdfFont]:
    fonts = pdf_fonts(pdf)
    assert fonts, "the PDF lists no font"
    for font in fonts:
        assert font.embedded, f"{font.name} is not embedded"
        assert font.subset, f"{font.name} is not a subset"
        assert "+" in font.name, font.name
        assert "STSong" not in font.name, font.name
    return fonts
