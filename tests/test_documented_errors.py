"""Errors the API fuzzing found (tests/test_api_fuzzing.py), each pinned by a test of its own,
and the documentation of every error answer that the fuzzing holds the API to."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

NUL_CODE = "nul_character"


def _refused(answer: Any, field: str, code: str = NUL_CODE) -> None:
    assert answer.status_code == 400, answer.text
    error = answer.json()["errors"][field]
    assert error["code"] == code
    assert error["message"]["en"]
    assert error["message"]["zh-Hans"]


async def test_a_nul_in_the_query_is_bad_input(client: Any) -> None:
    # On PostgreSQL the NUL reached the venue lookup and failed it: a 500.
    _refused(await client.get("/api/v1/estimates/abc?venue=a%00b"), "query")
    _refused(await client.get("/api/v1/public/leaderboard?period=%00"), "query")


async def test_a_nul_in_the_path_is_bad_input(client: Any) -> None:
    _refused(await client.get("/api/v1/public/venues/a%00b"), "path")
    _refused(await client.get("/api/v1/estimates/a%00b?venue=somewhere"), "path")


async def test_a_nul_in_an_email_address_is_refused_by_the_rule(client: Any) -> None:
    # The address rule took a NUL in the local part, and PostgreSQL then failed the lookup.
    _refused(
        await client.post("/api/v1/footprint/keep", json={"email": "a\x00b@example.org"}), "email", "email_invalid"
    )
    # A reset answers every address alike, a malformed one included.
    reset = await client.post("/api/v1/account/password-reset", json={"email": "a\x00b@example.org"})
    assert reset.status_code == 202, reset.text


async def test_a_nul_that_reaches_the_database_is_bad_input(client: Any, unique: str) -> None:
    """A name is free text: SQLite stores a NUL in it, PostgreSQL cannot, and answers it as
    bad input on the body instead of failing the request."""
    body = {"name": "Nul", "slug": f"nul-{unique}", "email": f"nul-{unique}@example.org"}
    assert (await client.post("/api/v1/signup", json={**body, "password": "correct horse battery"})).status_code == 201
    answer = await client.patch("/api/v1/me", json={"name": "a\x00b"})
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 400:
        _refused(answer, "body")
    # Nothing else was broken: the account still answers.
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_the_stripe_webhook_without_a_secret_is_not_a_server_error(client: Any) -> None:
    # No STRIPE_WEBHOOK_SECRET in the test settings: the platform takes no Stripe events.
    answer = await client.post("/api/v1/webhooks/stripe", content=b"{}", headers={"content-type": "application/json"})
    assert answer.status_code == 404
    assert answer.json() == {"outcome": "STRIPE_WEBHOOK_SECRET is not set"}
    schema = (await client.get("/schema/openapi.json")).json()
    documented = schema["paths"]["/api/v1/webhooks/stripe"]["post"]["responses"]
    assert {"200", "400", "404"} <= set(documented)
    assert "201" not in documented


async def test_the_footprint_download_is_documented_as_the_object_it_is(client: Any) -> None:
    answer = await client.get("/api/v1/footprint/download.json")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment")
    assert {"estimates", "orders", "computed_grams"} <= set(answer.json())
    schema = (await client.get("/schema/openapi.json")).json()
    ok = schema["paths"]["/api/v1/footprint/download.json"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/FootprintOut")


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _schema_of(response: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


async def test_every_error_answer_is_documented_in_the_api_shape(client: Any) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    assert set(components["ErrorsOut"]["required"]) == {"errors"}
    operations = _operations(schema)
    assert len(operations) > 100
    for path, method, operation in operations:
        responses = operation["responses"]
        label = f"{method.upper()} {path}"
        if "400" in responses and path != "/api/v1/webhooks/stripe":
            # Never Litestar's own {status_code, detail, extra}: the app answers ``errors``.
            assert _schema_of(responses["400"])["$ref"].endswith("/ErrorsOut"), label
        if "{" in path:
            assert "404" in responses, label
        if "404" in responses and path != "/api/v1/webhooks/stripe":
            refs = {shape["$ref"].rsplit("/", 1)[1] for shape in _schema_of(responses["404"]).get("oneOf", [])}
            assert refs == {"HTTPErrorOut", "ErrorsOut"} or _schema_of(responses["404"])["$ref"].endswith(
                "/ErrorsOut"
            ), label
        if path.startswith("/api/") and method != "get":
            assert "403" in responses, label
        if "401" in responses:
            assert _schema_of(responses["401"])["$ref"].endswith("/HTTPErrorOut"), label
    # The reference's own pages are not operations of the API.
    assert not [path for path in schema["paths"] if path.startswith("/schema")]


async def test_conflicts_are_documented_where_they_happen(client: Any) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path in (
        "/api/v1/platform/venues/{slug}/approve",
        "/api/v1/platform/venues/{slug}/suspend",
        "/api/v1/platform/venues/{slug}/reactivate",
        "/api/v1/venues/{slug}/host/prove",
        "/api/v1/venues/{slug}/orders/{reference}/refund",
    ):
        assert "409" in schema["paths"][path]["post"]["responses"], path


async def test_a_400_on_any_api_route_has_the_errors_shape(client: Any) -> None:
    """Routes that set no exception handler of their own answer in the documented shape too."""
    for path in ("/api/v1/public/leaderboard?period=decade", "/api/v1/credits/projects?page=x"):
        answer = await client.get(path)
        assert answer.status_code in (400, 401), (path, answer.text)
        if answer.status_code == 400:
            assert set(answer.json()) == {"errors"}, path
    unreadable = await client.post(
        "/api/v1/footprint/keep", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    _refused(unreadable, "body", "unreadable")


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
async def test_options_answers_every_path_with_all_its_methods(
    client: Any, app: Litestar, signed_in: bool, unique: str
) -> None:
    """204 and ``Allow`` on every path, guarded or not: it tells the methods, nothing else."""
    if signed_in:
        body = {"name": "Options", "slug": f"opts-{unique}", "email": f"opts-{unique}@example.org"}
        answer = await client.post("/api/v1/signup", json={**body, "password": "correct horse battery"})
        assert answer.status_code == 201, answer.text
        assert client.cookies.get("np_session")
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.methods:
            continue
        path = re.sub(r"\{[^}:]+:uuid\}", "00000000-0000-0000-0000-000000000000", route.path)
        path = re.sub(r"\{[^}:]+:(int|float)\}", "1", path)
        path = re.sub(r"\{[^}:]+(:[a-z]+)?\}", "x", path)
        answer = await client.options(path)
        if answer.headers.get("allow") is None and answer.status_code == 404:
            continue  # a path parameter of another type, or a path shadowed by a longer route
        assert answer.status_code == 204, (route.path, answer.status_code, answer.text)
        allowed = {method.strip() for method in answer.headers["allow"].split(",")}
        assert allowed == set(route.methods), route.path
        checked += 1
    assert checked > 100
