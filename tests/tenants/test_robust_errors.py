"""Bodies that cannot be read answer 400 in the documented ``errors`` shape, never 500."""

from __future__ import annotations

from typing import Any

import pytest
from tenant_flows import log_in, sign_up

DEEP = b'{"a":' * 5000 + b"1" + b"}" * 5000
DEEP_LIST = b"[" * 100_000 + b"]" * 100_000


def _unreadable(answer: Any) -> None:
    assert answer.status_code == 400, answer.text
    error = answer.json()["errors"]["body"]
    assert error["code"] == "unreadable"
    assert error["message"]["en"].startswith("The request could not be read")
    assert error["message"]["zh-Hans"].startswith("无法读取请求内容")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/signup",
        "/api/v1/login",
        "/api/v1/verify",
        "/api/v1/account/password-reset",
        "/api/v1/account/password-reset/confirm",
        "/api/v1/invitations/some-token/accept",
    ],
)
@pytest.mark.parametrize("body", [DEEP, DEEP_LIST], ids=["object", "list"])
async def test_deeply_nested_json_is_a_bad_request(client: Any, path: str, body: bytes) -> None:
    answer = await client.post(path, content=body, headers={"content-type": "application/json"})
    _unreadable(answer)
    assert "nested too deeply" in answer.json()["errors"]["body"]["message"]["en"]


@pytest.mark.parametrize("body", [b'{"email": ', b"{'email': 1}", b"\xff\xfe"])
async def test_malformed_json_on_the_account_api_names_the_body(client: Any, body: bytes) -> None:
    for path in ("/api/v1/signup", "/api/v1/login", "/api/v1/account/password-reset"):
        _unreadable(await client.post(path, content=body, headers={"content-type": "application/json"}))


async def test_malformed_json_on_the_venue_api_names_the_body(client: Any, db: Any, unique: str) -> None:
    slug, email = f"broken-{unique}", f"broken-{unique}@example.org"
    await sign_up(client, slug, email)
    await log_in(client, email)
    for method, path in (
        ("PATCH", f"/api/v1/venues/{slug}"),
        ("POST", f"/api/v1/venues/{slug}/entry-points"),
        ("POST", f"/api/v1/venues/{slug}/invitations"),
    ):
        for body in (b'{"display_name": ', DEEP):
            answer = await client.request(method, path, content=body, headers={"content-type": "application/json"})
            _unreadable(answer)
    # Signed out, the same call is refused before its body is read, as documented.
    await client.post("/api/v1/logout")
    refused = await client.patch(f"/api/v1/venues/{slug}", content=DEEP, headers={"content-type": "application/json"})
    assert refused.status_code == 401


async def test_401_and_404_are_documented(client: Any) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    venue = schema["paths"]["/api/v1/venues/{slug}"]["patch"]["responses"]
    assert set(venue) >= {"200", "400", "401", "404"}
    ref = venue["401"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/HTTPErrorOut")
    error_schema = schema["components"]["schemas"]["HTTPErrorOut"]
    assert set(error_schema["required"]) == {"status_code", "detail"}
    login = schema["paths"]["/api/v1/login"]["post"]["responses"]
    assert "401" not in login
    assert "404" not in login
    public = schema["paths"]["/api/v1/public/venues/{slug}/entry-points/{code}/estimates"]["post"]["responses"]
    assert "404" in public
    assert "401" not in public
    # What the documentation promises is what a signed-out client gets.
    answer = await client.get("/api/v1/venues")
    assert answer.status_code == 401
    assert set(answer.json()) == {"status_code", "detail"}
