"""The scenic-spot visitor's form: the group and its nights, getting here, rides inside the site, lodging.

The page shows the group size, the nights, the travel mode and the city first; the rides inside
the site and where the nights are spent are folded details.
"""

from __future__ import annotations

from neutralpoint.plugin_api import Choice, Field, Form, lodging, travel

GROUP = {"en": "Your visit", "zh-Hans": "您的游览"}
TRAVEL = {"en": "Getting here", "zh-Hans": "交通"}
INSIDE = {"en": "Inside the site, per person", "zh-Hans": "景区内交通（每人）"}
NIGHTS = {"en": "Nights nearby", "zh-Hans": "周边住宿"}

MAX_GROUP = 200
MAX_SHUTTLE_KM = 200
MAX_RIDES = 20
MAX_BOAT_KM = 500
MAX_NIGHTS = 60
MAX_PER_ROOM = 6

HOTEL, CAMPING = "hotel", "camping"


def visitor_form() -> Form:
    return Form(
        (
            Field(
                name="group_size",
                kind="integer",
                label={"en": "People you are counting", "zh-Hans": "计算人数"},
                help={
                    "en": "1 for just you. A tour group: its size — the result is then for the whole group, and a "
                    "chartered coach is shared by everyone in it.",
                    "zh-Hans": "只算自己请填 1。旅游团请填团队人数：结果为整个团队的碳足迹，包车排放由全团分摊。",
                },
                unit={"en": "people", "zh-Hans": "人"},
                minimum=1,
                maximum=MAX_GROUP,
                default=1,
                section=GROUP,
            ),
            Field(
                name="nights",
                kind="integer",
                label={"en": "Nights nearby", "zh-Hans": "周边住宿晚数"},
                help={"en": "0 for a day trip.", "zh-Hans": "一日游请填 0。"},
                unit={"en": "nights", "zh-Hans": "晚"},
                minimum=0,
                maximum=MAX_NIGHTS,
                default=0,
                required=False,
                section=GROUP,  # with the group: what most visitors answer, on one screen
            ),
            *travel.fields(section=TRAVEL, group=True),
            Field(
                name="shuttle_km",
                kind="number",
                label={"en": "Shuttle bus distance", "zh-Hans": "景区观光车里程"},
                help={
                    "en": "All your shuttle rides added up; 0 if none.",
                    "zh-Hans": "所有观光车乘坐里程之和；没有请填 0。",
                },
                unit={"en": "km", "zh-Hans": "公里"},
                minimum=0,
                maximum=MAX_SHUTTLE_KM,
                decimals=1,
                default=0,
                required=False,
                section=INSIDE,
                essential=False,
            ),
            Field(
                name="cable_car_rides",
                kind="integer",
                label={"en": "Cable car rides", "zh-Hans": "索道乘坐次数"},
                help={"en": "Up and down count as two rides.", "zh-Hans": "上行和下行各算一次。"},
                unit={"en": "rides", "zh-Hans": "次"},
                minimum=0,
                maximum=MAX_RIDES,
                default=0,
                required=False,
                section=INSIDE,
                essential=False,
            ),
            Field(
                name="boat_km",
                kind="number",
                label={"en": "Boat distance", "zh-Hans": "游船里程"},
                unit={"en": "km", "zh-Hans": "公里"},
                minimum=0,
                maximum=MAX_BOAT_KM,
                decimals=1,
                default=0,
                required=False,
                section=INSIDE,
                essential=False,
            ),
            Field(
                name="lodging",
                kind="choice",
                label={"en": "Where you sleep", "zh-Hans": "住宿类型"},
                choices=(
                    Choice(HOTEL, {"en": "Hotel or guesthouse", "zh-Hans": "酒店或民宿"}),
                    Choice(CAMPING, {"en": "Campsite", "zh-Hans": "露营地"}),
                ),
                default=HOTEL,
                required=False,
                section=NIGHTS,
                essential=False,
            ),
            Field(
                name="country",
                kind="choice",
                label={"en": "Country or region of the site", "zh-Hans": "景区所在国家/地区"},
                choices=lodging.COUNTRY_CHOICES,
                default=lodging.DEFAULT_COUNTRY,
                required=False,
                section=NIGHTS,
                essential=False,
            ),
            Field(
                name="people_per_room",
                kind="integer",
                label={"en": "People per room or tent", "zh-Hans": "每间房/每顶帐篷人数"},
                unit={"en": "people", "zh-Hans": "人"},
                minimum=1,
                maximum=MAX_PER_ROOM,
                default=2,
                required=False,
                section=NIGHTS,
                essential=False,
            ),
        )
    )
