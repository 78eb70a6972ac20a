"""The meetings factor sets: travel (shared), hotel stay by country, meals, and the venue.

Published values are used as published. Two rows are NeutralPoint estimates, marked as such
(``Source(estimate=True)``): the venue's energy and its waste per attendee-day, for which no
published default was found. Hotel star class is not adjusted for: the only class figures
read (ADEME, France, 2020) include breakfast, put 2★ (8.53) above 3★ (8.47) and come from a
nuclear-powered grid; transferring their ratios to DESNZ's country averages would add a
number without a source that supports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from neutralpoint.scenarios import Factor, FactorSet, Source, travel
from neutralpoint_plugins.meetings.organiser_factors import organiser_factors

SCENARIO = "meetings"
VERSION = "2025.1"
TRAVEL_EDITION = "2025.1"

_DESNZ = "UK Department for Energy Security and Net Zero (DESNZ)"
_DESNZ_DOC = "Greenhouse gas reporting: conversion factors 2025 (full set, flat file)"
_DESNZ_URL = "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"

#: DESNZ "Hotel stay", kg CO2e per room per night (same values in the 2024 and 2025 sets):
#: ISO country code → (English, Chinese, value, DESNZ row ID where the reference names it).
#: China first (the default), then Hong Kong, then by English name.
HOTEL_STAY: dict[str, tuple[str, str, str, str]] = {
    "CN": ("China (mainland)", "中国（内地）", "53.5", "29_600_4009_13_1"),
    "HK": ("Hong Kong, China", "中国香港", "51.5", "29_600_4019_13_1"),
    "AU": ("Australia", "澳大利亚", "35.0", ""),
    "BE": ("Belgium", "比利时", "12.2", ""),
    "BR": ("Brazil", "巴西", "8.7", ""),
    "CA": ("Canada", "加拿大", "7.4", ""),
    "CL": ("Chile", "智利", "27.6", ""),
    "CO": ("Colombia", "哥伦比亚", "14.7", ""),
    "CR": ("Costa Rica", "哥斯达黎加", "4.7", ""),
    "EG": ("Egypt", "埃及", "44.2", ""),
    "FR": ("France", "法国", "6.7", ""),
    "DE": ("Germany", "德国", "13.2", ""),
    "IN": ("India", "印度", "58.9", ""),
    "ID": ("Indonesia", "印度尼西亚", "62.7", ""),
    "IT": ("Italy", "意大利", "14.3", ""),
    "JP": ("Japan", "日本", "39.0", ""),
    "JO": ("Jordan", "约旦", "68.9", ""),
    "KR": ("South Korea", "韩国", "55.8", ""),
    "MY": ("Malaysia", "马来西亚", "61.5", ""),
    "MV": ("Maldives", "马尔代夫", "152.2", ""),
    "MX": ("Mexico", "墨西哥", "19.3", ""),
    "NL": ("Netherlands", "荷兰", "14.8", ""),
    "OM": ("Oman", "阿曼", "90.3", ""),
    "PH": ("Philippines", "菲律宾", "54.3", ""),
    "PT": ("Portugal", "葡萄牙", "19.0", ""),
    "QA": ("Qatar", "卡塔尔", "86.2", ""),
    "RU": ("Russia", "俄罗斯", "24.2", ""),
    "SA": ("Saudi Arabia", "沙特阿拉伯", "106.4", ""),
    "SG": ("Singapore", "新加坡", "24.5", ""),
    "ZA": ("South Africa", "南非", "51.4", ""),
    "ES": ("Spain", "西班牙", "7.0", ""),
    "CH": ("Switzerland", "瑞士", "6.6", ""),
    "TH": ("Thailand", "泰国", "43.4", ""),
    "TR": ("Turkey", "土耳其", "32.1", ""),
    "AE": ("United Arab Emirates", "阿联酋", "63.8", ""),
    "GB": ("United Kingdom", "英国", "10.4", "29_600_4000_13_1"),
    "US": ("United States", "美国", "16.1", "29_600_4053_13_1"),
    "VN": ("Vietnam", "越南", "38.5", ""),
}

#: ADEME Nos Gestes Climat meal factors, kg CO2e per meal:
#: kind → (English, Chinese, kg, the meal as the model describes it).
MEALS: dict[str, tuple[str, str, str, str]] = {
    "vegan": ("Vegan meal", "纯素餐", "0.54", "Vegan meal (tofu, side, oil, dessert, bread)"),
    "vegetarian": ("Vegetarian meal", "素食餐（含蛋奶）", "0.85", "Vegetarian meal (2 eggs …)"),
    "white_meat": ("Chicken or pork meal", "鸡肉或猪肉餐", "1.65", "White-meat meal (150 g chicken/pork)"),
    "red_meat": ("Beef or lamb meal", "牛肉或羊肉餐", "5.01", "Red-meat meal (150 g beef/veal/lamb)"),
    "fish": ("Fish meal", "鱼类餐", "2.22", "White-fish meal"),
}


def hotel_label(country: str) -> Mapping[str, str]:
    en, zh, _, _ = HOTEL_STAY[country]
    return {"en": f"Hotel stay, {en}", "zh-Hans": f"酒店住宿（{zh}）"}


def _hotel(country: str) -> Factor:
    en, _, value, row_id = HOTEL_STAY[country]
    table = f"Hotel stay: {en}" + (f" (ID {row_id})" if row_id else "")
    return Factor(
        key=f"hotel.{country}",
        value=Decimal(value),
        per="room-night",
        label=hotel_label(country),
        source=Source(publisher=_DESNZ, document=_DESNZ_DOC, year=2025, table=table, url=_DESNZ_URL),
        note=(
            "Per occupied room per night, derived by DESNZ from the Cornell Hotel Sustainability Benchmarking "
            "index (energy, refrigerants, outsourced laundry; food not included). Divided by the guests "
            "sharing the room. Not adjusted for star class."
        ),
    )


def _meal(kind: str) -> Factor:
    en, zh, value, meal = MEALS[kind]
    fish_note = (
        " An oily-fish meal is 1.45; the higher white-fish value is used so that a fish meal is not under-counted."
        if kind == "fish"
        else ""
    )
    return Factor(
        key=f"meal.{kind}",
        value=Decimal(value),
        per="meal",
        label={"en": en, "zh-Hans": zh},
        source=Source(
            publisher="ADEME (French Agency for Ecological Transition)",
            document="Nos Gestes Climat model, data/empreinte/alimentation/repas.publicodes (Agribalyse-based)",
            year=2026,
            table=f"{meal}, repository incubateur-ademe/nosgestesclimat at f3bdd32",
            url="https://github.com/incubateur-ademe/nosgestesclimat",
        ),
        note="Lunch or dinner, French menus (INCA3), farm to plate." + fish_note,
    )


def _venue_energy() -> Factor:
    return Factor(
        key="venue.energy",
        value=Decimal("1.6") * Decimal("0.5306"),
        per="attendee-day",
        label={"en": "Venue energy (estimate)", "zh-Hans": "会场能耗（估算）"},
        source=Source(
            publisher="NeutralPoint, from China MEE/NBS",
            document=(
                "Estimate E4: 1.6 kWh per attendee-day (convention-centre energy use of 250–400 kWh/m² a year over "
                "about 3,000 open hours ≈ 0.1 kWh/m² an hour, × 2 m² per attendee × 8 hours) × China 2023 national "
                "average electricity factor 0.5306 kg CO2/kWh (生态环境部、国家统计局 公告2025年第47号)"
            ),
            year=2025,
            table="Estimate E4",
            estimate=True,
        ),
        note=(
            "1.6 kWh × 0.5306 = 0.84896 kg CO2 per attendee-day, the upper end of the 0.2–0.9 range of estimate E4. "
            "No published default for venue energy per attendee was found; a venue's own meter readings replace it."
        ),
    )


def _venue_waste() -> Factor:
    return Factor(
        key="venue.waste",
        value=Decimal("0.5") * Decimal("0.52053"),
        per="attendee-day",
        label={"en": "Venue waste (estimate)", "zh-Hans": "会场垃圾（估算）"},
        source=Source(
            publisher="NeutralPoint, from DESNZ 2025",
            document=(
                "Estimate E5: an assumed 0.5 kg of general waste per attendee-day × DESNZ 2025 Waste disposal, "
                "commercial and industrial waste to landfill, 520.53 kg CO2e per tonne"
            ),
            year=2025,
            table="Estimate E5",
            url=_DESNZ_URL,
            estimate=True,
        ),
        note="0.5 kg × 0.52053 kg CO2e/kg = 0.260265 kg CO2e. The waste quantity is assumed; no source was found.",
    )


def factor_sets() -> list[FactorSet]:
    """Every published version, oldest first; never edit one, append a new version."""
    return [
        FactorSet.of(
            SCENARIO,
            VERSION,
            [
                *travel.factors(f"Adopted in meetings {VERSION}.", edition=TRAVEL_EDITION),
                *(_hotel(country) for country in HOTEL_STAY),
                *(_meal(kind) for kind in MEALS),
                _venue_energy(),
                _venue_waste(),
                *organiser_factors(),
            ],
        )
    ]
