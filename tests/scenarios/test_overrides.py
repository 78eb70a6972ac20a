"""Venue factor overrides: a measured value with a note and evidence, used by the venue's estimates.

Arithmetic: hotels, China, published 53.5 kg CO2e per room-night; a 4★ class ratio 1.1534
applies to the published value only. With the venue's measured 20.0 kg per room-night,
2 nights = 40.0 kg and no class ratio (a measured value already is that hotel).
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image
from signed_in import client_as, csrf, make_person, make_place

from neutralpoint.database.engine import Database
from neutralpoint.scenarios import overrides
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.tenants.models import Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def image_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 90)).save(buffer, format=kind)
    return buffer.getvalue()


def test_evidence_is_recognised_by_its_content() -> None:
    assert overrides.sniff_evidence(PDF) == "application/pdf"
    assert overrides.sniff_evidence(image_bytes("PNG")) == "image/png"
    assert overrides.sniff_evidence(image_bytes("JPEG")) == "image/jpeg"
    assert overrides.sniff_evidence(b"GIF89a....") is None
    assert overrides.sniff_evidence(b"<html>%PDF-</html>") is None
    assert overrides.sniff_evidence(b"\x89PNG\r\n\x1a\n" + b"not really a png") is None


async def _post(client: Any, slug: str, data: dict[str, str], evidence: tuple[str, bytes, str] | None) -> Any:
    page = await client.get(f"/venue/{slug}/factor-overrides", headers={"accept": "text/html"})
    assert page.status_code == 200, page.text
    files = {"evidence": evidence} if evidence else None
    return await client.post(
        f"/venue/{slug}/factor-overrides",
        data={**data, "_csrf_token": csrf(client)},
        files=files,
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


async def test_a_manager_overrides_a_factor_and_estimates_use_it(
    app: Any, settings: Any, db: Database, registry: ScenarioRegistry
) -> None:
    place = await make_place(db, "hotels", enabled=["hotels"])
    manager = await make_person(db, place, Role.MANAGER)
    async with client_as(app, settings, manager) as client:
        response = await _post(
            client,
            place.slug,
            {"factor": "hotels:hotel.CN", "value": "20.0", "note": "2025 bills: 730,000 kWh ÷ 21,400 room-nights"},
            ("bills.pdf", PDF, "application/pdf"),
        )
        assert response.status_code == 303, response.text
        zh = await client.get(f"/venue/{place.slug}/factor-overrides?lang=zh-Hans", headers={"accept": "text/html"})
        assert "实测排放因子" in zh.text
        assert "kg CO₂e / 间夜" in zh.text  # units in the reader's language, as on the visitor's pages
        assert "kg CO2e / room-night" not in zh.text
        listed = (await client.get(f"/api/v1/venues/{place.slug}/factor-overrides")).json()["overrides"]
        assert [(o["factor_key"], o["value"], o["published_value"]) for o in listed] == [("hotel.CN", "20.0", "53.5")]
        evidence = await client.get(listed[0]["evidence"]["url"])
        assert evidence.status_code == 200
        assert evidence.content == PDF
        assert evidence.headers["content-type"].startswith("application/pdf")
        # The venue's audit log names who measured what: the value and the evidence's name and
        # digest, never its bytes.
        log = await client.get(f"/api/v1/venues/{place.slug}/audit-log", params={"entity": "factor_override"})
        assert log.status_code == 200, log.text
        [entry] = log.json()["entries"]
        assert (entry["action"], entry["actor_role"]) == ("create", "manager")
        assert entry["after"]["value"] == "20.0"
        assert entry["after"]["evidence_filename"] == "bills.pdf"
        assert "evidence" not in entry["after"]

    scenario = registry.get("hotels")
    assert scenario is not None
    async with db.session() as session:
        factors = await overrides.effective_factor_set(session, place.tenant_id, scenario)
    assert factors.version == scenario.factors.version
    assert factors["hotel.CN"].value == Decimal("20.0")
    assert factors["hotel.CN"].source.publisher == overrides.MEASURED_PUBLISHER
    assert "hotel.CN" in factors.overrides
    inputs = scenario.form.validate(
        {"nights": "2", "hotel_class": "4", "travel_mode": "bicycle_walk", "linen": "on_request"}
    )
    lines = {line.key: line for line in scenario.calculate(inputs, factors, registry.context())}
    assert lines["stay"].grams == 40000  # 2 room-nights × 20.0 measured; no 4★ ratio on a measured value
    assert "measured" in lines["stay"].detail["en"]
    published = {line.key: line.grams for line in scenario.calculate(inputs, scenario.factors, registry.context())}
    assert published["stay"] == 123414  # 2 × 1.1534 = 2.3068 room-nights × 53.5 = 123.4138 kg → 123414


def test_a_stored_record_recomputes_the_same_grams(registry: ScenarioRegistry) -> None:
    scenario = registry.get("restaurants")
    assert scenario is not None
    source = overrides.Source(publisher=overrides.MEASURED_PUBLISHER, document="Kitchen audit", year=2025)
    measured = scenario.factors.with_override("meal.red_meat", Decimal("3.2"), "Kitchen audit 2025", source)
    record = overrides.overrides_record(measured)
    assert list(record) == ["meal.red_meat"]
    again = overrides.apply_record(scenario.factors, record)
    inputs = scenario.form.validate({"diners": "2", "dish": "beef"})
    first = scenario.calculate(inputs, measured, registry.context())
    second = scenario.calculate(inputs, again, registry.context())
    assert [line.grams for line in first] == [line.grams for line in second] == [6400]  # 2 × 3.2 kg
    assert again.overrides == {"meal.red_meat": "Kitchen audit 2025"}


@pytest.mark.parametrize(
    ("data", "evidence", "field", "en", "zh"),
    [
        (
            {"factor": "hotels:hotel.CN", "value": "-1", "note": "n"},
            ("a.pdf", PDF, "application/pdf"),
            "value",
            "measured value as a number",
            "实测数值",
        ),
        (
            {"factor": "hotels:hotel.CN", "value": "12 kg", "note": "n"},
            ("a.pdf", PDF, "application/pdf"),
            "value",
            "measured value as a number",
            "实测数值",
        ),
        (
            {"factor": "hotels:hotel.CN", "value": "1e9", "note": "n"},
            ("a.pdf", PDF, "application/pdf"),
            "value",
            "measured value as a number",
            "实测数值",
        ),
        (
            {"factor": "hotels:no.such", "value": "1", "note": "n"},
            ("a.pdf", PDF, "application/pdf"),
            "factor",
            "Choose a factor",
            "请选择",
        ),
        (
            {"factor": "restaurants:meal.vegan", "value": "1", "note": "n"},
            ("a.pdf", PDF, "application/pdf"),
            "factor",
            "Choose a factor",
            "请选择",
        ),
        (
            {"factor": "hotels:hotel.CN", "value": "1", "note": ""},
            ("a.pdf", PDF, "application/pdf"),
            "note",
            "how it was measured",
            "测量方法",
        ),
        (
            {"factor": "hotels:hotel.CN", "value": "1", "note": "x" * 501},
            ("a.pdf", PDF, "application/pdf"),
            "note",
            "how it was measured",
            "测量方法",
        ),
        ({"factor": "hotels:hotel.CN", "value": "1", "note": "n"}, None, "evidence", "Attach the evidence", "请附上"),
        (
            {"factor": "hotels:hotel.CN", "value": "1", "note": "n"},
            ("bill.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
            "evidence",
            "must be a PDF, PNG or JPEG",
            "必须是 PDF",
        ),
        (
            {"factor": "hotels:hotel.CN", "value": "1", "note": "n"},
            ("big.pdf", PDF[:-7] + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n", "application/pdf"),
            "evidence",
            "at most 5 MB",
            "不能超过 5 MB",
        ),
    ],
)
async def test_bad_overrides_are_refused_beside_the_field(
    app: Any, settings: Any, db: Database, data: dict[str, str], evidence: Any, field: str, en: str, zh: str
) -> None:
    place = await make_place(db, "hotels", enabled=["hotels"])
    manager = await make_person(db, place, Role.MANAGER)
    async with client_as(app, settings, manager) as client:
        response = await _post(client, place.slug, data, evidence)
        assert response.status_code == 400
        assert f'id="{field}-error"' in response.text
        assert en in response.text
        chinese = await client.post(
            f"/api/v1/venues/{place.slug}/factor-overrides",
            data=data,
            files={"evidence": evidence} if evidence else None,
            headers={"accept-language": "zh-CN"},
        )
        assert chinese.status_code == 400
        assert zh in chinese.json()["errors"][field]["message"]["zh-Hans"]
        assert (await client.get(f"/api/v1/venues/{place.slug}/factor-overrides")).json() == {"overrides": []}


async def test_other_venues_and_lower_roles_see_nothing(app: Any, settings: Any, db: Database) -> None:
    place = await make_place(db, "hotels")
    other = await make_place(db, "hotels")
    manager = await make_person(db, place, Role.MANAGER)
    staff = await make_person(db, place, Role.STAFF)
    stranger = await make_person(db, other, Role.OWNER)
    async with client_as(app, settings, manager) as client:
        created = await client.post(
            f"/api/v1/venues/{place.slug}/factor-overrides",
            data={"factor": "hotels:hotel.CN", "value": "25", "note": "meter"},
            files={"evidence": ("m.png", image_bytes("PNG"), "image/png")},
        )
        assert created.status_code == 201, created.text
        evidence_url = created.json()["evidence"]["url"]
    async with client_as(app, settings, staff) as client:
        assert (
            await client.get(f"/venue/{place.slug}/factor-overrides", headers={"accept": "text/html"})
        ).status_code == 404
        assert (await client.get(evidence_url)).status_code == 404
    async with client_as(app, settings, stranger) as client:
        assert (await client.get(f"/api/v1/venues/{place.slug}/factor-overrides")).status_code == 404
        assert (await client.get(evidence_url)).status_code == 404
        assert (await client.get(f"/api/v1/venues/{other.slug}/factor-overrides")).json() == {"overrides": []}
        override_id = evidence_url.split("/")[-2]
        assert (await client.delete(f"/api/v1/venues/{other.slug}/factor-overrides/{override_id}")).status_code == 404
    async with client_as(app, settings, None) as client:
        response = await client.get(
            f"/venue/{place.slug}/factor-overrides", headers={"accept": "text/html"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    async with client_as(app, settings, manager) as client:
        assert (await client.delete(f"/api/v1/venues/{place.slug}/factor-overrides/{override_id}")).status_code == 204
        assert (await client.get(f"/api/v1/venues/{place.slug}/factor-overrides")).json() == {"overrides": []}


async def test_platform_admins_see_every_factor_set_side_by_side(app: Any, settings: Any, db: Database) -> None:
    admin = await make_person(db, admin=True)
    manager = await make_person(db, await make_place(db), Role.OWNER)
    async with client_as(app, settings, admin) as client:
        page = await client.get("/platform/factor-sets", headers={"accept": "text/html"})
        assert page.status_code == 200
        for scenario in ("hotels", "restaurants", "scenic", "meetings"):
            assert f'id="scenario-{scenario}"' in page.text
        assert "gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025" in page.text
        data = (await client.get("/api/v1/platform/factor-sets")).json()
        hotels = next(s for s in data["scenarios"] if s["id"] == "hotels")
        assert [version["version"] for version in hotels["factor_sets"]] == ["2025.1", "2025.2"]
        version = hotels["factor_sets"][-1]
        china = next(f for f in version["factors"] if f["key"] == "hotel.CN")
        assert (china["value"], china["unit"]) == ("53.5", "kg CO2e / room-night")
        assert "29_600_4009_13_1" in china["source"]["table"]
        zh = await client.get("/platform/factor-sets?lang=zh-Hans", headers={"accept": "text/html"})
        assert "酒店住宿" in zh.text
        assert "排放因子集" in zh.text
    async with client_as(app, settings, manager) as client:
        assert (await client.get("/platform/factor-sets", headers={"accept": "text/html"})).status_code == 404
        assert (await client.get("/api/v1/platform/factor-sets")).status_code == 404
