"""``Set-Cookie`` values written directly, for the visitor's hot routes.

Litestar's ``Cookie`` goes through ``dataclasses.asdict`` and ``http.cookies`` for every
header, which costs more than the rest of a visitor's submission; the visitor's cookies
hold only tokens and ids, so they are checked and written as they are.
"""

from __future__ import annotations

import re

_SAFE_VALUE = re.compile(r"[A-Za-z0-9._~-]{1,512}")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")


def cookie_header(
    name: str, value: str, *, max_age: int | None = None, secure: bool = False, httponly: bool = False
) -> str:
    """``name=value; Path=/; SameSite=Lax`` with the attributes asked for."""
    if not _SAFE_NAME.fullmatch(name) or not _SAFE_VALUE.fullmatch(value):
        raise ValueError(f"cookie {name!r} holds characters that need quoting")
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    return "; ".join(parts)
