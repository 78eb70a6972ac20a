"""The application's request: where every JSON body is decoded, so its limits hold on every route."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException

#: What a client is told when its JSON nests deeper than the decoder follows (msgspec stops
#: at Python's recursion limit, a few hundred levels; no form of ours nests more than three).
TOO_DEEP = "the JSON is nested too deeply"


class AppRequest(Request[Any, Any, Any]):
    """Litestar's request, answering a body nested too deeply as unreadable (400), not 500."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            # Litestar answers a SerializationException from a body as a 400 ClientException.
            raise SerializationException(TOO_DEEP) from None
