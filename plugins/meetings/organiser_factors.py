"""The organiser's extra factors for a whole event: electricity grids, materials, waste, and the
pass-through for the attendees' own estimates.

Grids: China's MEE/NBS 2023 electricity CO2 factors (national and provincial, kg CO2 per kWh,
公告2025年第47号; the provincial values are a third-party transcription of the annex, see the
reference) and, outside mainland China, Ember's 2024 country intensities as packaged by
co2.js. Materials and waste: DESNZ 2025 material use and waste disposal, per kg (the flat
file's per-tonne values ÷ 1000). Nothing here is an estimate except where marked.
"""

from __future__ import annotations

from decimal import Decimal

from neutralpoint.plugin_api import Factor, Source

_DESNZ = "UK Department for Energy Security and Net Zero (DESNZ)"
_DESNZ_DOC = "Greenhouse gas reporting: conversion factors 2025 (full set, flat file)"
_DESNZ_URL = "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"
_DESNZ_SHORT = {"en": "UK DESNZ", "zh-Hans": "英国能源安全与净零排放部"}
_DESNZ_TITLE = {"en": "Greenhouse gas reporting: conversion factors", "zh-Hans": "温室气体报告换算系数"}
_MEE = "China Ministry of Ecology and Environment and National Bureau of Statistics (生态环境部、国家统计局)"
_MEE_DOC = "关于发布2023年电力二氧化碳排放因子的公告 (公告2025年第47号)"
_EMBER = "Ember, yearly electricity carbon intensity, as packaged by The Green Web Foundation's co2.js"
_EMBER_URL = "https://github.com/thegreenwebfoundation/co2.js/blob/main/data/output/average-intensities.json"

OWN_ESTIMATES_KEY = "attendees.own_estimates"

#: code → (English, Chinese, kg CO2 per kWh). "CN" is the national average.
CHINA_GRID: dict[str, tuple[str, str, str]] = {
    "CN": ("China, national average", "全国平均", "0.5306"),
    "CN-BJ": ("Beijing", "北京", "0.5554"),
    "CN-TJ": ("Tianjin", "天津", "0.6796"),
    "CN-HE": ("Hebei", "河北", "0.6516"),
    "CN-SX": ("Shanxi", "山西", "0.6634"),
    "CN-NM": ("Inner Mongolia", "内蒙古", "0.6479"),
    "CN-LN": ("Liaoning", "辽宁", "0.4878"),
    "CN-JL": ("Jilin", "吉林", "0.4671"),
    "CN-HL": ("Heilongjiang", "黑龙江", "0.5229"),
    "CN-SH": ("Shanghai", "上海", "0.5737"),
    "CN-JS": ("Jiangsu", "江苏", "0.5827"),
    "CN-ZJ": ("Zhejiang", "浙江", "0.4974"),
    "CN-AH": ("Anhui", "安徽", "0.6553"),
    "CN-FJ": ("Fujian", "福建", "0.4211"),
    "CN-JX": ("Jiangxi", "江西", "0.5836"),
    "CN-SD": ("Shandong", "山东", "0.6191"),
    "CN-HA": ("Henan", "河南", "0.5897"),
    "CN-HB": ("Hubei", "湖北", "0.4044"),
    "CN-HN": ("Hunan", "湖南", "0.4976"),
    "CN-GD": ("Guangdong", "广东", "0.4419"),
    "CN-GX": ("Guangxi", "广西", "0.4476"),
    "CN-HI": ("Hainan", "海南", "0.3648"),
    "CN-CQ": ("Chongqing", "重庆", "0.5581"),
    "CN-SC": ("Sichuan", "四川", "0.1564"),
    "CN-GZ": ("Guizhou", "贵州", "0.5683"),
    "CN-YN": ("Yunnan", "云南", "0.1333"),
    "CN-SN": ("Shaanxi", "陕西", "0.6335"),
    "CN-GS": ("Gansu", "甘肃", "0.4471"),
    "CN-QH": ("Qinghai", "青海", "0.1796"),
    "CN-NX": ("Ningxia", "宁夏", "0.6187"),
    "CN-XJ": ("Xinjiang", "新疆", "0.6021"),
}

#: code → (English, Chinese, g CO2 per kWh, data year).
WORLD_GRID: dict[str, tuple[str, str, str, int]] = {
    "HK": ("Hong Kong, China", "中国香港", "681.99", 2023),
    "AU": ("Australia", "澳大利亚", "553.76", 2024),
    "FR": ("France", "法国", "44.18", 2024),
    "DE": ("Germany", "德国", "342.06", 2024),
    "IN": ("India", "印度", "708.96", 2024),
    "JP": ("Japan", "日本", "483.73", 2024),
    "SG": ("Singapore", "新加坡", "498.74", 2024),
    "KR": ("South Korea", "韩国", "415.65", 2024),
    "TH": ("Thailand", "泰国", "555.43", 2024),
    "GB": ("United Kingdom", "英国", "215.79", 2024),
    "US": ("United States", "美国", "383.55", 2024),
    "WORLD": ("World average", "全球平均", "472.94", 2024),
}

#: key → (English, Chinese, kg CO2e per tonne, DESNZ table).
MATERIALS: dict[str, tuple[str, str, str, str]] = {
    "material.paper": (
        "Printed paper",
        "印刷纸张",
        "1345.07790",
        "Material use: Paper and board: paper, primary material production (ID 19_506_5164_15_1)",
    ),
    "material.plastic": (
        "Plastic merchandise",
        "塑料纪念品",
        "3172.49932",
        "Material use: Plastics: average plastics, primary material production (ID 19_505_5120_15_1)",
    ),
    "material.textile": (
        "Textile merchandise (bags, clothing)",
        "纺织纪念品（袋、服装）",
        "22310.00000",
        "Material use: Other: Clothing, primary material production (ID 19_501_5060_15_1)",
    ),
    "waste.general": (
        "General waste to landfill",
        "一般垃圾填埋",
        "520.53270",
        "Waste disposal: Refuse: Commercial and industrial waste, landfill (ID 20_507_5313_15_1)",
    ),
    "waste.food": (
        "Food waste to landfill",
        "厨余垃圾填埋",
        "700.30886",
        "Waste disposal: Refuse: Organic: food and drink waste, landfill (ID 20_507_5292_15_1)",
    ),
}


def grid_key(code: str) -> str:
    return f"grid.{code}"


def grid_factors() -> list[Factor]:
    found = []
    for code, (en, zh, value) in CHINA_GRID.items():
        provincial = code != "CN"
        found.append(
            Factor(
                key=grid_key(code),
                value=Decimal(value),
                per="kWh",
                label={"en": f"Electricity, {en}", "zh-Hans": f"电力（{zh}）"},
                source=Source(
                    publisher=_MEE,
                    document=_MEE_DOC,
                    year=2025,
                    table=("Provincial" if provincial else "National") + " average electricity CO2 factor, 2023 data",
                    short_publisher={"en": "China MEE and NBS", "zh-Hans": "生态环境部、国家统计局"},
                    short_title={
                        "en": "Electricity CO2 emission factors for 2023 (notice 2025 no. 47)",
                        "zh-Hans": "2023年电力二氧化碳排放因子（公告2025年第47号）",
                    },
                ),
                note=(
                    "CO2 only (CH4 and N2O excluded), location-based, all generation types. "
                    + (
                        "Provincial value as transcribed from the notice's annex by public code; verify against the "
                        "annex before relying on it."
                        if provincial
                        else "1.1 % below 2022 (0.5366)."
                    )
                ),
            )
        )
    for code, (en, zh, grams, year) in WORLD_GRID.items():
        found.append(
            Factor(
                key=grid_key(code),
                value=Decimal(grams) / 1000,
                per="kWh",
                label={"en": f"Electricity, {en}", "zh-Hans": f"电力（{zh}）"},
                source=Source(
                    publisher=_EMBER,
                    document="data/output/average-intensities.json (updated 2025-08-03)",
                    year=2025,
                    table=f"{en}, {grams} g CO2 per kWh, {year} data",
                    url=_EMBER_URL,
                    short_publisher={"en": "Ember, via co2.js", "zh-Hans": "Ember（经 co2.js）"},
                    short_title={"en": "Electricity carbon intensity by country", "zh-Hans": "各国电力碳强度"},
                ),
                note="Country average generation intensity; for places without a national official factor.",
            )
        )
    return found


def material_factors() -> list[Factor]:
    return [
        Factor(
            key=key,
            value=Decimal(per_tonne) / 1000,
            per="kg",
            label={"en": en, "zh-Hans": zh},
            source=Source(
                publisher=_DESNZ,
                document=_DESNZ_DOC,
                year=2025,
                table=table,
                url=_DESNZ_URL,
                short_publisher=_DESNZ_SHORT,
                short_title=_DESNZ_TITLE,
            ),
            note=f"{per_tonne} kg CO2e per tonne.",
        )
        for key, (en, zh, per_tonne, table) in MATERIALS.items()
    ]


def own_estimates_factor() -> Factor:
    return Factor(
        key=OWN_ESTIMATES_KEY,
        value=Decimal(1),
        per="kg CO2e in the attendees' own estimates",
        label={"en": "Attendees' own estimates", "zh-Hans": "参会者自行估算"},
        source=Source(
            publisher="NeutralPoint",
            document=(
                "The travel and hotel lines of the attendees' own estimates at this entry point, each computed with "
                "its own cited factors; averaged and scaled to the attendee count"
            ),
            year=2025,
            table="Method note",
            short_publisher={"en": "NeutralPoint", "zh-Hans": "NeutralPoint"},
            short_title={"en": "The attendees' own estimates at this entry point", "zh-Hans": "本入口参会者的自行估算"},
        ),
        note="A pass-through (1 kg per kg): the factors behind each attendee's estimate are cited on its own result.",
    )


def organiser_factors() -> list[Factor]:
    """Every factor the whole-event form adds to the meetings factor set."""
    return [*grid_factors(), *material_factors(), own_estimates_factor()]
