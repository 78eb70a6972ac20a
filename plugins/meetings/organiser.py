"""The organiser's whole-event footprint for a meeting or conference.

What an event emits, following the categories of China's guidance for large carbon-neutral
events (大型活动碳中和实施指南（试行）, MEE 2019: transport, accommodation, catering, venue
energy, materials, waste) and mapped to GHG Protocol scopes in each line's detail:

- venue electricity: the venue's metered kWh, or hall area × hours × 0.1 kWh per m²·hour
  (a NeutralPoint estimate from convention-centre energy use of 250–400 kWh/m² a year over
  about 3,000 open hours; estimate E4), × the grid factor of the province (MEE 2023) or the
  country (Ember) — Scope 2 when the organiser runs the venue, else Scope 3 category 8;
- attendees' travel, either attendee counts by mode × their average one-way distance (return
  trips, through the core's travel helper) or the travel and hotel lines of the attendees' own
  estimates at this entry point, averaged and scaled to the attendee count — Scope 3
  (category 6 for staff, category 9 for attendees' own journeys, optional);
- attendees' hotel room-nights (DESNZ by country) — Scope 3 category 6;
- catering by meal type (ADEME Nos Gestes Climat), printed paper and merchandise by weight
  (DESNZ material use) — Scope 3 category 1; waste by weight to landfill — category 5.

The calculation cannot read the database, so the attendees' own estimates arrive as two inputs the
organiser's page fills in from the stored estimates (``own_estimates_grams`` and
``own_estimates_count``), kept with the result so that it recomputes to the same grams.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from neutralpoint.plugin_api import (
    BreakdownLine,
    CalculationContext,
    Choice,
    FactorSet,
    Field,
    FieldError,
    Form,
    FormErrors,
    count_en,
    travel,
)
from neutralpoint_plugins.meetings.factors import HOTEL_COUNTRY_CHOICES, MEAL_KINDS
from neutralpoint_plugins.meetings.organiser_factors import (
    CHINA_GRID,
    OWN_ESTIMATES_KEY,
    WORLD_GRID,
    grid_key,
)

Text = Mapping[str, str]

#: kWh per m² of hall per hour when the venue has no meter reading: estimate E4 (see above).
DEFAULT_INTENSITY = Decimal("0.1")

EVENT = {"en": "The event", "zh-Hans": "活动概况"}
VENUE = {"en": "Venue energy", "zh-Hans": "会场能耗"}
TRAVEL = {"en": "Attendees' travel", "zh-Hans": "参会者交通"}
NIGHTS = {"en": "Attendees' hotel nights", "zh-Hans": "参会者住宿"}
CATERING = {"en": "Catering", "zh-Hans": "餐饮"}
MATERIALS = {"en": "Printed materials and merchandise", "zh-Hans": "印刷品与纪念品"}
WASTE = {"en": "Waste", "zh-Hans": "垃圾"}

SPLIT, OWN, NONE = "split", "own", "none"
OWN_FIELDS = ("own_estimates_grams", "own_estimates_count")

#: prefix → (travel mode, English, Chinese). Every journey is counted there and back.
TRAVEL_GROUPS: dict[str, tuple[str, str, str]] = {
    "air": ("plane_economy", "By plane (economy)", "乘飞机（经济舱）"),
    "rail": ("rail_high_speed", "By high-speed train", "乘高铁"),
    "car": ("car_petrol", "By car (petrol)", "自驾（汽油车）"),
    "coach": ("coach", "By coach", "乘长途大巴"),
}

SCOPE_2 = {
    "en": "GHG Protocol Scope 2 (Scope 3 cat. 8 if the venue is leased)",
    "zh-Hans": "温室气体核算体系 范围二（租用场地时为范围三第8类）",
}
SCOPE_3_TRAVEL = {
    "en": "GHG Protocol Scope 3, cat. 6 (staff) / cat. 9 (attendees, optional)",
    "zh-Hans": "温室气体核算体系 范围三第6类（员工）/第9类（参会者，可选）",
}
SCOPE_3_HOTEL = {"en": "GHG Protocol Scope 3, cat. 6", "zh-Hans": "温室气体核算体系 范围三第6类"}
SCOPE_3_PURCHASES = {"en": "GHG Protocol Scope 3, cat. 1", "zh-Hans": "温室气体核算体系 范围三第1类"}
SCOPE_3_WASTE = {"en": "GHG Protocol Scope 3, cat. 5", "zh-Hans": "温室气体核算体系 范围三第5类"}


def _number(
    name: str, en: str, zh: str, unit: Text, maximum: int, section: Text, *, decimals: int = 1, help: Text | None = None
) -> Field:
    return Field(
        name=name,
        kind="number",
        label={"en": en, "zh-Hans": zh},
        help=help,
        unit=unit,
        minimum=0,
        maximum=maximum,
        decimals=decimals,
        required=False,
        section=section,
    )


def _count(name: str, en: str, zh: str, unit: Text, maximum: int, section: Text, help: Text | None = None) -> Field:
    return Field(
        name=name,
        kind="integer",
        label={"en": en, "zh-Hans": zh},
        help=help,
        unit=unit,
        minimum=0,
        maximum=maximum,
        default=0,
        required=False,
        section=section,
    )


KG = {"en": "kg", "zh-Hans": "千克"}
KM = {"en": "km", "zh-Hans": "公里"}
PEOPLE = {"en": "people", "zh-Hans": "人"}


def grid_choices() -> tuple[Choice, ...]:
    china = tuple(
        Choice(code, {"en": f"China: {en}", "zh-Hans": f"中国：{zh}"}) for code, (en, zh, _) in CHINA_GRID.items()
    )
    world = tuple(Choice(code, {"en": en, "zh-Hans": zh}) for code, (en, zh, _, _) in WORLD_GRID.items())
    return (*china, *world)


def organiser_form() -> Form:
    travel_fields: list[Field] = []
    for prefix, (_, en, zh) in TRAVEL_GROUPS.items():
        travel_fields.append(
            _count(f"{prefix}_attendees", f"Attendees {en.lower()}", f"{zh}的人数", PEOPLE, 200_000, TRAVEL)
        )
        travel_fields.append(
            _number(
                f"{prefix}_distance_km",
                f"Their average distance, one way ({en.lower()})",
                f"{zh}平均单程距离",
                KM,
                40_000,
                TRAVEL,
            )
        )
    return Form(
        (
            Field(
                name="attendees",
                kind="integer",
                label={"en": "Attendees", "zh-Hans": "参会人数"},
                unit=PEOPLE,
                minimum=1,
                maximum=200_000,
                section=EVENT,
            ),
            _number(
                "venue_kwh",
                "Venue electricity, metered",
                "会场用电量（电表读数）",
                {"en": "kWh", "zh-Hans": "千瓦时"},
                10_000_000,
                VENUE,
                help={
                    "en": "For the whole event. Without a meter reading, give the hall area and hours instead.",
                    "zh-Hans": "整个活动期间的用电量。没有电表读数时，请填写会场面积和使用时长。",
                },
            ),
            _number(
                "hall_area_m2", "Hall area", "会场面积", {"en": "m²", "zh-Hans": "平方米"}, 1_000_000, VENUE, decimals=0
            ),
            _number(
                "hall_hours",
                "Hours the hall is in use",
                "会场使用时长",
                {"en": "hours", "zh-Hans": "小时"},
                2_000,
                VENUE,
                help={
                    "en": "Counted at 0.1 kWh per m² an hour, an estimate from convention centres' yearly energy use.",
                    "zh-Hans": "按每平方米每小时 0.1 千瓦时估算（依据会展中心年度能耗）。",
                },
            ),
            Field(
                name="grid",
                kind="choice",
                label={"en": "Electricity grid", "zh-Hans": "所在电网"},
                help={
                    "en": "The province (China, MEE 2023) or the country of the venue.",
                    "zh-Hans": "会场所在省份（中国，生态环境部2023年因子）或国家/地区。",
                },
                choices=grid_choices(),
                default="CN",
                required=False,
                section=VENUE,
            ),
            Field(
                name="travel_source",
                kind="choice",
                label={"en": "How to count the attendees' travel", "zh-Hans": "参会者交通的计算方式"},
                help={
                    "en": "By mode below, or from the attendees' own estimates at this entry point (their travel "
                    "and hotel nights, scaled to all attendees).",
                    "zh-Hans": "按下方交通方式统计，或采用参会者在此入口自行估算的结果（其交通和住宿，按总人数折算）。",
                },
                choices=(
                    Choice(SPLIT, {"en": "By mode, below", "zh-Hans": "按下方交通方式"}),
                    Choice(OWN, {"en": "From the attendees' own estimates", "zh-Hans": "采用参会者自行估算"}),
                    Choice(NONE, {"en": "Not counted", "zh-Hans": "不计入"}),
                ),
                default=SPLIT,
                required=False,
                section=TRAVEL,
            ),
            *travel_fields,
            _count(
                "own_estimates_grams",
                "Attendees' own estimates, travel and hotel",
                "参会者自行估算（交通和住宿）",
                {"en": "g CO2e", "zh-Hans": "克二氧化碳当量"},
                10**13,
                TRAVEL,
            ),
            _count(
                "own_estimates_count",
                "Attendees' own estimates",
                "参会者自行估算份数",
                {"en": "estimates", "zh-Hans": "份"},
                10**7,
                TRAVEL,
            ),
            _count(
                "room_nights",
                "Hotel room-nights, all attendees",
                "所有参会者的酒店房晚数",
                {"en": "room-nights", "zh-Hans": "间·夜"},
                1_000_000,
                NIGHTS,
                help={
                    "en": "Not counted when the attendees' own estimates are used (they include their nights).",
                    "zh-Hans": "采用参会者自行估算时不计入（其中已含住宿）。",
                },
            ),
            Field(
                name="hotel_country",
                kind="choice",
                label={"en": "Hotels' country or region", "zh-Hans": "酒店所在国家/地区"},
                choices=HOTEL_COUNTRY_CHOICES,
                default="CN",
                required=False,
                section=NIGHTS,
            ),
            *(
                _count(
                    f"meals_{kind}", f"{en} served", f"{zh}份数", {"en": "meals", "zh-Hans": "份"}, 1_000_000, CATERING
                )
                for kind, (_, en, zh) in MEAL_KINDS.items()
            ),
            _number("printed_kg", "Printed paper", "印刷纸张", KG, 1_000_000, MATERIALS),
            _number("merch_plastic_kg", "Plastic merchandise", "塑料纪念品", KG, 1_000_000, MATERIALS),
            _number(
                "merch_textile_kg",
                "Textile merchandise (bags, T-shirts)",
                "纺织纪念品（袋、T恤）",
                KG,
                1_000_000,
                MATERIALS,
            ),
            _number("waste_kg", "General waste", "一般垃圾", KG, 10_000_000, WASTE),
            _number("food_waste_kg", "Food waste", "厨余垃圾", KG, 10_000_000, WASTE),
        )
    )


def _err(field: str, en: str, zh: str) -> FormErrors:
    return FormErrors({field: FieldError("invalid", text={"en": en, "zh-Hans": zh})})


def _with_scope(detail: Text, scope: Text) -> Text:
    return {lang: f"{detail[lang]} · {scope[lang]}" for lang in ("en", "zh-Hans")}


def _line(
    key: str,
    factors: FactorSet,
    factor_key: str,
    quantity: Decimal,
    detail: Text,
    scope: Text,
    label: Text | None = None,
) -> BreakdownLine:
    factor = factors[factor_key]
    return BreakdownLine(
        key=key,
        label=label or factor.label,
        quantity=quantity,
        per=factor.per,
        factor=factor.key,
        grams=factor.grams(quantity),
        detail=_with_scope(detail, scope),
    )


def organiser_lines(inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
    """Raises ``FormErrors`` naming a field when the answers do not fit together."""
    attendees = int(inputs["attendees"])
    found = [_venue(inputs, factors)]
    source = inputs.get("travel_source") or SPLIT
    if source == SPLIT:
        found.extend(_travel_split(inputs, factors, context, attendees))
        nights = int(inputs.get("room_nights") or 0)
        if nights:
            country = inputs.get("hotel_country") or "CN"
            found.append(
                _line(
                    "hotel",
                    factors,
                    f"hotel.{country}",
                    Decimal(nights),
                    {"en": f"{nights} room-nights", "zh-Hans": f"{nights} 间·夜"},
                    SCOPE_3_HOTEL,
                )
            )
    elif source == OWN:
        found.append(_own_estimates(inputs, factors, attendees))
    for kind in MEAL_KINDS:
        count = int(inputs.get(f"meals_{kind}") or 0)
        if count:
            found.append(
                _line(
                    f"meal.{kind}",
                    factors,
                    f"meal.{kind}",
                    Decimal(count),
                    {"en": f"{count} meals", "zh-Hans": f"{count} 份"},
                    SCOPE_3_PURCHASES,
                )
            )
    for field, key, scope in (
        ("printed_kg", "material.paper", SCOPE_3_PURCHASES),
        ("merch_plastic_kg", "material.plastic", SCOPE_3_PURCHASES),
        ("merch_textile_kg", "material.textile", SCOPE_3_PURCHASES),
        ("waste_kg", "waste.general", SCOPE_3_WASTE),
        ("food_waste_kg", "waste.food", SCOPE_3_WASTE),
    ):
        kg = inputs.get(field)
        if kg:
            found.append(_line(key, factors, key, Decimal(kg), {"en": f"{kg} kg", "zh-Hans": f"{kg} 千克"}, scope))
    return found


def _venue(inputs: Mapping[str, Any], factors: FactorSet) -> BreakdownLine:
    grid = inputs.get("grid") or "CN"
    kwh, area, hours = inputs.get("venue_kwh"), inputs.get("hall_area_m2"), inputs.get("hall_hours")
    if kwh is not None:
        quantity = Decimal(kwh)
        detail = {"en": f"{quantity} kWh metered", "zh-Hans": f"电表读数 {quantity} 千瓦时"}
    elif area is not None and hours is not None:
        quantity = Decimal(area) * Decimal(hours) * DEFAULT_INTENSITY
        detail = {
            "en": f"{area} m² × {hours} h × {DEFAULT_INTENSITY} kWh/m²·h (estimate) = {quantity} kWh",
            "zh-Hans": f"{area} 平方米 × {hours} 小时 × {DEFAULT_INTENSITY} 千瓦时/平方米·小时（估算）"
            f"= {quantity} 千瓦时",
        }
    elif area is not None:
        raise _err("hall_hours", "Give the hours the hall is in use.", "请填写会场使用时长。")
    elif hours is not None:
        raise _err("hall_area_m2", "Give the hall area.", "请填写会场面积。")
    else:
        raise _err(
            "venue_kwh",
            "Give the venue's metered kWh, or the hall area and hours.",
            "请填写会场用电量（千瓦时），或会场面积和使用时长。",
        )
    return _line("venue.electricity", factors, grid_key(grid), quantity, detail, SCOPE_2)


def _travel_split(
    inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext, attendees: int
) -> list[BreakdownLine]:
    counted = sum(int(inputs.get(f"{prefix}_attendees") or 0) for prefix in TRAVEL_GROUPS)
    if counted > attendees:
        raise _err(
            "air_attendees",
            f"The attendees by mode add up to {counted}, more than the {attendees} attendees.",
            f"各交通方式人数合计 {counted}，超过参会人数 {attendees}。",
        )
    found = []
    for prefix, (mode, en, zh) in TRAVEL_GROUPS.items():
        count = int(inputs.get(f"{prefix}_attendees") or 0)
        if count == 0:
            continue
        distance = inputs.get(f"{prefix}_distance_km")
        if distance is None:
            raise _err(f"{prefix}_distance_km", "Give their average distance.", "请填写平均距离。")
        journey = {
            f"{prefix}_mode": mode,
            f"{prefix}_distance_km": distance,
            f"{prefix}_origin": None,
            f"{prefix}_return": True,
            f"{prefix}_car_occupants": 1,
        }
        for line in travel.lines(
            journey,
            factors,
            context,
            prefix=prefix,
            travellers=count,
            key=f"travel.{prefix}",
            label={"en": f"Attendees' travel: {en.lower()}", "zh-Hans": f"参会者交通：{zh}"},
        ):
            found.append(
                BreakdownLine(
                    key=line.key,
                    label=line.label,
                    quantity=line.quantity,
                    per=line.per,
                    factor=line.factor,
                    grams=line.grams,
                    detail=_with_scope(line.detail or {"en": "", "zh-Hans": ""}, SCOPE_3_TRAVEL),
                    warning=line.warning,
                )
            )
    return found


def _own_estimates(inputs: Mapping[str, Any], factors: FactorSet, attendees: int) -> BreakdownLine:
    grams = int(inputs.get("own_estimates_grams") or 0)
    count = int(inputs.get("own_estimates_count") or 0)
    if count == 0:
        raise _err(
            "travel_source",
            "No attendee has made an estimate at this entry point yet; count the travel by mode.",
            "此入口尚无参会者自行估算，请按交通方式统计。",
        )
    factor = factors[OWN_ESTIMATES_KEY]
    kg = Decimal(grams) / 1000
    total = kg * attendees
    exact = total / count
    return BreakdownLine(
        key="travel.own_estimates",
        label={
            "en": "Attendees' travel and hotel nights (their own estimates)",
            "zh-Hans": "参会者交通与住宿（自行估算）",
        },
        quantity=exact if exact * count == total else exact.quantize(Decimal("0.001")),
        per=factor.per,
        factor=factor.key,
        grams=factor.grams(total, divided_by=count),
        detail=_with_scope(
            {
                "en": f"{kg} kg in {count_en(count, 'estimate')} ÷ {count} × {count_en(attendees, 'attendee')}",
                "zh-Hans": f"{count} 份估算共 {kg} 千克 ÷ {count} × {attendees} 人",
            },
            SCOPE_3_TRAVEL,
        ),
    )

