"""A venue's brand colour, kept readable: its pages, QR codes and posters all put text on it
or put it on white, whatever colour the venue picked (WCAG 2 relative luminance)."""

from __future__ import annotations

#: WCAG AA for body text; the brand ink (links, outlined buttons) on white must reach it.
TEXT_CONTRAST = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


def darkened_until(colour: str, min_contrast: float) -> str:
    """``colour`` itself when it contrasts enough with white, else a darker shade of its hue."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    current = colour.lower()
    while contrast_with_white(current) < min_contrast:
        r, g, b = (int(v * 0.9) for v in (r, g, b))
        current = f"#{r:02x}{g:02x}{b:02x}"
    return current


def text_colour_on(colour: str) -> str:
    """White or near-black, whichever reads better on a background of ``colour``."""
    return "#ffffff" if contrast_with_white(colour) >= 3.0 else "#111827"


def brand_ink(colour: str) -> str:
    """The brand colour for text on white (links): darkened when too light to read."""
    return darkened_until(colour, TEXT_CONTRAST)
