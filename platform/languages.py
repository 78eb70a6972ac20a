"""The languages of the platform, and bilingual text: core, so that every layer shares them.

Every label a person reads carries ``en`` and ``zh-Hans``; ``text_for`` picks the reader's
language and falls back to English, so a page never shows a blank.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "zh-Hans")
DEFAULT_LANGUAGE = "en"

Text = Mapping[str, str]


def text_for(value: Text | None, lang: str) -> str:
    """Pick the reader's language, falling back to English, so a page never shows a blank."""
    if not value:
        return ""
    return value.get(lang) or value.get(DEFAULT_LANGUAGE) or next(iter(value.values()), "")
