"""Emission factors with their provenance, grouped in versioned factor sets.

A factor's value is a ``Decimal`` in kilograms CO2e per activity unit (as the sources
publish them); ``Factor.grams`` multiplies a quantity and rounds once, half up, to whole
grams — the only place a calculation leaves exact decimal arithmetic. A factor set's
``fingerprint`` hashes every value, so the platform can tell when a plugin changed a
value without bumping the version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from neutralpoint.scenarios.i18n import Text, language_problems

GRAMS_PER_KG = Decimal(1000)


@dataclass(frozen=True)
class Source:
    """Where a factor was read: publisher, document, year and table or row.

    ``short_publisher`` and ``short_title`` (optional, per language) are how a result page
    names the source on one line; the full ``publisher``, ``document`` and ``table`` stay
    the citation, one tap away.
    """

    publisher: str
    document: str
    year: int
    table: str = ""
    url: str | None = None
    estimate: bool = False
    short_publisher: Text = field(default_factory=dict)
    short_title: Text = field(default_factory=dict)

    def __post_init__(self) -> None:
        fields = (
            self.publisher,
            self.document,
            self.year,
            self.table,
            self.url,
            self.estimate,
            tuple(sorted(self.short_publisher.items())),
            tuple(sorted(self.short_title.items())),
        )
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        """Computed once: an answer looks each of its lines' sources up by value."""
        return self._hash  # type: ignore[attr-defined,no-any-return]

    def citation(self) -> str:
        parts = [self.publisher, self.document, str(self.year)]
        if self.table:
            parts.append(self.table)
        text = ", ".join(parts)
        return f"{text} (estimate)" if self.estimate else text

    def line(self, lang: str) -> tuple[str, str]:
        """(publisher, title) as one line shows them in ``lang``: the short forms in that
        language, else in English, else the full publisher and document."""
        return (
            self.short_publisher.get(lang) or self.short_publisher.get("en") or self.publisher,
            self.short_title.get(lang) or self.short_title.get("en") or self.document,
        )

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "publisher": self.publisher,
            "document": self.document,
            "year": self.year,
            "table": self.table,
            "url": self.url,
            "estimate": self.estimate,
            "citation": self.citation(),
        }
        if self.short_publisher:
            found["short_publisher"] = dict(self.short_publisher)
        if self.short_title:
            found["short_title"] = dict(self.short_title)
        return found

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Source:
        return cls(
            publisher=data["publisher"],
            document=data["document"],
            year=int(data["year"]),
            table=data.get("table", ""),
            url=data.get("url"),
            estimate=bool(data.get("estimate", False)),
            short_publisher=dict(data.get("short_publisher") or {}),
            short_title=dict(data.get("short_title") or {}),
        )


#: What a factor declared without a source carries, so that the contract check can say so.
NO_SOURCE = Source(publisher="", document="", year=0)


@dataclass(frozen=True)
class Factor:
    """kg CO2e per ``per`` (e.g. ``per="passenger-km"``), from ``source``.

    ``per`` is one of the activity units the pages translate (``KNOWN_UNITS``). A factor
    without a ``source`` is refused when the plugin loads: every number needs one.
    """

    key: str
    value: Decimal
    per: str
    label: Text
    source: Source = NO_SOURCE
    note: str = ""

    @cached_property
    def unit(self) -> str:
        return f"kg CO2e / {self.per}"

    def grams(self, quantity: Decimal | int, divided_by: int = 1) -> int:
        """Whole grams for ``quantity`` activity units, shared by ``divided_by``, rounded half up.

        A share (a car's vehicle-km per occupant, a room-night per guest) must be divided
        here, after the multiplication: dividing the quantity first rounds 550 / 3 km to 28
        digits and turns an exact half gram (38263.5 g) into 38263.
        """
        if divided_by < 1:
            raise ValueError("divided_by must be a positive whole number")
        exact = Decimal(quantity) * self.value * GRAMS_PER_KG / divided_by
        return int(exact.to_integral_value(rounding=ROUND_HALF_UP))

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": str(self.value),
            "unit": self.unit,
            "per": self.per,
            "label": dict(self.label),
            "source": self.source.as_dict(),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Factor:
        return cls(
            key=data["key"],
            value=Decimal(data["value"]),
            per=data["per"],
            label=dict(data["label"]),
            source=Source.from_dict(data["source"]),
            note=data.get("note", ""),
        )


@dataclass(frozen=True)
class FactorSet:
    """All factors one scenario uses, under one version string."""

    scenario: str
    version: str
    factors: Mapping[str, Factor]
    overrides: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: str, version: str, factors: Iterable[Factor]) -> FactorSet:
        """The factor set ``version`` of ``scenario``, keyed by each factor's key (which must not repeat)."""
        items = list(factors)
        keyed = {f.key: f for f in items}
        if len(keyed) != len(items):
            raise ValueError(f"factor set {scenario} {version} repeats a key")
        return cls(scenario=scenario, version=version, factors=keyed)

    def __getitem__(self, key: str) -> Factor:
        return self.factors[key]

    def __contains__(self, key: object) -> bool:
        return key in self.factors

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "version": self.version,
            "factors": [f.as_dict() for f in self.factors.values()],
            "overrides": dict(self.overrides),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FactorSet:
        return cls(
            scenario=data["scenario"],
            version=data["version"],
            factors={f["key"]: Factor.from_dict(f) for f in data["factors"]},
            overrides=dict(data.get("overrides", {})),
        )

    @cached_property
    def fingerprint(self) -> str:
        canonical = json.dumps(
            sorted((f.key, str(f.value), f.per) for f in self.factors.values()), separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def with_override(self, key: str, value: Decimal, note: str, source: Source) -> FactorSet:
        """A copy with one factor replaced by a venue's measured value (marked as such)."""
        original = self.factors[key]
        factors = dict(self.factors)
        factors[key] = replace(original, value=value, source=source, note=note)
        overrides = dict(self.overrides)
        overrides[key] = note
        return replace(self, factors=factors, overrides=overrides)

    def problems(self) -> list[str]:
        found: list[str] = []
        if not self.version:
            found.append(f"factor set of {self.scenario} has no version")
        if not self.factors:
            found.append(f"factor set {self.scenario} {self.version} is empty")
        for f in self.factors.values():
            if not isinstance(f.value, Decimal):
                found.append(f"factor {f.key!r} is not a Decimal")
            elif f.value < 0:
                found.append(f"factor {f.key!r} is negative")
            if not isinstance(f.source, Source) or f.source == NO_SOURCE:
                found.append(
                    f"factor {f.key!r} has no source: give it source=Source(publisher=..., document=..., year=...), "
                    "where you read the value"
                )
            elif not (f.source.publisher and f.source.document and f.source.year):
                found.append(f"factor {f.key!r} has no complete source (publisher, document, year)")
            found += language_problems(f"factor {f.key!r}: label", f.label)
            for name in ("short_publisher", "short_title"):
                short = getattr(f.source, name, None)
                if short:
                    found += language_problems(f"factor {f.key!r}: source {name}", short)
        return found
