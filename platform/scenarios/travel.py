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
per vehicle-km for cars, shared by the occupants). The value is the DESNZ 2025 direct
(tank-to-wheel) factor **plus** its well-to-tank row (fuel and electricity supply), summed
into one factor so that a journey is one breakdown line rounded once; the note of every
factor shows both published numbers and the source table names both rows. Flights use
DESNZ "International, to/from non-UK" by cabin class, with radiative forcing. Chinese
high-speed rail has no published per-passenger-km factor in the sources reviewed, so it
uses DESNZ national rail as a conservative published proxy (estimate E1, ≈0.025 kg CO2/pkm,
is lower); a battery-electric car is charged from China's 2023 average grid (estimate E2).

**Rounding.** Distances stay exact ``Decimal``; a car's vehicle-km × factor is divided by
the occupants inside ``Factor.grams``, which rounds once, half up, to whole grams.

**Editions.** ``factors(edition=...)`` pins the travel values a plugin's factor-set version
was published with, so that a newer edition here never changes an old factor set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from neutralpoint.scenarios.contract import BreakdownLine, CalculationContext
from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.forms import Choice, Field, FieldError, FormErrors
from neutralpoint.scenarios.i18n import Text, count_en

__all__ = [
    "CURRENT_EDITION",
    "EDITIONS",
    "GROUP_MODES",
    "MODES",
    "ModeKind",
    "TravelMode",
    "factors",
    "fields",
    "group_factors",
    "lines",
    "mode",
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
        source=Source(publisher=_DESNZ, document=_DESNZ_DOC, year=2025, table=table, url=_DESNZ_URL),
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
            ),
            note="Food energy and the making of the bicycle are not counted, as in the DESNZ travel factors.",
        ),
    ]


EDITIONS: dict[str, Callable[[], list[Factor]]] = {"2025.1": _factors_2025_1}
CURRENT_EDITION = "2025.1"


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


# --- calculation --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Distance:
    one_way_km: Decimal
    detail: Text


def _distance(inputs: Mapping[str, Any], context: CalculationContext, prefix: str, m: TravelMode) -> _Distance | None:
    typed = inputs.get(f"{prefix}_distance_km")
    if typed is not None:
        km = Decimal(typed)
        return _Distance(km, {"en": f"Distance you entered: {km} km", "zh-Hans": f"您填写的距离：{km} 公里"})
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
    if m.factor not in factors:
        raise KeyError(f"factor set {factors.scenario} {factors.version} lacks {m.factor}; add travel.factors()")
    factor = factors[m.factor]
    measured = _distance(inputs, context, prefix, m)
    if measured is None:
        distance = Decimal(0)
        detail_en, detail_zh = "No distance needed", "无需距离"
    else:
        distance = measured.one_way_km
        detail_en, detail_zh = measured.detail["en"], measured.detail["zh-Hans"]
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
            factor=m.factor,
            grams=factor.grams(quantity, divided_by=occupants),
            detail={"en": detail_en, "zh-Hans": detail_zh},
        )
    ]
