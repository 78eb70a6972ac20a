"""Bilingual text for plugin-provided labels: every label carries ``en`` and ``zh-Hans``."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "zh-Hans")
DEFAULT_LANGUAGE = "en"

Text = Mapping[str, str]


def text_for(value: Text | None, lang: str) -> str:
    """Pick the visitor's language, falling back to English, so a page never shows a blank."""
    if not value:
        return ""
    return value.get(lang) or value.get(DEFAULT_LANGUAGE) or next(iter(value.values()), "")


def missing_languages(value: Text | None) -> list[str]:
    return [lang for lang in LANGUAGES if not (value or {}).get(lang, "").strip()]
