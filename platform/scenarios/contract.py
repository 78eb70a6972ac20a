"""What a scenario plugin declares and returns: the scenario object, calculation context, breakdown lines."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.forms import Form
from neutralpoint.scenarios.i18n import Text, language_problems

if TYPE_CHECKING:
    from neutralpoint.scenarios.geography import City, TravelDistance

#: A calculation: validated inputs, the factor set to use and the context → breakdown lines.
Calculation = Callable[[Mapping[str, Any], FactorSet, "CalculationContext"], "list[BreakdownLine]"]


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One kind of visit a venue can offer, with everything the platform needs to run it.

    ``id`` is stored with every estimate and used in URLs: choose it once. ``name`` and
    ``description`` are shown in menus and on the visitor's page, ``icon`` (an emoji or a
    short glyph) beside the name, ``order`` sorts menus (lower first). ``form`` is what the
    visitor answers, ``factor_sets`` every published factor-set version (oldest first, the
    last is current) and ``calculate(inputs, factors, context)`` turns validated answers
    into breakdown lines. ``organiser_form`` and ``organiser_calculate`` are an optional
    whole-event form an organiser fills in, with the same contract.
    """

    id: str
    name: Text
    description: Text
    form: Form
    factor_sets: Sequence[FactorSet]
    calculate: Calculation
    icon: str = "●"
    order: int = 100
    organiser_form: Form | None = None
    organiser_calculate: Calculation | None = None

    def problems(self) -> list[str]:
        """Every way this declaration breaks the contract; empty when the platform can run it."""
        found = []
        if (
            not isinstance(self.id, str)
            or not self.id
            or not self.id.replace("-", "_").isidentifier()
            or self.id != self.id.lower()
        ):
            return [f"scenario id {self.id!r} must be lower-case letters, digits, - or _"]
        found += language_problems(f"scenario {self.id!r}: name", self.name)
        found += language_problems(f"scenario {self.id!r}: description", self.description)
        if not isinstance(self.form, Form):
            found.append(f"scenario {self.id!r}: form must be a Form, not {type(self.form).__name__}")
        else:
            found += [f"scenario {self.id!r}: {p}" for p in self.form.problems()]
        sets = self.factor_sets
        if isinstance(sets, FactorSet):
            found.append(f"scenario {self.id!r}: factor_sets must be a list of FactorSet (oldest first), not one")
        elif not isinstance(sets, list | tuple) or not sets or not all(isinstance(s, FactorSet) for s in sets):
            found.append(f"scenario {self.id!r}: factor_sets must be a non-empty list of FactorSet")
        else:
            versions = [s.version for s in sets]
            if len(set(versions)) != len(versions):
                found.append(f"scenario {self.id!r}: factor-set versions repeat: {versions}")
            for fs in sets:
                if fs.scenario != self.id:
                    found.append(f"scenario {self.id!r}: factor set {fs.version} belongs to scenario {fs.scenario!r}")
                found += fs.problems()
        if not callable(self.calculate):
            found.append(f"scenario {self.id!r}: calculate must be a function (inputs, factors, context)")
        if self.organiser_form is not None:
            if not isinstance(self.organiser_form, Form):
                found.append(f"scenario {self.id!r}: organiser_form must be a Form")
            else:
                found += [f"scenario {self.id!r} organiser: {p}" for p in self.organiser_form.problems()]
            if not callable(self.organiser_calculate):
                found.append(f"scenario {self.id!r}: organiser_form without organiser_calculate")
        elif self.organiser_calculate is not None:
            found.append(f"scenario {self.id!r}: organiser_calculate without organiser_form")
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
    """The footprint of ``lines``: the sum of their whole grams."""
    return sum(line.grams for line in lines)
