"""Checks the credits services share on the fields of their forms and API bodies.

Each check raises ``CreditsInputError`` for one field; ``Problems`` collects one message
per field, so a form shows every problem at once and nothing is written before all passed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from neutralpoint.credits.errors import CreditsInputError, Message
from neutralpoint.credits.schemas import EvidenceFile
from neutralpoint.database.base import utcnow

LANGUAGES = ("en", "zh-Hans")
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


class Problems:
    """Collects one message per field, so a form shows every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def run(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except CreditsInputError as exc:
            for field, message in exc.errors.items():
                self.add(field, message)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise CreditsInputError.many(self.errors)


def now_or_given(now: datetime | None) -> datetime:
    return utcnow() if now is None else now


def checked_text(value: Any, field: str, *, required: bool = False, max_length: int = 200) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise CreditsInputError(field, "This is required.")
    if len(text) > max_length:
        raise CreditsInputError(field, Message("Use at most %(max)s characters.", max=max_length))
    return text


def checked_whole(value: Any, field: str, *, minimum: int, maximum: int | None = None, what: Message) -> int:
    if type(value) is not int:
        raise CreditsInputError(field, Message("%(what)s must be a whole number.", what=what))
    if value < minimum:
        raise CreditsInputError(
            field,
            Message("%(what)s must be at least %(minimum)s.", what=what, minimum=minimum)
            if minimum != 1
            else Message("%(what)s must be more than zero.", what=what),
        )
    if maximum is not None and value > maximum:
        raise CreditsInputError(field, Message("%(what)s must be at most %(maximum)s.", what=what, maximum=maximum))
    return value


def checked_texts(value: Any, field: str, *, required: bool, max_length: int) -> dict[str, str]:
    """Text in English (required when ``required``) and Simplified Chinese."""
    if value is None:
        value = {}
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, Mapping):
        raise CreditsInputError(field, "Give the text in English and Chinese.")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise CreditsInputError(
            field, Message("Only en and zh-Hans are supported, not %(languages)s.", languages=", ".join(unknown))
        )
    cleaned = {lang: str(value.get(lang) or "").strip() for lang in LANGUAGES}
    if required and not cleaned["en"]:
        raise CreditsInputError(field, "Give at least the English text.")
    for lang, text in cleaned.items():
        if len(text) > max_length:
            raise CreditsInputError(
                field,
                Message(
                    "Use at most %(max)s characters (%(language)s).",
                    max=max_length,
                    language=Message("English") if lang == "en" else Message("Chinese"),
                ),
            )
    return {lang: text for lang, text in cleaned.items() if text}


def checked_url(value: Any, field: str) -> str:
    text = checked_text(value, field, max_length=500)
    if text and not re.match(r"^https?://[^\s/]+\.[^\s]+$", text):
        raise CreditsInputError(field, "Enter a web address starting with https://.")
    return text


def checked_evidence(
    value: EvidenceFile | None, field: str, max_bytes: int = MAX_EVIDENCE_BYTES
) -> EvidenceFile | None:
    if value is None:
        return None
    if not value.content:
        raise CreditsInputError(field, "The file is empty.")
    if len(value.content) > max_bytes:
        raise CreditsInputError(
            field, Message("The file is larger than %(megabytes)s MB.", megabytes=max_bytes // (1024 * 1024))
        )
    content_type = (value.content_type or "").strip().lower()
    if "/" not in content_type or len(content_type) > 100:
        raise CreditsInputError(field, "The file has no usable content type.")
    filename = (value.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "evidence"
    return EvidenceFile(content=value.content, content_type=content_type, filename=filename)
