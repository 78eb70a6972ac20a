"""The hotels factor sets: the shared lodging, meal and travel factors, plus the linen estimate.

Published values come from the core's shared tables (``neutralpoint.scenarios.lodging``,
``meals`` and ``travel``), so a hotel night costs the same here as near a scenic spot. The
one factor of this plugin's own, a room's linen change, is a NeutralPoint estimate with
its reasoning in the note.
"""

from __future__ import annotations

from decimal import Decimal

from neutralpoint.plugin_api import Factor, FactorSet, Source, lodging, meals, travel

SCENARIO = "hotels"
#: version → (travel edition, hotel class edition) it was published with. Never edit a row; append one.
#: 2025.2: flights by distance band, China's own high-speed rail factor, hotel classes in order.
EDITIONS: dict[str, tuple[str, str]] = {"2025.1": ("2025.1", "2025.1"), "2025.2": ("2025.2", "2025.2")}
VERSION = "2025.2"
LINEN_KEY = "hotel.linen_change"

#: A room's linen set (two sheets, a duvet cover, two pillowcases, four towels), dry kg: an estimate.
LINEN_KG = Decimal("4")
#: Heat to wash one kg of linen, kWh: 3 US gallons of water per pound (25.0 l/kg), 70 % of it
#: heated by 100 °F (55.6 K): 0.7 × 25.0 × 4.186 kJ/(kg·K) × 55.6 K ≈ 4,078 kJ ≈ 1.13 kWh.
HEAT_KWH_PER_KG = Decimal("1.13")
#: DESNZ 2025 natural gas, kg CO2e per kWh (gross CV): direct 0.18296 (ID 1_100_1004_6_1) + WTT 0.03021.
GAS_PER_KWH = Decimal("0.18296") + Decimal("0.03021")


def linen_factor(version_note: str = "") -> Factor:
    return Factor(
        key=LINEN_KEY,
        value=LINEN_KG * HEAT_KWH_PER_KG * GAS_PER_KWH,
        per="room linen change",
        label={"en": "Washing a room's linen and towels", "zh-Hans": "洗涤一次客房布草和毛巾"},
        source=Source(
            publisher="NeutralPoint, from laundry trade figures and DESNZ 2025",
            document=(
                "Estimate: 4 kg of linen per room change (assumed) × 1.13 kWh of water heating per kg (3 US gallons "
                "of water per pound of linen, 70 % heated by 100 °F, as quoted by laundry trade pages citing "
                "Laundry Consulting) × DESNZ 2025 natural gas 0.18296 kg CO2e/kWh (ID 1_100_1004_6_1) + WTT 0.03021"
            ),
            year=2025,
            table="Estimate: linen change",
            short_publisher={"en": "NeutralPoint estimate", "zh-Hans": "NeutralPoint 估算"},
            short_title={"en": "Linen change: laundry energy", "zh-Hans": "更换布草：洗涤能耗"},
            url="https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025",
            estimate=True,
        ),
        note=(
            "4 kg × 1.13 kWh/kg × 0.21317 kg CO2e/kWh = 0.9635284 kg CO2e per change. Water heating only (drying, "
            "ironing, detergent and transport are left out), so it is a lower bound of the wash itself. DESNZ's "
            "room-night factor already includes outsourced laundry at the hotel's usual practice; this line shows "
            "what your choice adds, so the total errs on the high side. Daily change: one wash per room per night. "
            f"On request: one wash per room after you leave. {version_note}"
        ).strip(),
    )


def factor_set(version: str) -> FactorSet:
    travel_edition, class_edition = EDITIONS[version]
    note = f"Adopted in hotels {version}."
    return FactorSet.of(
        SCENARIO,
        version,
        [
            *lodging.hotel_factors(note),
            *lodging.class_factors(note, edition=class_edition),
            *meals.breakfast_factors(note),
            *meals.meal_factors(note),
            linen_factor(note),
            *travel.factors(note, edition=travel_edition),
        ],
    )


def factor_sets() -> list[FactorSet]:
    """Every published version, oldest first; never edit one, append a new version."""
    return [factor_set(version) for version in EDITIONS]
