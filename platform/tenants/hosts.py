"""Custom host names: ``co2.example-hotel.com/ABC234`` serves ``/v/<slug>/ABC234``.

A venue's host serves that venue's public pages and nothing else: signing in, signing up,
accounts, the consoles, other venues and the platform's own pages are sent (307) to the same
address on the platform's host, so no session cookie or password is ever typed on a name the
platform does not own. Only proven hosts are served (``host_claims``).

Litestar runs its middleware after routing, so a path rewrite has to sit in front of the
router: ``install_custom_hosts(app)`` wraps the application's ASGI handler. The host→slug
map of all active venues with a custom host is loaded in one query and kept for 30
seconds per process (a branding change in this process drops it at once), so a request
for an unknown host never reaches the database.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from litestar.enums import ScopeType
from sqlalchemy import select

from neutralpoint.tenants.models import Tenant, TenantStatus

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Receive, Scope, Send

    from neutralpoint.database.engine import Database

log = logging.getLogger("neutralpoint.hosts")

TTL_SECONDS = 30.0
SCOPE_KEY = "venue_host_slug"
_CODE_SEGMENT = re.compile(r"^/([A-Za-z0-9]{1,16})/?$")
# First path segments the platform itself answers on every host.
PLATFORM_SEGMENTS = frozenset(
    {
        "account",
        "admin",
        "api",
        "footprint",
        "health",
        "invitations",
        "login",
        "logout",
        "platform",
        "ready",
        "schema",
        "signup",
        "static",
        "v",
        "venue",
        "verify",
    }
)


class HostDirectory:
    """Active venues' custom host names, reloaded at most every ``ttl`` seconds."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._slugs: dict[str, str] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def _fresh(self) -> bool:
        return time.monotonic() - self._loaded_at < self.ttl

    async def slug_for(self, host: str, db: Database) -> str | None:
        if not self._fresh():
            async with self._lock:
                if not self._fresh():
                    await self._reload(db)
        return self._slugs.get(host)

    async def _reload(self, db: Database) -> None:
        started = time.monotonic()
        try:
            async with db.engine.connect() as conn:
                rows = await conn.execute(
                    select(Tenant.custom_host, Tenant.slug).where(
                        Tenant.custom_host.is_not(None), Tenant.status == TenantStatus.ACTIVE
                    )
                )
                self._slugs = {str(host): str(slug) for host, slug in rows}
        except Exception:
            log.exception("could not load custom host names; keeping the previous ones")
        self._loaded_at = started


host_directory = HostDirectory()


def request_host(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = value.decode("latin-1").strip().lower()
            if host.startswith("["):
                return None
            return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")
    return None


def rewritten_path(path: str, slug: str) -> str | None:
    """The platform path for ``path`` on a venue's own host, or None to leave it alone."""
    if path in ("", "/"):
        return f"/v/{slug}/"
    match = _CODE_SEGMENT.match(path)
    if match and match.group(1).lower() not in PLATFORM_SEGMENTS:
        return f"/v/{slug}/{match.group(1)}"
    return None


#: What a venue's host serves besides ``/``, ``/<code>`` and ``/v/<its slug>/…``: the files its
#: pages load, the public JSON their scripts read, and the health checks of a load balancer.
VENUE_HOST_PREFIXES = ("/static/", "/impact/static/", "/brand/", "/api/v1/public/")
VENUE_HOST_PATHS = frozenset({"/favicon.ico", "/health", "/ready"})
#: The public JSON of one venue; on a venue's host only that venue's own is answered.
PUBLIC_VENUE_API = "/api/v1/public/venues/"


def _own(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def served_on_venue_host(path: str, slug: str) -> bool:
    """Whether the venue's own host answers ``path`` (after the rewrite) itself: never
    another venue's page or public JSON."""
    if path.startswith(PUBLIC_VENUE_API):
        return _own(path, PUBLIC_VENUE_API + slug)
    return _own(path, f"/v/{slug}") or path in VENUE_HOST_PATHS or path.startswith(VENUE_HOST_PREFIXES)


class CustomHostRewrite:
    """ASGI wrapper: on a venue's custom host, ``/`` and ``/<code>`` map to its public pages."""

    def __init__(self, app: ASGIApp, directory: HostDirectory = host_directory) -> None:
        self.app = app
        self.directory = directory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and await self._rewrite(scope) is False:
            await _to_platform(scope, send)
            return
        await self.app(scope, receive, send)

    async def _rewrite(self, scope: Scope) -> bool | None:
        """None: not a venue's host; True: rewritten or served as is; False: not served here."""
        host = request_host(scope)
        app: Any = scope.get("app")
        if not host or app is None:
            return None
        state = app.state
        if host == _platform_host(state.settings.base_url):
            return None
        slug = await self.directory.slug_for(host, state.db)
        if slug is None:
            return None
        new_path = rewritten_path(scope["path"], slug)
        if new_path is None and not served_on_venue_host(scope["path"], slug):
            return False
        scope.setdefault("state", {})[SCOPE_KEY] = slug
        if new_path is not None:
            scope["path"] = new_path
            scope["raw_path"] = new_path.encode()
        return True


async def _to_platform(scope: Scope, send: Send) -> None:
    """Send the request to the same path on the platform's host (307 keeps a form's method)."""
    app: Any = scope["app"]
    query: bytes = scope.get("query_string", b"")
    # As the client sent it (still percent-encoded); some servers leave the query on it.
    path: bytes = (scope.get("raw_path") or scope["path"].encode()).split(b"?", 1)[0]
    location = app.state.settings.base_url.encode() + path + (b"?" + query if query else b"")
    headers = [(b"location", location), (b"content-length", b"0"), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": 307, "headers": headers})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


@functools.lru_cache(maxsize=8)
def _platform_host(base_url: str) -> str:
    return (urlsplit(base_url).hostname or "").lower()


def install_custom_hosts(app: Litestar) -> Litestar:
    """Put the custom-host rewrite in front of the router of ``app``."""
    app.asgi_handler = CustomHostRewrite(app.asgi_handler)
    return app
