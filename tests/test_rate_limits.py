"""Rate limits per client and group (``neutralpoint.web.rate_limits``): every group on every
route that declares it, the settings, the refusal's two shapes and its OpenAPI entry.

Each client here is an address of its own, given as uvicorn's proxy-header middleware takes
it from a trusted proxy (``neutralpoint serve`` runs it; ``FORWARDED_ALLOW_IPS``). The limiter
counts a request before its route does anything, so a bad body or a missing sign-in counts
as much as a good one, and no venue or account is needed to reach a limit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from neutralpoint.app import create_app
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import RATE_LIMIT_DEFAULTS, RateLimit, Settings, SettingsError
from neutralpoint.web.rate_limits import OPT_KEY, CounterStore, client_of
from tests.conftest import TEST_BASE_URL

LIMIT = 2
BASE_ENV = {"SECRET_KEY": "x" * 40, "DATA_DIR": "/tmp/np-rate-limit-settings"}
# What a path parameter is given: names nothing, which only the route would find out.
PARAMETERS = {"estimate_id": str(uuid.uuid4())}


def _limits(count: int = LIMIT) -> MappingProxyType[str, RateLimit]:
    return MappingProxyType({group: RateLimit(count, "minute") for group in RATE_LIMIT_DEFAULTS})


@pytest.fixture(scope="module")
def limited_app(settings: Settings, registry: ScenarioRegistry) -> Litestar:
    return create_app(replace(settings, rate_limits=_limits()), registry)


@pytest.fixture
async def behind_proxy(limited_app: Litestar) -> AsyncIterator[AsyncTestClient[Any]]:
    """The application behind a proxy it trusts: ``X-Forwarded-For`` names the client."""
    async with AsyncTestClient(app=ProxyHeadersMiddleware(limited_app, trusted_hosts="*"), base_url=TEST_BASE_URL) as c:
        yield c


def _routes(app: Litestar) -> dict[str, list[tuple[str, str]]]:
    """Each group's routes (method, path with its parameters filled in)."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            group = handler.opt.get(OPT_KEY)
            if group is None:
                continue
            path = route.path
            for name in route.path_parameters:
                path = path.replace("{" + name + ":" + _kind(route.path, name) + "}", PARAMETERS.get(name, "nothing"))
            for method in handler.http_methods:
                groups[group].append((method, path))
    return groups


def _kind(path: str, name: str) -> str:
    start = path.index("{" + name + ":") + len(name) + 2
    return path[start : path.index("}", start)]


async def _send(client: AsyncTestClient[Any], method: str, path: str, address: str) -> Any:
    headers = {"x-forwarded-for": address}
    if path.startswith("/api/"):
        return await client.request(method, path, json={}, headers=headers)
    return await client.request(method, path, data={"email": "nobody"}, headers={**headers, "accept": "text/html"})


def test_every_group_has_routes_and_every_route_a_known_group(limited_app: Litestar) -> None:
    assert set(_routes(limited_app)) == set(RATE_LIMIT_DEFAULTS)


@pytest.mark.parametrize("group", sorted(RATE_LIMIT_DEFAULTS))
async def test_a_group_refuses_a_client_past_its_limit_on_each_of_its_routes(
    group: str, limited_app: Litestar, behind_proxy: AsyncTestClient[Any]
) -> None:
    routes = _routes(limited_app)[group]
    address = f"198.51.100.{sorted(RATE_LIMIT_DEFAULTS).index(group) + 1}"
    # The group's routes count together: the limit is reached across them.
    for number in range(LIMIT):
        method, path = routes[number % len(routes)]
        answer = await _send(behind_proxy, method, path, address)
        assert answer.status_code != 429, (method, path)
    for method, path in routes:
        refused = await _send(behind_proxy, method, path, address)
        assert refused.status_code == 429, (method, path)
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        if path.startswith("/api/"):
            assert refused.json()["errors"]["rate_limit"]["code"] == "too_many_requests"
        else:
            assert refused.headers["content-type"].startswith("text/html")
    # Another client, and this client in another group, still get through.
    method, path = routes[0]
    assert (await _send(behind_proxy, method, path, "198.51.100.200")).status_code != 429
    other_group = next(g for g in sorted(RATE_LIMIT_DEFAULTS) if g != group)
    method, path = _routes(limited_app)[other_group][0]
    assert (await _send(behind_proxy, method, path, address)).status_code != 429


async def test_the_refusal_in_both_languages_and_the_apis_shape(behind_proxy: AsyncTestClient[Any]) -> None:
    address = "198.51.100.77"
    for _ in range(LIMIT):
        await behind_proxy.get("/api/v1/public/certificates/verify?number=NP-1", headers={"x-forwarded-for": address})
    api = await behind_proxy.get("/api/v1/public/certificates/verify?number=NP-1", headers={"x-forwarded-for": address})
    assert api.status_code == 429
    seconds = int(api.headers["retry-after"])
    assert api.json() == {
        "errors": {
            "rate_limit": {
                "code": "too_many_requests",
                "message": {
                    "en": f"Too many requests from your network: please try again in {seconds} s.",
                    "zh-Hans": f"来自您网络的请求过多：请在 {seconds} 秒后重试。",
                },
            }
        }
    }
    english = await behind_proxy.get(
        "/certificates/verify?number=NP-1", headers={"x-forwarded-for": address, "accept": "text/html"}
    )
    chinese = await behind_proxy.get(
        "/certificates/verify?number=NP-1",
        headers={"x-forwarded-for": address, "accept": "text/html", "accept-language": "zh-CN"},
    )
    assert english.status_code == chinese.status_code == 429
    assert "Too many requests" in english.text
    assert "please try again in" in english.text
    assert "请求过多" in chinese.text
    assert "秒后重试" in chinese.text


async def test_a_forged_forwarded_for_from_an_untrusted_peer_is_no_new_client(limited_app: Litestar) -> None:
    """Without a trusted proxy in front, ``X-Forwarded-For`` is the client's own word: ignored."""
    async with AsyncTestClient(app=limited_app, base_url=TEST_BASE_URL) as direct:
        answers = [
            await direct.post("/api/v1/signup", json={}, headers={"x-forwarded-for": f"192.0.2.{n}"})
            for n in range(LIMIT + 1)
        ]
    assert [a.status_code == 429 for a in answers] == [False] * LIMIT + [True]


def test_an_ipv6_client_counts_by_its_64_network() -> None:
    class Client:
        def __init__(self, host: str) -> None:
            self.client = type("Address", (), {"host": host})()

    assert client_of(Client("2001:db8:1:2:aaaa::1")) == client_of(Client("2001:db8:1:2:bbbb::9"))  # type: ignore[arg-type]
    assert client_of(Client("2001:db8:1:2::1")) != client_of(Client("2001:db8:1:3::1"))  # type: ignore[arg-type]
    assert client_of(Client("::ffff:203.0.113.5")) == "203.0.113.5"  # type: ignore[arg-type]
    assert client_of(Client("203.0.113.5")) == "203.0.113.5"  # type: ignore[arg-type]


async def test_openapi_documents_the_429_where_a_limit_counts(limited_app: Litestar) -> None:
    async with AsyncTestClient(app=limited_app, base_url=TEST_BASE_URL) as client:
        paths = (await client.get("/schema/openapi.json")).json()["paths"]
    estimates = paths["/api/v1/public/venues/{slug}/entry-points/{code}/estimates"]["post"]["responses"]["429"]
    assert estimates["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorsOut")
    assert "Retry-After" in estimates["description"]
    assert "429" in paths["/api/v1/public/certificates/verify"]["get"]["responses"]
    assert "429" in paths["/api/v1/signup"]["post"]["responses"]
    assert "429" not in paths["/api/v1/me"]["get"]["responses"]


def test_limits_are_settings() -> None:
    production = {**BASE_ENV, "NEUTRALPOINT_ENV": "production", "CERTIFICATE_SIGNING_KEY": "A" * 43}
    assert dict(Settings.from_env(production).rate_limits) == dict(RATE_LIMIT_DEFAULTS)
    assert dict(Settings.from_env({**BASE_ENV, "NEUTRALPOINT_ENV": "development"}).rate_limits) == dict(
        RATE_LIMIT_DEFAULTS
    )
    # The test suite's clients share one address: its tests turn on the limits they check.
    assert dict(Settings.from_env({**BASE_ENV, "NEUTRALPOINT_ENV": "test"}).rate_limits) == {}
    chosen = Settings.from_env(
        {**BASE_ENV, "NEUTRALPOINT_ENV": "development", "RATE_LIMIT_ESTIMATES": "20/second", "RATE_LIMIT_ORDERS": "off"}
    ).rate_limits
    assert chosen["estimates"] == RateLimit(20, "second")
    assert "orders" not in chosen
    assert chosen["sign_up"] == RATE_LIMIT_DEFAULTS["sign_up"]
    in_test = Settings.from_env({**BASE_ENV, "NEUTRALPOINT_ENV": "test", "RATE_LIMIT_SIGN_UP": "3/hour"}).rate_limits
    assert dict(in_test) == {"sign_up": RateLimit(3, "hour")}
    for wrong in ("20", "20/week", "0/minute", "-1/minute", "many/minute"):
        with pytest.raises(SettingsError, match="RATE_LIMIT_ESTIMATES"):
            Settings.from_env({**BASE_ENV, "RATE_LIMIT_ESTIMATES": wrong})


async def test_the_counters_in_memory_expire() -> None:
    now = [1000.0]
    store = CounterStore(clock=lambda: now[0])
    await store.set("a", "1", expires_in=60)
    await store.set("b", b"2", expires_in=timedelta(seconds=120))
    await store.set("kept", b"3")
    assert (await store.get("a"), await store.expires_in("b"), await store.expires_in("kept")) == (b"1", 120, None)
    now[0] += 60
    assert await store.get("a") is None
    assert await store.exists("b")
    now[0] += 60
    await store.delete_expired()
    assert set(store.values) == {"kept"}
    await store.delete("kept")
    assert not await store.exists("kept")
