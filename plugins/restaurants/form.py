"""The diner's form: who is paying for how many, the main dish, drinks, takeaway, getting here."""

from __future__ import annotations

from neutralpoint.plugin_api import Choice, Field, Form, travel
from neutralpoint_plugins.restaurants.factors import CONTAINERS, DISHES, DRINKS

MEAL = {"en": "Your meal", "zh-Hans": "您的餐食"}
DRINKS_SECTION = {"en": "Drinks for the whole bill", "zh-Hans": "整单饮品"}
TAKEAWAY = {"en": "Takeaway", "zh-Hans": "外带"}
TRAVEL = {"en": "Getting here", "zh-Hans": "交通"}

MAX_DINERS = 40
MAX_DRINKS = 200
MAX_CONTAINERS = 100

def _drink_field(drink: str) -> Field:
    en, zh, serving = DRINKS[drink]
    if serving is None:
        label = {"en": f"{en}, cups", "zh-Hans": f"{zh}（杯）"}
        unit = {"en": "cups", "zh-Hans": "杯"}
    else:
        ml = int(serving * 1000)
        label = {"en": f"{en}, {ml} ml glasses or bottles", "zh-Hans": f"{zh}（每杯/瓶 {ml} 毫升）"}
        unit = {"en": "glasses", "zh-Hans": "杯"}
    return Field(
        name=drink,
        kind="integer",
        label=label,
        unit=unit,
        minimum=0,
        maximum=MAX_DRINKS,
        default=0,
        required=False,
        section=DRINKS_SECTION,
        essential=False,
    )


def _container_choice(material: str) -> Choice:
    en, zh, mass = CONTAINERS[material]
    grams = int(mass * 1000)
    return Choice(material, {"en": f"{en} (about {grams} g)", "zh-Hans": f"{zh}（约 {grams} 克）"})


def diner_form() -> Form:
    return Form(
        (
            Field(
                name="diners",
                kind="integer",
                label={"en": "Diners you are paying for", "zh-Hans": "您买单的用餐人数"},
                help={
                    "en": "1 if you pay for yourself. Paying for the table? Enter everyone at it: the result is "
                    "then for the whole table.",
                    "zh-Hans": "只为自己买单请填 1。为整桌买单请填入整桌人数，结果即为整桌的碳足迹。",
                },
                unit={"en": "people", "zh-Hans": "人"},
                minimum=1,
                maximum=MAX_DINERS,
                default=1,
                section=MEAL,
            ),
            Field(
                name="dish",
                kind="choice",
                label={"en": "Main dish", "zh-Hans": "主菜"},
                help={
                    # Which ADEME meal each dish counts as is shown on the result, beside the factor.
                    "en": "For a table, the dish most people had.",
                    "zh-Hans": "整桌请选大多数人吃的主菜。",
                },
                choices=tuple(Choice(k, {"en": en, "zh-Hans": zh}) for k, (en, zh, _) in DISHES.items()),
                section=MEAL,
            ),
            *(_drink_field(drink) for drink in DRINKS),
            Field(
                name="containers",
                kind="integer",
                label={"en": "Takeaway containers", "zh-Hans": "外卖餐盒数量"},
                help={"en": "0 if you ate here.", "zh-Hans": "堂食请填 0。"},
                unit={"en": "containers", "zh-Hans": "个"},
                minimum=0,
                maximum=MAX_CONTAINERS,
                default=0,
                required=False,
                section=TAKEAWAY,
                essential=False,
            ),
            Field(
                name="container_material",
                kind="choice",
                label={"en": "Container material", "zh-Hans": "餐盒材质"},
                choices=tuple(_container_choice(material) for material in CONTAINERS),
                default="plastic",
                required=False,
                section=TAKEAWAY,
                essential=False,
            ),
            *travel.fields(section=TRAVEL, required=False),
        )
    )
