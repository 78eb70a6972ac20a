"""One client's flood of estimates is refused (429, Retry-After) while other visitors go on:
the form and its JSON twin count together, with the fast path on (its shortcuts answer inside
the route, after the limiter) and off, and servers sharing Redis count together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from neutralpoint.app import create_app
from neutralpoint.fastpath import FastPath
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import RateLimit, Settings
from tests.conftest import TEST_BASE_URL, csrf_token

LIMIT = 5
INPUTS = {"distance_km": 100, "mode": "train", "return_trip": True, "nights": 2, "country": "cn", "meals": 2}
FORM = {"distance_km": "100", "mode": "train", "return_trip": "true", "nights": "2", "country": "cn", "meals": "2"}
FLOODER, NEIGHBOUR = "203.0.113.10", "203.0.113.20"


def _limited(settings: Settings, fast_path: FastPath, **changes: Any) -> Settings:
    limits = MappingProxyType({"estimates": RateLimit(LIMIT, "minute")})
    return replace(settings, fast_path=fast_path, rate_limits=limits, **changes)


@pytest.fixture(params=["on", "off"], ids=["fast-path-on", "fast-path-off"])
def flood_app(request: pytest.FixtureRequest, settings: Settings, registry: ScenarioRegistry) -> Litestar:
    """A fresh application (and so fresh counters) with the whole fast path, or none of it."""
    fast_path = FastPath() if request.param == "on" else FastPath.off()
    return create_app(_limited(settings, fast_path), registry)


@pytest.fixture
async def visitors(flood_app: Litestar) -> AsyncIterator[dict[str, AsyncTestClient[Any]]]:
    """Two visitors' browsers (each request says its network: ``X-Forwarded-For``, from the
    platform's proxy). The second shares the first's running app: entering a second client
    would start the app again in an event loop of its own, which pooled PostgreSQL
    connections cannot move between."""
    behind_proxy = ProxyHeadersMiddleware(flood_app, trusted_hosts="*")
    async with AsyncTestClient(app=behind_proxy, base_url=TEST_BASE_URL) as flooder:
        neighbour: AsyncTestClient[Any] = AsyncTestClient(app=behind_proxy, base_url=TEST_BASE_URL)
        neighbour.blocking_portal = flooder.blocking_portal
        yield {FLOODER: flooder, NEIGHBOUR: neighbour}


def _url(venue: Any) -> str:
    return f"/api/v1/public/venues/{venue.slug}/entry-points/{venue.code}/estimates"


async def _post_json(client: AsyncTestClient[Any], venue: Any, address: str) -> Any:
    return await client.post(_url(venue), json={"inputs": INPUTS}, headers={"x-forwarded-for": address})


async def test_a_flood_of_json_estimates_is_refused_and_the_neighbour_gets_through(
    flood_app: Litestar, visitors: dict[str, AsyncTestClient[Any]], make_venue: Any, count_estimates: Any
) -> None:
    venue = await make_venue()
    flooder = visitors[FLOODER]
    answers = [await _post_json(flooder, venue, FLOODER) for _ in range(LIMIT + 10)]
    assert [a.status_code for a in answers] == [201] * LIMIT + [429] * 10
    refused = answers[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["errors"]["rate_limit"]["code"] == "too_many_requests"
    assert (await _post_json(visitors[NEIGHBOUR], venue, NEIGHBOUR)).status_code == 201
    assert await count_estimates(venue.id) == LIMIT + 1  # nothing of the refused ones stored


async def test_the_form_and_its_json_twin_count_together(
    flood_app: Litestar, visitors: dict[str, AsyncTestClient[Any]], make_venue: Any, count_estimates: Any
) -> None:
    venue = await make_venue()
    flooder = visitors[FLOODER]
    forwarded = {"x-forwarded-for": FLOODER}
    assert (await flooder.get(venue.entry_point_url, headers=forwarded)).status_code == 200  # pages are not counted

    async def post_form(lang: str = "en") -> Any:
        return await flooder.post(
            venue.entry_point_url,
            data={**FORM, "_csrf_token": csrf_token(flooder)},
            headers={**forwarded, "accept": "text/html", "accept-language": lang},
            follow_redirects=False,
        )

    assert [(await post_form()).status_code for _ in range(LIMIT - 1)] == [303] * (LIMIT - 1)
    assert (await _post_json(flooder, venue, FLOODER)).status_code == 201
    english, chinese = await post_form(), await post_form("zh-CN")
    assert english.status_code == chinese.status_code == 429
    assert int(english.headers["retry-after"]) >= 1
    assert english.headers["content-type"].startswith("text/html")
    assert "Too many requests" in english.text
    assert f'<a href="/v/{venue.slug}">' in english.text  # back to the venue's page
    assert "请求过多" in chinese.text
    assert (await _post_json(flooder, venue, FLOODER)).status_code == 429
    assert await count_estimates(venue.id) == LIMIT


async def test_servers_sharing_redis_count_a_client_together(
    settings: Settings, registry: ScenarioRegistry, redis_url: str, make_venue: Any, count_estimates: Any
) -> None:
    first, second = (create_app(_limited(settings, FastPath(), redis_url=redis_url), registry) for _ in range(2))
    venue = await make_venue()
    async with AsyncExitStack() as stack:
        one, two = [
            await stack.enter_async_context(
                AsyncTestClient(app=ProxyHeadersMiddleware(app, trusted_hosts="*"), base_url=TEST_BASE_URL)
            )
            for app in (first, second)
        ]
        answers = [await _post_json(one if n % 2 else two, venue, FLOODER) for n in range(LIMIT)]
        assert [a.status_code for a in answers] == [201] * LIMIT
        # Each server has seen fewer than LIMIT, but together they have seen LIMIT.
        assert (await _post_json(one, venue, FLOODER)).status_code == 429
        assert (await _post_json(two, venue, FLOODER)).status_code == 429
        assert (await _post_json(one, venue, NEIGHBOUR)).status_code == 201
    assert await count_estimates(venue.id) == LIMIT + 1
