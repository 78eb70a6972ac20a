"""The shopper's form: the basket by category, carrier bags and the trip to the store.

Every field is optional and starts at zero: a shopper fills in what they bought and leaves
the rest. Food is entered by weight; a shopper in the US who knows only what they spent may
use the spend fields instead (in US dollars, the currency of the only spend factors with a
source). ``ITEMS`` ties each field to the factor it is multiplied by, so the calculation and
the form cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from neutralpoint.plugin_api import Field, Form, Text, travel

MEAT = {"en": "Meat and fish", "zh-Hans": "肉类和水产"}
DAIRY = {"en": "Dairy and eggs", "zh-Hans": "奶制品和蛋"}
PRODUCE = {"en": "Fruit and vegetables", "zh-Hans": "水果和蔬菜"}
DRY = {"en": "Dry goods", "zh-Hans": "干货"}
OTHER = {"en": "Frozen and other food", "zh-Hans": "冷冻及其他食品"}
HOUSEHOLD = {"en": "Household goods (not food)", "zh-Hans": "日用品（非食品）"}
SPEND = {"en": "Or by spend (shopping in the US)", "zh-Hans": "或按花费（在美国购物）"}
BAGS = {"en": "Carrier bags", "zh-Hans": "购物袋"}
TRAVEL = {"en": "Getting to the store", "zh-Hans": "往返超市"}

KG: Text = {"en": "kg", "zh-Hans": "千克"}
USD: Text = {"en": "USD", "zh-Hans": "美元"}
BAGS_UNIT: Text = {"en": "bags", "zh-Hans": "个"}

MAX_MEAT_KG = 20
MAX_FOOD_KG = 50
MAX_HOUSEHOLD_KG = 20
MAX_SPEND_USD = 1000
MAX_BAGS = 30

WEIGHT_HELP: Text = {
    "en": "Weight as on the label or the scale, in kg (250 g = 0.25).",
    "zh-Hans": "按标签或称重的重量，单位千克（250 克 = 0.25）。",
}
SPEND_HELP: Text = {
    "en": (
        "Only if you shop in the US and know what you spent, not the weight. US averages per 2021 dollar: "
        "an estimate anywhere else. Do not enter the same food by weight and by spend."
    ),
    "zh-Hans": (
        "仅适用于在美国购物且只知道花费、不知道重量的情况。按 2021 年美元计的美国平均值，"
        "在其他地区仅为估算。同一食品请勿既按重量又按花费填写。"
    ),
}
BAGS_HELP: Text = {
    "en": "New bags you took or bought today; a bag you brought from home counts as nothing.",
    "zh-Hans": "今天新拿或新买的袋子；从家里带来的袋子不计。",
}
OTHER_HELP: Text = {
    "en": "Frozen food and anything edible not listed above, by weight (UK average per kg).",
    "zh-Hans": "冷冻食品及以上未列出的食品，按重量（英国每千克平均值）。",
}


@dataclass(frozen=True)
class Item:
    """One basket field and the factor it is multiplied by."""

    field: str
    factor: str
    label: Text
    section: Text
    unit: Text
    maximum: int
    decimals: int
    per: str

    def as_field(self, help_text: Text | None) -> Field:
        """The item as a form field; only the everyday items show before the details fold."""
        return Field(
            name=self.field,
            kind="integer" if self.decimals == 0 else "number",
            label=self.label,
            help=help_text,
            unit=self.unit,
            minimum=0,
            maximum=self.maximum,
            decimals=self.decimals,
            default=Decimal(0) if self.decimals else 0,
            required=False,
            section=self.section,
            essential=self.field in EVERYDAY,
        )


def _kg(field: str, factor: str, en: str, zh: str, section: Text, maximum: int = MAX_FOOD_KG) -> Item:
    return Item(field, factor, {"en": en, "zh-Hans": zh}, section, KG, maximum, 3, "kg")


def _usd(field: str, factor: str, en: str, zh: str) -> Item:
    return Item(field, factor, {"en": en, "zh-Hans": zh}, SPEND, USD, MAX_SPEND_USD, 2, "USD")


def _bags(field: str, factor: str, en: str, zh: str) -> Item:
    return Item(field, factor, {"en": en, "zh-Hans": zh}, BAGS, BAGS_UNIT, MAX_BAGS, 0, "bag")


#: What most baskets hold: shown first, on a phone's first screen; the rest is folded by section.
EVERYDAY = frozenset({"pork_kg", "poultry_kg", "milk_kg", "eggs_kg", "vegetables_kg", "rice_kg", "bags_plastic"})

ITEMS: tuple[Item, ...] = (
    _kg("beef_kg", "food.beef", "Beef", "牛肉", MEAT, MAX_MEAT_KG),
    _kg("lamb_kg", "food.lamb", "Lamb and mutton", "羊肉", MEAT, MAX_MEAT_KG),
    _kg("pork_kg", "food.pork", "Pork", "猪肉", MEAT, MAX_MEAT_KG),
    _kg("poultry_kg", "food.poultry", "Chicken, duck and other poultry", "鸡、鸭等禽肉", MEAT, MAX_MEAT_KG),
    _kg("fish_kg", "food.fish", "Fish", "鱼", MEAT, MAX_MEAT_KG),
    _kg("prawns_kg", "food.prawns", "Prawns and shrimps", "虾", MEAT, MAX_MEAT_KG),
    _kg("cheese_kg", "food.cheese", "Cheese", "奶酪", DAIRY),
    _kg("milk_kg", "food.milk", "Milk and yoghurt (1 litre ≈ 1 kg)", "牛奶和酸奶（1 升 ≈ 1 千克）", DAIRY),
    _kg("eggs_kg", "food.eggs", "Eggs (one egg ≈ 0.06 kg)", "鸡蛋（一个约 0.06 千克）", DAIRY),
    _kg("tomatoes_kg", "food.tomatoes", "Tomatoes", "番茄", PRODUCE),
    _kg("potatoes_kg", "food.potatoes", "Potatoes and root vegetables", "土豆和根茎类蔬菜", PRODUCE),
    _kg("vegetables_kg", "food.other_vegetables", "Other vegetables", "其他蔬菜", PRODUCE),
    _kg("bananas_kg", "food.bananas", "Bananas", "香蕉", PRODUCE),
    _kg("apples_citrus_kg", "food.apples_citrus", "Apples, oranges and other citrus", "苹果、橙子等柑橘类", PRODUCE),
    _kg("rice_kg", "food.rice", "Rice", "大米", DRY),
    _kg("wheat_kg", "food.wheat", "Bread, flour and noodles", "面包、面粉和面条", DRY),
    _kg("pulses_kg", "food.pulses", "Dry beans and lentils", "干豆类", DRY),
    _kg("frozen_kg", "food.average", "Frozen food", "冷冻食品", OTHER),
    _kg("other_food_kg", "food.average", "Other food and drink", "其他食品和饮料", OTHER),
    _kg("household_plastic_kg", "material.plastics", "Plastic goods", "塑料用品", HOUSEHOLD, MAX_HOUSEHOLD_KG),
    _kg(
        "household_paper_kg",
        "material.paper",
        "Paper goods (tissue, kitchen roll)",
        "纸制品（纸巾、厨房纸）",
        HOUSEHOLD,
        MAX_HOUSEHOLD_KG,
    ),
    _usd("spend_meat_usd", "spend.meat", "Beef, pork and lamb", "牛肉、猪肉和羊肉"),
    _usd("spend_poultry_usd", "spend.poultry", "Poultry", "禽肉"),
    _usd("spend_cheese_usd", "spend.cheese", "Cheese", "奶酪"),
    _usd("spend_milk_usd", "spend.milk", "Milk and butter", "牛奶和黄油"),
    _usd("spend_vegetables_usd", "spend.vegetables", "Vegetables", "蔬菜"),
    _usd("spend_fruit_usd", "spend.fruit", "Fruit", "水果"),
    _usd("spend_bakery_usd", "spend.bakery", "Bread and bakery", "面包糕点"),
    _usd("spend_prepared_usd", "spend.prepared", "Ready meals and deli", "熟食"),
    _usd("spend_soft_drinks_usd", "spend.soft_drinks", "Soft drinks", "软饮料"),
    _bags("bags_plastic", "bag.plastic", "Plastic carrier bags", "塑料购物袋"),
    _bags("bags_reusable", "bag.reusable", "New heavy reusable bags", "新买的厚实环保袋"),
    _bags("bags_paper_recycled", "bag.paper_recycled", "Paper bags, recycled paper", "再生纸袋"),
    _bags("bags_paper_virgin", "bag.paper_virgin", "Paper bags, new paper", "原生纸袋"),
)

#: The first field of a section on the page carries the section's help text.
_SECTION_HELP = {MEAT["en"]: WEIGHT_HELP, SPEND["en"]: SPEND_HELP, BAGS["en"]: BAGS_HELP, OTHER["en"]: OTHER_HELP}


def shopper_form() -> Form:
    fields: list[Field] = []
    seen: set[str] = set()
    # The page shows a section's everyday items before its folded ones: the help goes first.
    shown_first = sorted(ITEMS, key=lambda item: item.field not in EVERYDAY)
    helped: dict[str, Text | None] = {}
    for item in shown_first:
        section = item.section["en"]
        if section not in seen:
            helped[item.field] = _SECTION_HELP.get(section)
            seen.add(section)
    for item in ITEMS:
        fields.append(item.as_field(helped.get(item.field)))
    fields += travel.fields("travel", section=TRAVEL, required=False)
    return Form(tuple(fields))
