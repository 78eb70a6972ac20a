"""Headers every response carries, set in one place in front of the router.

The wrapper sits where the custom-host rewrite sits (``Litestar.asgi_handler``), so pages,
APIs, static files, error answers and the fast path's shortcut answers (which skip
Litestar's response classes) all get the same headers. Its only work per request is to
append precomputed headers a response did not set itself.

Pages load no script and no inline style (a venue's colours come from ``/brand/…css``,
share bars are SVG), so the policy needs no ``unsafe-inline``. The API viewer under
``/schema`` loads its scripts from the platform too (``neutralpoint.web.schema_viewer``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from litestar.enums import ScopeType
from litestar.routes import HTTPRoute

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

#: Everything from the platform itself; images may be data: URIs (QR previews) and forms
#: post only to the platform. No frame may embed a page (clickjacking).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: The venue and platform consoles still keep their page styles inline (never scripts):
#: they alone allow inline styles, until their styles move to stylesheets too.
CONSOLE_PREFIXES = ("/venue/", "/platform")
CONSOLE_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
#: A visitor's order page (``/v/<slug>/orders/<reference>``) runs Stripe's payment form:
#: Stripe's script and frames, and the page's own script that starts it.
CHECKOUT_MARK = "/orders/"


def checkout_policy(stripe_origins: str) -> str:
    """The policy of the order page: Stripe's origins besides the platform's, inline script allowed."""
    return (
        f"default-src 'self'; script-src 'self' 'unsafe-inline' {stripe_origins}; "
        "style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: {stripe_origins}; font-src 'self'; connect-src 'self' {stripe_origins}; "
        f"frame-src {stripe_origins}; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


#: Result pages carry an estimate's id in their address: other sites never see it.
REFERRER_POLICY = "same-origin"
#: Two years, the HSTS preload list's minimum; only sent when the platform is served over HTTPS.
HSTS = "max-age=63072000"


def response_headers(*, hsts: bool, policy: str = CONTENT_SECURITY_POLICY) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", REFERRER_POLICY.encode()),
        (b"x-frame-options", b"DENY"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeaders:
    """ASGI wrapper: adds the platform's headers to every HTTP response that lacks them, and
    answers OPTIONS with every method of the path.

    Litestar builds a path's OPTIONS answer when the path's first handlers are registered;
    a method that another controller adds to the same path later is missing from its
    ``Allow``. The wrapper rewrites ``Allow`` from the finished route table.
    """

    def __init__(
        self, app: ASGIApp, litestar: Litestar, *, hsts: bool, stripe_origins: str = "https://*.stripe.com"
    ) -> None:
        self.app = app
        self.litestar = litestar
        self.headers = response_headers(hsts=hsts)
        self.console_headers = response_headers(hsts=hsts, policy=CONSOLE_CONTENT_SECURITY_POLICY)
        self.checkout_headers = response_headers(hsts=hsts, policy=checkout_policy(stripe_origins))
        self._allow: dict[str, bytes] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        options = scope.get("method") == "OPTIONS"
        path: str = scope["path"]
        if path.startswith(CONSOLE_PREFIXES):
            added = self.console_headers
        elif path.startswith("/v/") and CHECKOUT_MARK in path:
            added = self.checkout_headers
        else:
            added = self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in added if item[0] not in present)
                if options:
                    headers = self._with_allow(scope, headers)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _with_allow(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        handler: Any = scope.get("route_handler")
        allow = None
        for path in getattr(handler, "paths", ()):
            allow = self._allow_by_path().get(path) or allow
        if allow is None:
            return headers
        return [item for item in headers if item[0].lower() != b"allow"] + [(b"allow", allow)]

    def _allow_by_path(self) -> dict[str, bytes]:
        if self._allow is None:
            self._allow = {
                route.path: ", ".join(sorted(route.methods)).encode()
                for route in self.litestar.routes
                if isinstance(route, HTTPRoute)
            }
        return self._allow


def install_security_headers(app: Litestar, *, hsts: bool, stripe_api_base: str | None = None) -> Litestar:
    """Put ``SecurityHeaders`` in front of everything ``app`` answers; ``stripe_api_base``
    (a Stripe stand-in in tests) joins Stripe's origins on the order page."""
    origins = "https://*.stripe.com"
    if stripe_api_base:
        parts = urlsplit(stripe_api_base)
        origins += f" {parts.scheme}://{parts.netloc}"
    app.asgi_handler = SecurityHeaders(app.asgi_handler, app, hsts=hsts, stripe_origins=origins)
    return app
