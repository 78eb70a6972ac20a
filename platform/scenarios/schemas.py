"""JSON shapes of the calculator API (``/api/v1``), documented in the OpenAPI schema.

Exact numbers stay exact on the wire: factor values, quantities and comparisons are
decimal strings, emissions are integer grams CO2e.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import msgspec

from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.forms import Field, Form
from neutralpoint.scenarios.i18n import text_for
from neutralpoint.scenarios.manager import LoadedScenario

FieldKindOut = Literal["number", "integer", "choice", "city", "boolean", "text"]


class LocalizedText(msgspec.Struct):
    """The same text in every language the platform speaks."""

    en: str
    zh_hans: str = msgspec.field(name="zh-Hans")

    @classmethod
    def of(cls, text: Mapping[str, str] | None) -> LocalizedText | None:
        if not text:
            return None
        return cls.required(text)

    @classmethod
    def required(cls, text: Mapping[str, str]) -> LocalizedText:
        en, zh_hans = text.get("en"), text.get("zh-Hans")
        if en and zh_hans:  # every plugin label (checked when the plugin loads)
            return cls(en, zh_hans)
        return cls(en=text_for(text, "en"), zh_hans=text_for(text, "zh-Hans"))


class ChoiceOut(msgspec.Struct):
    value: str
    label: LocalizedText


class FieldOut(msgspec.Struct):
    """One form field. ``minimum``/``maximum`` are decimal strings; ``decimals`` bounds precision.

    ``essential`` false marks a detail: the visitor's page folds it below the essential fields.
    """

    name: str
    kind: FieldKindOut
    label: LocalizedText
    required: bool
    help: LocalizedText | None = None
    unit: LocalizedText | None = None
    minimum: str | None = None
    maximum: str | None = None
    decimals: int = 0
    default: str | int | bool | None = None
    choices: list[ChoiceOut] = msgspec.field(default_factory=list)
    max_length: int | None = None
    section: LocalizedText | None = None
    essential: bool = True

    @classmethod
    def of(cls, f: Field) -> FieldOut:
        default = f.default
        if isinstance(default, Decimal) or (default is not None and not isinstance(default, str | int | bool)):
            default = str(default)
        return cls(
            name=f.name,
            kind=f.kind,
            label=LocalizedText.required(f.label),
            required=f.required and f.kind != "boolean",
            help=LocalizedText.of(f.help),
            unit=LocalizedText.of(f.unit),
            minimum=str(f.minimum) if f.minimum is not None else None,
            maximum=str(f.maximum) if f.maximum is not None else None,
            decimals=f.decimals if f.kind == "number" else 0,
            default=default,
            choices=[ChoiceOut(c.value, LocalizedText.required(c.label)) for c in f.choices],
            max_length=f.max_length if f.kind in ("text", "city") else None,
            section=LocalizedText.of(f.section),
            essential=f.essential,
        )


class FormOut(msgspec.Struct):
    fields: list[FieldOut]

    @classmethod
    def of(cls, form: Form) -> FormOut:
        return cls(fields=[FieldOut.of(f) for f in form.fields])


class SourceOut(msgspec.Struct, frozen=True):
    """Where a factor was read. ``short_publisher`` and ``short_title`` are how the pages name
    it on one line in each language (the full ``publisher`` and ``document`` where the
    factor set has no shorter form); ``citation`` is the whole reference, row included."""

    publisher: str
    document: str
    year: int
    table: str
    url: str | None
    estimate: bool
    citation: str
    short_publisher: LocalizedText | None = None
    short_title: LocalizedText | None = None

    @staticmethod
    def of_source(source: Source) -> SourceOut:
        """A factor's source as the API shows it (built once per source: answers repeat them)."""
        return _source_out(source)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> SourceOut:
        return _source_out(Source.from_dict(data))


def _short(source: Source) -> tuple[LocalizedText, LocalizedText]:
    en, zh_hans = source.line("en"), source.line("zh-Hans")
    return LocalizedText(en[0], zh_hans[0]), LocalizedText(en[1], zh_hans[1])


@functools.lru_cache(maxsize=4096)
def _source_out(source: Source) -> SourceOut:
    publisher, title = _short(source)
    return SourceOut(
        source.publisher,
        source.document,
        source.year,
        source.table,
        source.url,
        source.estimate,
        source.citation(),
        publisher,
        title,
    )


class FactorOut(msgspec.Struct):
    """kg CO2e per ``per``; ``value`` is a decimal string."""

    key: str
    value: str
    unit: str
    per: str
    label: LocalizedText
    source: SourceOut
    note: str

    @classmethod
    def of(cls, factor: Factor) -> FactorOut:
        return cls(
            key=factor.key,
            value=str(factor.value),
            unit=factor.unit,
            per=factor.per,
            label=LocalizedText.required(factor.label),
            source=SourceOut.of_source(factor.source),
            note=factor.note,
        )


class FactorSetOut(msgspec.Struct):
    scenario: str
    version: str
    fingerprint: str
    factors: list[FactorOut]

    @classmethod
    def of(cls, factor_set: FactorSet) -> FactorSetOut:
        return cls(
            scenario=factor_set.scenario,
            version=factor_set.version,
            fingerprint=factor_set.fingerprint,
            factors=[FactorOut.of(f) for f in factor_set.factors.values()],
        )


class ScenarioOut(msgspec.Struct):
    """A loaded scenario with its visitor form and the version of its current factor set."""

    id: str
    name: LocalizedText
    description: LocalizedText
    icon: str
    order: int
    factor_set_version: str
    form: FormOut

    @classmethod
    def of(cls, scenario: LoadedScenario) -> ScenarioOut:
        return cls(
            id=scenario.id,
            name=LocalizedText.required(scenario.info.name),
            description=LocalizedText.required(scenario.info.description),
            icon=scenario.info.icon,
            order=scenario.info.order,
            factor_set_version=scenario.factors.version,
            form=FormOut.of(scenario.form),
        )


class ScenarioDetailOut(msgspec.Struct):
    """One scenario with its form and every factor of its current factor set."""

    id: str
    name: LocalizedText
    description: LocalizedText
    icon: str
    order: int
    form: FormOut
    factor_set: FactorSetOut
    factor_set_versions: list[str]

    @classmethod
    def of(cls, scenario: LoadedScenario) -> ScenarioDetailOut:
        return cls(
            id=scenario.id,
            name=LocalizedText.required(scenario.info.name),
            description=LocalizedText.required(scenario.info.description),
            icon=scenario.info.icon,
            order=scenario.info.order,
            form=FormOut.of(scenario.form),
            factor_set=FactorSetOut.of(scenario.factors),
            factor_set_versions=[fs.version for fs in scenario.factor_sets],
        )


class VisitorVenueOut(msgspec.Struct):
    slug: str
    display_name: str
    primary_color: str
    default_language: str
    logo_url: str | None


class EventOut(msgspec.Struct):
    name: str
    starts_on: date | None
    ends_on: date | None


class ScenarioRefOut(msgspec.Struct):
    id: str
    name: LocalizedText
    icon: str


class VisitorEntryPointOut(msgspec.Struct):
    """Public facts about an entry point: whose it is, what it calculates, the form left to fill in."""

    code: str
    name: str
    venue: VisitorVenueOut
    scenario: ScenarioRefOut
    event: EventOut | None
    factor_set_version: str
    preset_fields: list[str]
    form: FormOut


class EstimateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A visitor's answers, keyed by field name (unknown fields are refused).

    Numbers may be JSON numbers or decimal strings; a city is its name or ``{"city_id": …}``.
    """

    inputs: dict[str, Any]
    language: str = "en"
    visitor_id: uuid.UUID | None = None


class LineOut(msgspec.Struct):
    """``quantity`` ``per`` × ``factor_value`` kg CO2e/``per`` = ``grams``; ``source`` indexes ``sources``.

    ``factor_value`` is exact; ``factor_shown`` is the same factor rounded as the pages show
    it (three significant digits, never fewer than its whole digits: 0.9635284 → 0.964).
    """

    key: str
    label: LocalizedText
    detail: LocalizedText | None
    quantity: str
    per: str
    factor: str
    factor_value: str | None
    factor_unit: str | None
    grams: int
    share_percent: str
    source: int | None
    #: An answer counted as entered but unlikely (a 14 km flight), in both languages.
    warning: LocalizedText | None = None
    factor_shown: str | None = None


class PerCapitaOut(msgspec.Struct):
    region: str
    tonnes_co2_per_year: str
    days: str


class ComparisonOut(msgspec.Struct):
    """Days of an average person's fossil CO2 (China, world) and km in an average petrol car."""

    person_days: list[PerCapitaOut]
    per_capita_source: SourceOut
    petrol_car_km: str
    petrol_car_kg_per_km: str
    petrol_car_source: SourceOut


class EstimateOut(msgspec.Struct):
    """A stored footprint. ``visitor_id`` is only returned to the one who created it."""

    id: uuid.UUID
    venue: str
    entry_point: str | None
    scenario: str
    scenario_name: LocalizedText
    total_grams: int
    factor_set_version: str
    factor_fingerprint: str
    breakdown: list[LineOut]
    sources: list[SourceOut]
    comparison: ComparisonOut
    inputs: dict[str, Any]
    language: str
    created_at: datetime
    url: str
    visitor_id: uuid.UUID | None = None
    #: Every line's warning, in line order: answers counted as entered that look unlikely.
    warnings: list[LocalizedText] = msgspec.field(default_factory=list)


class EstimateSummaryOut(msgspec.Struct):
    id: uuid.UUID
    scenario: str
    scenario_name: LocalizedText
    total_grams: int
    factor_set_version: str
    created_at: datetime
    url: str


class VisitorHistoryOut(msgspec.Struct):
    venue: str
    visitor_id: uuid.UUID
    estimates: list[EstimateSummaryOut]
