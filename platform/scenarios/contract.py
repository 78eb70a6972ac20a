"""What a scenario plugin declares and returns: scenario info, calculation context, breakdown lines."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from neutralpoint.scenarios.i18n import Text, missing_languages

if TYPE_CHECKING:
    from neutralpoint.scenarios.geography import City, TravelDistance


@dataclass(frozen=True)
class Scenario:
    """A scenario a plugin offers: a stable ``id`` (used in URLs and stored estimates)."""

    id: str
    name: Text
    description: Text
    icon: str = "●"
    order: int = 100

    def problems(self) -> list[str]:
        found = []
        if not self.id or not self.id.replace("-", "_").isidentifier() or self.id != self.id.lower():
            found.append(f"scenario id {self.id!r} must be lower-case letters, digits, - or _")
        for lang in missing_languages(self.name):
            found.append(f"scenario {self.id!r}: name lacks {lang}")
        for lang in missing_languages(self.description):
            found.append(f"scenario {self.id!r}: description lacks {lang}")
        return found


class BreakdownLine(msgspec.Struct, frozen=True):
    """One line of a footprint: ``quantity`` activity units × factor ``factor`` = ``grams``.

    Immutable once returned; built like a dataclass, by position or by keyword. ``warning``
    (both languages) flags an answer that is possible but unlikely, such as a 14 km flight:
    the line still counts it, and the result page and its JSON twin show the warning.
    """

    key: str
    label: Text
    quantity: Decimal
    per: str
    factor: str
    grams: int
    detail: Text | None = None
    warning: Text | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": dict(self.label),
            "quantity": str(self.quantity),
            "per": self.per,
            "factor": self.factor,
            "grams": self.grams,
            "detail": dict(self.detail) if self.detail else None,
            "warning": dict(self.warning) if self.warning else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BreakdownLine:
        return cls(
            key=data["key"],
            label=dict(data["label"]),
            quantity=Decimal(data["quantity"]),
            per=data["per"],
            factor=data["factor"],
            grams=int(data["grams"]),
            detail=dict(data["detail"]) if data.get("detail") else None,
            warning=dict(data["warning"]) if data.get("warning") else None,
        )


DistanceFunction = Callable[["City", "City | tuple[float, float]", str], "TravelDistance"]


class CalculationContext(msgspec.Struct, frozen=True):
    """What a calculation may know beyond the visitor's inputs.

    ``venue_location`` is where the venue is (latitude, longitude), for distances from
    an origin city; ``presets`` are the answers the entry point fixed in advance;
    ``event_days`` is how long the entry point's event lasts, when it has dates, so that a
    calculation can refuse more days than the event has.
    """

    venue_location: tuple[float, float] | None = None
    presets: Mapping[str, Any] = msgspec.field(default_factory=dict)
    lang: str = "en"
    distance: DistanceFunction | None = None
    event_days: int | None = None

    def travel_distance(self, origin: City, mode_kind: str) -> TravelDistance:
        """Distance from ``origin`` to the venue by the core's (or a plugin's) distance helper."""
        if self.venue_location is None:
            raise ValueError("this venue has no location, so a distance cannot be computed from a city")
        if self.distance is None:
            from neutralpoint.scenarios.geography import travel_distance

            return travel_distance(origin, self.venue_location, mode_kind)  # type: ignore[arg-type]
        return self.distance(origin, self.venue_location, mode_kind)


def total_grams(lines: list[BreakdownLine]) -> int:
    return sum(line.grams for line in lines)
