"""Headers every response carries, set in one place in front of the router.

The wrapper sits where the custom-host rewrite sits (``Litestar.asgi_handler``), so pages,
APIs, static files, error answers and the fast path's shortcut answers (which skip
Litestar's response classes) all get the same headers. Its only work per request is to
append precomputed headers a response did not set itself.

Pages load no inline script and no inline style (a venue's colours come from
``/brand/…css``, share bars are SVG), so no policy needs ``unsafe-inline`` (the consoles
still allow inline styles, never scripts). The API viewer under ``/schema`` and the order
page's payment form load their scripts from the platform too.
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
#: Stripe.js and its frames, and the platform's own ``/static/checkout.js`` that starts it.
CHECKOUT_MARK = "/orders/"
#: Stripe's origins per directive, as Stripe's integration security guide lists them, and
#: the one inline style Stripe.js adds, allowed by its hash: still no ``unsafe-inline``.
STRIPE_SCRIPTS = "https://js.stripe.com https://*.js.stripe.com"
STRIPE_FRAMES = "https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com"
STRIPE_API = "https://api.stripe.com"
STRIPE_IMAGES = "https://*.stripe.com"
STRIPE_STYLE = "'sha256-0hAheEzaMe6uXIKV4EehS9pu1am1lj/KnnzrOYqckXk='"


def checkout_policy(stand_in: str = "") -> str:
    """The order page's policy: the platform's own, with Stripe's origins added where Stripe.js
    needs them; ``stand_in`` (the origin of a Stripe stand-in such as localstripe) joins them."""
    extra = f" {stand_in}" if stand_in else ""
    return (
        f"default-src 'self'; script-src 'self' {STRIPE_SCRIPTS}{extra}; style-src 'self' {STRIPE_STYLE}; "
        f"img-src 'self' data: {STRIPE_IMAGES}{extra}; font-src 'self'; connect-src 'self' {STRIPE_API}{extra}; "
        f"frame-src {STRIPE_FRAMES}{extra}; object-src 'none'; base-uri 'none'; form-action 'self'; "
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
        self, app: ASGIApp, litestar: Litestar, *, hsts: bool, stripe_stand_in: str = ""
    ) -> None:
        self.app = app
        self.litestar = litestar
        self.headers = response_headers(hsts=hsts)
        self.console_headers = response_headers(hsts=hsts, policy=CONSOLE_CONTENT_SECURITY_POLICY)
        self.checkout_headers = response_headers(hsts=hsts, policy=checkout_policy(stripe_stand_in))
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
    stand_in = ""
    if stripe_api_base:
        parts = urlsplit(stripe_api_base)
        stand_in = f"{parts.scheme}://{parts.netloc}"
    app.asgi_handler = SecurityHeaders(app.asgi_handler, app, hsts=hsts, stripe_stand_in=stand_in)
    return app
