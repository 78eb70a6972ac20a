"""Bilingual text for plugin-provided labels: every label carries ``en`` and ``zh-Hans``."""

from __future__ import annotations

from decimal import Decimal

from neutralpoint.languages import DEFAULT_LANGUAGE, LANGUAGES, Text, text_for

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Text", "count_en", "missing_languages", "text_for", "unit_text"]


def missing_languages(value: Text | None) -> list[str]:
    return [lang for lang in LANGUAGES if not (value or {}).get(lang, "").strip()]


def unknown_languages(value: Text | None) -> list[str]:
    """Keys of ``value`` that are no language the platform shows ("zh-CN", "cn", "EN")."""
    return [key for key in (value or {}) if key not in LANGUAGES]


def language_problems(what: str, value: Text | None) -> list[str]:
    """What is wrong with the languages of one bilingual text, each as a sentence about ``what``."""
    found = [f"{what} lacks {lang}" for lang in missing_languages(value)]
    found += [f"{what} has an unknown language key {key!r}{language_hint(key)}" for key in unknown_languages(value)]
    return found


def language_hint(key: str) -> str:
    """" (did you mean zh-Hans?)" for a key that looks like a known language, else nothing."""
    lowered = key.strip().lower().replace("_", "-")
    if lowered.startswith(("zh", "cn", "chinese")):
        return " (did you mean zh-Hans?)"
    if lowered.startswith(("en", "english")):
        return " (did you mean en?)"
    return ""


# Activity units that factors are published per; plugins' own units fall back to English.
UNIT_NAMES: dict[str, dict[str, str]] = {
    "passenger-km": {"zh-Hans": "人公里"},
    "vehicle-km": {"zh-Hans": "车公里"},
    "room-night": {"zh-Hans": "间夜"},
    "pitch-night": {"zh-Hans": "营位夜"},
    "attendee-day": {"zh-Hans": "人天"},
    "meal": {"zh-Hans": "餐"},
    "visit": {"zh-Hans": "次游览"},
    "ride": {"zh-Hans": "次乘坐"},
    "bag": {"zh-Hans": "袋"},
    "kg": {"zh-Hans": "千克"},
    "kg of material": {"zh-Hans": "千克材料"},
    "kWh": {"zh-Hans": "千瓦时"},
    "USD": {"zh-Hans": "美元"},
    "room linen change": {"zh-Hans": "次布草更换"},
    "night": {"zh-Hans": "晚"},
    "litre": {"zh-Hans": "升"},
    "cup": {"zh-Hans": "杯"},
    "breakfast": {"zh-Hans": "份早餐"},
    "kg CO2e in the attendees' own estimates": {"zh-Hans": "千克 CO₂e（参会者自行估算）"},
    "kg CO2e of the country's average room-night": {"zh-Hans": "千克 CO₂e（该国平均每间夜）"},
}
#: The activity units a factor or a breakdown line may be ``per``: the page translates these.
KNOWN_UNITS = frozenset(UNIT_NAMES)
#: English plurals of the countable units (a distance, a weight or an amount of money has none).
UNIT_PLURALS_EN: dict[str, str] = {
    "room-night": "room-nights",
    "pitch-night": "pitch-nights",
    "attendee-day": "attendee-days",
    "meal": "meals",
    "visit": "visits",
    "ride": "rides",
    "bag": "bags",
    "room linen change": "room linen changes",
    "night": "nights",
    "litre": "litres",
    "cup": "cups",
    "breakfast": "breakfasts",
}
FACTOR_UNIT_PREFIX = "kg CO2e / "


def unit_text(per: str | None, lang: str, quantity: Decimal | int | None = None) -> str:
    """An activity unit (``passenger-km``) or a factor unit (``kg CO2e / passenger-km``) in ``lang``.

    With ``quantity``, the unit as it reads after that number: "1 room-night", "2 room-nights".
    """
    if not per:
        return ""
    if per.startswith(FACTOR_UNIT_PREFIX):
        return FACTOR_UNIT_PREFIX.replace("kg CO2e", "kg CO₂e") + unit_text(per[len(FACTOR_UNIT_PREFIX) :], lang)
    if lang == "en" and quantity is not None and quantity != 1:
        return UNIT_PLURALS_EN.get(per, per)
    return UNIT_NAMES.get(per, {}).get(lang, per)


def count_en(count: int | Decimal, singular: str, plural: str | None = None) -> str:
    """``count`` and an English noun that agrees with it: "1 night", "2 nights", "1 person"."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"
