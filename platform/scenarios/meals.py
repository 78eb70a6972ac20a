"""The shared meal factors: a lunch or dinner by main dish, and breakfasts (ADEME Nos Gestes Climat).

Why in the core: hotels (breakfast, other meals) and restaurants (every diner's meal) both
count meals, and plugins never import each other. One data family, kept whole: ADEME's Nos
Gestes Climat per-meal factors (Agribalyse-based menus from the INCA3 French consumption
survey, 150 g of meat or fish with an average side, oil, dessert and bread), read in
``data/empreinte/alimentation/repas.publicodes`` of the model's repository at f3bdd32.

NGC has one red-meat meal (beef, veal or lamb) and one white-meat meal (chicken or pork):
a calculator asking for beef or lamb uses the red-meat factor for both, and says so, rather
than mixing in another data family to split them.
"""

from __future__ import annotations

from decimal import Decimal

from neutralpoint.scenarios.contract import BreakdownLine
from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.forms import Choice
from neutralpoint.scenarios.i18n import Text

__all__ = [
    "BREAKFASTS",
    "BREAKFAST_CHOICES",
    "MEALS",
    "MEAL_CHOICES",
    "breakfast_factors",
    "breakfast_key",
    "meal_factors",
    "meal_key",
    "meal_line",
]

_ADEME = "ADEME (French Agency for Ecological Transition)"
_NGC_DOC = "Nos Gestes Climat model, data/empreinte/alimentation/repas.publicodes (Agribalyse-based)"
_NGC_URL = "https://github.com/incubateur-ademe/nosgestesclimat/blob/master/data/empreinte/alimentation/repas.publicodes"

#: kind → (English, Chinese, kg CO2e per meal, NGC rule name).
MEALS: dict[str, tuple[str, str, str, str]] = {
    "vegan": ("Vegan meal", "纯素餐", "0.54", "plats . végétalien"),
    "vegetarian": ("Vegetarian meal (eggs or cheese)", "素食餐（含蛋奶）", "0.85", "plats . végétarien"),
    "white_meat": ("Chicken or pork meal", "鸡肉或猪肉餐", "1.65", "plats . viande blanche"),
    "red_meat": ("Beef or lamb meal", "牛肉或羊肉餐", "5.01", "plats . viande rouge"),
    "oily_fish": (
        "Oily-fish meal (salmon, tuna, sardine, mackerel)",
        "多脂鱼餐（三文鱼、金枪鱼、沙丁鱼、鲭鱼）",
        "1.45",
        "plats . poisson gras",
    ),
    "white_fish": ("White fish or seafood meal", "白鱼或海鲜餐", "2.22", "plats . poisson blanc"),
}
MEAL_CHOICES: tuple[Choice, ...] = tuple(Choice(k, {"en": en, "zh-Hans": zh}) for k, (en, zh, _, _) in MEALS.items())

#: kind → (English, Chinese, kg CO2e per breakfast, NGC rule name).
BREAKFASTS: dict[str, tuple[str, str, str, str]] = {
    "continental": ("Continental breakfast", "欧陆式早餐", "0.32", "petit déjeuner . continental"),
    "cereal_cow_milk": ("Cereal with cow's milk", "谷物配牛奶", "0.45", "petit déjeuner . lait vache céréales"),
    "cereal_soy_milk": ("Cereal with soy milk", "谷物配豆奶", "0.29", "petit déjeuner . lait soja céréales"),
    "cereal_oat_milk": ("Cereal with oat milk", "谷物配燕麦奶", "0.31", "petit déjeuner . lait avoine céréales"),
    "cooked": (
        "Cooked breakfast (eggs, meat, toast)",
        "热早餐（蛋、肉、吐司）",
        "1.08",
        "petit déjeuner . britannique",
    ),
    "vegan": ("Vegan breakfast (muesli, fruit)", "纯素早餐（麦片、水果）", "0.38", "petit déjeuner . végétalien"),
}
BREAKFAST_CHOICES: tuple[Choice, ...] = tuple(
    Choice(k, {"en": en, "zh-Hans": zh}) for k, (en, zh, _, _) in BREAKFASTS.items()
)


def meal_key(kind: str) -> str:
    return f"meal.{kind}"


def breakfast_key(kind: str) -> str:
    return f"breakfast.{kind}"


def _factor(key: str, en: str, zh: str, value: str, rule: str, per: str, version_note: str) -> Factor:
    return Factor(
        key=key,
        value=Decimal(value),
        per=per,
        label={"en": en, "zh-Hans": zh},
        source=Source(
            publisher=_ADEME,
            document=_NGC_DOC,
            year=2026,
            table=f"alimentation . {rule} . empreinte carbone, repository incubateur-ademe/nosgestesclimat at f3bdd32",
            url=_NGC_URL,
            short_publisher={"en": "ADEME", "zh-Hans": "法国生态转型署（ADEME）"},
            short_title={"en": "Nos Gestes Climat model: meals", "zh-Hans": "Nos Gestes Climat 模型：餐食"},
        ),
        note=(
            "French menus (INCA3 survey), Agribalyse life-cycle data, farm to plate; a meat or fish meal has 150 g "
            f"of it with an average side, oil, dessert and bread. {version_note}"
        ).strip(),
    )


def meal_factors(version_note: str = "") -> list[Factor]:
    """``meal.<kind>``: a lunch or dinner by main dish, kg CO2e per meal."""
    return [_factor(meal_key(k), en, zh, v, rule, "meal", version_note) for k, (en, zh, v, rule) in MEALS.items()]


def breakfast_factors(version_note: str = "") -> list[Factor]:
    """``breakfast.<kind>``: kg CO2e per breakfast."""
    return [
        _factor(breakfast_key(k), en, zh, v, rule, "breakfast", version_note)
        for k, (en, zh, v, rule) in BREAKFASTS.items()
    ]


def meal_line(
    factors: FactorSet, factor_key: str, count: int, *, key: str | None = None, label: Text | None = None,
    detail: Text | None = None,
) -> BreakdownLine:
    """``count`` meals × the factor ``factor_key`` (a meal or a breakfast)."""
    factor = factors[factor_key]
    return BreakdownLine(
        key=key or factor_key,
        label=label or factor.label,
        quantity=Decimal(count),
        per=factor.per,
        factor=factor.key,
        grams=factor.grams(count),
        detail=detail,
    )
