"""A QR burst's submissions served ahead of the router.

At a coffee break hundreds of visitors post the calculator within a minute. Litestar's
router, middleware, signature model and response classes cost about as much as the
calculation itself, so a valid submission is served here, in front of them, by the same
``submissions`` functions the route handlers call: the handlers stay the documented
routes (OpenAPI) and serve everything else.

Only the plain case is taken: ``POST`` to the form's or the JSON twin's path, with its
usual content type and a body under ``MAX_BODY``. Whatever does not end in a stored
estimate (a bad token, an unknown door, invalid input, a body that does not decode) is
handed to the application as it came, body included, before anything was written, so
error pages and messages come from one place. An unexpected error goes to the
application's own exception handlers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import msgspec
from litestar import Request
from litestar._parsers import parse_cookie_string, parse_url_encoded_form_data  # read as its handlers read
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException

from neutralpoint.scenarios import submissions
from neutralpoint.scenarios.schemas import EstimateIn

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

log = logging.getLogger("neutralpoint.scenarios")

#: Larger bodies are no calculator form; they go to the application, which has its own limit.
MAX_BODY = 64 * 1024
FORM_TYPE = b"application/x-www-form-urlencoded"
JSON_TYPE = b"application/json"

_decode_estimate = msgspec.json.Decoder(EstimateIn).decode


class NotPlainError(Exception):
    """The submission is not the plain case: the application serves it."""


class VisitorEdge:
    """ASGI wrapper around the application's router for the visitor's two submission routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        parts = scope["path"].split("/")
        if len(parts) == 4 and parts[1] == "v" and parts[2] and parts[3]:
            expected, slug, code = FORM_TYPE, parts[2], parts[3]
        elif (
            len(parts) == 9
            and parts[1:5] == ["api", "v1", "public", "venues"]
            and parts[6] == "entry-points"
            and parts[8] == "estimates"
            and parts[5]
            and parts[7]
        ):
            expected, slug, code = JSON_TYPE, parts[5], parts[7]
        else:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower() != expected:
            await self.app(scope, receive, send)
            return
        body, complete, disconnected = await _read_body(receive)
        if disconnected:
            return
        if not complete:
            await self.app(scope, _replay(body, receive, more=True), send)
            return
        try:
            answer = await self._submit(scope, headers, expected, slug, code, body)
        except NotPlainError:
            await self.app(scope, _replay(body, receive, more=False), send)
            return
        except Exception as exc:  # served as the application serves it: logged, its error page
            await _application_error(scope, receive, send, exc)
            return
        await _send(send, answer)

    async def _submit(
        self, scope: Scope, headers: dict[bytes, bytes], kind: bytes, slug: str, code: str, body: bytes
    ) -> submissions.Answer:
        state = scope["app"].state
        cookie = headers.get(b"cookie")
        language = headers.get(b"accept-language")
        visitor = submissions.VisitorRequest(
            slug=slug,
            code=code,
            cookies=parse_cookie_string(cookie.decode("latin-1")) if cookie else {},
            query_lang=_query_lang(scope),
            accept_language=language.decode("latin-1") if language else None,
        )
        try:
            if kind == JSON_TYPE:
                answer = await submissions.submit_json(state, visitor, _decode_estimate(body))
            else:
                form = {k: v[0] if isinstance(v, list) else v for k, v in parse_url_encoded_form_data(body).items()}
                outcome = await submissions.submit_form(state, visitor, form)
                if not isinstance(outcome, submissions.Answer):
                    raise NotPlainError
                answer = outcome
        except (HTTPException, msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise NotPlainError from exc
        return answer


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return dict(scope["headers"])


def _query_lang(scope: Scope) -> str | None:
    query = scope.get("query_string", b"")
    if b"lang=" not in query:
        return None
    values = parse_qs(query.decode("latin-1")).get("lang")
    return values[0] if values else None


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
    """``receive`` for the application: what was read so far, then the rest of the stream."""
    replayed = False

    async def replay() -> ReceiveMessage:
        nonlocal replayed
        if not replayed:
            replayed = True
            first: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": more}
            return first
        return await receive()

    return replay


async def _send(send: Send, answer: submissions.Answer) -> None:
    headers = [(b"content-length", str(len(answer.body)).encode())]
    if answer.media_type is not None:
        headers.append((b"content-type", answer.media_type.encode()))
    headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers)
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


async def _application_error(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """The response the application's exception handlers give for ``exc`` (logged by them)."""
    app: Litestar = scope["app"]
    handlers = app.exception_handlers
    handler = next((handlers[cls] for cls in type(exc).__mro__ if cls in handlers), None)
    if handler is None:
        log.error("unhandled error on POST %s", scope["path"], exc_info=exc)
        await _send(send, submissions.Answer(500, b"Internal server error", "text/plain; charset=utf-8", []))
        return
    request: Request[Any, Any, Any] = Request(scope, receive, send)
    response = handler(request, exc)
    await response.to_asgi_response(app=None, request=request)(scope, receive, send)


def install_visitor_edge(app: Litestar) -> Litestar:
    """Put the visitor's submissions in front of the router of ``app``."""
    app.asgi_handler = VisitorEdge(app.asgi_handler)
    return app
