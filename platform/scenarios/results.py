"""How a stored estimate reads: its lines in the visitor's language, with the sources
of its factors, and comparisons (days of an average person, kilometres by petrol car)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, Context, Decimal
from fractions import Fraction

import msgspec

from neutralpoint.scenarios.contract import BreakdownLine
from neutralpoint.scenarios.estimates import EstimateRecord
from neutralpoint.scenarios.factors import FactorSet, Source
from neutralpoint.scenarios.models import Estimate

# --- presenting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerCapita:
    """An average person's yearly emissions somewhere, with where the number comes from."""

    key: str
    tonnes_per_year: Decimal


#: Fossil CO2 per person in 2023 (territorial; excludes other greenhouse gases and land use).
PER_CAPITA = (PerCapita("china", Decimal("8.4")), PerCapita("world", Decimal("4.7")))
PER_CAPITA_SOURCE = {
    "publisher": "Global Carbon Project / Our World in Data",
    "document": "Global Carbon Budget 2024 (Friedlingstein et al.), CO₂ emissions per capita",
    "year": 2023,
    "url": "https://ourworldindata.org/grapher/co-emissions-per-capita",
}
#: Average petrol car, per vehicle-km, direct plus well-to-tank: the same figure as the
#: ``travel.car_petrol`` line of a breakdown, so that a drive compares with itself.
PETROL_CAR_KG_PER_KM = Decimal("0.16272") + Decimal("0.04599")
PETROL_CAR_SOURCE = {
    "publisher": "UK DESNZ",
    "document": (
        "Greenhouse gas reporting: conversion factors 2025, Passenger vehicles, average car, petrol, "
        "with its well-to-tank row"
    ),
    "year": 2025,
    "url": "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025",
}


class Comparison(msgspec.Struct, frozen=True):
    """A footprint in terms a person grasps: days of an average person's emissions, km by car."""

    days: dict[str, Decimal]
    petrol_car_km: Decimal


_EXACT = Context(prec=MAX_PREC)


def tenths(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` to 0.1, half up, exactly (both positive, or 0 / d).

    Integer arithmetic instead of a ``Decimal`` division and ``quantize``: the same
    result, with no 28-digit rounding on the way, in under half the time (a result
    page or answer has a share per line and three comparisons).
    """
    count = (20 * numerator + denominator) // (2 * denominator)
    return Decimal(count).scaleb(-1, _EXACT)


def _ratio(value: Fraction) -> tuple[int, int]:
    return value.numerator, value.denominator


#: Days of a person's emissions per gram, 365 / (t CO2 a year x 10^6), as an exact fraction, per region.
_DAYS_PER_GRAM = tuple((p.key, _ratio(Fraction(365) / (Fraction(p.tonnes_per_year) * 1_000_000))) for p in PER_CAPITA)
#: km in an average petrol car per gram, 1 / (kg per km x 1000).
_KM_PER_GRAM = _ratio(Fraction(1) / (Fraction(PETROL_CAR_KG_PER_KM) * 1000))


def compare(grams: int) -> Comparison:
    """``days = grams / (annual grams / 365)`` and ``km = grams / g per km``, exact, to 0.1."""
    days = {key: tenths(grams * numerator, denominator) for key, (numerator, denominator) in _DAYS_PER_GRAM}
    numerator, denominator = _KM_PER_GRAM
    return Comparison(days=days, petrol_car_km=tenths(grams * numerator, denominator))


class LineView(msgspec.Struct, frozen=True):
    key: str
    label: Mapping[str, str]
    detail: Mapping[str, str] | None
    quantity: Decimal
    per: str
    factor: str
    factor_value: Decimal | None
    factor_unit: str | None
    grams: int
    share: Decimal
    source: int | None
    warning: dict[str, str] | None = None


class Cited(msgspec.Struct, frozen=True):
    """Sources that read as one line on a page (the same publisher, document and year): one
    entry of the page's numbered list, with each row its lines were read in."""

    source: Source
    tables: tuple[str, ...]


def cite(sources: list[Source]) -> tuple[list[Cited], list[int]]:
    """The page's numbered sources, and for each of ``sources`` the number it has there."""
    found: list[Cited] = []
    position: dict[tuple[object, ...], int] = {}
    numbers: list[int] = []
    for source in sources:
        key = (source.publisher, source.document, source.year, source.url, source.estimate)
        at = position.get(key)
        if at is None:
            at = position[key] = len(found)
            found.append(Cited(source, (source.table,) if source.table else ()))
        elif source.table and source.table not in found[at].tables:
            found[at] = Cited(found[at].source, (*found[at].tables, source.table))
        numbers.append(at)
    return found, numbers


class EstimateView(msgspec.Struct, frozen=True):
    """A stored estimate ready to show: lines with their factors, numbered sources, comparison.

    ``sources`` is one entry per source a factor names (the API's list); ``cited`` is the
    page's list, where rows of one document share a line, and ``cited_as[i]`` the number
    ``sources[i]`` has in it."""

    estimate: Estimate | EstimateRecord
    entry_code: str | None
    lines: list[LineView]
    sources: list[Source]
    comparison: Comparison
    factors_known: bool = False
    cited: list[Cited] = msgspec.field(default_factory=list)
    cited_as: list[int] = msgspec.field(default_factory=list)

    @property
    def total_grams(self) -> int:
        return self.estimate.total_grams

    @property
    def warnings(self) -> list[dict[str, str]]:
        """The lines' warnings (an answer counted as entered but unlikely), in line order."""
        return [line.warning for line in self.lines if line.warning]


def present(
    estimate: Estimate | EstimateRecord,
    entry_code: str | None,
    factor_set: FactorSet | None,
    breakdown: Sequence[BreakdownLine] | None = None,
) -> EstimateView:
    """Build the view from the stored breakdown alone; the factor set only adds values and sources.

    ``breakdown`` is the stored breakdown already parsed (a submission has its lines at hand).
    The view shares the lines' texts and the factor set's sources: it is read, never changed.
    """
    lines: list[LineView] = []
    sources: list[Source] = []
    source_index: dict[Source, int] = {}
    total = estimate.total_grams
    if breakdown is not None:
        parsed = breakdown
    elif isinstance(estimate, EstimateRecord):
        parsed = estimate.breakdown
    else:
        parsed = [BreakdownLine.from_dict(data) for data in estimate.breakdown]
    known = factor_set.factors if factor_set is not None else {}
    for line in parsed:
        factor = known.get(line.factor)
        index = None
        if factor is not None:
            index = source_index.get(factor.source)
            if index is None:
                index = source_index[factor.source] = len(sources)
                sources.append(factor.source)
        lines.append(
            LineView(
                key=line.key,
                label=line.label,
                detail=line.detail or None,
                quantity=line.quantity,
                per=line.per,
                factor=line.factor,
                factor_value=factor.value if factor is not None else None,
                factor_unit=factor.unit if factor is not None else None,
                grams=line.grams,
                share=tenths(line.grams * 100, total) if total else Decimal(0),
                source=index,
                warning=dict(line.warning) if line.warning else None,
            )
        )
    cited, cited_as = cite(sources)
    return EstimateView(
        estimate=estimate,
        entry_code=entry_code,
        lines=lines,
        sources=sources,
        comparison=compare(total),
        factors_known=factor_set is not None,
        cited=cited,
        cited_as=cited_as,
    )
