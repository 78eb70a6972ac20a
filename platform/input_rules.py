"""The rules every domain applies to what people type: one pattern and one limit per kind of value.

An e-mail address, a slug, a name, a web address or a bilingual text is checked by the same
rule wherever it is typed (a venue's sign-up, a project owner's contact, a buyer's receipt
address), so the same thing is accepted or refused alike everywhere. Each rule takes one
value and returns it cleaned, or raises ``FieldValidationError``; ``Collector.field`` files
the problem under the field's name (``neutralpoint.refusals``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

import msgspec

from neutralpoint.languages import LANGUAGES
from neutralpoint.refusals import FieldError, FieldValidationError, problem

#: RFC 5321's longest forward path, and the width of every e-mail column.
EMAIL_MAX = 254
#: A person's, a venue's, an entry point's or a project owner's name.
NAME_MAX = 120
#: A line of text (a contact's name, a region, a registry id) and a longer note.
LINE_MAX = 200
NOTE_MAX = 5000
#: A web address (a registry page, a retirement record).
URL_MAX = 500
#: An address segment (``/v/<slug>``, ``/projects/<slug>``).
SLUG_MIN = 3
SLUG_MAX = 40

#: The same limits for an API's request schema: msgspec refuses a longer value before the
#: route runs, and ``neutralpoint.web.api_errors`` answers it with the rule's own code
#: (``too_long``, ``too_small``, …) under the field's name. The services still apply the rules.
Email = Annotated[str, msgspec.Meta(max_length=EMAIL_MAX, description="An e-mail address")]
Name = Annotated[str, msgspec.Meta(max_length=NAME_MAX)]
Line = Annotated[str, msgspec.Meta(max_length=LINE_MAX)]
Note = Annotated[str, msgspec.Meta(max_length=NOTE_MAX)]
Url = Annotated[str, msgspec.Meta(max_length=URL_MAX)]
Grams = Annotated[int, msgspec.Meta(ge=1, description="Grams CO2e, a whole number")]
MinorUnits = Annotated[int, msgspec.Meta(ge=0, description="Money in the currency's minor unit")]
BasisPoints = Annotated[int, msgspec.Meta(ge=0, le=10_000, description="Hundredths of a percent")]

#: The local part takes no control character (a NUL, a line break): none is a mail address's.
EMAIL_PATTERN = re.compile(
    r"^[^@\s<>()\[\],;:\"\x00-\x1f\x7f]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
SLUG_PATTERN = re.compile(rf"^[a-z0-9](?:[a-z0-9-]{{{SLUG_MIN - 2},{SLUG_MAX - 2}}})[a-z0-9]$")
URL_PATTERN = re.compile(r"^https?://[^\s/]+\.\S+$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
#: One label of a host name: letters, digits and inner hyphens. ``fullmatch`` only: ``$`` would
#: let a label end in a newline.
HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
#: RFC 1035's limits: 63 characters a label, 253 the whole name (without the final dot).
HOST_LABEL_MAX = 63
HOST_MAX = 253

REQUIRED = FieldError("required")
UNKNOWN_CHOICE = FieldError("unknown_choice")
EMAIL_INVALID = problem(
    "email_invalid",
    "Enter an e-mail address such as name@example.org.",
    "请输入有效的电子邮箱地址，例如 name@example.org。",
)
SLUG_FORMAT = problem(
    "slug_format",
    f"Use {SLUG_MIN} to {SLUG_MAX} lower-case letters, digits or hyphens, starting and ending with a letter or digit.",
    f"请使用 {SLUG_MIN} 到 {SLUG_MAX} 个小写字母、数字或连字符，并以字母或数字开头和结尾。",
)
URL_INVALID = problem("url_invalid", "Enter a web address starting with https://.", "请输入以 https:// 开头的网址。")
COLOUR_INVALID = problem(
    "colour_invalid", "Enter a colour as #rrggbb, for example #0f766e.", "请以 #rrggbb 格式输入颜色，例如 #0f766e。"
)
HOST_INVALID = problem(
    "host_invalid",
    "Enter a host name such as co2.example.com, without http:// or a path.",
    "请输入主机名，例如 co2.example.com，不要包含 http:// 或路径。",
)
HOST_TOO_LONG = problem(
    "host_too_long",
    f"A host name has at most {HOST_MAX} characters.",
    f"主机名最多 {HOST_MAX} 个字符。",
)
HOST_LABEL_TOO_LONG = problem(
    "host_label_too_long",
    f"Each part of a host name between dots has at most {HOST_LABEL_MAX} characters.",
    f"主机名中以点分隔的每一部分最多 {HOST_LABEL_MAX} 个字符。",
)
DATE_INVALID = problem("date_invalid", "Enter a date as YYYY-MM-DD.", "请以 YYYY-MM-DD 格式输入日期。")


def too_long(max_length: int) -> FieldError:
    return FieldError("too_long", {"max_length": max_length})


def refused(error: FieldError) -> FieldValidationError:
    """The exception a rule raises (``raise refused(EMAIL_INVALID)``)."""
    return FieldValidationError(error)


def text_value(raw: Mapping[str, Any], name: str) -> str:
    """The stripped text a form or a JSON body sent for ``name`` (the first of a repeated field)."""
    value = raw.get(name)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip()


def text(value: Any, *, required: bool = False, max_length: int = LINE_MAX) -> str:
    """One line or paragraph of text, stripped; ``""`` when empty and not required."""
    cleaned = "" if value is None else str(value).strip()
    if required and not cleaned:
        raise refused(REQUIRED)
    if len(cleaned) > max_length:
        raise refused(too_long(max_length))
    return cleaned


def email(value: Any, *, required: bool = True) -> str:
    """An e-mail address, in small letters (addresses are compared that way)."""
    cleaned = text(value, required=required, max_length=EMAIL_MAX).lower()
    if cleaned and not EMAIL_PATTERN.match(cleaned):
        raise refused(EMAIL_INVALID)
    return cleaned


def slug(value: Any) -> str:
    """The segment of an address that names a venue or a project, in small letters."""
    cleaned = text(value, required=True, max_length=10 * SLUG_MAX).lower()
    if not SLUG_PATTERN.match(cleaned):
        raise refused(SLUG_FORMAT)
    return cleaned


def url(value: Any, *, required: bool = False) -> str:
    """A web address of a page anyone may open (``http`` or ``https``), or ``""``."""
    cleaned = text(value, required=required, max_length=URL_MAX)
    if cleaned and not URL_PATTERN.match(cleaned):
        raise refused(URL_INVALID)
    return cleaned


def colour(value: Any) -> str:
    """A brand colour as ``#rrggbb``, in small letters."""
    cleaned = text(value, required=True, max_length=LINE_MAX)
    if not COLOUR_PATTERN.match(cleaned):
        raise refused(COLOUR_INVALID)
    return cleaned.lower()


def choice(value: Any, allowed: tuple[str, ...] | list[str] | frozenset[str]) -> str:
    cleaned = text(value, required=True)
    if cleaned not in allowed:
        raise refused(UNKNOWN_CHOICE)
    return cleaned


def hostname(value: Any) -> str | None:
    """A bare host name (``co2.example.com``): no scheme, port, path, IP address, wildcard or
    character outside letters, digits, hyphens and dots (a newline or a space inside refuses it)."""
    cleaned = ("" if value is None else str(value)).strip().lower()
    if cleaned.endswith("."):
        cleaned = cleaned[:-1]
    if not cleaned:
        return None
    if len(cleaned) > HOST_MAX:
        raise refused(HOST_TOO_LONG)
    labels = cleaned.split(".")
    if any(len(label) > HOST_LABEL_MAX for label in labels):
        raise refused(HOST_LABEL_TOO_LONG)
    valid = (
        len(labels) >= 2
        and all(label.isascii() and HOST_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
        and not any(label[2:4] == "--" and not label.startswith("xn--") for label in labels)
    )
    if not valid:
        raise refused(HOST_INVALID)
    return cleaned


def optional_date(value: Any) -> date | None:
    """A date as ``YYYY-MM-DD`` (or a ``date`` already), ``None`` when empty."""
    if isinstance(value, date):
        return value
    cleaned = "" if value is None else str(value).strip()
    if not cleaned:
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise refused(DATE_INVALID) from None


def whole_number(value: Any, *, minimum: int, maximum: int | None = None) -> int:
    """An integer a JSON body sent as one (not a string, not ``true``), within its bounds."""
    if type(value) is not int:
        raise refused(FieldError("not_an_integer"))
    if value < minimum:
        raise refused(FieldError("too_small", {"min": minimum, "unit": ""}))
    if maximum is not None and value > maximum:
        raise refused(FieldError("too_large", {"max": maximum, "unit": ""}))
    return value


def texts(value: Any, *, required: bool, max_length: int) -> dict[str, str]:
    """A text in English (required when ``required``) and Simplified Chinese, by language."""
    if value is None:
        value = {}
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, Mapping):
        raise refused(problem("texts_expected", "Give the text in English and Chinese.", "请提供英文和中文文本。"))
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise refused(
            problem(
                "unknown_language",
                "Only en and zh-Hans are supported, not {languages}.",
                "仅支持 en 和 zh-Hans，不支持 {languages}。",
                languages=", ".join(unknown),
            )
        )
    cleaned = {lang: str(value.get(lang) or "").strip() for lang in LANGUAGES}
    if required and not cleaned["en"]:
        raise refused(problem("english_required", "Give at least the English text.", "请至少填写英文。"))
    for lang, written in cleaned.items():
        if len(written) > max_length:
            raise refused(
                problem(
                    "too_long",
                    "Use at most {max_length} characters ({language}).",
                    "最多 {max_length} 个字符（{language}）。",
                    max_length=max_length,
                    language={"en": "English", "zh-Hans": "英文"}
                    if lang == "en"
                    else {"en": "Chinese", "zh-Hans": "中文"},
                )
            )
    return {lang: written for lang, written in cleaned.items() if written}


def flag(raw: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A checkbox or a JSON boolean; an absent key keeps ``default``."""
    if name not in raw:
        return default
    value = raw[name]
    if isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return str(value).strip().lower() in ("1", "true", "on", "yes")
