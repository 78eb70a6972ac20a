"""Requests carrying a NUL character (U+0000): refused as bad input, never a server error.

No text of the platform may hold one, and PostgreSQL cannot even compare one: a NUL in a
slug, a search or an e-mail address that reaches a query fails it with SQLSTATE 22021 where
SQLite answers. ``NulGuard`` refuses a NUL in the path or the query string before any route,
guard or query runs; a NUL inside a request body (JSON's ``\\u0000``) that reaches a query is
answered with the same 400 on the field ``body`` (``is_unstorable_text``: the application's
handler of database errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from litestar.enums import ScopeType
from sqlalchemy.exc import DBAPIError

from neutralpoint.refusals import FieldError, FormErrors, problem

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

NUL_CHARACTER: Final[FieldError] = problem(
    "nul_character",
    "This contains a NUL character (U+0000), which no text here may hold.",
    "此内容包含空字符（U+0000），这里的文本不能包含该字符。",
)
#: PostgreSQL's SQLSTATEs for text it cannot hold or compare (a NUL; bytes of another encoding).
UNSTORABLE_TEXT: Final = frozenset({"22021", "22P05"})


class NulGuard:
    """ASGI middleware: a NUL in the path or the query string is a 400 (``path`` or ``query``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            if "\x00" in scope["path"]:
                raise FormErrors({"path": NUL_CHARACTER})
            query: bytes = scope.get("query_string", b"")
            if b"\x00" in query or b"%00" in query:
                raise FormErrors({"query": NUL_CHARACTER})
        await self.app(scope, receive, send)


def is_unstorable_text(exc: DBAPIError) -> bool:
    """Whether the database refused a value of the request's text (rather than failed)."""
    return getattr(exc.orig, "sqlstate", None) in UNSTORABLE_TEXT
