"""The visitor's submissions served ahead of the router (``neutralpoint.fastpath.edge``).

A valid submission is answered by the edge; anything else by the route handlers, which
call the same ``submissions`` functions. These tests send the same submission both ways
(a content type the edge does not take sends it to the handler) and compare the answers,
and check that whatever the edge hands on reaches the application whole.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from litestar.middleware import DefineMiddleware
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from neutralpoint.app import create_app
from neutralpoint.fastpath.edge import MAX_BODY
from neutralpoint.plugin_api import (
    BreakdownLine,
    CalculationContext,
    Factor,
    FactorSet,
    Field,
    Form,
    Scenario,
    Source,
    hookimpl,
)
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from tests.conftest import csrf_token, open_client

INPUTS = {"distance_km": 100, "mode": "train", "return_trip": True, "nights": 2, "country": "cn", "meals": 2}
FORM = {"distance_km": "100", "mode": "train", "return_trip": "true", "nights": "2", "country": "cn", "meals": "2"}
GRAMS = 117_092
BASE = "http://testserver.local"


def _estimates_url(venue: Any) -> str:
    return f"/api/v1/public/venues/{venue.slug}/entry-points/{venue.code}/estimates"


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """An estimate's answer without what differs between two estimates (id, time, visitor)."""
    return {k: v for k, v in body.items() if k not in ("id", "created_at", "url", "visitor_id")}


async def test_the_edge_and_the_handler_answer_a_json_submission_alike(
    app: Any, make_venue: Any, count_estimates: Any
) -> None:
    venue = await make_venue()
    body = json.dumps({"inputs": INPUTS, "language": "zh-Hans"})
    answers = []
    for content_type in ("application/json", "text/plain"):  # the edge's, then the handler's
        async with open_client(app, BASE) as client:
            answers.append(
                await client.post(
                    _estimates_url(venue),
                    content=body,
                    # Uncompressed, so that the body read is the body sent.
                    headers={"content-type": content_type, "accept-encoding": "identity"},
                )
            )
    by_edge, by_handler = answers
    assert by_edge.status_code == by_handler.status_code == 201
    assert by_edge.headers["content-type"] == by_handler.headers["content-type"] == "application/json"
    assert int(by_edge.headers["content-length"]) == len(by_edge.content)
    assert _comparable(by_edge.json()) == _comparable(by_handler.json())
    assert by_edge.json()["total_grams"] == GRAMS
    for answer in answers:
        cookie = answer.headers["set-cookie"]
        # The visitor's id, signed: a browser cannot name someone else's history.
        assert cookie.startswith(f"np_visitor={uuid.UUID(answer.json()['visitor_id']).hex}.")
        assert "HttpOnly" in cookie
        assert "Max-Age=34560000" in cookie
    assert await count_estimates(venue.id) == 2


async def test_field_errors_come_from_the_edge_as_from_the_handler(
    app: Any, make_venue: Any, count_estimates: Any
) -> None:
    venue = await make_venue()
    body = json.dumps({"inputs": {**INPUTS, "nights": -1, "mode": "rocket"}})
    answers = []
    for content_type in ("application/json", "text/plain"):
        async with open_client(app, BASE) as client:
            answers.append(
                await client.post(_estimates_url(venue), content=body, headers={"content-type": content_type})
            )
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert set(answers[0].json()["errors"]) == {"nights", "mode"}
    assert await count_estimates(venue.id) == 0


async def test_what_the_edge_does_not_take_reaches_the_application_whole(
    client: Any, make_venue: Any, count_estimates: Any
) -> None:
    venue = await make_venue()
    url = _estimates_url(venue)
    # Not JSON at all: the handler's own 400, not a crash at the edge.
    broken = await client.post(url, content=b'{"inputs": ', headers={"content-type": "application/json"})
    assert broken.status_code == 400
    # Larger than the edge reads: handed on with the part already read, then refused by the handler.
    padding = "x" * (MAX_BODY * 2)
    large = await client.post(url, json={"inputs": {**INPUTS, "origin": padding}})
    assert large.status_code == 400
    assert "origin" in large.json()["errors"]
    # An unknown entry point: the application's 404 in JSON.
    missing = await client.post(
        f"/api/v1/public/venues/{venue.slug}/entry-points/nope/estimates", json={"inputs": INPUTS}
    )
    assert missing.status_code == 404
    assert missing.json()["status_code"] == 404
    assert await count_estimates(venue.id) == 0


async def test_the_edge_and_the_handler_answer_a_form_alike(client: Any, make_venue: Any, count_estimates: Any) -> None:
    venue = await make_venue()
    await client.get(venue.entry_point_url)
    token = csrf_token(client)
    by_edge = await client.post(venue.entry_point_url, data={**FORM, "_csrf_token": token}, follow_redirects=False)
    # multipart/form-data is a form the edge leaves to the handler
    fields = {k: (None, v) for k, v in {**FORM, "_csrf_token": token}.items()}
    by_handler = await client.post(venue.entry_point_url, files=fields, follow_redirects=False)
    for answer in (by_edge, by_handler):
        assert answer.status_code == 303
        assert answer.headers["location"].startswith(f"/v/{venue.slug}/r/")
    assert by_edge.headers["location"] != by_handler.headers["location"]
    assert by_edge.headers["set-cookie"].startswith("np_visitor=")  # the first submission names the visitor
    assert "set-cookie" not in by_handler.headers  # the second comes with that cookie
    page = await client.get(by_edge.headers["location"])
    assert page.status_code == 200
    assert "117 kg" in page.text
    assert await count_estimates(venue.id) == 2


async def test_a_refused_form_is_answered_by_the_handler(client: Any, make_venue: Any, count_estimates: Any) -> None:
    venue = await make_venue()
    await client.get(venue.entry_point_url)
    forged = await client.post(venue.entry_point_url, data={**FORM, "_csrf_token": "0" * 128})
    assert forged.status_code == 400  # the form again with the answers: the token had expired
    assert "This form had expired" in forged.text
    invalid = await client.post(
        venue.entry_point_url,
        data={**FORM, "nights": "-1", "_csrf_token": csrf_token(client)},
        headers={"accept": "text/html"},
    )
    assert invalid.status_code == 400
    assert 'value="-1"' in invalid.text  # the form again, as typed, with its token
    assert csrf_token(client) in invalid.text
    assert await count_estimates(venue.id) == 0


SOURCE = Source(publisher="Test", document="Test factors", year=2025)


class ContractBreaker:
    """A scenario whose calculation returns a negative line: a plugin bug found at run time."""

    @hookimpl
    def neutralpoint_scenarios(self) -> list[Scenario]:
        factor = Factor("x", Decimal("1"), "kg", {"en": "X", "zh-Hans": "X"}, SOURCE)
        return [
            Scenario(
                id="breaker",
                name={"en": "Breaker", "zh-Hans": "故障"},
                description={"en": "Breaks.", "zh-Hans": "出错。"},
                form=Form((Field("km", "number", {"en": "Distance", "zh-Hans": "距离"}, minimum=0, maximum=100),)),
                factor_sets=[FactorSet.of("breaker", "1", [factor])],
                calculate=self.calculate,
            )
        ]

    @staticmethod
    def calculate(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
        factor = factors["x"]
        return [BreakdownLine("x", factor.label, Decimal(1), factor.per, factor.key, -1)]


@pytest.fixture
def breaker_app(settings: Settings) -> Any:
    registry = ScenarioRegistry()
    status = registry.add("breaker", ContractBreaker())
    assert status.loaded, status.reason
    return create_app(settings, registry)


async def test_an_unexpected_error_at_the_edge_is_the_applications_error(
    breaker_app: Any, make_venue: Any, count_estimates: Any, caplog: pytest.LogCaptureFixture
) -> None:
    venue = await make_venue(scenario="breaker")
    caplog.set_level(logging.ERROR, logger="neutralpoint")
    async with AsyncTestClient(app=breaker_app, base_url=BASE) as client:
        api = await client.post(_estimates_url(venue), json={"inputs": {"km": 5}})
        await client.get(venue.entry_point_url)
        form = await client.post(
            venue.entry_point_url, data={"km": "5", "_csrf_token": csrf_token(client)}, headers={"accept": "text/html"}
        )
    assert api.status_code == 500
    assert api.json() == {"status_code": 500, "detail": "Internal server error"}
    assert form.status_code == 500
    assert form.headers["content-type"].startswith("text/html")
    assert "<html" in form.text
    logged = [r for r in caplog.records if r.name == "neutralpoint" and "unhandled error" in r.getMessage()]
    assert len(logged) == 2
    assert "is negative" in str(logged[0].exc_info[1] if logged[0].exc_info else "")
    assert await count_estimates(venue.id) == 0


class RequestLog:
    """An application middleware as a request log or a rate limit would be added: it records
    each request's path and status, and whether the route handler read its body."""

    def __init__(self, app: ASGIApp, seen: list[tuple[str, int, bool]]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, sending)
        handler_read_body = ScopeState.from_scope(scope).body is not Empty
        self.seen.append((scope["path"], status, handler_read_body))


async def test_application_middleware_sees_the_submissions_the_edge_answers(
    settings: Settings, registry: ScenarioRegistry, make_venue: Any, count_estimates: Any
) -> None:
    seen: list[tuple[str, int, bool]] = []
    logged_app = create_app(settings, registry, middleware=[DefineMiddleware(RequestLog, seen=seen)])
    venue = await make_venue()
    body = json.dumps({"inputs": INPUTS, "language": "en"})
    async with AsyncTestClient(app=logged_app, base_url=BASE) as client:
        by_edge = await client.post(_estimates_url(venue), content=body, headers={"content-type": "application/json"})
        by_handler = await client.post(_estimates_url(venue), content=body, headers={"content-type": "text/plain"})
        await client.get(venue.entry_point_url)
        form = await client.post(
            venue.entry_point_url, data={**FORM, "_csrf_token": csrf_token(client)}, follow_redirects=False
        )
    assert by_edge.status_code == by_handler.status_code == 201
    assert form.status_code == 303
    assert seen == [
        (_estimates_url(venue), 201, False),  # answered at the edge: the handler never read it
        (_estimates_url(venue), 201, True),  # answered by the handler
        (venue.entry_point_url, 200, False),
        (venue.entry_point_url, 303, False),
    ]
    assert await count_estimates(venue.id) == 3


@pytest.fixture(scope="module")
def app(app_both_ways: Any) -> Any:
    """Every other test here runs with the whole fast path and without it."""
    return app_both_ways
