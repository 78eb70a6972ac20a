"""The scenic-spot factor sets: travel (shared, with a tour group's chartered coach), lodging
(shared), and the site's own items.

The shuttle bus and the boat inside the site are journeys, counted with the shared travel
factors (``travel.bus``: DESNZ average local bus; ``travel.ferry``: DESNZ ferry, foot
passenger). No published factor exists for a cable-car ride or for a site's facilities per
visit (reference §9 and §11), so those rows are NeutralPoint estimates, labelled, and the
site's operations count as zero until a venue overrides them with its own measured value.
"""

from __future__ import annotations

from decimal import Decimal

from neutralpoint.plugin_api import Factor, FactorSet, Source, lodging, travel

SCENARIO = "scenic"
#: version → the travel edition it was published with. Never edit a row; append one.
#: 2025.2: flights by distance band and China's own high-speed rail factor.
EDITIONS: dict[str, str] = {"2025.1": "2025.1", "2025.2": "2025.2"}
VERSION = "2025.2"

CABLE_CAR_KEY = "site.cable_car"
WASTE_KEY = "site.waste"
OPERATIONS_KEY = "site.operations"
SHUTTLE_KEY = "travel.bus"
BOAT_KEY = "travel.ferry"

_DESNZ_URL = "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"
_MEE_2023 = "China 2023 national average electricity factor 0.5306 kg CO2/kWh (生态环境部、国家统计局 公告2025年第47号)"


def site_factors(version_note: str = "") -> list[Factor]:
    return [
        Factor(
            key=CABLE_CAR_KEY,
            value=Decimal("1.0") * Decimal("0.5306"),
            per="ride",
            label={"en": "Cable car ride (estimate)", "zh-Hans": "索道乘坐（估算）"},
            source=Source(
                publisher="NeutralPoint, from China MEE/NBS",
                document=f"Estimate E6: an assumed 1.0 kWh per passenger-ride (0.5–1.5 kWh: drive power ÷ realised "
                f"throughput) × {_MEE_2023}",
                year=2025,
                table="Estimate E6",
                estimate=True,
                short_publisher={"en": "NeutralPoint estimate", "zh-Hans": "NeutralPoint 估算"},
                short_title={"en": "E6: ride energy per passenger-ride", "zh-Hans": "E6：每人次游乐设施用电"},
            ),
            note=(
                "1.0 kWh × 0.5306 kg CO2/kWh = 0.5306 kg CO2 per ride, the middle of estimate E6's 0.3–0.8 range. No "
                "published per-ride factor was found; the operator's annual kWh ÷ riders × the provincial grid factor "
                f"is better and can replace it as the venue's measured value. {version_note}"
            ).strip(),
        ),
        Factor(
            key=WASTE_KEY,
            value=Decimal("0.5") * Decimal("0.52053"),
            per="visit",
            label={"en": "Share of the site's waste (estimate)", "zh-Hans": "景区垃圾分摊（估算）"},
            source=Source(
                publisher="NeutralPoint, from DESNZ 2025",
                document=(
                    "Estimate E5: an assumed 0.5 kg of general waste per visitor × DESNZ 2025 Waste disposal, "
                    "Commercial and industrial waste, landfill, 520.53 kg CO2e per tonne (ID 20_507_5313_15_1)"
                ),
                year=2025,
                table="Estimate E5",
                url=_DESNZ_URL,
                estimate=True,
                short_publisher={"en": "NeutralPoint estimate", "zh-Hans": "NeutralPoint 估算"},
                short_title={"en": "E5: waste per visitor", "zh-Hans": "E5：每位游客的垃圾"},
            ),
            note=f"0.5 kg × 0.52053 kg CO2e/kg = 0.260265 kg CO2e per visit; the quantity is assumed. {version_note}"
            .strip(),
        ),
        Factor(
            key=OPERATIONS_KEY,
            value=Decimal(0),
            per="visit",
            label={"en": "Share of the site's operations", "zh-Hans": "景区运营分摊"},
            source=Source(
                publisher="NeutralPoint",
                document=(
                    "No published per-visit factor for a scenic site's energy and operations was found; counted as "
                    "zero until the site gives its own measured value (annual emissions ÷ annual visits)"
                ),
                year=2025,
                table="Method note (no published factor)",
                estimate=True,
                short_publisher={"en": "NeutralPoint", "zh-Hans": "NeutralPoint"},
                short_title={
                    "en": "Site operations: counted as zero until measured",
                    "zh-Hans": "景区运营：实测前计为零",
                },
            ),
            note=(
                "Left out (zero) rather than guessed. A US spend-based factor exists (nature parks, USEEIO v1.2 "
                "712190: 0.156 kg CO2e per 2021 USD) but turning a ticket price in yuan into it needs an exchange "
                "rate and a price-level conversion that no source supports. The line appears once the venue "
                f"overrides this factor. {version_note}"
            ).strip(),
        ),
    ]


def factor_set(version: str) -> FactorSet:
    note = f"Adopted in scenic {version}."
    return FactorSet.of(
        SCENARIO,
        version,
        [
            *travel.factors(note, edition=EDITIONS[version]),
            *travel.group_factors(note),
            *lodging.hotel_factors(note),
            lodging.camping_factor(note),
            *site_factors(note),
        ],
    )


def factor_sets() -> list[FactorSet]:
    """Every published version, oldest first; never edit one, append a new version."""
    return [factor_set(version) for version in EDITIONS]
