"""The calculator's JSON twins under ``/api/v1``."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from neutralpoint.scenarios.manager import ScenarioRegistry

INPUTS = {"distance_km": 100, "mode": "train", "return_trip": True, "nights": 2, "country": "cn", "meals": 2}
GRAMS = 117_092


def _estimates_url(venue: Any) -> str:
    return f"/api/v1/public/venues/{venue.slug}/entry-points/{venue.code}/estimates"


async def test_scenarios_list_their_forms_in_both_languages(client: Any, registry: ScenarioRegistry) -> None:
    response = await client.get("/api/v1/scenarios")
    assert response.status_code == 200
    body = response.json()
    assert [s["id"] for s in body] == [s.id for s in registry.ordered()]
    dummy = next(s for s in body if s["id"] == "dummy")
    assert dummy["factor_set_version"] == "2025.1"
    assert dummy["name"] == {"en": "Test trip", "zh-Hans": "测试行程"}
    fields = {f["name"]: f for f in dummy["form"]["fields"]}
    assert fields["distance_km"]["kind"] == "number"
    assert fields["distance_km"]["unit"] == {"en": "km", "zh-Hans": "公里"}
    assert (fields["distance_km"]["minimum"], fields["distance_km"]["maximum"]) == ("0", "40000")
    assert fields["distance_km"]["decimals"] == 1
    assert fields["distance_km"]["required"] is False
    assert fields["nights"]["default"] == 0
    assert fields["return_trip"]["default"] is True
    assert [c["value"] for c in fields["mode"]["choices"]] == ["train", "car", "coach", "plane", "ferry"]
    assert fields["mode"]["choices"][0]["label"] == {"en": "Train", "zh-Hans": "火车"}
    assert fields["origin"]["help"]["zh-Hans"].startswith("城市名称")
    assert fields["nights"]["section"] == {"en": "Your stay", "zh-Hans": "住宿"}
    assert (fields["nights"]["essential"], fields["note"]["essential"]) == (True, False)  # the page folds the note


async def test_one_scenario_with_its_current_factor_set(client: Any) -> None:
    body = (await client.get("/api/v1/scenarios/dummy")).json()
    assert body["factor_set"]["version"] == "2025.1"
    assert body["factor_set_versions"] == ["2024.1", "2025.1"]
    factors = {f["key"]: f for f in body["factor_set"]["factors"]}
    assert factors["plane"]["value"] == "0.14253"
    assert factors["plane"]["unit"] == "kg CO2e / passenger-km"
    assert factors["plane"]["source"]["publisher"] == "UK DESNZ"
    assert factors["meal"]["source"]["estimate"] is True
    assert (await client.get("/api/v1/scenarios/no-such-thing")).status_code == 404


async def test_entry_point_info_shows_the_form_left_after_presets(client: Any, make_venue: Any) -> None:
    venue = await make_venue(presets={"country": "uk"}, color="#123456", logo_version=2)
    response = await client.get(f"/api/v1/public/venues/{venue.slug}/entry-points/{venue.code}")
    assert response.status_code == 200
    body = response.json()
    assert body["venue"] == {
        "slug": venue.slug,
        "display_name": venue.display_name,
        "primary_color": "#123456",
        "default_language": "en",
        "logo_url": f"/v/{venue.slug}/logo?v=2",
    }
    assert body["scenario"]["id"] == "dummy"
    assert body["event"] == {
        "name": "Digital Carbon Neutrality Summit",
        "starts_on": "2026-09-07",
        "ends_on": "2026-09-09",
    }
    assert body["preset_fields"] == ["country"]
    assert "country" not in [f["name"] for f in body["form"]["fields"]]
    assert (await client.get(f"/api/v1/public/venues/{venue.slug}/entry-points/nope")).status_code == 404


async def test_create_read_back_and_list_an_estimate(client: Any, make_venue: Any, count_estimates: Any) -> None:
    venue = await make_venue()
    response = await client.post(_estimates_url(venue), json={"inputs": INPUTS, "language": "zh-Hans"})
    assert response.status_code == 201
    created = response.json()
    assert created["total_grams"] == GRAMS
    assert created["factor_set_version"] == "2025.1"
    assert created["language"] == "zh-Hans"
    assert created["entry_point"] == venue.code
    assert [line["grams"] for line in created["breakdown"]] == [7092, 107000, 3000]
    first = created["breakdown"][0]
    assert (first["quantity"], first["per"], first["factor_value"]) == ("200", "passenger-km", "0.03546")
    assert created["sources"][first["source"]]["document"] == "Greenhouse gas reporting: conversion factors 2025"
    comparison = created["comparison"]
    assert [(p["region"], p["days"]) for p in comparison["person_days"]] == [("china", "5.1"), ("world", "9.1")]
    assert comparison["petrol_car_km"] == "561.0"
    assert created["url"].endswith(f"/v/{venue.slug}/r/{created['id']}")
    visitor_id = created["visitor_id"]
    uuid.UUID(visitor_id)
    assert await count_estimates(venue.id) == 1

    read = await client.get(f"/api/v1/estimates/{created['id']}", params={"venue": venue.slug})
    assert read.status_code == 200
    body = read.json()
    assert body["total_grams"] == GRAMS
    assert body["breakdown"] == created["breakdown"]
    assert body["sources"] == created["sources"]
    assert body["visitor_id"] is None  # the link alone does not reveal whose it is

    history = await client.get(f"/api/v1/public/venues/{venue.slug}/visitors/{visitor_id}/estimates")
    assert history.status_code == 200
    assert [e["id"] for e in history.json()["estimates"]] == [created["id"]]


async def test_visitor_id_from_the_body_is_kept(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    visitor_id = str(uuid.uuid4())
    first = await client.post(_estimates_url(venue), json={"inputs": INPUTS, "visitor_id": visitor_id})
    second = await client.post(
        _estimates_url(venue), json={"inputs": {**INPUTS, "nights": 0}, "visitor_id": visitor_id}
    )
    assert first.json()["visitor_id"] == visitor_id
    listed = (await client.get(f"/api/v1/public/venues/{venue.slug}/visitors/{visitor_id}/estimates")).json()
    assert [e["id"] for e in listed["estimates"]] == [second.json()["id"], first.json()["id"]]
    assert [e["total_grams"] for e in listed["estimates"]] == [GRAMS - 107_000, GRAMS]


async def test_field_errors_in_both_languages_and_nothing_stored(
    client: Any, make_venue: Any, count_estimates: Any
) -> None:
    venue = await make_venue()
    response = await client.post(
        _estimates_url(venue), json={"inputs": {**INPUTS, "distance_km": -1, "nights": "abc", "mode": "rocket"}}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["distance_km"] == {
        "code": "too_small",
        "message": {"en": "Must be at least 0 km.", "zh-Hans": "不能小于 0 公里。"},
    }
    assert errors["nights"]["code"] == "not_an_integer"
    assert errors["mode"]["code"] == "unknown_choice"
    assert await count_estimates(venue.id) == 0


async def test_rule_across_fields_is_a_field_error(client: Any, make_venue: Any, count_estimates: Any) -> None:
    venue = await make_venue()
    inputs = {k: v for k, v in INPUTS.items() if k != "distance_km"}
    response = await client.post(_estimates_url(venue), json={"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["errors"]["distance_km"]["message"]["en"] == "Give your city or the distance."
    assert await count_estimates(venue.id) == 0


async def test_unknown_input_keys_and_body_keys_are_refused(client: Any, make_venue: Any, count_estimates: Any) -> None:
    venue = await make_venue()
    unknown_input = await client.post(_estimates_url(venue), json={"inputs": {**INPUTS, "bogus": 1}})
    assert unknown_input.status_code == 400
    assert unknown_input.json()["errors"] == {
        "bogus": {
            "code": "unknown_field",
            "message": {"en": "This form has no such field.", "zh-Hans": "表单中没有此项。"},
        }
    }
    unknown_body = await client.post(_estimates_url(venue), json={"inputs": INPUTS, "extra": True})
    assert unknown_body.status_code == 400
    assert unknown_body.json()["errors"]["extra"]["code"] == "unknown_field"
    bad_language = await client.post(_estimates_url(venue), json={"inputs": INPUTS, "language": "fr"})
    assert bad_language.status_code == 400
    assert bad_language.json()["errors"]["language"]["code"] == "unknown_choice"
    assert await count_estimates(venue.id) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"inputs": {"distance_km": 1e400}}', "body"),
        ('{"inputs": {"distance_km": NaN}}', "body"),
        ("not json", "body"),
        ("[]", "body"),
        ('{"inputs": [1]}', "inputs"),
        ('{"inputs": {}, "visitor_id": "not-a-uuid"}', "visitor_id"),
    ],
)
async def test_a_body_that_cannot_be_read_gets_the_same_error_shape(
    client: Any, make_venue: Any, count_estimates: Any, body: str, field: str
) -> None:
    venue = await make_venue()
    response = await client.post(_estimates_url(venue), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert errors[field]["message"]["en"]
    assert errors[field]["message"]["zh-Hans"]
    assert await count_estimates(venue.id) == 0


async def test_city_by_name_or_by_id(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    inputs = {k: v for k, v in INPUTS.items() if k != "distance_km"}
    by_name = await client.post(_estimates_url(venue), json={"inputs": {**inputs, "origin": "北京", "mode": "plane"}})
    assert by_name.status_code == 201
    stored_city = by_name.json()["inputs"]["origin"]
    assert stored_city["name"] == "Beijing"
    by_id = await client.post(
        _estimates_url(venue),
        json={"inputs": {**inputs, "origin": {"city_id": stored_city["city_id"]}, "mode": "plane"}},
    )
    assert by_id.status_code == 201
    assert by_id.json()["total_grams"] == by_name.json()["total_grams"]


async def test_estimates_are_scoped_to_the_venue_given(client: Any, make_venue: Any) -> None:
    venue = await make_venue()
    other = await make_venue()
    created = (await client.post(_estimates_url(venue), json={"inputs": INPUTS})).json()
    assert (await client.get(f"/api/v1/estimates/{created['id']}", params={"venue": other.slug})).status_code == 404
    assert (await client.get(f"/api/v1/estimates/{created['id']}")).status_code == 400
    assert (await client.get(f"/api/v1/estimates/{uuid.uuid4()}", params={"venue": venue.slug})).status_code == 404
    listed = await client.get(f"/api/v1/public/venues/{other.slug}/visitors/{created['visitor_id']}/estimates")
    assert listed.json()["estimates"] == []
    closed = await make_venue(active=False)
    assert (await client.post(_estimates_url(closed), json={"inputs": INPUTS})).status_code == 404


async def test_the_api_is_documented_in_openapi(client: Any) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/scenarios",
        "/api/v1/scenarios/{scenario_id}",
        "/api/v1/public/venues/{slug}/entry-points/{code}",
        "/api/v1/public/venues/{slug}/entry-points/{code}/estimates",
        "/api/v1/estimates/{estimate_id}",
        "/api/v1/public/venues/{slug}/visitors/{visitor_id}/estimates",
    ):
        assert path in paths, path
    create = paths["/api/v1/public/venues/{slug}/entry-points/{code}/estimates"]["post"]
    assert "201" in create["responses"]
    assert "400" in create["responses"]
    components = schema["components"]["schemas"]
    for name in ("EstimateIn", "EstimateOut", "ErrorsOut", "ScenarioOut", "FactorSetOut", "VisitorEntryPointOut"):
        assert name in components, name
    assert set(components["LocalizedText"]["properties"]) == {"en", "zh-Hans"}
    for page in ("/v/{slug}/{code}", "/v/{slug}/me", "/v/{slug}/r/{estimate_id}"):
        assert page not in paths  # HTML pages are not part of the API
