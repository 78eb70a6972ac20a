"""Where did the visitor come from, and how far is that? Shared by every scenario plugin.

Why a shared helper: meetings, hotels, restaurants and scenic-spot calculators all turn a typed
origin city ("成都", "Chengdu", "Paris, FR") into a travel distance. Doing that in one place keeps
the city data (``neutralpoint.geography``: GeoNames, CC BY 4.0), the distance formula and the
documented mode adjustments identical across plugins.

Typical use::

    origin = resolve_origin(form_value)          # raises UnknownCityError with suggestions
    d = travel_distance(origin, (venue_lat, venue_lon), "air")
    d.travel_km, d.method, d.source
"""

from __future__ import annotations

from neutralpoint.geography import (
    ATTRIBUTION,
    City,
    CityIndex,
    UnknownCityError,
    load_cities,
    load_header,
    normalize_name,
    resolve_origin,
)

from .distance import (
    AIR_UPLIFT,
    EARTH_MEAN_RADIUS_KM,
    GROUND_DETOUR,
    WATER_ADJUSTMENT,
    ModeKind,
    Point,
    TravelDistance,
    great_circle_km,
    travel_distance,
)

__all__ = [
    "AIR_UPLIFT",
    "ATTRIBUTION",
    "EARTH_MEAN_RADIUS_KM",
    "GROUND_DETOUR",
    "WATER_ADJUSTMENT",
    "City",
    "CityIndex",
    "ModeKind",
    "Point",
    "TravelDistance",
    "UnknownCityError",
    "great_circle_km",
    "load_cities",
    "load_header",
    "normalize_name",
    "resolve_origin",
    "travel_distance",
]
