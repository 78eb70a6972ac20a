"""The shared travel calculator: how a visitor came, how far, and what that emitted.

Every scenario plugin (meetings, hotels, restaurants, scenic spots, third parties) asks the
same question about getting there, so the modes, their emission factors and the distance
arithmetic live here once; no plugin copies a travel factor or a distance formula.

A plugin uses it in three places::

    from neutralpoint.plugin_api import travel

    form = Form((*travel.fields(section=TRAVEL), ...))               # the fields
    FactorSet.of("x", "2025.1", [*travel.factors(), ...])            # the factors
    lines = travel.lines(inputs, factors, context)                   # the calculation

**Cross-field rule.** ``Form.validate`` checks each field on its own; "give your city or the
distance" spans two fields, so it cannot be a ``Field`` rule. ``lines`` calls ``validate``
first, so a plugin's calculation raises ``FormErrors`` naming
``{prefix}_distance_km`` (or ``{prefix}_mode`` / ``{prefix}_origin``) when the answers do
not fit together. The visitor flow catches ``FormErrors`` from the calculation exactly as it
does from ``Form.validate`` and shows the message beside the field. A plugin may also call
``travel.validate(values)`` itself before anything else.

**Distance.** A distance the visitor typed wins; otherwise the origin city is measured to
the venue by ``context.travel_distance`` (the core's great-circle distance × 1.08 for
flights, DESNZ's uplift, or × 1.2 on the ground, an estimate; a plugin may answer that hook
with a better distance). A return journey doubles it.

**Factors.** Each mode has one factor, ``travel.<mode>``, in kg CO2e per passenger-km (or
per vehicle-km for cars, shared by the occupants); a flight has one per distance band (below).
The value is the DESNZ 2025 direct (tank-to-wheel) factor **plus** its well-to-tank row (fuel
and electricity supply), summed into one factor so that a journey is one breakdown line rounded
once; the note of every factor shows both published numbers and the source table names both
rows. Flights carry radiative forcing. A battery-electric car is charged from China's 2023
average grid (estimate E2).

**Flights by distance (edition 2025.2).** Take-off and climb burn a large share of a short
flight's fuel, so a short flight emits more per km. Edition 2025.2 applies DESNZ's three
flight rows by the one-way distance counted: under 463 km the "Domestic" row (DESNZ defines
it by route, flights within the UK; 463 km = 250 nautical miles is the distance boundary
calculators use to apply it elsewhere), from 463 to 3,700 km the "Short-haul" row and above
3,700 km the "Long-haul" row (DESNZ's own boundary between the two). The factor keys are
``travel.<mode>.under_463km``, ``.463_to_3700km`` and ``.over_3700km``. DESNZ publishes the
domestic row for the average passenger only, and the short-haul rows for economy and business
only: every cabin uses the domestic row under 463 km, and premium economy and first class use
short-haul business (the higher of the two). Edition 2025.1 used DESNZ "International, to/from
non-UK" at every distance, so a 200 km flight came out at half its DESNZ domestic value.

**Rail (edition 2025.2).** Chinese high-speed rail uses the whole-process figure of Beijing
Jiaotong University's China Integrated Transport Research Center for 2019 (30.48 g CO2 per
passenger-km, as reported by China Environment News); no published per-passenger-km figure
for Chinese conventional trains was found, so they keep DESNZ UK national rail, said so in
the factor's source. Edition 2025.1 used DESNZ national rail for both.

**Plausibility.** A journey that is possible but unlikely as typed (a 14 km flight, a metro
ride of 300 km, a distance longer than any two places on Earth are apart) is counted as
entered, and its line carries a ``warning`` in both languages that the result page and its
JSON twin show beside the result. A warning never refuses an answer or changes its grams.

**Rounding.** Distances stay exact ``Decimal``; a car's vehicle-km × factor is divided by
the occupants inside ``Factor.grams``, which rounds once, half up, to whole grams.

**Editions.** ``factors(edition=...)`` pins the travel values a plugin's factor-set version
was published with, so that a newer edition here never changes an old factor set: an estimate
stored under 2025.1 recomputes to the same grams. ``lines`` uses a flight's band factor when
the factor set has it and the mode's single factor otherwise, so one calculation serves both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.scenarios.contract import BreakdownLine, CalculationContext
from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.forms import Choice, Field
from neutralpoint.scenarios.i18n import Text, count_en

__all__ = [
    "CURRENT_EDITION",
    "EDITIONS",
    "FLIGHT_BANDS",
    "GROUP_MODES",
    "MODES",
    "ModeKind",
    "TravelMode",
    "band_key",
    "factors",
    "fields",
    "flight_band",
    "group_factors",
    "lines",
    "mode",
    "plausibility_warning",
    "validate",
]

ModeKind = Literal["air", "ground", "water", "none"]
Per = Literal["passenger-km", "vehicle-km"]

MAX_DISTANCE_KM = 40000
MAX_CAR_OCCUPANTS = 9
#: Seats taken to be filled when a group leaves "People in the car" empty: it shares cars.
CAR_SEATS = 5
#: A shared quantity is shown to 0.0001 (exact whenever the share terminates); grams are
#: computed from the unrounded share inside ``Factor.grams``.
_SHARE_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True)
class TravelMode:
    """One way of travelling; ``value`` is stored with estimates, so it never changes."""

    value: str
    label: Text
    kind: ModeKind
    factor: str
    per: Per
    #: One vehicle for the whole group (a chartered coach): its vehicle-km are split over
    #: the ``travellers`` of ``lines``, not over the car occupants.
    whole_group: bool = False

    @property
    def shared_by_occupants(self) -> bool:
        """A car's emissions are per vehicle and split between the people in it."""
        return self.per == "vehicle-km"


def _mode(value: str, en: str, zh: str, kind: ModeKind, per: Per = "passenger-km") -> TravelMode:
    return TravelMode(value=value, label={"en": en, "zh-Hans": zh}, kind=kind, factor=f"travel.{value}", per=per)


MODES: tuple[TravelMode, ...] = (
    _mode("plane_economy", "Plane, economy", "飞机（经济舱）", "air"),
    _mode("plane_premium_economy", "Plane, premium economy", "飞机（超级经济舱）", "air"),
    _mode("plane_business", "Plane, business class", "飞机（商务舱）", "air"),
    _mode("plane_first", "Plane, first class", "飞机（头等舱）", "air"),
    _mode("rail_high_speed", "High-speed train", "高铁 / 动车", "ground"),
    _mode("rail_conventional", "Conventional train", "普通火车", "ground"),
    _mode("coach", "Coach (long-distance bus)", "长途大巴", "ground"),
    _mode("car_petrol", "Car, petrol", "汽车（汽油）", "ground", "vehicle-km"),
    _mode("car_diesel", "Car, diesel", "汽车（柴油）", "ground", "vehicle-km"),
    _mode("car_hybrid", "Car, hybrid", "汽车（油电混合）", "ground", "vehicle-km"),
    _mode("car_plugin_hybrid", "Car, plug-in hybrid", "汽车（插电式混合动力）", "ground", "vehicle-km"),
    _mode("car_electric", "Car, battery electric", "汽车（纯电动）", "ground", "vehicle-km"),
    _mode("taxi", "Taxi or ride-hailing", "出租车 / 网约车", "ground"),
    _mode("metro", "Metro, light rail or tram", "地铁 / 轻轨 / 有轨电车", "ground"),
    _mode("bus", "City bus", "公交车", "ground"),
    _mode("ferry", "Ferry or boat", "轮渡 / 船", "water"),
    _mode("bicycle_walk", "Bicycle or on foot", "自行车 / 步行", "none"),
)

#: Modes only a group form offers (``fields(group=True)``): a tour group's chartered coach.
GROUP_MODES: tuple[TravelMode, ...] = (
    TravelMode(
        value="coach_charter",
        label={"en": "Chartered coach, whole group", "zh-Hans": "包车（团队大巴）"},
        kind="ground",
        factor="travel.coach_charter",
        per="vehicle-km",
        whole_group=True,
    ),
)

_MODES_BY_VALUE = {m.value: m for m in (*MODES, *GROUP_MODES)}


def mode(value: str) -> TravelMode:
    """The mode with this stored value (``KeyError`` for an unknown one)."""
    return _MODES_BY_VALUE[value]


# --- form ---------------------------------------------------------------------------------


def fields(
    prefix: str = "travel",
    *,
    section: Text | None = None,
    required: bool = True,
    include_return: bool = True,
    group: bool = False,
) -> tuple[Field, ...]:
    """The travel questions, named ``{prefix}_mode``, ``_origin``, ``_distance_km``, ``_car_occupants``, ``_return``.

    The mode has no default on purpose: it drives most of a footprint, so the visitor picks
    it. With ``required=False`` an unanswered mode means "no travel counted". A boolean left
    out of a submission reads as ``False`` (an unticked checkbox), so API clients send
    ``{prefix}_return`` explicitly. With ``group=True`` the modes include ``GROUP_MODES``
    (add ``group_factors()`` to the factor set).
    """
    found: list[Field] = [
        Field(
            name=f"{prefix}_mode",
            kind="choice",
            label={"en": "How did you travel here?", "zh-Hans": "您是怎么来的？"},
            help={
                "en": "The main way you travelled. For a flight, pick your cabin class.",
                "zh-Hans": "选择主要的交通方式。乘飞机请选择舱位。",
            },
            choices=tuple(Choice(m.value, m.label) for m in (*MODES, *(GROUP_MODES if group else ()))),
            required=required,
            section=section,
        ),
        Field(
            name=f"{prefix}_origin",
            kind="city",
            label={"en": "Travelling from", "zh-Hans": "出发城市"},
            help={
                "en": "Type your city, or the distance if you know it.",
                "zh-Hans": "输入您的出发城市；如果知道距离，也可以直接填写距离。",
            },
            required=False,
            marked_optional=False,
            section=section,
        ),
        Field(
            name=f"{prefix}_distance_km",
            kind="number",
            label={"en": "Distance, one way", "zh-Hans": "单程距离"},
            help={
                "en": "Type your city, or the distance if you know it. A distance you type replaces the city.",
                "zh-Hans": "输入您的出发城市，或者直接填写距离。填写了距离时，按距离计算。",
            },
            unit={"en": "km", "zh-Hans": "公里"},
            minimum=0,
            maximum=MAX_DISTANCE_KM,
            decimals=1,
            required=False,
            marked_optional=False,
            section=section,
            essential=False,
        ),
        Field(
            name=f"{prefix}_car_occupants",
            kind="integer",
            label={"en": "People in the car", "zh-Hans": "同车人数"},
            help={
                "en": "Only for a car: its emissions are shared by everyone in it, you included. Left empty: "
                f"you alone, or your party sharing cars, up to {CAR_SEATS} in each.",
                "zh-Hans": "仅用于自驾：汽车的排放由车上所有人（包括您）分摊。"
                f"不填时，一人出行按 1 人计，多人同行按拼车计，每车最多 {CAR_SEATS} 人。",
            },
            unit={"en": "people", "zh-Hans": "人"},
            minimum=1,
            maximum=MAX_CAR_OCCUPANTS,
            default=None,
            required=False,
            section=section,
            essential=False,
        ),
    ]
    if include_return:
        found.append(
            Field(
                name=f"{prefix}_return",
                kind="boolean",
                label={"en": "Count the journey back too", "zh-Hans": "包含返程"},
                help={
                    "en": "Ticked: the trip home is counted as the same distance by the same means.",
                    "zh-Hans": "勾选后，按相同方式和距离计入返程。",
                },
                default=True,
                required=False,
                section=section,
                essential=False,
            )
        )
    return tuple(found)


# --- factors ------------------------------------------------------------------------------

_DESNZ = "UK Department for Energy Security and Net Zero (DESNZ)"
_DESNZ_DOC = "Greenhouse gas reporting: conversion factors 2025 (full set, flat file)"
_DESNZ_URL = "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"
_DESNZ_SHORT = {"en": "UK DESNZ", "zh-Hans": "英国能源安全与净零排放部"}
_DESNZ_TITLE = {"en": "Greenhouse gas reporting: conversion factors", "zh-Hans": "温室气体报告换算系数"}
_AIR_NOTE = (
    "With radiative forcing (DESNZ's uplift for aviation's non-CO2 effects). DESNZ's 2025 air factors are "
    "18–42% below its 2024 ones (this row in 2024: {y2024}); results keep the factor-set version they used. "
    "Distance from a city: great-circle × 1.08 (DESNZ uplift)."
)
_GROUND_NOTE = "Distance from a city: great-circle × 1.2, a NeutralPoint estimate of road and rail detours."


def _sum_note(direct: str, wtt: str) -> str:
    total = Decimal(direct) + Decimal(wtt)
    return f"{direct} direct + {wtt} well-to-tank = {total}."


def _desnz(mode_value: str, direct: str, wtt: str, table: str, note: str, label: Text | None = None) -> Factor:
    m = mode(mode_value)
    return Factor(
        key=m.factor,
        value=Decimal(direct) + Decimal(wtt),
        per=m.per,
        label=label or m.label,
        source=Source(
            publisher=_DESNZ,
            document=_DESNZ_DOC,
            year=2025,
            table=table,
            url=_DESNZ_URL,
            short_publisher=_DESNZ_SHORT,
            short_title=_DESNZ_TITLE,
        ),
        note=f"{_sum_note(direct, wtt)} {note}".strip(),
    )


def _air(mode_value: str, cabin: str, direct: str, wtt: str, row_id: str, y2024: str) -> Factor:
    table = (
        f"Business travel- air: International, to/from non-UK, {cabin}, With RF (ID {row_id}) "
        f"+ WTT- business travel- air: International, to/from non-UK, {cabin}"
    )
    return _desnz(mode_value, direct, wtt, table, _AIR_NOTE.format(y2024=y2024))


def _factors_2025_1() -> list[Factor]:
    rail_proxy_note = (
        "No published per-passenger-km factor for Chinese rail was found; DESNZ UK national rail is used as a "
        "conservative published proxy (NeutralPoint estimate E1 for Chinese high-speed rail is ≈0.025 kg CO2 "
        "per passenger-km, from traction energy only). " + _GROUND_NOTE
    )
    car_note = "Per vehicle-km, divided by the people in the car. " + _GROUND_NOTE
    return [
        _air("plane_economy", "Economy class", "0.10916", "0.01656", "21_316_3180_11_1", "0.13465"),
        _air("plane_premium_economy", "Premium economy class", "0.17465", "0.02649", "21_316_3182_11_1", "0.21542"),
        _air("plane_business", "Business class", "0.31656", "0.04802", "21_316_3184_11_1", "0.39044"),
        _air("plane_first", "First class", "0.43663", "0.06623", "21_316_3186_11_1", "0.53854"),
        _desnz(
            "rail_high_speed",
            "0.03546",
            "0.00897",
            "Business travel- land: National rail (ID 25_315_3147_11_1) + WTT- pass vehs & travel- land: National rail",
            rail_proxy_note,
        ),
        _desnz(
            "rail_conventional",
            "0.03546",
            "0.00897",
            "Business travel- land: National rail (ID 25_315_3147_11_1) + WTT- pass vehs & travel- land: National rail",
            rail_proxy_note,
        ),
        _desnz(
            "coach",
            "0.02776",
            "0.00656",
            "Business travel- land: Coach (ID 25_314_3146_11_1) + WTT- pass vehs & travel- land: Coach",
            _GROUND_NOTE,
        ),
        _desnz(
            "car_petrol",
            "0.16272",
            "0.04599",
            "Average car, Petrol, per km (ID 25_301_3070_4_1) + its WTT row",
            car_note,
        ),
        _desnz(
            "car_diesel",
            "0.17304",
            "0.04146",
            "Average car, Diesel, per km (ID 25_301_3069_4_1) + its WTT row",
            car_note,
        ),
        _desnz(
            "car_hybrid",
            "0.12825",
            "0.03315",
            "Average car, Hybrid, per km (ID 25_301_3071_4_1) + its WTT row",
            car_note,
        ),
        _desnz(
            "car_plugin_hybrid",
            "0.10461",
            "0.02934",
            "Average car, Plug-in hybrid electric vehicle, per km (ID 25_301_3075_4_1) + its WTT row",
            car_note + " The electric share is at the UK grid, which is cleaner than China's average.",
        ),
        Factor(
            key="travel.car_electric",
            value=Decimal("0.207") * Decimal("0.5306"),
            per="vehicle-km",
            label=mode("car_electric").label,
            source=Source(
                publisher="NeutralPoint, from DESNZ 2025 and China MEE/NBS",
                document=(
                    "Estimate E2: DESNZ 2025 average battery-electric car 0.04047 kg CO2e/km (ID 25_301_3076_4_1) "
                    "÷ UK electricity 0.17700 + T&D 0.01853 kg CO2e/kWh (ID 7_400_4000_5_1) = 0.207 kWh/km, "
                    "× China 2023 national average electricity factor 0.5306 kg CO2/kWh "
                    "(生态环境部、国家统计局 公告2025年第47号)"
                ),
                year=2025,
                table="Estimate E2",
                estimate=True,
                short_publisher={"en": "NeutralPoint estimate", "zh-Hans": "NeutralPoint 估算"},
                short_title={
                    "en": "E2: electric car charged from China's grid",
                    "zh-Hans": "E2：以中国电网充电的电动汽车",
                },
            ),
            note=(
                "0.207 kWh/km × 0.5306 kg CO2/kWh = 0.1098342 (CO2 only, charged from China's average grid; "
                "DESNZ's UK-grid value is 0.04047 + 0.01049 WTT). " + car_note
            ),
        ),
        _desnz(
            "taxi",
            "0.14861",
            "0.03697",
            "Business travel- land: Regular taxi, per passenger-km (ID 25_313_3141_11_1) + its WTT row",
            "Per passenger, at DESNZ's average taxi occupancy. " + _GROUND_NOTE,
        ),
        _desnz(
            "metro",
            "0.02860",
            "0.00749",
            "Business travel- land: Light rail and tram (ID 25_315_3149_11_1) + its WTT row",
            "No Chinese metro factor was found; DESNZ light rail and tram is the published proxy "
            "(NeutralPoint note E3). " + _GROUND_NOTE,
        ),
        _desnz(
            "bus",
            "0.10385",
            "0.02649",
            "Business travel- land: Average local bus (ID 25_314_3145_11_1) + its WTT row",
            _GROUND_NOTE,
        ),
        _desnz(
            "ferry",
            "0.01871",
            "0.00424",
            "Business travel- sea: Ferry, Foot passenger (ID 23_318_3188_11_1) + WTT- business travel- sea",
            "A passenger on foot; someone who takes their car on board should choose the car. "
            "Distance from a city: great-circle, no adjustment.",
        ),
        Factor(
            key="travel.bicycle_walk",
            value=Decimal(0),
            per="passenger-km",
            label=mode("bicycle_walk").label,
            source=Source(
                publisher="NeutralPoint",
                document="Cycling and walking burn no fuel and draw no electricity: counted as zero",
                year=2025,
                table="Method note (no published factor)",
                estimate=True,
                short_publisher={"en": "NeutralPoint", "zh-Hans": "NeutralPoint"},
                short_title={"en": "Cycling and walking: counted as zero", "zh-Hans": "骑行与步行：计为零"},
            ),
            note="Food energy and the making of the bicycle are not counted, as in the DESNZ travel factors.",
        ),
    ]


#: Flight distance bands of edition 2025.2: (key suffix, lowest one-way km, highest or None,
#: English and Chinese names). A flight of exactly 463 km is short-haul, of exactly 3,700 km too.
FLIGHT_BANDS: tuple[tuple[str, Decimal, Decimal | None, str, str], ...] = (
    ("under_463km", Decimal(0), Decimal(463), "under 463 km (DESNZ domestic row)", "463 公里以下（DESNZ 国内航线）"),
    (
        "463_to_3700km",
        Decimal(463),
        Decimal(3700),
        "463–3,700 km (DESNZ short-haul row)",
        "463–3700 公里（DESNZ 短途航线）",
    ),
    ("over_3700km", Decimal(3700), None, "over 3,700 km (DESNZ long-haul row)", "3700 公里以上（DESNZ 长途航线）"),
)


def flight_band(one_way_km: Decimal) -> str:
    """The band suffix of a flight of ``one_way_km``: under 463 km, 463 to 3,700 km, or over 3,700 km."""
    if one_way_km < FLIGHT_BANDS[1][1]:
        return FLIGHT_BANDS[0][0]
    if one_way_km <= FLIGHT_BANDS[2][1]:
        return FLIGHT_BANDS[1][0]
    return FLIGHT_BANDS[2][0]


def band_key(mode_value: str, band: str) -> str:
    """The factor key of a flight mode in one distance band, e.g. ``travel.plane_economy.under_463km``."""
    return f"{mode(mode_value).factor}.{band}"


_BAND_NAMES = {suffix: (en, zh) for suffix, _, _, en, zh in FLIGHT_BANDS}

#: DESNZ 2025 "Business travel- air" rows, with RF: (flight type, class as DESNZ names it, direct,
#: well-to-tank, row ID, the same row in 2024).
_DOMESTIC = ("Domestic, to/from UK", "Average passenger", "0.22928", "0.03350", "21_316_3160_11_1", "0.27257")
_SHORT_ECONOMY = ("Short-haul, to/from UK", "Economy class", "0.12576", "0.02249", "21_316_3164_11_1", "0.18287")
_SHORT_BUSINESS = ("Short-haul, to/from UK", "Business class", "0.18863", "0.03373", "21_316_3166_11_1", "0.27430")
_LONG = {
    "plane_economy": ("Long-haul, to/from UK", "Economy class", "0.11704", "0.02461", "21_316_3170_11_1", "0.20011"),
    "plane_premium_economy": (
        "Long-haul, to/from UK",
        "Premium economy class",
        "0.18726",
        "0.03937",
        "21_316_3172_11_1",
        "0.32015",
    ),
    "plane_business": ("Long-haul, to/from UK", "Business class", "0.33940", "0.07137", "21_316_3174_11_1", "0.58028"),
    "plane_first": ("Long-haul, to/from UK", "First class", "0.46814", "0.09844", "21_316_3176_11_1", "0.80040"),
}
#: Short-haul: DESNZ gives economy and business only; premium economy and first count as business.
_SHORT = {
    "plane_economy": _SHORT_ECONOMY,
    "plane_premium_economy": _SHORT_BUSINESS,
    "plane_business": _SHORT_BUSINESS,
    "plane_first": _SHORT_BUSINESS,
}
_BAND_METHOD = (
    "Bands by the one-way distance counted: DESNZ's Domestic row under 463 km (DESNZ defines it by route, "
    "flights within the UK; 463 km = 250 nautical miles is the distance calculators use to apply it elsewhere), "
    "its Short-haul row from 463 to 3,700 km and its Long-haul row above 3,700 km (DESNZ's boundary between them). "
    "Short flights burn more per km: take-off and climb are a larger share of them."
)


def _banded_air(mode_value: str, band: str, row: tuple[str, str, str, str, str, str], stand_in: str) -> Factor:
    flight_type, cabin, direct, wtt, row_id, y2024 = row
    m = mode(mode_value)
    en, zh = _BAND_NAMES[band]
    table = (
        f"Business travel- air: {flight_type}, {cabin}, With RF (ID {row_id}) "
        f"+ WTT- business travel- air: {flight_type}, {cabin}"
    )
    drop = ((1 - Decimal(direct) / Decimal(y2024)) * 100).quantize(Decimal("0.1"))
    note = (
        f"{_sum_note(direct, wtt)} {stand_in}{_BAND_METHOD} With radiative forcing (DESNZ's uplift for "
        f"aviation's non-CO2 effects). This row's 2025 value is {drop}% below its 2024 one ({y2024}); results keep "
        "the factor-set version they used. Distance from a city: great-circle × 1.08 (DESNZ uplift)."
    )
    return Factor(
        key=band_key(mode_value, band),
        value=Decimal(direct) + Decimal(wtt),
        per=m.per,
        label={"en": f"{m.label['en']}, flight {en}", "zh-Hans": f"{m.label['zh-Hans']}，航程 {zh}"},
        source=Source(
            publisher=_DESNZ,
            document=_DESNZ_DOC,
            year=2025,
            table=table,
            url=_DESNZ_URL,
            short_publisher=_DESNZ_SHORT,
            short_title=_DESNZ_TITLE,
        ),
        note=note,
    )


def _air_bands() -> dict[str, list[Factor]]:
    """Each flight mode's three band factors, by mode."""
    found: dict[str, list[Factor]] = {}
    for mode_value in _LONG:
        cabin = mode(mode_value).label["en"].removeprefix("Plane, ")
        domestic_note = (
            f"DESNZ publishes domestic flights for the average passenger only; {cabin} uses it. "
            if mode_value != "plane_economy"
            else "DESNZ publishes domestic flights for the average passenger only. "
        )
        short_note = (
            f"DESNZ publishes short-haul economy and business only; {cabin} counts as business, the higher. "
            if _SHORT[mode_value] is _SHORT_BUSINESS and mode_value != "plane_business"
            else ""
        )
        found[mode_value] = [
            _banded_air(mode_value, "under_463km", _DOMESTIC, domestic_note),
            _banded_air(mode_value, "463_to_3700km", _SHORT[mode_value], short_note),
            _banded_air(mode_value, "over_3700km", _LONG[mode_value], ""),
        ]
    return found


_CHINA_HSR_URL = "http://rcees.cas.cn/kx/kxpj/kpwz/202403/t20240305_7011624.html"


def _china_high_speed_rail() -> Factor:
    return Factor(
        key=mode("rail_high_speed").factor,
        value=Decimal("0.03048"),
        per="passenger-km",
        label=mode("rail_high_speed").label,
        source=Source(
            publisher=(
                "China Environment News (中国环境报), reporting research by Mao Baohua's team, China Integrated "
                "Transport Research Center, Beijing Jiaotong University"
            ),
            document=(
                "刘良伟, 盘一盘高铁飞机的碳排放量 (How much do high-speed trains and planes emit?), 中国环境报, "
                "February 2024; reprinted by the Research Center for Eco-Environmental Sciences, Chinese Academy of "
                "Sciences, 5 March 2024"
            ),
            year=2024,
            table=(
                "China high-speed rail, whole-process factor for 2019 (traction, station energy and maintenance): "
                "about 30.48 g CO2 per passenger-km"
            ),
            url=_CHINA_HSR_URL,
            short_publisher={"en": "China Environment News", "zh-Hans": "中国环境报"},
            short_title={"en": "How much do high-speed trains and planes emit?", "zh-Hans": "盘一盘高铁飞机的碳排放量"},
        ),
        note=(
            "30.48 g = 0.03048 kg CO2 per passenger-km, China's national high-speed network in 2019: traction "
            "24.70–26.27 g (2017–2019) plus station energy and track maintenance. Electricity generation is "
            "included, construction is not; CO2 only (no methane or nitrous oxide). A research result reported by "
            "the press, not an official factor; no official Chinese per-passenger-km factor was found. Edition "
            "2025.1 used DESNZ UK national rail (0.04443) instead. " + _GROUND_NOTE
        ),
    )


def _conventional_rail() -> Factor:
    m = mode("rail_conventional")
    return Factor(
        key=m.factor,
        value=Decimal("0.03546") + Decimal("0.00897"),
        per=m.per,
        label=m.label,
        source=Source(
            publisher=_DESNZ,
            document=_DESNZ_DOC,
            year=2025,
            table=(
                "Proxy: no published per-passenger-km factor for Chinese conventional trains was found; "
                "Business travel- land: National rail (ID 25_315_3147_11_1) + WTT- pass vehs & travel- land: "
                "National rail"
            ),
            url=_DESNZ_URL,
            short_publisher=_DESNZ_SHORT,
            short_title=_DESNZ_TITLE,
        ),
        note=(
            f"{_sum_note('0.03546', '0.00897')} No published per-passenger-km factor for Chinese conventional "
            "(普速) trains was found in English or Chinese sources; DESNZ UK national rail, a mix of electric and "
            "diesel trains, is the best documented stand-in. It is above the Chinese high-speed figure (0.03048), "
            "as a fleet that still runs diesel locomotives can be, but it is UK data. " + _GROUND_NOTE
        ),
    )


def _factors_2025_2() -> list[Factor]:
    """2025.1 with flights by distance band and China's high-speed rail; every other value unchanged."""
    bands = _air_bands()
    found: list[Factor] = []
    for factor in _factors_2025_1():
        mode_value = factor.key.removeprefix("travel.")
        if mode_value in bands:
            found.extend(bands[mode_value])
        elif mode_value == "rail_high_speed":
            found.append(_china_high_speed_rail())
        elif mode_value == "rail_conventional":
            found.append(_conventional_rail())
        else:
            found.append(factor)
    return found


EDITIONS: dict[str, Callable[[], list[Factor]]] = {"2025.1": _factors_2025_1, "2025.2": _factors_2025_2}
CURRENT_EDITION = "2025.2"


def factors(version_note: str = "", *, edition: str = CURRENT_EDITION) -> list[Factor]:
    """The ``travel.<mode>`` factors of one ``edition``, each citing its source.

    ``version_note`` is appended to every factor's note (e.g. which scenario factor set
    adopted them). Pin ``edition`` in a published factor-set version, so that a later
    edition of the travel factors does not change it.
    """
    try:
        build = EDITIONS[edition]
    except KeyError:
        raise ValueError(f"unknown travel factor edition {edition!r}; known: {', '.join(EDITIONS)}") from None
    built = build()
    if version_note:
        built = [replace(f, note=f"{f.note} {version_note}".strip()) for f in built]
    return built


def group_factors(version_note: str = "") -> list[Factor]:
    """The factors of ``GROUP_MODES``: a chartered coach per vehicle-km (a labelled estimate).

    DESNZ publishes coach travel per passenger-km only (at its average load), which
    under-counts a small group alone in a big coach; a coach's fuel use per km splits fairly.
    """
    litres_per_km, direct, wtt = Decimal("0.30"), Decimal("2.57082"), Decimal("0.61101")
    built = [
        Factor(
            key="travel.coach_charter",
            value=litres_per_km * (direct + wtt),
            per="vehicle-km",
            label=GROUP_MODES[0].label,
            source=Source(
                publisher="NeutralPoint, from IFEU Heidelberg and DESNZ 2025",
                document=(
                    "Estimate: a long-distance coach burns about 30 litres of diesel per 100 km (IFEU Heidelberg 2003, "
                    "'Energy savings by light-weighting', section 5.3 Long distance buses, citing TREMOD 2001; "
                    "GREENFLEET 2002 gives 29) × DESNZ 2025 Diesel (average biofuel blend) 2.57082 kg CO2e/litre "
                    "(ID 1_101_1011_8_1) + its WTT row 0.61101"
                ),
                year=2025,
                table="Estimate: coach per vehicle-km",
                url=_DESNZ_URL,
                estimate=True,
                short_publisher={"en": "NeutralPoint estimate", "zh-Hans": "NeutralPoint 估算"},
                short_title={"en": "Coach: diesel per vehicle-km", "zh-Hans": "长途客车：每车公里柴油"},
            ),
            note=(
                "0.30 litre/km × (2.57082 + 0.61101) kg CO2e/litre = 0.954549 kg CO2e per coach-km, split over the "
                "group. The fuel use is a German fleet average, not a measurement of this coach. " + _GROUND_NOTE
            ),
        )
    ]
    if version_note:
        built = [replace(f, note=f"{f.note} {version_note}".strip()) for f in built]
    return built


# --- cross-field validation ---------------------------------------------------------------

_NEED_DISTANCE: Text = {
    "en": "Type your city, or the distance if you know it.",
    "zh-Hans": "请输入出发城市，或填写距离。",
}
_NEED_MODE: Text = {
    "en": "Choose how you travelled, or clear the city and distance.",
    "zh-Hans": "请选择交通方式，或清空城市和距离。",
}
_NO_VENUE_LOCATION: Text = {
    "en": "We cannot measure the distance from your city to this place. Type the distance in km instead.",
    "zh-Hans": "无法计算从您的城市到此地的距离，请直接填写距离（公里）。",
}


def validate(inputs: Mapping[str, Any], prefix: str = "travel") -> None:
    """Raise ``FormErrors`` when the travel answers do not fit together.

    A journey needs a city or a distance (not for cycling or walking), and a city or a
    distance needs a mode. Field-by-field checks are ``Form.validate``'s job.
    """
    chosen = inputs.get(f"{prefix}_mode")
    has_place = inputs.get(f"{prefix}_origin") is not None or inputs.get(f"{prefix}_distance_km") is not None
    if chosen is None:
        if has_place:
            raise FormErrors({f"{prefix}_mode": FieldError("mode_missing", text=_NEED_MODE)})
        return
    if mode(chosen).kind != "none" and not has_place:
        raise FormErrors({f"{prefix}_distance_km": FieldError("distance_or_origin", text=_NEED_DISTANCE)})


# --- plausibility -------------------------------------------------------------------------

#: Scheduled flights shorter than this are rare (the shortest routes link islands); a shorter
#: "flight" is most often a typing slip (14 for 1400) or a mode picked by mistake.
SHORTEST_LIKELY_FLIGHT_KM = Decimal(100)
#: Half the Earth's circumference (40,075 km at the equator): no two places are farther apart.
FARTHEST_APART_KM = Decimal(20038)
#: Metro and city-bus rides longer than this one way are unlikely: the longest metro lines and
#: city bus routes are well under it.
LONGEST_LIKELY_LOCAL_KM = Decimal(200)
_LOCAL_MODES = frozenset({"metro", "bus"})


def plausibility_warning(m: TravelMode, one_way_km: Decimal, *, typed: bool) -> Text | None:
    """A warning for a journey that is possible but unlikely as entered, or ``None``.

    The answer is still counted as entered (a warning, not a refusal): an island hop can be a
    short flight, and only the visitor knows. ``typed`` is whether the visitor typed the
    distance (a distance measured from a city is never beyond the far side of the Earth).
    """
    km = f"{one_way_km:,}"
    if typed and one_way_km > FARTHEST_APART_KM:
        return {
            "en": f"{km} km one way is farther than any two places on Earth are apart (about 20,000 km). "
            "Check that the distance is one way and in km; the result counts it as you entered it.",
            "zh-Hans": f"单程 {one_way_km} 公里超过了地球上任意两地之间的最远距离（约 20000 公里）。"
            "请检查填写的是否为单程公里数；结果按您填写的内容计算。",
        }
    if m.kind == "air" and one_way_km < SHORTEST_LIKELY_FLIGHT_KM:
        return {
            "en": f"A flight of {km} km is unusually short: scheduled flights under about 100 km are rare. "
            "Check the distance (one way, in km) and how you travelled; the result counts it as you entered it.",
            "zh-Hans": f"{one_way_km} 公里的航程异常短：短于约 100 公里的定期航班很少见。"
            "请检查距离（单程，公里）和交通方式；结果按您填写的内容计算。",
        }
    if m.value in _LOCAL_MODES and one_way_km > LONGEST_LIKELY_LOCAL_KM:
        return {
            "en": f"{km} km is unusually far for a {m.label['en'].lower()} ride (metro and city-bus rides are "
            "rarely over 200 km). Check the distance and how you travelled; the result counts it as you entered it.",
            "zh-Hans": f"乘坐{m.label['zh-Hans']} {one_way_km} 公里异常远（地铁和公交单程很少超过 200 公里）。"
            "请检查距离和交通方式；结果按您填写的内容计算。",
        }
    return None


# --- calculation --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Distance:
    one_way_km: Decimal
    detail: Text
    typed: bool = False


def _distance(inputs: Mapping[str, Any], context: CalculationContext, prefix: str, m: TravelMode) -> _Distance | None:
    typed = inputs.get(f"{prefix}_distance_km")
    if typed is not None:
        km = Decimal(typed)
        typed_detail = {"en": f"Distance you entered: {km} km", "zh-Hans": f"您填写的距离：{km} 公里"}
        return _Distance(km, typed_detail, typed=True)
    origin = inputs.get(f"{prefix}_origin")
    if origin is None:
        return None
    kind = m.kind if m.kind != "none" else "ground"
    try:
        measured = context.travel_distance(origin, kind)
    except ValueError:
        if m.kind == "none":
            return None
        raise FormErrors({f"{prefix}_distance_km": FieldError("no_venue_location", text=_NO_VENUE_LOCATION)}) from None
    gc, adj, km = measured.great_circle_km, measured.adjustment, measured.travel_km
    return _Distance(
        km,
        {
            "en": f"{origin.label('en')} → venue: {gc} km great-circle × {adj} = {km} km",
            "zh-Hans": f"{origin.label('zh-Hans')} → 目的地：大圆距离 {gc} 公里 × {adj} = {km} 公里",
        },
    )


def _share(quantity: Decimal, divisor: int) -> Decimal:
    exact = quantity / divisor
    return exact if exact * divisor == quantity else exact.quantize(_SHARE_QUANTUM)


def lines(
    inputs: Mapping[str, Any],
    factors: FactorSet,
    context: CalculationContext,
    *,
    prefix: str = "travel",
    travellers: int = 1,
    key: str = "travel",
    label: Text | None = None,
) -> list[BreakdownLine]:
    """The journey as breakdown lines (one, or none when no mode was chosen).

    Raises ``FormErrors`` for the cross-field cases (see ``validate``), so that a plugin's
    calculation reports them beside the fields. ``travellers`` counts a group travelling
    together (each car still shared by its occupants).
    """
    if travellers < 1:
        raise ValueError("travellers must be at least 1")
    validate(inputs, prefix)
    chosen = inputs.get(f"{prefix}_mode")
    if chosen is None:
        return []
    m = mode(chosen)
    measured = _distance(inputs, context, prefix, m)
    if measured is None:
        distance = Decimal(0)
        detail_en, detail_zh = "No distance needed", "无需距离"
    else:
        distance = measured.one_way_km
        detail_en, detail_zh = measured.detail["en"], measured.detail["zh-Hans"]
    factor_key = m.factor
    if m.kind == "air":
        band = flight_band(distance)
        if band_key(m.value, band) in factors:
            factor_key = band_key(m.value, band)
            band_en, band_zh = _BAND_NAMES[band]
            detail_en += f"; a flight {band_en}"
            detail_zh += f"；航程 {band_zh}"
    if factor_key not in factors:
        raise KeyError(f"factor set {factors.scenario} {factors.version} lacks {factor_key}; add travel.factors()")
    factor = factors[factor_key]
    warning = plausibility_warning(m, distance, typed=measured is not None and measured.typed)
    if inputs.get(f"{prefix}_return", False):
        distance *= 2
        detail_en += ", return ×2"
        detail_zh += "，往返 ×2"
    occupants = 1
    vehicles_or_people = travellers
    if m.whole_group:
        occupants = travellers
        detail_en += f", one vehicle shared by {travellers} people"
        detail_zh += f"，{travellers} 人共乘一辆车"
    elif m.shared_by_occupants and inputs.get(f"{prefix}_car_occupants") is None and travellers > 1:
        # A group that did not say how it filled its cars shares them: a family is one car.
        vehicles_or_people = (travellers + CAR_SEATS - 1) // CAR_SEATS
        detail_en += f", the group of {travellers} in {count_en(vehicles_or_people, 'car')}"
        detail_zh += f"，{travellers} 人共乘 {vehicles_or_people} 辆车"
    elif m.shared_by_occupants:
        occupants = int(inputs.get(f"{prefix}_car_occupants") or 1)
        if occupants > 1:
            detail_en += f", ÷ {occupants} people in the car"
            detail_zh += f"，÷ 同车 {occupants} 人"
    if vehicles_or_people == travellers and travellers > 1 and not m.whole_group:
        detail_en += f", × {travellers} travellers"
        detail_zh += f"，× {travellers} 人"
    if m.kind == "none":
        detail_en += "; no fuel or electricity used"
        detail_zh += "；不消耗燃料或电力"
    quantity = distance * vehicles_or_people
    return [
        BreakdownLine(
            key=key,
            label=label or {"en": f"Travel: {m.label['en']}", "zh-Hans": f"交通：{m.label['zh-Hans']}"},
            quantity=_share(quantity, occupants),
            per=m.per,
            factor=factor.key,
            grams=factor.grams(quantity, divided_by=occupants),
            detail={"en": detail_en, "zh-Hans": detail_zh},
            warning=warning,
        )
    ]
