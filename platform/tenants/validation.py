"""The venue forms' own rules: reserved addresses, entry point codes, passwords, and what is taken.

The generic rules (an e-mail address, a slug, a colour, a host name, a date, text limits)
are ``neutralpoint.input_rules``, shared with every domain; each function here reads one
field of a posted form or JSON body and files its problem in a ``Collector``
(``neutralpoint.refusals``), so that a page shows each message beside its field and the
API answers ``{"errors": {field: {"code", "message"}}}``.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from datetime import date
from typing import Any

from neutralpoint import input_rules as rules
from neutralpoint.refusals import Collector, FieldError, problem
from neutralpoint.tenants.hosts import PLATFORM_SEGMENTS
from neutralpoint.tenants.password_strength import is_guessable

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
# An entry point's code ends its address (/v/<slug>/<CODE>, or /<CODE> on a venue's own
# host, which maps 1 to 16 letters or digits) and is printed under the QR code. Codes are
# kept in capitals, as generated ones are (tokens.CODE_ALPHABET), and addresses are
# matched exactly, so a code typed in small letters is saved in capitals.
ENTRY_CODE_MIN = 3
ENTRY_CODE_MAX = 16
ENTRY_CODE_PATTERN = re.compile(rf"[A-Za-z0-9]{{{ENTRY_CODE_MIN},{ENTRY_CODE_MAX}}}")
PASSWORD_MIN = 10
PASSWORD_MAX = 256


def required_text(errors: Collector, raw: Mapping[str, Any], name: str, max_length: int) -> str:
    value = rules.text_value(raw, name)
    errors.field(name, rules.text, value, required=True, max_length=max_length)
    return value


def optional_text(errors: Collector, raw: Mapping[str, Any], name: str, max_length: int) -> str | None:
    value = rules.text_value(raw, name)
    errors.field(name, rules.text, value, max_length=max_length)
    return value or None


SLUG_RESERVED = problem("slug_reserved", "This address is reserved; choose another.", "该地址为保留字，请另选一个。")
SLUG_TAKEN = problem("slug_taken", "This address is already taken; choose another.", "该地址已被占用，请另选一个。")


def slug(errors: Collector, raw: Mapping[str, Any], name: str = "slug") -> str:
    """A venue's address (``/v/<slug>``): the shared slug rule, and not a word the platform uses."""
    value = rules.text_value(raw, name).lower()
    if errors.field(name, rules.slug, value) is not None and value in RESERVED_SLUGS:
        errors.add(name, SLUG_RESERVED)
    return value


def email(errors: Collector, raw: Mapping[str, Any], name: str = "email") -> str:
    value = rules.text_value(raw, name).lower()
    errors.field(name, rules.email, value)
    return value


PASSWORD_TOO_SHORT = problem(
    "password_too_short",
    f"Use at least {PASSWORD_MIN} characters.",
    f"密码至少需要 {PASSWORD_MIN} 个字符。",
)
PASSWORD_GUESSABLE = problem(
    "password_too_guessable",
    "This password is too easy to guess: it is a common password or close to one. "
    "Use a longer phrase of a few unrelated words.",
    "此密码太容易被猜到：它是常见密码或与常见密码相近。请使用由几个不相关的词组成的较长短语。",
)


def password(errors: Collector, raw: Mapping[str, Any], name: str = "password") -> str:
    """A new password: long enough, and not one zxcvbn guesses (spaces are kept as typed)."""
    value = raw.get(name)
    value = "" if value is None else str(value)
    if not value:
        errors.add(name, rules.REQUIRED)
    elif len(value) < PASSWORD_MIN:
        errors.add(name, PASSWORD_TOO_SHORT)
    elif len(value) > PASSWORD_MAX:
        errors.add(name, rules.too_long(PASSWORD_MAX))
    elif is_guessable(value, [str(raw.get("email") or "")]):
        errors.add(name, PASSWORD_GUESSABLE)
    return value


def colour(errors: Collector, raw: Mapping[str, Any], name: str = "primary_color") -> str:
    value = rules.text_value(raw, name)
    errors.field(name, rules.colour, value)
    return value.lower()


def choice(errors: Collector, raw: Mapping[str, Any], name: str, allowed: tuple[str, ...] | list[str]) -> str:
    value = rules.text_value(raw, name)
    errors.field(name, rules.choice, value, allowed)
    return value


def hostname(errors: Collector, raw: Mapping[str, Any], name: str = "custom_host") -> str | None:
    """A venue's own host name (see ``input_rules.hostname``), cleaned; ``None`` when empty or refused."""
    return errors.field(name, rules.hostname, rules.text_value(raw, name))


HOST_TAKEN = problem("host_taken", "Another venue already uses this host name.", "其他场所已在使用该主机名。")
HOST_IS_PLATFORM = problem(
    "host_is_platform",
    "This is the platform's own host name; use one of yours.",
    "这是平台自身的主机名，请使用您自己的域名。",
)
HOST_NEAR_PLATFORM = problem(
    "host_near_platform",
    "This name is part of the platform's own domain; use one of yours.",
    "该名称属于平台自身的域名，请使用您自己的域名。",
)


def optional_date(errors: Collector, raw: Mapping[str, Any], name: str) -> date | None:
    value = raw.get(name)
    return errors.field(name, rules.optional_date, value if isinstance(value, date) else rules.text_value(raw, name))


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
    value = rules.text_value(raw, name)
    if not value:
        errors.add(name, rules.REQUIRED)
    elif not ENTRY_CODE_PATTERN.fullmatch(value):
        errors.add(name, ENTRY_CODE_FORMAT)
    elif entry_code_reserved(value):
        errors.add(name, ENTRY_CODE_RESERVED)
    return value.upper()



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
    value = rules.text_value(raw, name)
    if not value:
        errors.add(name, FieldError("required"))
    elif value not in time_zone_names():
        errors.add(name, TIME_ZONE_UNKNOWN)
    return value
