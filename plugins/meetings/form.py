"""The attendee's form: how they came, how many days, hotel nights and meals.

Short on purpose: only the travel mode and a city (or a distance) must be answered; every
other field has a default that fits a one-day attendee who goes home at night. The page
shows four fields first (mode, city, days, hotel nights), on a phone's first screen; the
journey's details, the hotel room's and the meals are folded below.
"""

from __future__ import annotations

from neutralpoint.plugin_api import Field, Form, travel
from neutralpoint_plugins.meetings.factors import HOTEL_COUNTRY_CHOICES, MEAL_KINDS

TRAVEL = {"en": "Getting here", "zh-Hans": "交通"}
#: Days and hotel nights share a section: the two counts most attendees answer, on one screen.
STAY = {"en": "Days and nights", "zh-Hans": "参会天数与住宿"}
MEALS_SECTION = {"en": "Meals at the event", "zh-Hans": "会议期间用餐"}

MAX_DAYS = 30
MAX_NIGHTS = 60
MAX_GUESTS_PER_ROOM = 4
MAX_MEALS = 200
DEFAULT_HOTEL_COUNTRY = "CN"


MEALS_HELP = {
    "en": "Lunches and dinners you eat at the event, counted by main dish.",
    "zh-Hans": "在会议期间吃的午餐和晚餐，按主菜类型计数。",
}


def _meal_field(kind: str, first: bool) -> Field:
    _, en, zh = MEAL_KINDS[kind]
    return Field(
        name=f"meals_{kind}",
        kind="integer",
        label={"en": en, "zh-Hans": zh},
        help=MEALS_HELP if first else None,
        unit={"en": "meals", "zh-Hans": "餐"},
        minimum=0,
        maximum=MAX_MEALS,
        default=0,
        required=False,
        section=MEALS_SECTION,
        essential=False,
    )


def attendee_form() -> Form:
    meal_fields = [_meal_field(kind, first=index == 0) for index, kind in enumerate(MEAL_KINDS)]
    return Form(
        (
            *travel.fields(section=TRAVEL),
            Field(
                name="days",
                kind="integer",
                label={"en": "Days you attend", "zh-Hans": "参会天数"},
                help={
                    "en": "Counts your share of the venue's energy and waste.",
                    "zh-Hans": "用于计算您分摊的会场能耗和垃圾。",
                },
                unit={"en": "days", "zh-Hans": "天"},
                minimum=1,
                maximum=MAX_DAYS,
                default=1,
                required=False,
                section=STAY,
            ),
            Field(
                name="hotel_nights",
                kind="integer",
                label={"en": "Hotel nights", "zh-Hans": "住酒店晚数"},
                help={
                    "en": "Nights in a hotel for this event; 0 if you sleep at home.",
                    "zh-Hans": "因参会入住酒店的晚数；住在家里请填 0。",
                },
                unit={"en": "nights", "zh-Hans": "晚"},
                minimum=0,
                maximum=MAX_NIGHTS,
                default=0,
                required=False,
                section=STAY,
            ),
            Field(
                name="hotel_guests",
                kind="integer",
                label={"en": "Guests sharing the room", "zh-Hans": "同住人数"},
                help={
                    "en": "The room's footprint is shared by everyone in it, you included.",
                    "zh-Hans": "房间的排放由所有同住的人（包括您）分摊。",
                },
                unit={"en": "guests", "zh-Hans": "人"},
                minimum=1,
                maximum=MAX_GUESTS_PER_ROOM,
                default=1,
                required=False,
                section=STAY,
                essential=False,
            ),
            Field(
                name="hotel_country",
                kind="choice",
                label={"en": "Hotel country", "zh-Hans": "酒店所在国家/地区"},
                help={
                    "en": "Hotels' energy use differs by country and grid.",
                    "zh-Hans": "各国家/地区酒店的能耗与电网排放不同。",
                },
                choices=HOTEL_COUNTRY_CHOICES,
                default=DEFAULT_HOTEL_COUNTRY,
                required=False,
                section=STAY,
                essential=False,
            ),
            *meal_fields,
        )
    )
