"""The shared lodging factors: a hotel room-night by country, star-class ratios, a campsite night.

Why in the core: the hotels and the scenic-spot plugins both count nights (a hotel stay, a
night near the site) and plugins never import each other. One table keeps the DESNZ values,
their row IDs and the class method identical wherever a night is counted.

**Room-night by country.** DESNZ "Hotel stay", kg CO2e per occupied room per night, derived
by DESNZ from the Cornell Hotel Sustainability Benchmarking index (HCMI method: on-site
energy, refrigerants and outsourced laundry; food is not included). The 2024 and 2025
columns carry the same values. Every row ID below was read in the 2025 flat file.

**Star class (an adjustment, labelled so).** The only per-class figures found are ADEME's for
France (hotel environmental-labelling pilot, March 2020): unclassified 4.73, 2★ 8.53,
3★ 8.47, 4★ 11.43, 5★ 17.11, all classes 9.91 kg CO2e per night. A class's ratio to that
average (4★: 11.43 ÷ 9.91 = 1.1534, rounded to 4 decimals) scales the country's room-night.
Transferring French ratios to another country's average is an assumption (the French values
include breakfast, about 30 %, and come from a low-carbon grid), so the ratios are marked as
estimates and a venue's own measured room-night (a factor override) replaces both.

**Class editions.** Edition 2025.1 used every ADEME figure as it stands, which put an
unclassified hotel at half the average (0.4773, below a 2★ one) and a 3★ hotel below a 2★ one.
Edition 2025.2 keeps the order of the classes: 2★ and 3★ (0.7 % apart, the wrong way round)
share their mean, (8.53 + 8.47) ÷ 2 = 8.50, ratio 0.8577; an unclassified hotel is counted as
the country's average room-night (ratio 1), because "not classified" says nothing of its size
or service (ADEME's unclassified French hotels are small family hotels; China's 未评星级 hotels
include large business hotels), and DESNZ's country value already averages every class.
Published factor sets pin their edition, so an estimate keeps its ratios.

**Rounding.** A shared room is divided inside ``Factor.grams`` after multiplying, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from neutralpoint.scenarios.contract import BreakdownLine
from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.forms import Choice
from neutralpoint.scenarios.i18n import Text

__all__ = [
    "AVERAGE_CLASS",
    "CAMPING_KEY",
    "CLASS_CHOICES",
    "CLASS_EDITIONS",
    "COUNTRY_CHOICES",
    "CURRENT_CLASS_EDITION",
    "DEFAULT_COUNTRY",
    "HOTEL_CLASSES",
    "HOTEL_STAY",
    "camping_factor",
    "class_factors",
    "class_key",
    "class_ratio",
    "country_label",
    "hotel_factors",
    "hotel_key",
    "hotel_label",
    "stay_line",
]

_DESNZ = "UK Department for Energy Security and Net Zero (DESNZ)"
_DESNZ_DOC = "Greenhouse gas reporting: conversion factors 2025 (full set, flat file)"
_DESNZ_URL = "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"
_DESNZ_SHORT = {"en": "UK DESNZ", "zh-Hans": "英国能源安全与净零排放部"}
_DESNZ_TITLE = {"en": "Greenhouse gas reporting: conversion factors", "zh-Hans": "温室气体报告换算系数"}
_ADEME_HOTELS_URL = (
    "https://librairie.ademe.fr/consommer-autrement/"
    "4096-projet-de-pre-deploiement-de-l-affichage-environnemental-des-hotels.html"
)
_SHARE_QUANTUM = Decimal("0.0001")

DEFAULT_COUNTRY = "CN"

#: DESNZ 2025 "Hotel stay": code → (English, Chinese, kg CO2e per room-night, DESNZ row ID).
#: China first (the default), then Hong Kong, then by English name.
HOTEL_STAY: dict[str, tuple[str, str, str, str]] = {
    "CN": ("China (mainland)", "中国（内地）", "53.5", "29_600_4009_13_1"),
    "HK": ("Hong Kong, China", "中国香港", "51.5", "29_600_4019_13_1"),
    "AU": ("Australia", "澳大利亚", "35.0", "29_600_4003_13_1"),
    "BE": ("Belgium", "比利时", "12.2", "29_600_4005_13_1"),
    "BR": ("Brazil", "巴西", "8.7", "29_600_4006_13_1"),
    "CA": ("Canada", "加拿大", "7.4", "29_600_4007_13_1"),
    "CL": ("Chile", "智利", "27.6", "29_600_4008_13_1"),
    "CO": ("Colombia", "哥伦比亚", "14.7", "29_600_4010_13_1"),
    "CR": ("Costa Rica", "哥斯达黎加", "4.7", "29_600_4011_13_1"),
    "EG": ("Egypt", "埃及", "44.2", "29_600_4013_13_1"),
    "FR": ("France", "法国", "6.7", "29_600_4016_13_1"),
    "DE": ("Germany", "德国", "13.2", "29_600_4017_13_1"),
    "IN": ("India", "印度", "58.9", "29_600_4020_13_1"),
    "ID": ("Indonesia", "印度尼西亚", "62.7", "29_600_4021_13_1"),
    "IT": ("Italy", "意大利", "14.3", "29_600_4024_13_1"),
    "JP": ("Japan", "日本", "39.0", "29_600_4025_13_1"),
    "JO": ("Jordan", "约旦", "68.9", "29_600_4026_13_1"),
    "KR": ("South Korea", "韩国", "55.8", "29_600_4028_13_1"),
    "MY": ("Malaysia", "马来西亚", "61.5", "29_600_4030_13_1"),
    "MV": ("Maldives", "马尔代夫", "152.2", "29_600_4031_13_1"),
    "MX": ("Mexico", "墨西哥", "19.3", "29_600_4032_13_1"),
    "NL": ("Netherlands", "荷兰", "14.8", "29_600_4033_13_1"),
    "OM": ("Oman", "阿曼", "90.3", "29_600_4035_13_1"),
    "PH": ("Philippines", "菲律宾", "54.3", "29_600_4038_13_1"),
    "PT": ("Portugal", "葡萄牙", "19.0", "29_600_4040_13_1"),
    "QA": ("Qatar", "卡塔尔", "86.2", "29_600_4041_13_1"),
    "RU": ("Russia", "俄罗斯", "24.2", "29_600_4043_13_1"),
    "SA": ("Saudi Arabia", "沙特阿拉伯", "106.4", "29_600_4044_13_1"),
    "SG": ("Singapore", "新加坡", "24.5", "29_600_4045_13_1"),
    "ZA": ("South Africa", "南非", "51.4", "29_600_4046_13_1"),
    "ES": ("Spain", "西班牙", "7.0", "29_600_4047_13_1"),
    "CH": ("Switzerland", "瑞士", "6.6", "29_600_4048_13_1"),
    "TH": ("Thailand", "泰国", "43.4", "29_600_4050_13_1"),
    "TR": ("Turkey", "土耳其", "32.1", "29_600_4051_13_1"),
    "AE": ("United Arab Emirates", "阿联酋", "63.8", "29_600_4052_13_1"),
    "GB": ("United Kingdom", "英国", "10.4", "29_600_4000_13_1"),
    "GB-LON": ("United Kingdom (London)", "英国（伦敦）", "11.5", "29_600_4001_13_1"),
    "US": ("United States", "美国", "16.1", "29_600_4053_13_1"),
    "VN": ("Vietnam", "越南", "38.5", "29_600_4054_13_1"),
}

COUNTRY_CHOICES: tuple[Choice, ...] = tuple(
    Choice(code, {"en": en, "zh-Hans": zh}) for code, (en, zh, _, _) in HOTEL_STAY.items()
)

AVERAGE_CLASS = "average"
#: ADEME 2020 (France) kg CO2e per night by class; the all-class average is 9.91.
_ADEME_AVERAGE = Decimal("9.91")
#: class → (English, Chinese, ADEME kg CO2e per night or None for the country average).
HOTEL_CLASSES: dict[str, tuple[str, str, str | None]] = {
    AVERAGE_CLASS: ("Don't know / average", "不清楚 / 平均水平", None),
    "unclassified": ("Not classified", "未评星级", "4.73"),
    "2": ("2 stars", "二星级", "8.53"),
    "3": ("3 stars", "三星级", "8.47"),
    "4": ("4 stars", "四星级", "11.43"),
    "5": ("5 stars", "五星级", "17.11"),
}
CLASS_CHOICES: tuple[Choice, ...] = tuple(
    Choice(code, {"en": en, "zh-Hans": zh}) for code, (en, zh, _) in HOTEL_CLASSES.items()
)

CAMPING_KEY = "camping.pitch"


def hotel_key(country: str) -> str:
    return f"hotel.{country}"


def class_key(hotel_class: str) -> str:
    return f"hotel_class.{hotel_class}"


def hotel_label(country: str) -> Text:
    en, zh, _, _ = HOTEL_STAY[country]
    return {"en": f"Hotel stay, {en}", "zh-Hans": f"酒店住宿（{zh}）"}


def _hotel(country: str, version_note: str) -> Factor:
    en, _, value, row_id = HOTEL_STAY[country]
    return Factor(
        key=hotel_key(country),
        value=Decimal(value),
        per="room-night",
        label=hotel_label(country),
        source=Source(
            publisher=_DESNZ,
            document=_DESNZ_DOC,
            year=2025,
            table=f"Hotel stay: {en} (ID {row_id})",
            url=_DESNZ_URL,
            short_publisher=_DESNZ_SHORT,
            short_title=_DESNZ_TITLE,
        ),
        note=(
            "Per occupied room per night (same value in DESNZ 2024 and 2025), derived by DESNZ from the Cornell "
            "Hotel Sustainability Benchmarking index: energy, refrigerants, outsourced laundry; food not included. "
            f"Divided by the guests sharing the room. {version_note}"
        ).strip(),
    )


def hotel_factors(version_note: str = "") -> list[Factor]:
    """One ``hotel.<country>`` factor per DESNZ country (kg CO2e per room-night)."""
    return [_hotel(country, version_note) for country in HOTEL_STAY]


#: ADEME's 2★ and 3★ values pooled by edition 2025.2: (8.53 + 8.47) ÷ 2.
_POOLED_2_3 = (Decimal("8.53") + Decimal("8.47")) / 2
CLASS_EDITIONS = ("2025.1", "2025.2")
CURRENT_CLASS_EDITION = "2025.2"


def _class_value(hotel_class: str, edition: str) -> Decimal | None:
    """The ADEME kg CO2e per night a class's ratio is taken from (``None``: the country average)."""
    if edition not in CLASS_EDITIONS:
        raise ValueError(f"unknown hotel class edition {edition!r}; known: {', '.join(CLASS_EDITIONS)}")
    value = HOTEL_CLASSES[hotel_class][2]
    if edition == "2025.1" or value is None:
        return None if value is None else Decimal(value)
    if hotel_class == "unclassified":
        return None
    if hotel_class in ("2", "3"):
        return _POOLED_2_3
    return Decimal(value)


def class_ratio(hotel_class: str, edition: str = CURRENT_CLASS_EDITION) -> Decimal:
    """The class's ratio to the country's average room-night, to 4 decimals."""
    value = _class_value(hotel_class, edition)
    if value is None:
        return Decimal(1)
    return (value / _ADEME_AVERAGE).quantize(_SHARE_QUANTUM)


def _class_note(code: str, en: str, edition: str, ratio: Decimal) -> str:
    published = HOTEL_CLASSES[code][2]
    transfer = (
        "applied to the country's DESNZ room-night. An adjustment transferred from French hotels, not a "
        "measurement in the hotel's country; a venue's own measured room-night replaces it."
    )
    if published is None:
        return "No class adjustment: the country's average room-night is used as published."
    if edition == "2025.1":
        return f"ADEME (France, 2020): {en} {published} ÷ all-class average 9.91 kg CO2e per night = {ratio} " + (
            f"(rounded to 4 decimals), {transfer}"
        )
    if code == "unclassified":
        return (
            "Counted as the country's average room-night (ratio 1): an unclassified hotel may be of any size and "
            "service, and DESNZ's country value averages every class. ADEME's French unclassified figure (4.73, "
            "ratio 0.4773 in edition 2025.1) describes small family hotels and put them below 2★ ones."
        )
    if code in ("2", "3"):
        return (
            "ADEME (France, 2020): 2★ 8.53 and 3★ 8.47 kg CO2e per night are 0.7 % apart and in reverse order, so "
            "both classes take their mean, (8.53 + 8.47) ÷ 2 = 8.50, ÷ all-class average 9.91 = "
            f"{ratio} (rounded to 4 decimals), {transfer}"
        )
    return f"ADEME (France, 2020): {en} {published} ÷ all-class average 9.91 kg CO2e per night = {ratio} " + (
        f"(rounded to 4 decimals), {transfer}"
    )


def class_factors(version_note: str = "", *, edition: str = CURRENT_CLASS_EDITION) -> list[Factor]:
    """``hotel_class.<class>``: the class's ratio to the average night (dimensionless, an estimate).

    Pin ``edition`` in a published factor set (see the module's "Class editions").
    """
    found = []
    for code, (en, zh, _) in HOTEL_CLASSES.items():
        ratio = class_ratio(code, edition)
        note = _class_note(code, en, edition, ratio)
        found.append(
            Factor(
                key=class_key(code),
                value=ratio,
                per="kg CO2e of the country's average room-night",
                label={"en": f"Hotel class: {en}", "zh-Hans": f"酒店星级：{zh}"},
                source=Source(
                    publisher="NeutralPoint, from ADEME",
                    document=(
                        "Class ratio from ADEME, 'Projet de pré-déploiement de l'affichage environnemental des hôtels' "
                        "(March 2020), as quoted in the Nos Gestes Climat model (logement/vacances.publicodes): "
                        "unclassified 4.73, 2★ 8.53, 3★ 8.47, 4★ 11.43, 5★ 17.11, average 9.91 kg CO2e per night"
                    ),
                    year=2020,
                    table="Hotel classes, France",
                    url=_ADEME_HOTELS_URL,
                    short_publisher={"en": "NeutralPoint, from ADEME", "zh-Hans": "NeutralPoint，依据 ADEME"},
                    short_title={"en": "Hotel classes, France", "zh-Hans": "法国酒店星级比值"},
                    estimate=_class_value(code, edition) is not None,
                ),
                note=f"{note} {version_note}".strip(),
            )
        )
    return found


def camping_factor(version_note: str = "") -> Factor:
    """A night on a campsite pitch (France, the only campsite figure found)."""
    return Factor(
        key=CAMPING_KEY,
        value=Decimal("1.4"),
        per="pitch-night",
        label={"en": "Campsite night", "zh-Hans": "露营过夜"},
        source=Source(
            publisher="ADEME and Betterfly Tourism",
            document=(
                "ADEME reference for open-air accommodation: 13 campsites in Hérault, France, June 2021, as quoted "
                "in the Nos Gestes Climat model (logement/vacances.publicodes, 'camping . empreinte par nuit')"
            ),
            year=2021,
            table="Average per night, 13 campsites",
            url="https://github.com/incubateur-ademe/nosgestesclimat",
            short_publisher={"en": "ADEME and Betterfly Tourism", "zh-Hans": "ADEME 与 Betterfly Tourism"},
            short_title={"en": "Campsites in Hérault, France", "zh-Hans": "法国埃罗省露营地"},
        ),
        note=f"French campsites; no Chinese campsite figure was found. {version_note}".strip(),
    )


def _share(quantity: Decimal, divisor: int) -> Decimal:
    exact = quantity / divisor
    return exact if exact * divisor == quantity else exact.quantize(_SHARE_QUANTUM)


def stay_line(
    factors: FactorSet,
    country: str,
    room_nights: int,
    *,
    sharing: int = 1,
    hotel_class: str = AVERAGE_CLASS,
    key: str = "hotel",
    label: Text | None = None,
) -> BreakdownLine:
    """``room_nights`` × the country's room-night × class ratio ÷ ``sharing`` guests.

    When the venue overrode the country's room-night with its own measurement, the class
    ratio is not applied: a measured value already is that hotel's class.
    """
    factor = factors[hotel_key(country)]
    measured = hotel_key(country) in factors.overrides
    ratio = Decimal(1)
    if not measured and class_key(hotel_class) in factors:
        ratio = factors[class_key(hotel_class)].value
    quantity = Decimal(room_nights) * ratio
    en = f"{room_nights} room-night{'' if room_nights == 1 else 's'}"
    zh = f"{room_nights} 间·夜"
    if measured:
        en += ", the hotel's own measured value"
        zh += "，采用酒店自测数值"
    elif ratio != 1:
        en += f" × {ratio} ({HOTEL_CLASSES[hotel_class][0]} ratio)"
        zh += f" × {ratio}（{HOTEL_CLASSES[hotel_class][1]}系数）"
    if sharing > 1:
        en += f" ÷ {sharing} guests sharing"
        zh += f" ÷ 同住 {sharing} 人"
    return BreakdownLine(
        key=key,
        label=label or factor.label,
        quantity=_share(quantity, sharing),
        per=factor.per,
        factor=factor.key,
        grams=factor.grams(quantity, divided_by=sharing),
        detail={"en": en, "zh-Hans": zh},
    )


def country_label(country: str) -> Mapping[str, str]:
    en, zh, _, _ = HOTEL_STAY[country]
    return {"en": en, "zh-Hans": zh}
