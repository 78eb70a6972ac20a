"""A QR burst's submissions answered inside their route, ahead of Litestar's handler machinery.

At a coffee break hundreds of visitors post the calculator within a minute. Litestar's
signature model, dependency injection and response classes cost about as much as the
calculation itself, so a route may declare a ``Shortcut`` in its ``opt``
(``SHORTCUT_OPT``) and carry ``SubmissionEdge`` as its own middleware. The router has
then matched the route (its path and parameters come from the route table, nothing is
parsed here), and every application, router and controller middleware (a rate limit,
a request log) has seen the request before the edge does. The route's guards have not:
only a public route may carry a shortcut (``wiring.prepare_routes`` refuses any other).

Only the plain case is taken: the route's usual content type and a body under
``MAX_BODY``. Whatever the shortcut does not answer (it returns ``None``: a bad token,
an unknown entry point, invalid input) goes on to the route handler as it came, body included,
before anything was written, so error pages and messages come from one place. An
unexpected error propagates to the application's exception handlers.

With the ``edge`` piece off, ``disable`` takes the shortcuts out of the application's
route table and the middleware passes every request on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from litestar import Request
from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

#: Larger bodies are no calculator form; they go to the handler, which has its own limit.
MAX_BODY = 64 * 1024
#: Route ``opt`` key of a route's ``Shortcut``.
SHORTCUT_OPT = "fast_path_shortcut"


class Answer(Protocol):
    """What a shortcut answers: status, body, its media type and further headers."""

    @property
    def status(self) -> int: ...
    @property
    def body(self) -> bytes: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...


@dataclass(frozen=True)
class Shortcut:
    """A route's plain case: its usual content type, and what answers it (``None``: not plain)."""

    content_type: str
    answer: Callable[[Request[Any, Any, Any], bytes], Awaitable[Answer | None]]


class SubmissionEdge:
    """Route middleware: the route's ``Shortcut`` answers the plain case, the handler the rest."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route_handler = scope.get("route_handler")
        shortcut: Shortcut | None = route_handler.opt.get(SHORTCUT_OPT) if route_handler is not None else None
        if shortcut is None or scope["type"] != ScopeType.HTTP or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope, receive, send)
        if request.content_type[0] != shortcut.content_type:
            await self.app(scope, receive, send)
            return
        body, complete, disconnected = await _read_body(receive)
        if disconnected:
            return
        if not complete:
            await self.app(scope, _replay(body, receive, more=True), send)
            return
        answer = await shortcut.answer(request, body)
        if answer is None:
            await self.app(scope, _replay(body, receive, more=False), send)
            return
        await _send(send, answer)


def disable(app: Litestar) -> None:
    """Take every shortcut out of ``app``'s route table: its handlers serve every request."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            handler.opt.pop(SHORTCUT_OPT, None)


async def _read_body(receive: Receive) -> tuple[bytes, bool, bool]:
    """The body, whether it ended within ``MAX_BODY``, and whether the client went away."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False, True
        chunk: bytes = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True, False
        if size > MAX_BODY:
            return b"".join(chunks), False, False


def _replay(body: bytes, receive: Receive, *, more: bool) -> Receive:
    """``receive`` for the handler: what was read so far, then the rest of the stream."""
    replayed = False

    async def replay() -> ReceiveMessage:
        nonlocal replayed
        if not replayed:
            replayed = True
            first: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": more}
            return first
        return await receive()

    return replay


async def _send(send: Send, answer: Answer) -> None:
    headers = [(b"content-length", str(len(answer.body)).encode())]
    if answer.media_type is not None:
        headers.append((b"content-type", answer.media_type.encode()))
    headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers)
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})
