"""Checks on what people type into venue forms, each failing with a bilingual message.

Errors are the scenario forms' ``FieldError`` (a code and a message in every language),
collected per field into ``FormErrors`` so that a page shows each message beside its
field and the API answers ``{"errors": {field: {"code", "message"}}}``.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from datetime import date
from typing import Any

from neutralpoint.scenarios.forms import FieldError, FormErrors
from neutralpoint.tenants.hosts import PLATFORM_SEGMENTS
from neutralpoint.tenants.password_strength import is_guessable

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "about",
        "account",
        "admin",
        "api",
        "app",
        "assets",
        "auth",
        "certificate",
        "certificates",
        "dashboard",
        "demo",
        "docs",
        "health",
        "help",
        "invitations",
        "login",
        "logout",
        "new",
        "platform",
        "ready",
        "register",
        "schema",
        "settings",
        "signin",
        "signout",
        "signup",
        "static",
        "support",
        "v",
        "venue",
        "venues",
        "verify",
        "www",
    }
)
EMAIL_PATTERN = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# An entry point's code ends its address (/v/<slug>/<CODE>, or /<CODE> on a venue's own
# host, which maps 1 to 16 letters or digits) and is printed under the QR code. Codes are
# kept in capitals, as generated ones are (tokens.CODE_ALPHABET), and addresses are
# matched exactly, so a code typed in small letters is saved in capitals.
ENTRY_CODE_MIN = 3
ENTRY_CODE_MAX = 16
ENTRY_CODE_PATTERN = re.compile(rf"[A-Za-z0-9]{{{ENTRY_CODE_MIN},{ENTRY_CODE_MAX}}}")
PASSWORD_MIN = 10
PASSWORD_MAX = 256


def problem(code: str, en: str, zh: str) -> FieldError:
    """A field error with its message written out in both languages."""
    return FieldError(code, text={"en": en, "zh-Hans": zh})


REQUIRED = FieldError("required")
UNKNOWN_CHOICE = FieldError("unknown_choice")


def too_long(max_length: int) -> FieldError:
    return FieldError("too_long", {"max_length": max_length})


class Collector:
    """Gathers one error per field; ``raise_if_any`` stops before anything is written."""

    def __init__(self) -> None:
        self.errors: dict[str, FieldError] = {}

    def add(self, name: str, error: FieldError) -> None:
        self.errors.setdefault(name, error)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


def text_value(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip()


def required_text(errors: Collector, raw: Mapping[str, Any], name: str, max_length: int) -> str:
    value = text_value(raw, name)
    if not value:
        errors.add(name, REQUIRED)
    elif len(value) > max_length:
        errors.add(name, too_long(max_length))
    return value


def optional_text(errors: Collector, raw: Mapping[str, Any], name: str, max_length: int) -> str | None:
    value = text_value(raw, name)
    if len(value) > max_length:
        errors.add(name, too_long(max_length))
    return value or None


def slug(errors: Collector, raw: Mapping[str, Any], name: str = "slug") -> str:
    value = text_value(raw, name).lower()
    if not value:
        errors.add(name, REQUIRED)
    elif not SLUG_PATTERN.match(value):
        errors.add(
            name,
            problem(
                "slug_format",
                "Use 3 to 40 lower-case letters, digits or hyphens, starting and ending with a letter or digit.",
                "请使用 3 到 40 个小写字母、数字或连字符，并以字母或数字开头和结尾。",
            ),
        )
    elif value in RESERVED_SLUGS:
        errors.add(
            name, problem("slug_reserved", "This address is reserved; choose another.", "该地址为保留字，请另选一个。")
        )
    return value


SLUG_TAKEN = problem("slug_taken", "This address is already taken; choose another.", "该地址已被占用，请另选一个。")


def email(errors: Collector, raw: Mapping[str, Any], name: str = "email") -> str:
    value = text_value(raw, name).lower()
    if not value:
        errors.add(name, REQUIRED)
    elif len(value) > 254:
        errors.add(name, too_long(254))
    elif not EMAIL_PATTERN.match(value):
        errors.add(name, problem("email_invalid", "Enter a valid e-mail address.", "请输入有效的电子邮箱地址。"))
    return value


EMAIL_TAKEN = problem(
    "email_taken",
    "An account with this e-mail address already exists. Sign in first, then add the venue.",
    "该电子邮箱已注册账户。请先登录，再添加场所。",
)


def password(errors: Collector, raw: Mapping[str, Any], name: str = "password") -> str:
    value = raw.get(name)
    value = "" if value is None else str(value)
    if not value:
        errors.add(name, REQUIRED)
    elif len(value) < PASSWORD_MIN:
        errors.add(
            name,
            problem(
                "password_too_short",
                f"Use at least {PASSWORD_MIN} characters.",
                f"密码至少需要 {PASSWORD_MIN} 个字符。",
            ),
        )
    elif len(value) > PASSWORD_MAX:
        errors.add(name, too_long(PASSWORD_MAX))
    elif is_guessable(value, [str(raw.get("email") or "")]):
        errors.add(name, PASSWORD_GUESSABLE)
    return value


PASSWORD_GUESSABLE = problem(
    "password_too_guessable",
    "This password is too easy to guess: it is a common password or close to one. "
    "Use a longer phrase of a few unrelated words.",
    "此密码太容易被猜到：它是常见密码或与常见密码相近。请使用由几个不相关的词组成的较长短语。",
)


def colour(errors: Collector, raw: Mapping[str, Any], name: str = "primary_color") -> str:
    value = text_value(raw, name)
    if not value:
        errors.add(name, REQUIRED)
    elif not COLOUR_PATTERN.match(value):
        errors.add(
            name,
            problem(
                "colour_invalid",
                "Enter a colour as #rrggbb, for example #0f766e.",
                "请以 #rrggbb 格式输入颜色，例如 #0f766e。",
            ),
        )
    return value.lower()


def choice(errors: Collector, raw: Mapping[str, Any], name: str, allowed: tuple[str, ...] | list[str]) -> str:
    value = text_value(raw, name)
    if not value:
        errors.add(name, REQUIRED)
    elif value not in allowed:
        errors.add(name, UNKNOWN_CHOICE)
    return value


def hostname(errors: Collector, raw: Mapping[str, Any], name: str = "custom_host") -> str | None:
    """A bare host name (``co2.example.com``): no scheme, port, path, IP address or wildcard."""
    value = text_value(raw, name).lower().rstrip(".")
    if not value:
        return None
    labels = value.split(".")
    valid = (
        len(value) <= 253
        and len(labels) >= 2
        and all(HOST_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
        and not any(label[2:4] == "--" and not label.startswith("xn--") for label in labels)
    )
    if not valid:
        errors.add(
            name,
            problem(
                "host_invalid",
                "Enter a host name such as co2.example.com, without http:// or a path.",
                "请输入主机名，例如 co2.example.com，不要包含 http:// 或路径。",
            ),
        )
    return value


HOST_TAKEN = problem("host_taken", "Another venue already uses this host name.", "其他场所已在使用该主机名。")
HOST_IS_PLATFORM = problem(
    "host_is_platform",
    "This is the platform's own host name; use one of yours.",
    "这是平台自身的主机名，请使用您自己的域名。",
)


def optional_date(errors: Collector, raw: Mapping[str, Any], name: str) -> date | None:
    value = raw.get(name)
    if isinstance(value, date):
        return value
    text = text_value(raw, name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(name, problem("date_invalid", "Enter a date as YYYY-MM-DD.", "请以 YYYY-MM-DD 格式输入日期。"))
        return None


DATES_REVERSED = problem("date_order", "The end date must be on or after the start date.", "结束日期不能早于开始日期。")
EVENT_NAME_NEEDED = problem(
    "event_name_needed",
    "Name the event these dates belong to, or leave the dates empty.",
    "请填写这些日期所属的活动名称，或将日期留空。",
)


ENTRY_CODE_FORMAT = problem(
    "code_format",
    f"Use {ENTRY_CODE_MIN} to {ENTRY_CODE_MAX} letters (A–Z) or digits, without spaces or other signs.",
    f"请使用 {ENTRY_CODE_MIN} 到 {ENTRY_CODE_MAX} 个英文字母（A–Z）或数字，不要包含空格或其他符号。",
)
ENTRY_CODE_RESERVED = problem(
    "code_reserved",
    "This code is the address of one of the platform's own pages; choose another.",
    "该代码是平台自身页面的地址，请另选一个。",
)
ENTRY_CODE_TAKEN = problem(
    "code_taken",
    "Another entry point of this venue already has this code; choose another.",
    "本场所的另一个入口已在使用该代码，请另选一个。",
)


def entry_code_reserved(code: str) -> bool:
    """Whether a venue's own host would not send ``/<code>`` to the entry point."""
    return code.lower() in PLATFORM_SEGMENTS


def entry_code(errors: Collector, raw: Mapping[str, Any], name: str = "code") -> str:
    """A code chosen by a person, in capitals (see ``ENTRY_CODE_PATTERN``)."""
    value = text_value(raw, name)
    if not value:
        errors.add(name, REQUIRED)
    elif not ENTRY_CODE_PATTERN.fullmatch(value):
        errors.add(name, ENTRY_CODE_FORMAT)
    elif entry_code_reserved(value):
        errors.add(name, ENTRY_CODE_RESERVED)
    return value.upper()


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


# --- names in two languages and the venue's time zone --------------------------------------------

#: The column suffix of each language a name is kept in.
NAME_SUFFIXES = {"en": "en", "zh-Hans": "zh_hans"}
NAME_NEEDED = problem(
    "name_needed",
    "Give a name in English or in Chinese (or both): each is shown where the other is missing.",
    "请填写英文名称或中文名称（或两者）：缺少其中一个时显示另一个。",
)


def names(
    errors: Collector,
    raw: Mapping[str, Any],
    base: str,
    max_length: int,
    *,
    own_language: str,
    current: Mapping[str, str | None] | None,
    required: bool,
) -> dict[str, str | None]:
    """The two columns ``<base>_en`` and ``<base>_zh_hans`` from what ``raw`` sends.

    ``<base>`` alone (as the API took it before names had two languages) names the thing in
    the venue's own language. Only what was sent changes; ``current`` holds the saved names
    (None when creating). A required name must keep at least one language."""
    own = f"{base}_{NAME_SUFFIXES.get(own_language, 'en')}"
    sent: dict[str, str | None] = {}
    for suffix in NAME_SUFFIXES.values():
        key = f"{base}_{suffix}"
        if key in raw:
            sent[key] = optional_text(errors, raw, key, max_length)
    if base in raw and own not in raw:
        sent[own] = optional_text(errors, raw, base, max_length)
    if required and (current is None or sent) and not errors.errors.keys() & {base, *sent}:
        saved = current or {}
        merged = {key: saved.get(key) for key in (f"{base}_{s}" for s in NAME_SUFFIXES.values())} | sent
        if not any(merged.values()):
            errors.add(name_field(base, own_language, raw), NAME_NEEDED)
    return sent


def name_field(base: str, own_language: str, raw: Mapping[str, Any]) -> str:
    """Which field a problem with a two-language name is shown beside: the one in the venue's
    language when the request sent the languages' fields, ``base`` itself otherwise."""
    if not any(f"{base}_{suffix}" in raw for suffix in NAME_SUFFIXES.values()):
        return base
    return f"{base}_{NAME_SUFFIXES.get(own_language, 'en')}"


TIME_ZONE_UNKNOWN = problem(
    "time_zone_unknown",
    "Choose a time zone by its IANA name, for example Asia/Shanghai or Europe/London.",
    "请按 IANA 名称选择时区，例如 Asia/Shanghai 或 Europe/London。",
)


def time_zone_names() -> list[str]:
    """The IANA zones a venue may choose (from the system or the ``tzdata`` package), sorted."""
    return sorted(name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC")


def time_zone(errors: Collector, raw: Mapping[str, Any], name: str = "time_zone") -> str:
    value = text_value(raw, name)
    if not value:
        errors.add(name, REQUIRED)
    elif value not in time_zone_names():
        errors.add(name, TIME_ZONE_UNKNOWN)
    return value
