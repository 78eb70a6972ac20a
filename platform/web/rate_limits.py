"""Rate limits on the public routes that write, mail or look things up: per client, per group.

A route declares the group it counts in with ``rate_limit=<group>`` in its ``opt`` (the
groups and their limits are settings: ``neutralpoint.settings.RATE_LIMIT_DEFAULTS``,
``RATE_LIMIT_<GROUP>``). Litestar's ``RateLimitMiddleware`` counts each client's requests
of a group in a fixed window, in the ``rate_limits`` store: Redis when ``REDIS_URL`` is set
(shared by every process and server), else each process's memory.

``RateLimits`` is application middleware, so it sees every request its route receives, the
fast path's shortcuts included (``neutralpoint.fastpath.edge`` answers inside the route,
after the application's middleware). A route without a group costs one dictionary lookup.

The client is the connection's address as the server gives it: ``neutralpoint serve``
runs uvicorn with ``proxy_headers``, which takes ``X-Forwarded-For`` only from the proxies
in ``FORWARDED_ALLOW_IPS`` (127.0.0.1 unless set). An IPv6 client counts by its /64
network, which one subscriber usually holds whole.

Over the limit, a request is refused before anything runs: 429 with ``Retry-After`` (the
seconds until the window ends), in the API's error shape ``{"errors": {"rate_limit":
{"code": "too_many_requests", "message": {"en", "zh-Hans"}}}}`` or as the error page in the
reader's language. A count is read and then written (Litestar's limiter locks it per route
and process), so requests arriving at the same moment on two routes of a group, or in two
processes sharing Redis, may let a few more through than the limit.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from datetime import timedelta
from time import monotonic, time
from typing import TYPE_CHECKING, Any, Final

from litestar import Request, Response
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import CacheObject, RateLimitConfig, RateLimitMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore

from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.settings import RATE_LIMIT_DEFAULTS
from neutralpoint.web.api_errors import ErrorsOut, refusal_response
from neutralpoint.web.errors import start_page_for, wants_html
from neutralpoint.web.i18n import choose_language, gettext_functions
from neutralpoint.web.templating import render

if TYPE_CHECKING:
    from collections.abc import Mapping

    from litestar import Litestar
    from litestar.types import ASGIApp, Receive, Scope, Send

    from neutralpoint.settings import RateLimit, Settings

#: Route ``opt`` key naming the group a route counts in.
OPT_KEY: Final = "rate_limit"
#: The name the application registers the counters' store under.
STORE_NAME: Final = "rate_limits"
#: The field of the API's refusal.
FIELD: Final = "rate_limit"


def too_many_requests(seconds: int) -> FieldError:
    return FieldError(
        "too_many_requests",
        {"seconds": seconds},
        text={
            "en": "Too many requests from your network: please try again in {seconds} s.",
            "zh-Hans": "来自您网络的请求过多：请在 {seconds} 秒后重试。",
        },
    )


def client_of(request: Request[Any, Any, Any]) -> str:
    """The client a limit counts: its address, or its /64 network for IPv6."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class GroupLimiter(RateLimitMiddleware):
    """Litestar's limiter for one group: its refusal says when to come back (``Retry-After``),
    and requests within the limit go out without rate-limit headers."""

    def create_send_wrapper(self, send: Send, cache_object: CacheObject) -> Send:
        return send

    def create_response_headers(self, cache_object: CacheObject) -> dict[str, str]:
        headers = super().create_response_headers(cache_object)
        headers["Retry-After"] = str(max(1, cache_object.reset - int(time())))
        return headers


def _config(group: str, limit: RateLimit) -> RateLimitConfig:
    return RateLimitConfig(
        rate_limit=(limit.unit, limit.count),
        identifier_for_request=lambda request: f"{group}:{client_of(request)}",
        middleware_class=GroupLimiter,
        store=STORE_NAME,
    )


class RateLimits:
    """Application middleware: the request goes through its route's group's limiter, if any."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, RateLimit]) -> None:
        self.app = app
        self.limiters: dict[str, ASGIApp] = {
            group: GroupLimiter(app, _config(group, limit)) for group, limit in limits.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        group = handler.opt.get(OPT_KEY, "") if handler is not None else ""
        await self.limiters.get(group, self.app)(scope, receive, send)


def rate_limit_middleware(settings: Settings) -> DefineMiddleware:
    return DefineMiddleware(RateLimits, limits=settings.rate_limits)


class CounterStore(Store):
    """The counters in this process's memory: a dictionary, and no lock.

    Every access runs on the event loop without awaiting anything, so none can interleave
    with another. Litestar's ``MemoryStore`` takes an anyio lock on every access, which
    hands the event loop round each time; measured in one process, that doubled the CPU
    the limiter adds to a request. A key is dropped when read after it expired, and by
    ``delete_expired`` (which the application runs every few minutes).
    """

    def __init__(self, clock: Callable[[], float] = monotonic) -> None:
        self.clock = clock
        self.values: dict[str, tuple[bytes, float]] = {}

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
        until = self.clock() + seconds if seconds else math.inf
        self.values[key] = (value.encode() if isinstance(value, str) else value, until)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        found = self.values.get(key)
        if found is None:
            return None
        if found[1] <= self.clock():
            del self.values[key]
            return None
        if renew_for:
            await self.set(key, found[0], renew_for)
        return found[0]

    async def delete(self, key: str) -> None:
        self.values.pop(key, None)

    async def delete_all(self) -> None:
        self.values.clear()

    async def delete_expired(self) -> None:
        now = self.clock()
        for key in [key for key, (_, until) in self.values.items() if until <= now]:
            del self.values[key]

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        found = self.values.get(key)
        if found is None or found[1] == math.inf:
            return None
        return max(0, math.ceil(found[1] - self.clock()))


def rate_limit_store(settings: Settings) -> Store:
    """Redis when the platform has it (every process counts together), else memory."""
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="neutralpoint:rate_limits")
    return CounterStore()


def rate_limited_response(request: Request[Any, Any, Any], exc: TooManyRequestsException) -> Response[Any]:
    """The 429 of a limiter: the API's refusal, or the error page in the reader's language."""
    headers = dict(exc.headers or {})
    seconds = int(headers.get("Retry-After", "1"))
    refusal = FormErrors({FIELD: too_many_requests(seconds)}, status_code=429)
    if not wants_html(request):
        return refusal_response(refusal, headers)
    lang = choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )
    _ = gettext_functions(lang)["plain_gettext"]
    return render(
        request,
        "error.html",
        lang=lang,
        status_code=429,
        headers=headers,
        title=_("Too many requests"),
        message=" ".join(refusal.messages(lang).values()),
        back_url=start_page_for(request.url.path),
    )


TOO_MANY_REQUESTS = ResponseSpec(
    data_container=ErrorsOut,
    description=(
        "Too many requests of this kind from this client lately (errors.rate_limit): "
        "try again after the seconds in the Retry-After header"
    ),
)


def declared_groups(app: Litestar) -> set[str]:
    """The groups the routes of ``app`` declare."""
    return {
        handler.opt[OPT_KEY]
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if handler.opt.get(OPT_KEY) is not None
    }


def document_rate_limits(app: Litestar) -> None:
    """429 on every API operation that counts in a group; refuse a group no setting knows."""
    unknown = declared_groups(app) - set(RATE_LIMIT_DEFAULTS)
    if unknown:
        raise RuntimeError(f"routes declare rate-limit groups no setting knows: {', '.join(sorted(unknown))}")
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        for handler in route.route_handlers:
            if handler.opt.get(OPT_KEY) is not None:
                handler.responses = {429: TOO_MANY_REQUESTS, **(handler.responses or {})}
