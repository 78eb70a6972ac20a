"""Cross-site requests to the JSON API: refused before any handler runs.

The pages' forms carry a CSRF token (Litestar's ``CSRFConfig``). The JSON API under
``/api/`` has none: a browser proves that a call comes from the platform's own pages
with what no other site can make it send. A state-changing call (any method but GET,
HEAD and OPTIONS) that rides on the session cookie, or that starts a session (sign-in,
sign-up, a password reset, accepting an invitation: routes whose ``opt`` carries
``STARTS_SESSION_OPT``), needs both:

- ``Content-Type: application/json`` (or another ``+json`` type; a form, multipart or
  urlencoded, on a route that takes uploads and declares it with ``FORM_OPT``). No HTML
  form can send JSON, and a cross-site script cannot without a CORS preflight the
  platform never grants. A call with no body at all and no ``Content-Type`` passes this
  check (a sign-out, a resend): every form sends a ``Content-Type``, so none is one;
- a same-origin ``Origin`` (the platform's ``BASE_URL``, or the host the request was sent
  to) or ``Sec-Fetch-Site: same-origin``. A cross-site ``Origin`` (``null`` included) or
  ``Sec-Fetch-Site`` of ``cross-site`` or ``same-site`` is refused. ``Sec-Fetch-Site: none``
  (the person's own action, such as a bookmark) is accepted.

**When a request carries neither ``Origin`` nor ``Sec-Fetch-Site``**, it is accepted: every
browser in use sends ``Origin`` on a cross-origin POST, PUT, PATCH and DELETE (and
``Sec-Fetch-Site`` on every request), so a request with neither comes from a program — a
command-line client, a server, a test — which holds its own cookies and cannot be made to
act by another site. The content-type rule still applies to it.

The refusal is a 403 in the API's error shape, ``{"errors": {"origin" | "content_type":
{"code", "message": {"en", "zh-Hans"}}}}``. Webhooks (signed, from servers) and the
visitors' public estimate API (no session, no cookie) are not affected unless a session
cookie rides along.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import msgspec
from litestar.enums import ScopeType

from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.web.api_errors import ErrorsOut

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

#: Route ``opt`` key: the route signs a person in (its call is checked without a cookie too).
STARTS_SESSION_OPT: Final = "starts_session"
#: Route ``opt`` key: the route takes a form (an upload: multipart, or urlencoded without
#: the file) as well as JSON; the origin rule still applies to it.
FORM_OPT: Final = "accepts_form"
FORM_TYPES: Final = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

CROSS_SITE: Final = FieldError(
    "cross_site",
    text={
        "en": "This request came from another site: the API accepts it only from the platform's own pages.",
        "zh-Hans": "此请求来自其他网站：接口只接受来自本平台页面的请求。",
    },
)
NOT_JSON: Final = FieldError(
    "not_json",
    text={
        "en": "Send the request as JSON, with Content-Type: application/json.",
        "zh-Hans": "请以 JSON 格式发送请求，并设置 Content-Type: application/json。",
    },
)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class CrossSiteGuard:
    """ASGI middleware (application level, so the route is known) enforcing the rules above."""

    def __init__(self, app: ASGIApp, *, session_cookie: str, base_url: str) -> None:
        self.app = app
        self.cookie_marker = f"{session_cookie}=".encode()
        self.platform_origin = _origin_of(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] in SAFE_METHODS or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope["headers"]}
        handler = scope.get("route_handler")
        opt = handler.opt if handler is not None else {}
        cookies = headers.get(b"cookie", b"")
        if not opt.get(STARTS_SESSION_OPT) and self.cookie_marker not in cookies:
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(headers, form=bool(opt.get(FORM_OPT)))
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = msgspec.json.encode(ErrorsOut.of(FormErrors(refusal, status_code=403)))
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def refusal(self, headers: dict[bytes, bytes], form: bool) -> dict[str, FieldError] | None:
        """What is wrong with a state-changing call (``None``: nothing)."""
        origin = headers.get(b"origin")
        fetch_site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
        if origin is not None:
            host = headers.get(b"host", b"").decode("latin-1").lower()
            sent = origin.decode("latin-1").strip().lower()
            if sent != self.platform_origin and (not host or urlsplit(sent).netloc != host):
                return {"origin": CROSS_SITE}
        if fetch_site in ("cross-site", "same-site"):
            return {"origin": CROSS_SITE}
        content_type = headers.get(b"content-type")
        if content_type is None:
            has_body = headers.get(b"content-length", b"0") not in (b"0", b"") or b"transfer-encoding" in headers
            return {"content_type": NOT_JSON} if has_body else None
        text = content_type.decode("latin-1")
        if _is_json(text) or (form and text.split(";", 1)[0].strip().lower() in FORM_TYPES):
            return None
        return {"content_type": NOT_JSON}
