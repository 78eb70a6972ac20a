"""The embedded font subsets: only the characters a document shows, TrueType outlines, and
never another document's glyphs, even when two are drawn at once."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from fontTools.ttLib import TTFont

from neutralpoint.fonts import BASE_CHARACTERS, Face, truetype_subset
from neutralpoint.tenants.posters import PosterContent, render_poster
from tests.pdf_fonts import assert_every_font_is_an_embedded_subset, needs_poppler, pdf_text


def test_a_subset_holds_the_text_and_little_else() -> None:
    for face in Face:
        font = TTFont(io.BytesIO(truetype_subset(face, "青城山 Summit")))
        assert "glyf" in font
        assert "CFF " not in font
        mapped = set(font.getBestCmap())
        assert {ord(c) for c in "青城山Summit"} <= mapped
        assert ord("峨") not in mapped
        assert len(font.getGlyphOrder()) < len(set(BASE_CHARACTERS)) + 10
        assert font["glyf"][font.getBestCmap()[ord("青")]].numberOfContours > 0


def _poster(name: str) -> bytes:
    return render_poster(
        PosterContent(
            venue_name=name,
            colour="#8b1e3f",
            entry_name="正门 Main gate",
            url="https://np.example/v/shan/GATE1",
            code="GATE1",
        ),
        "A5",
    )


@needs_poppler
def test_posters_drawn_one_after_another_or_at_once_each_show_their_own_text() -> None:
    names = ["青城山景区", "峨眉山", "乐山大佛", "都江堰"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(pool.map(_poster, names))
    drawn.append(_poster(names[0]))
    for name, pdf in zip([*names, names[0]], drawn, strict=True):
        text = pdf_text(pdf)
        assert name in text, (name, text)
        assert "扫码计算并抵消您的碳足迹" in text
        assert "正门 Main gate" in text
        fonts = assert_every_font_is_an_embedded_subset(pdf)
        assert {font.name.split("+", 1)[1] for font in fonts} == {"NotoSansSC-Regular"}
    # The same poster drawn twice is the same file.
    assert drawn[0] == drawn[-1]
