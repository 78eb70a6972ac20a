"""Offline city table: look up a visitor's origin city by English or Chinese name.

Why offline: origin lookup happens on every calculator submission; a bundled GeoNames extract
(see ``cities.json`` / ``ATTRIBUTION.md``) is fast, deterministic and sends no visitor data to a
third-party geocoder. Regenerate the data with ``scripts/generate_cities.py``.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

__all__ = ["City", "CityIndex", "UnknownCityError", "load_cities", "normalize_name", "resolve_origin"]

DATA_PACKAGE = "neutralpoint.geography"
DATA_FILE = "cities.json"

# Administrative suffixes a visitor may or may not type: 成都市 == 成都, 新源县 == 新源.
_ZH_ADMIN_SUFFIXES = ("市", "巿", "县", "縣", "区", "區")
# "Paris, FR" / "Paris FR": a trailing ISO country code disambiguates homonyms.
_COUNTRY_SUFFIX = re.compile(r"^(?P<name>.+?)\s*[,，\s]\s*(?P<cc>[A-Za-z]{2})$")
_APOSTROPHES = str.maketrans({"’": "", "‘": "", "'": "", "ʼ": "", "ʻ": "", "`": ""})
_SEPARATORS = re.compile(r"[\s\-_.·]+")
# Letters NFKD does not decompose into an ASCII base letter.
_EXTRA_FOLD = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "ı": "i", "ə": "e", "ħ": "h"}
)


@dataclass(frozen=True, slots=True)
class City:
    """One populated place from GeoNames; ``id`` is the stable GeoNames geonameid."""

    id: int
    name_en: str
    name_zh: str | None
    country: str
    admin1: str
    lat: float
    lon: float
    population: int

    def label(self, lang: str) -> str:
        """Display name for a UI language: "成都" in Chinese, "Chengdu" / "Paris, FR" in English.

        Non-mainland cities carry their country code in non-Chinese labels so that homonyms
        (Paris, FR vs Paris, US) stay distinguishable in a dropdown.
        """
        if lang.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        if self.country == "CN":
            return self.name_en
        return f"{self.name_en}, {self.country}"


def normalize_name(value: str) -> str:
    """Case-, accent- and punctuation-insensitive key: "Ürümqi" == "urumqi", "Xi'an" == "xian"."""
    text = unicodedata.normalize("NFKC", value).strip().casefold().translate(_EXTRA_FOLD)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.translate(_APOSTROPHES)
    return _SEPARATORS.sub(" ", text).strip()


def _strip_zh_suffix(key: str) -> str:
    for suffix in _ZH_ADMIN_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2 and not key.isascii():
            return key[: -len(suffix)]
    return key


def _keys(names: Iterable[str | None]) -> set[str]:
    out: set[str] = set()
    for name in names:
        if not name:
            continue
        key = normalize_name(name)
        if key:
            out.add(key)
            out.add(_strip_zh_suffix(key))
    return out


class UnknownCityError(ValueError):
    """The origin the visitor typed is not in the city table; carries suggestions for the UI."""

    def __init__(self, query: str, suggestions: list[City] | None = None) -> None:
        self.query = query
        self.suggestions: list[City] = list(suggestions or [])
        message = f"Unknown city: {query!r}."
        if self.suggestions:
            message += " Did you mean: " + "; ".join(c.label("en") for c in self.suggestions) + "?"
        else:
            message += " Try the nearest large city, e.g. 'Chengdu' or '成都'."
        super().__init__(message)


FOUND_MAX = 4096


class CityIndex:
    """In-memory lookup over the bundled cities (about 1,700 rows, so linear scans are fine)."""

    def __init__(self, cities: Iterable[City], aliases: Mapping[int, Iterable[str]] | None = None) -> None:
        self._cities: list[City] = sorted(cities, key=lambda c: (-c.population, c.id))
        self._by_id: dict[int, City] = {c.id: c for c in self._cities}
        self._found: dict[str, City | None] = {}
        aliases = aliases or {}
        # Two tiers: official names win over aliases (traditional spellings, "New York" for
        # "New York City"), so an alias can never hide another city's real name.
        self._primary: dict[str, list[City]] = defaultdict(list)
        self._secondary: dict[str, list[City]] = defaultdict(list)
        self._names: dict[int, set[str]] = {}
        for city in self._cities:  # population-descending, so each bucket is too
            primary = _keys([city.name_en, city.name_zh])
            secondary = _keys([*aliases.get(city.id, ()), *_english_aliases(city.name_en)]) - primary
            for key in primary:
                self._primary[key].append(city)
            for key in secondary:
                self._secondary[key].append(city)
            self._names[city.id] = primary | secondary

    def __len__(self) -> int:
        return len(self._cities)

    def __iter__(self) -> Iterator[City]:
        return iter(self._cities)

    def by_id(self, id: int) -> City | None:
        """City by GeoNames id (what forms store, so a stored answer survives renames)."""
        return self._by_id.get(id)

    def find(self, query: str) -> City | None:
        """Exact (normalised) name match; the most populous city wins among homonyms.

        A trailing country code ("Paris, FR", "Paris FR") restricts the match to that country.
        Answers are remembered per query (the index never changes once built).
        """
        if query in self._found:
            return self._found[query]
        if len(self._found) >= FOUND_MAX:
            self._found.clear()
        found = self._found[query] = self._find(query)
        return found

    def _find(self, query: str) -> City | None:
        key = normalize_name(query)
        if not key:
            return None
        hit = self._lookup(key)
        if hit is not None:
            return hit
        match = _COUNTRY_SUFFIX.match(query.strip())
        if match:
            return self._lookup(normalize_name(match["name"]), match["cc"].upper())
        return None

    def _lookup(self, key: str, country: str | None = None) -> City | None:
        for table in (self._primary, self._secondary):
            for k in dict.fromkeys((key, _strip_zh_suffix(key))):
                for city in table.get(k, ()):
                    if country is None or city.country == country:
                        return city
        return None

    def search(self, prefix: str, limit: int = 10) -> list[City]:
        """Cities with any name starting with ``prefix``, most populous first (autocomplete)."""
        key = normalize_name(prefix)
        if not key or limit <= 0:
            return []
        out: list[City] = []
        for city in self._cities:
            if any(name.startswith(key) for name in self._names[city.id]):
                out.append(city)
                if len(out) >= limit:
                    break
        return out

    def suggest(self, query: str, limit: int = 3) -> list[City]:
        """Suggestions for an unknown name: prefix matches first, then close spellings (typos)."""
        found = self.search(query, limit)
        if len(found) < limit:
            key = normalize_name(query)
            close = difflib.get_close_matches(key, list(self._primary), n=limit * 2, cutoff=0.75)
            for name in close:
                city = self._primary[name][0]
                if city not in found:
                    found.append(city)
                if len(found) >= limit:
                    break
        return found[:limit]


def _english_aliases(name: str) -> list[str]:
    """Short English forms: "New York City" is usually typed "New York", "Luohu District" "Luohu"."""
    out = []
    for suffix in (" City", " District", " Shi", " Centre"):
        if name.endswith(suffix) and len(name) > len(suffix) + 2:
            out.append(name[: -len(suffix)])
    return out


def _city_from_row(row: dict[str, Any]) -> City:
    return City(
        id=int(row["id"]),
        name_en=str(row["name_en"]),
        name_zh=row["name_zh"] or None,
        country=str(row["country"]),
        admin1=str(row["admin1"]),
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        population=int(row["population"]),
    )


def parse_cities(payload: dict[str, Any]) -> CityIndex:
    """Build an index from the ``{"header": {"columns": [...]}, "rows": [[...]]}`` document."""
    columns: list[str] = payload["header"]["columns"]
    cities: list[City] = []
    aliases: dict[int, list[str]] = {}
    for values in payload["rows"]:
        row = dict(zip(columns, values, strict=True))
        city = _city_from_row(row)
        cities.append(city)
        extra = [*(row.get("zh_aliases") or [])]
        if row.get("name_ascii") and row["name_ascii"] != city.name_en:
            extra.append(row["name_ascii"])
        aliases[city.id] = extra
    return CityIndex(cities, aliases)


def load_header() -> dict[str, Any]:
    """The file header (attribution, licence, source) for display on an "about the data" page."""
    return dict(_load_payload()["header"])


@functools.cache
def _load_payload() -> dict[str, Any]:
    text = files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    payload: dict[str, Any] = json.loads(text)
    return payload


@functools.cache
def load_cities() -> CityIndex:
    """The bundled city index, parsed once per process on first use."""
    return parse_cities(_load_payload())


def resolve_origin(value: str) -> City:
    """Turn the visitor's typed origin into a City, or raise UnknownCityError with suggestions."""
    index = load_cities()
    city = index.find(value)
    if city is None:
        raise UnknownCityError(value.strip(), index.suggest(value, 3))
    return city
