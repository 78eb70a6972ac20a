"""A small scenario plugin for the test suite: one field of every kind, two factor-set versions.

It is registered by the ``registry`` fixture (not through an entry point), so tests can
also build a registry without it and see what happens to estimates of a removed plugin.
The factor values are DESNZ 2025 numbers where one exists; the rest are marked estimates.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from neutralpoint.plugin_api import (
    BreakdownLine,
    CalculationContext,
    Choice,
    Factor,
    FactorSet,
    Field,
    FieldError,
    Form,
    FormErrors,
    Scenario,
    Source,
    hookimpl,
)

SCENARIO_ID = "dummy"

TRAVEL = {"en": "Getting here", "zh-Hans": "交通"}
STAY = {"en": "Your stay", "zh-Hans": "住宿"}

FORM = Form(
    (
        Field(
            "origin",
            "city",
            label={"en": "Where did you travel from?", "zh-Hans": "您从哪里出发？"},
            help={"en": "A city name, e.g. Chengdu or 成都.", "zh-Hans": "城市名称，例如 成都 或 Chengdu。"},
            required=False,
            section=TRAVEL,
        ),
        Field(
            "distance_km",
            "number",
            label={"en": "Or the distance one way", "zh-Hans": "或单程距离"},
            unit={"en": "km", "zh-Hans": "公里"},
            minimum=0,
            maximum=40000,
            decimals=1,
            required=False,
            section=TRAVEL,
        ),
        Field(
            "mode",
            "choice",
            label={"en": "How did you travel?", "zh-Hans": "出行方式"},
            choices=(
                Choice("train", {"en": "Train", "zh-Hans": "火车"}),
                Choice("car", {"en": "Car", "zh-Hans": "汽车"}),
                Choice("coach", {"en": "Coach", "zh-Hans": "大巴"}),
                Choice("plane", {"en": "Plane", "zh-Hans": "飞机"}),
                Choice("ferry", {"en": "Ferry", "zh-Hans": "渡轮"}),
            ),
            section=TRAVEL,
        ),
        Field(
            "return_trip",
            "boolean",
            label={"en": "Return trip", "zh-Hans": "往返"},
            default=True,
            section=TRAVEL,
        ),
        Field(
            "nights",
            "integer",
            label={"en": "Hotel nights", "zh-Hans": "住宿晚数"},
            unit={"en": "nights", "zh-Hans": "晚"},
            minimum=0,
            maximum=60,
            default=0,
            section=STAY,
        ),
        Field(
            "country",
            "choice",
            label={"en": "Hotel country", "zh-Hans": "酒店所在国家"},
            choices=(
                Choice("cn", {"en": "China", "zh-Hans": "中国"}),
                Choice("uk", {"en": "United Kingdom", "zh-Hans": "英国"}),
            ),
            default="cn",
            section=STAY,
        ),
        Field(
            "meals",
            "integer",
            label={"en": "Meals", "zh-Hans": "用餐次数"},
            unit={"en": "meals", "zh-Hans": "餐"},
            minimum=0,
            maximum=30,
            default=2,
        ),
        Field(
            "note",
            "text",
            label={"en": "Note", "zh-Hans": "备注"},
            help={"en": "Optional.", "zh-Hans": "选填。"},
            required=False,
            max_length=40,
            essential=False,
        ),
    )
)

DESNZ_2025 = Source(
    publisher="UK DESNZ",
    document="Greenhouse gas reporting: conversion factors 2025",
    year=2025,
    table="Business travel",
    url="https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025",
)
DESNZ_2024 = Source(
    publisher="UK DESNZ",
    document="Greenhouse gas reporting: conversion factors 2024",
    year=2024,
    table="Business travel",
)
TEST_ESTIMATE = Source(publisher="NeutralPoint tests", document="Rounded test value", year=2025, estimate=True)


def _factor(key: str, value: str, per: str, en: str, zh: str, source: Source) -> Factor:
    return Factor(key=key, value=Decimal(value), per=per, label={"en": en, "zh-Hans": zh}, source=source)


def _set(version: str, source: Source, plane: str, train: str) -> FactorSet:
    return FactorSet.of(
        SCENARIO_ID,
        version,
        [
            _factor("train", train, "passenger-km", "Rail", "铁路", source),
            _factor("car", "0.16272", "vehicle-km", "Petrol car", "汽油车", source),
            _factor("coach", "0.02776", "passenger-km", "Coach", "大巴", source),
            _factor("plane", plane, "passenger-km", "Flight", "航班", source),
            _factor("ferry", "0.01871", "passenger-km", "Ferry", "渡轮", source),
            _factor("hotel_cn", "53.5", "room-night", "Hotel night, China", "酒店住宿（中国）", source),
            _factor("hotel_uk", "10.4", "room-night", "Hotel night, UK", "酒店住宿（英国）", source),
            _factor("meal", "1.5", "meal", "Meal", "餐食", TEST_ESTIMATE),
        ],
    )


FACTOR_SETS = [
    _set("2024.1", DESNZ_2024, plane="0.17580", train="0.03546"),
    _set("2025.1", DESNZ_2025, plane="0.14253", train="0.03546"),
]

MODE_KIND = {"plane": "air", "ferry": "water"}


def calculate(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
    lines: list[BreakdownLine] = []
    distance: Decimal | None = inputs.get("distance_km")
    origin = inputs.get("origin")
    detail = None
    if distance is None:
        if origin is None:
            raise FormErrors(
                {
                    "distance_km": FieldError(
                        "invalid",
                        text={"en": "Give your city or the distance.", "zh-Hans": "请填写出发城市或距离。"},
                    )
                }
            )
        measured = context.travel_distance(origin, MODE_KIND.get(inputs["mode"], "ground"))
        distance = measured.travel_km
        detail = {"en": f"From {origin.label('en')}", "zh-Hans": f"从{origin.label('zh-Hans')}出发"}
    trips = 2 if inputs["return_trip"] else 1
    travelled = distance * trips
    mode = factors[inputs["mode"]]
    lines.append(
        BreakdownLine("travel", dict(mode.label), travelled, mode.per, mode.key, mode.grams(travelled), detail)
    )
    if inputs["nights"]:
        hotel = factors["hotel_" + inputs["country"]]
        lines.append(
            BreakdownLine("hotel", dict(hotel.label), Decimal(inputs["nights"]), hotel.per, hotel.key,
                          hotel.grams(inputs["nights"]))
        )
    if inputs["meals"]:
        meal = factors["meal"]
        lines.append(
            BreakdownLine("meals", dict(meal.label), Decimal(inputs["meals"]), meal.per, meal.key,
                          meal.grams(inputs["meals"]))
        )
    return lines


DUMMY = Scenario(
    id=SCENARIO_ID,
    name={"en": "Test trip", "zh-Hans": "测试行程"},
    description={"en": "A trip used by the test suite.", "zh-Hans": "测试用的行程。"},
    icon="T",
    order=999,
    form=FORM,
    factor_sets=FACTOR_SETS,
    calculate=calculate,
)


@hookimpl
def neutralpoint_scenarios() -> list[Scenario]:
    return [DUMMY]
