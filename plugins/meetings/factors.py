"""The meetings factor sets: travel, hotel stay by country, meals, and the venue.

Travel, hotel stay (DESNZ) and meals (ADEME Nos Gestes Climat) come from the core's shared
tables (``travel``, ``lodging``, ``meals``), so each published value has one source in the
code. Published values are used as published. Two rows are NeutralPoint estimates, marked as such
(``Source(estimate=True)``): the venue's energy and its waste per attendee-day, for which no
published default was found. Hotel star class is not adjusted for: the only class figures
read (ADEME, France, 2020) include breakfast, put 2★ (8.53) above 3★ (8.47) and come from a
nuclear-powered grid; transferring their ratios to DESNZ's country averages would add a
number without a source that supports it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from neutralpoint.plugin_api import Factor, FactorSet, Source, lodging, meals, travel
from neutralpoint_plugins.meetings.organiser_factors import organiser_factors

SCENARIO = "meetings"
#: version → the travel edition it was published with. Never edit a row; append one.
#: 2025.2: flights by distance band and China's own high-speed rail factor.
EDITIONS: dict[str, str] = {"2025.1": "2025.1", "2025.2": "2025.2"}
VERSION = "2025.2"

_DESNZ_URL = "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"

#: The hotel countries of meetings 2025.1: the core's DESNZ table without its London row,
#: which was read after this version was published (adding it is a new version).
HOTEL_COUNTRIES: tuple[str, ...] = tuple(code for code in lodging.HOTEL_STAY if code != "GB-LON")
HOTEL_COUNTRY_CHOICES = tuple(choice for choice in lodging.COUNTRY_CHOICES if choice.value in HOTEL_COUNTRIES)

#: The meal choices: kind → (the core's meal kind whose factor it uses, English and Chinese
#: name of the count on the forms). A fish meal uses the white-fish value so that it is not
#: under-counted.
MEAL_KINDS: dict[str, tuple[str, str, str]] = {
    "vegan": ("vegan", "Vegan meals", "纯素餐"),
    "vegetarian": ("vegetarian", "Vegetarian meals", "素食餐（含蛋奶）"),
    "white_meat": ("white_meat", "Chicken or pork meals", "鸡肉或猪肉餐"),
    "red_meat": ("red_meat", "Beef or lamb meals", "牛肉或羊肉餐"),
    "fish": ("white_fish", "Fish meals", "鱼类餐"),
}
_FISH_NOTE = (
    f"A fish meal: the white-fish value is used (an oily-fish meal is {meals.MEALS['oily_fish'][2]}) so that a fish "
    "meal is not under-counted."
)


def _hotels() -> list[Factor]:
    wanted = {lodging.hotel_key(country) for country in HOTEL_COUNTRIES}
    return [f for f in lodging.hotel_factors("Not adjusted for star class.") if f.key in wanted]


def _meals() -> list[Factor]:
    shared = {f.key: f for f in meals.meal_factors("Lunch or dinner.")}
    found = []
    for kind, (shared_kind, _, _) in MEAL_KINDS.items():
        factor = shared[meals.meal_key(shared_kind)]
        if kind != shared_kind:
            factor = replace(factor, key=f"meal.{kind}", note=f"{factor.note} {_FISH_NOTE}")
        found.append(factor)
    return found


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
            short_publisher={"en": "NeutralPoint estimate", "zh-Hans": "NeutralPoint 估算"},
            short_title={"en": "E4: venue energy per attendee-day", "zh-Hans": "E4：每位参会者每天的会场能耗"},
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
            short_publisher={"en": "NeutralPoint estimate", "zh-Hans": "NeutralPoint 估算"},
            short_title={"en": "E5: venue waste per attendee-day", "zh-Hans": "E5：每位参会者每天的会场垃圾"},
        ),
        note="0.5 kg × 0.52053 kg CO2e/kg = 0.260265 kg CO2e. The waste quantity is assumed; no source was found.",
    )


def factor_set(version: str) -> FactorSet:
    return FactorSet.of(
        SCENARIO,
        version,
        [
            *travel.factors(f"Adopted in meetings {version}.", edition=EDITIONS[version]),
            *_hotels(),
            *_meals(),
            _venue_energy(),
            _venue_waste(),
            *organiser_factors(),
        ],
    )


def factor_sets() -> list[FactorSet]:
    """Every published version, oldest first; never edit one, append a new version."""
    return [factor_set(version) for version in EDITIONS]
