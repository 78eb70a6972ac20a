"""The restaurants factor sets: meals (shared, ADEME Nos Gestes Climat), drinks, takeaway packaging.

One data family per item, kept whole: meals and drinks from ADEME's Nos Gestes Climat model
(Agribalyse-based), packaging from DESNZ 2025 material use. Factors stay as published (per
meal, per cup, per litre, per kg of material); the serving sizes and container masses that
turn a visitor's count into litres or kilograms are stated beside the fields and in each
line's detail, and the container masses are labelled estimates.
"""

from __future__ import annotations

from decimal import Decimal

from neutralpoint.plugin_api import Factor, FactorSet, Source, meals, travel

SCENARIO = "restaurants"
#: version → the travel edition it was published with. Never edit a row; append one.
#: 2025.2: flights by distance band and China's own high-speed rail factor.
EDITIONS: dict[str, str] = {"2025.1": "2025.1", "2025.2": "2025.2"}
VERSION = "2025.2"

_NGC = "ADEME (French Agency for Ecological Transition)"
_NGC_DRINKS_DOC = "Nos Gestes Climat model, data/empreinte/alimentation/boisson.publicodes (Agribalyse-based)"
_NGC_DRINKS_URL = (
    "https://github.com/incubateur-ademe/nosgestesclimat/blob/master/data/empreinte/alimentation/boisson.publicodes"
)
_DESNZ = "UK Department for Energy Security and Net Zero (DESNZ)"
_DESNZ_DOC = "Greenhouse gas reporting: conversion factors 2025 (full set, flat file)"
_DESNZ_URL = "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"
_DESNZ_SHORT = {"en": "UK DESNZ", "zh-Hans": "英国能源安全与净零排放部"}
_DESNZ_TITLE = {"en": "Greenhouse gas reporting: conversion factors", "zh-Hans": "温室气体报告换算系数"}

#: Visitor's dish → the NGC meal it is counted as. Beef and lamb share NGC's red-meat meal,
#: pork and poultry its white-meat meal: NGC does not split them and no other family is mixed in.
DISHES: dict[str, tuple[str, str, str]] = {
    "beef": ("Beef", "牛肉", "red_meat"),
    "lamb": ("Lamb or mutton", "羊肉", "red_meat"),
    "pork": ("Pork", "猪肉", "white_meat"),
    "poultry": ("Chicken, duck or other poultry", "鸡鸭等禽肉", "white_meat"),
    "fish_seafood": ("Fish or seafood", "鱼或海鲜", "white_fish"),
    "oily_fish": ("Oily fish (salmon, tuna, sardine, mackerel)", "多脂鱼（三文鱼、金枪鱼、沙丁鱼、鲭鱼）", "oily_fish"),
    "vegetarian": ("Vegetarian (eggs or cheese)", "素食（含蛋奶）", "vegetarian"),
    "vegan": ("Vegan", "纯素", "vegan"),
}

#: drink → (English, Chinese, serving in litres or None for a cup factor).
DRINKS: dict[str, tuple[str, str, Decimal | None]] = {
    "coffee": ("Coffee", "咖啡", None),
    "tea": ("Tea", "茶", None),
    "beer": ("Beer", "啤酒", Decimal("0.33")),
    "wine": ("Wine", "葡萄酒", Decimal("0.15")),
    "soft_drink": ("Soft drink", "软饮料", Decimal("0.33")),
}

#: container material → (English, Chinese, assumed kg per container).
CONTAINERS: dict[str, tuple[str, str, Decimal]] = {
    "plastic": ("Plastic", "塑料", Decimal("0.025")),
    "paper": ("Paper or board", "纸质", Decimal("0.020")),
}


def drink_key(drink: str) -> str:
    return f"drink.{drink}"


def packaging_key(material: str) -> str:
    return f"packaging.{material}"


def _drink(key: str, value: Decimal, per: str, rule: str, note: str, version_note: str) -> Factor:
    en, zh, _ = DRINKS[key]
    return Factor(
        key=drink_key(key),
        value=value,
        per=per,
        label={"en": en, "zh-Hans": zh},
        source=Source(
            publisher=_NGC,
            document=_NGC_DRINKS_DOC,
            year=2026,
            table=f"{rule}, repository incubateur-ademe/nosgestesclimat at f3bdd32",
            url=_NGC_DRINKS_URL,
            short_publisher={"en": "ADEME", "zh-Hans": "法国生态转型署（ADEME）"},
            short_title={"en": "Nos Gestes Climat model: drinks", "zh-Hans": "Nos Gestes Climat 模型：饮品"},
        ),
        note=f"{note} {version_note}".strip(),
    )


def drink_factors(version_note: str = "") -> list[Factor]:
    return [
        _drink(
            "coffee",
            Decimal("8.4") * Decimal("0.012"),
            "cup",
            "alimentation . boisson . tasse de café",
            "Ground coffee 8.4 kg CO2e/kg (Agribalyse 18003) × 12 g per cup = 0.1008 kg CO2e, "
            "as the model computes it.",
            version_note,
        ),
        _drink(
            "tea",
            Decimal("0.04") * (1 - Decimal("0.336")) * Decimal("0.250"),
            "cup",
            "alimentation . boisson . tasse de thé",
            "Brewed tea 0.04 kg CO2e/kg (Agribalyse 18020) less its 33.6 % use-stage share × 0.25 kg per cup "
            "= 0.00664 kg CO2e, as the model computes it.",
            version_note,
        ),
        _drink(
            "beer",
            Decimal("1.35"),
            "litre",
            "alimentation . boisson . alcool . facteur bière carbone",
            "Agribalyse 5001 'bière cœur de marché', 1.12 kg CO2e/kg, as converted by the model.",
            version_note,
        ),
        _drink(
            "wine",
            Decimal("1.5"),
            "litre",
            "alimentation . boisson . alcool . facteur vin carbone",
            "Agribalyse 5215 dry white wine, 1.22 kg CO2e/kg, as converted by the model.",
            version_note,
        ),
        _drink(
            "soft_drink",
            Decimal("0.493"),
            "litre",
            "alimentation . boisson . sucrées . facteur sodas carbone",
            "Agribalyse 18037 sweetened cola, 0.51 kg CO2e/kg, as converted by the model.",
            version_note,
        ),
    ]


def packaging_factors(version_note: str = "") -> list[Factor]:
    rows = {
        "plastic": (
            "3172.49932",
            "Material use: Plastics: average plastics, primary material production (ID 19_505_5120_15_1)",
        ),
        "paper": (
            "1199.72542",
            "Material use: Paper and board: board, primary material production (ID 19_506_5156_15_1)",
        ),
    }
    found = []
    for material, (per_tonne, table) in rows.items():
        en, zh, mass = CONTAINERS[material]
        found.append(
            Factor(
                key=packaging_key(material),
                value=Decimal(per_tonne) / 1000,
                per="kg of material",
                label={"en": f"Takeaway packaging: {en.lower()}", "zh-Hans": f"外卖包装：{zh}"},
                source=Source(
                    publisher=_DESNZ,
                    document=_DESNZ_DOC,
                    year=2025,
                    table=table,
                    url=_DESNZ_URL,
                    short_publisher=_DESNZ_SHORT,
                    short_title=_DESNZ_TITLE,
                ),
                note=(
                    f"{per_tonne} kg CO2e per tonne. A container is counted as {mass * 1000:f} g of material, a "
                    "NeutralPoint estimate of a typical takeaway box with its lid (not a measurement). Making the "
                    f"material only; its disposal is not counted. {version_note}"
                ).strip(),
            )
        )
    return found


def factor_set(version: str) -> FactorSet:
    note = f"Adopted in restaurants {version}."
    return FactorSet.of(
        SCENARIO,
        version,
        [
            *meals.meal_factors(note),
            *drink_factors(note),
            *packaging_factors(note),
            *travel.factors(note, edition=EDITIONS[version]),
        ],
    )


def factor_sets() -> list[FactorSet]:
    """Every published version, oldest first; never edit one, append a new version."""
    return [factor_set(version) for version in EDITIONS]
