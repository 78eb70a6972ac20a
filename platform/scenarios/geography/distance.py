"""Origin → venue travel distance, with the adjustment factor and its source made explicit.

Why explicit: every emission figure we show must be explainable. A visitor (or auditor) sees the
straight-line distance, the multiplier applied for the transport mode and where that multiplier
comes from, so ``TravelDistance.method`` / ``.source`` are meant to be displayed verbatim.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, TypeAlias

from neutralpoint.geography.cities import City

__all__ = [
    "AIR_UPLIFT",
    "EARTH_MEAN_RADIUS_KM",
    "GROUND_DETOUR",
    "WATER_ADJUSTMENT",
    "ModeKind",
    "Point",
    "TravelDistance",
    "great_circle_km",
    "travel_distance",
]

ModeKind = Literal["air", "ground", "water"]
Point: TypeAlias = City | tuple[float, float]  # (latitude, longitude) in decimal degrees

#: IUGG mean Earth radius (R1), km.
EARTH_MEAN_RADIUS_KM = 6371.0088

#: Flights: +8% on the great-circle distance for indirect routing, delays and circling.
#: Source: UK DESNZ, "Greenhouse gas reporting: conversion factors" methodology paper.
AIR_UPLIFT = Decimal("1.08")
AIR_SOURCE = (
    "UK DESNZ, Greenhouse gas reporting: conversion factors – methodology paper, "
    "air travel: 8% great-circle uplift"
)

#: Road/rail: roads and tracks are not straight lines. 1.2 is a NeutralPoint *estimate* of typical
#: road/rail circuity (not a published factor); replace it if a better source is adopted.
GROUND_DETOUR = Decimal("1.2")
GROUND_SOURCE = "NeutralPoint estimate of typical road/rail circuity (not from a published source)"

#: Ferries/boats: no adjustment (great-circle distance as is).
WATER_ADJUSTMENT = Decimal("1.0")
WATER_SOURCE = "Great-circle distance, no adjustment"

_KM_QUANTUM = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class TravelDistance:
    """A travel distance plus how it was derived (show ``method`` and ``source`` to users)."""

    great_circle_km: Decimal
    adjustment: Decimal
    travel_km: Decimal
    method: str
    source: str


def _coords(point: Point) -> tuple[float, float]:
    if isinstance(point, City):
        return point.lat, point.lon
    lat, lon = (float(v) for v in point)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or math.isnan(lat) or math.isnan(lon):
        raise ValueError(f"Invalid coordinates (lat, lon): {point!r}")
    return lat, lon


def _km(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(_KM_QUANTUM, rounding=ROUND_HALF_UP)


def great_circle_km(a: Point, b: Point) -> Decimal:
    """Haversine distance in km, rounded to 0.1 km.

    Float trigonometry is plenty accurate here (the spherical model itself is ~0.5% off);
    the result is a Decimal because downstream emission maths is exact Decimal arithmetic.
    """
    lat1, lon1 = map(math.radians, _coords(a))
    lat2, lon2 = map(math.radians, _coords(b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    central_angle = 2 * math.asin(min(1.0, math.sqrt(h)))
    return _km(EARTH_MEAN_RADIUS_KM * central_angle)


_MODES: dict[str, tuple[Decimal, str, str]] = {
    "air": (AIR_UPLIFT, "great-circle distance × 1.08 (DESNZ uplift for indirect flight paths)", AIR_SOURCE),
    "ground": (
        GROUND_DETOUR,
        "great-circle distance × 1.2 detour factor (estimate: typical road/rail circuity)",
        GROUND_SOURCE,
    ),
    "water": (
        WATER_ADJUSTMENT,
        "great-circle distance × 1.0 (no adjustment for water transport)",
        WATER_SOURCE,
    ),
}


def travel_distance(origin: City, destination: Point, mode_kind: ModeKind) -> TravelDistance:
    """Distance actually travelled for a transport mode kind (see ``_travel_distance``).

    A pure function of immutable arguments, remembered: in a burst at one venue, most
    visitors come from the same few cities.
    """
    try:
        return _remembered_distance(origin, destination, mode_kind)
    except TypeError:  # an unhashable destination (a list of coordinates)
        return _travel_distance(origin, destination, mode_kind)


def _travel_distance(origin: City, destination: Point, mode_kind: ModeKind) -> TravelDistance:
    """Distance actually travelled for a transport mode kind.

    ``travel_km`` is the (already 0.1 km-rounded) great-circle distance times the mode's
    adjustment, quantized again to 0.1 km, so it can be recomputed exactly from the
    displayed numbers.
    """
    try:
        adjustment, method, source = _MODES[mode_kind]
    except KeyError:
        raise ValueError(f"Unknown mode kind {mode_kind!r}; expected one of {sorted(_MODES)}") from None
    gc = great_circle_km(origin, destination)
    return TravelDistance(
        great_circle_km=gc,
        adjustment=adjustment,
        travel_km=_km(gc * adjustment),
        method=method,
        source=source,
    )


_remembered_distance = functools.lru_cache(maxsize=8192)(_travel_distance)
