"""The hotel guest's form: where and how long, who shares the rooms, meals, linen, getting there.

Country and star class are choice fields so that a hotel's entry point can preset them; the
visitor flow then drops them from the form.
"""

from __future__ import annotations

from neutralpoint.plugin_api import Choice, Field, Form, lodging, meals, travel

STAY = {"en": "Your stay", "zh-Hans": "您的住宿"}
MEALS_SECTION = {"en": "Meals at the hotel", "zh-Hans": "在酒店用餐"}
HOUSEKEEPING = {"en": "Housekeeping", "zh-Hans": "客房清洁"}
TRAVEL = {"en": "Getting here", "zh-Hans": "交通"}

MAX_NIGHTS = 365
MAX_ROOMS = 50
MAX_GUESTS_PER_ROOM = 6
MAX_MEALS = 1000

PARTY, ME = "party", "me"
NO_BREAKFAST = "none"
DAILY, ON_REQUEST = "daily", "on_request"


def guest_form() -> Form:
    return Form(
        (
            Field(
                name="country",
                kind="choice",
                label={"en": "Hotel country or region", "zh-Hans": "酒店所在国家/地区"},
                help={
                    "en": "Hotels' energy use differs by country and electricity grid.",
                    "zh-Hans": "各国家/地区酒店的能耗和电网排放不同。",
                },
                choices=lodging.COUNTRY_CHOICES,
                default=lodging.DEFAULT_COUNTRY,
                required=False,
                section=STAY,
                essential=False,
            ),
            Field(
                name="hotel_class",
                kind="choice",
                label={"en": "Hotel class", "zh-Hans": "酒店星级"},
                help={
                    "en": "Adjusts the country average by a ratio from French hotels (an estimate, see the source).",
                    "zh-Hans": "按法国酒店数据得出的星级系数调整国家平均值（估算，见来源）。",
                },
                choices=lodging.CLASS_CHOICES,
                default=lodging.AVERAGE_CLASS,
                required=False,
                section=STAY,
                essential=False,
            ),
            Field(
                name="nights",
                kind="integer",
                label={"en": "Nights", "zh-Hans": "入住晚数"},
                unit={"en": "nights", "zh-Hans": "晚"},
                minimum=1,
                maximum=MAX_NIGHTS,
                default=1,
                section=STAY,
            ),
            Field(
                name="rooms",
                kind="integer",
                label={"en": "Rooms", "zh-Hans": "房间数"},
                help={"en": "Rooms your party uses.", "zh-Hans": "您一行人使用的房间数。"},
                unit={"en": "rooms", "zh-Hans": "间"},
                minimum=1,
                maximum=MAX_ROOMS,
                default=1,
                required=False,
                section=STAY,
                essential=False,
            ),
            Field(
                name="guests_per_room",
                kind="integer",
                label={"en": "Guests per room", "zh-Hans": "每间入住人数"},
                help={
                    "en": "A room's footprint is shared by everyone sleeping in it.",
                    "zh-Hans": "房间的排放由所有入住的人分摊。",
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
                name="offset_for",
                kind="choice",
                label={"en": "Whose stay do you count?", "zh-Hans": "计算谁的住宿？"},
                help={
                    "en": "Everyone: all the rooms and all their guests. Only me: your own share (the rooms' "
                    "nights divided by all their guests), with your own meals and journey.",
                    "zh-Hans": "所有人：全部房间及入住的所有人。仅我自己：按入住总人数分摊的个人份额，"
                    "加上您自己的用餐和交通。",
                },
                choices=(
                    Choice(PARTY, {"en": "Everyone in the rooms", "zh-Hans": "房间内所有人"}),
                    Choice(ME, {"en": "Only my share", "zh-Hans": "仅我的份额"}),
                ),
                default=PARTY,
                required=False,
                section=STAY,
                essential=False,
            ),
            Field(
                name="breakfast",
                kind="choice",
                label={"en": "Breakfast", "zh-Hans": "早餐"},
                help={
                    "en": "Counted once per guest per night; the hotel factor does not include food.",
                    "zh-Hans": "按每人每晚一次计算；酒店住宿排放因子不含餐饮。",
                },
                choices=(Choice(NO_BREAKFAST, {"en": "No breakfast", "zh-Hans": "不含早餐"}), *meals.BREAKFAST_CHOICES),
                default=NO_BREAKFAST,
                required=False,
                section=MEALS_SECTION,
            ),
            Field(
                name="other_meals",
                kind="integer",
                label={"en": "Lunches and dinners at the hotel, per guest", "zh-Hans": "每人在酒店的午餐和晚餐次数"},
                help={"en": "For the whole stay; 0 if none.", "zh-Hans": "整个住宿期间；没有请填 0。"},
                unit={"en": "meals", "zh-Hans": "餐"},
                minimum=0,
                maximum=MAX_MEALS,
                default=0,
                required=False,
                section=MEALS_SECTION,
                essential=False,
            ),
            Field(
                name="meal_type",
                kind="choice",
                label={"en": "Main dish of those meals", "zh-Hans": "这些餐的主菜"},
                choices=meals.MEAL_CHOICES,
                default="white_meat",
                required=False,
                section=MEALS_SECTION,
                essential=False,
            ),
            Field(
                name="linen",
                kind="choice",
                label={"en": "Sheets and towels", "zh-Hans": "床单和毛巾更换"},
                help={
                    "en": "Changed every day, or only when you ask (washed once after you leave).",
                    "zh-Hans": "每天更换，或仅在您要求时更换（离店后洗涤一次）。",
                },
                choices=(
                    Choice(DAILY, {"en": "Changed daily", "zh-Hans": "每天更换"}),
                    Choice(ON_REQUEST, {"en": "Only on request", "zh-Hans": "按需更换"}),
                ),
                default=DAILY,
                required=False,
                section=HOUSEKEEPING,
                essential=False,
            ),
            *travel.fields(section=TRAVEL),
        )
    )
