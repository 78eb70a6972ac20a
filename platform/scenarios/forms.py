"""The form model plugins declare, and its server-side validation.

A form is a tuple of typed fields. ``Form.validate`` turns the raw strings a browser or
an API client sent into typed values (``Decimal`` for numbers, ``int`` for counts,
``City`` for cities) or raises ``FormErrors`` with one message per bad field, in both
languages. Nothing is stored by the caller until validation passed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from neutralpoint.numbers import DecimalCommaError, parse_decimal
from neutralpoint.refusals import FieldError, FieldValidationError, FormErrors
from neutralpoint.scenarios.i18n import Text, language_problems, text_for

FieldKind = Literal["number", "integer", "choice", "city", "boolean", "text"]
MAX_RAW_LENGTH = 200


@dataclass(frozen=True)
class Choice:
    """One option of a choice field: ``value`` is posted and stored, ``label`` is what the visitor reads."""

    value: str
    label: Text


@dataclass(frozen=True)
class Field:
    """One input of a scenario form.

    ``unit`` names what a number counts (``km``, ``nights``, ``kWh``), and ``minimum`` /
    ``maximum`` bound it: a maximum is what turns "a million nights" into an error.
    ``essential=False`` folds the field among its section's details: the page shows the
    essential fields first, on the visitor's first screen, and the details closed below
    them (opened when one of them has an error). Only a field the visitor may leave as it
    is can be a detail: not a required one without a default.
    """

    name: str
    kind: FieldKind
    label: Text
    help: Text | None = None
    unit: Text | None = None
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    decimals: int = 0
    default: Any = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    max_length: int = 80
    section: Text | None = None
    #: False for a field that is not required on its own but is needed unless another is
    #: answered (a journey's city or its distance): the page then does not call it optional.
    marked_optional: bool = True
    essential: bool = True

    def choice(self, value: str) -> Choice | None:
        return self._choices_by_value.get(value)

    @functools.cached_property
    def _choices_by_value(self) -> dict[str, Choice]:
        found: dict[str, Choice] = {}
        for c in self.choices:
            found.setdefault(c.value, c)
        return found

    @functools.cached_property
    def _bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """``minimum`` and ``maximum`` as decimals, read once rather than per value."""
        return (
            Decimal(self.minimum) if self.minimum is not None else None,
            Decimal(self.maximum) if self.maximum is not None else None,
        )

    def unit_text(self, lang: str) -> str:
        return text_for(self.unit, lang)

    def problems(self) -> list[str]:
        """Contract problems with the definition itself (not with a visitor's input)."""
        found: list[str] = []
        if not self.name.isidentifier():
            found.append(f"field name {self.name!r} is not an identifier")
        for what, value in (("label", self.label), ("help", self.help), ("unit", self.unit), ("section", self.section)):
            if value is None and what != "label":
                continue
            found += language_problems(f"field {self.name!r}: {what}", value)
        if self.kind == "choice":
            if not self.choices:
                found.append(f"choice field {self.name!r} has no choices")
            for choice in self.choices:
                found += language_problems(f"field {self.name!r}: choice {choice.value!r}", choice.label)
            if len({c.value for c in self.choices}) != len(self.choices):
                found.append(f"choice field {self.name!r} repeats a value")
        if self.kind in ("number", "integer"):
            if self.maximum is None:
                found.append(f"number field {self.name!r} has no maximum")
            if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
                found.append(f"number field {self.name!r}: minimum above maximum")
            if self.minimum is not None and Decimal(self.minimum) < 0:
                found.append(f"number field {self.name!r} allows negative values")
        if not self.essential and self.required and self.default is None and self.kind != "boolean":
            found.append(f"field {self.name!r} is required without a default, so it cannot be folded (essential=False)")
        if self.default is not None:
            try:
                self.parse(self.default if isinstance(self.default, str) else _raw(self.default))
            except FieldValidationError as exc:
                found.append(f"field {self.name!r}: default is invalid ({exc.error.message('en')})")
        return found

    def parse(self, raw: Any) -> Any:
        """Turn one raw value into its typed value or raise ``FieldValidationError``."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if self.kind == "boolean":
                return False
            if self.required:
                raise FieldValidationError(FieldError("required"))
            return self.default
        if isinstance(raw, str) and len(raw) > max(self.max_length, MAX_RAW_LENGTH if self.kind != "text" else 0):
            raise FieldValidationError(FieldError("too_long", {"max_length": self.max_length}))
        if self.kind in ("number", "integer"):
            return self._parse_number(raw)
        if self.kind == "choice":
            value = str(raw)
            if self.choice(value) is None:
                raise FieldValidationError(FieldError("unknown_choice"))
            return value
        if self.kind == "boolean":
            if isinstance(raw, bool):
                return raw
            lowered = str(raw).strip().lower()
            if lowered in ("1", "true", "on", "yes"):
                return True
            if lowered in ("0", "false", "off", "no"):
                return False
            raise FieldValidationError(FieldError("not_a_boolean"))
        if self.kind == "city":
            if isinstance(raw, Mapping) and "city_id" in raw:
                return self._city_by_id(raw["city_id"])
            return self._parse_city(str(raw))
        value = str(raw).strip()
        if len(value) > self.max_length:
            raise FieldValidationError(FieldError("too_long", {"max_length": self.max_length}))
        return value

    def _parse_number(self, raw: Any) -> Decimal | int:
        if isinstance(raw, bool):
            raise FieldValidationError(FieldError("not_a_number", {"unit": self._unit_or_blank()}))
        if type(raw) is int:  # a JSON integer: nothing to read, nothing to round
            number = Decimal(raw)
        else:
            try:
                parsed: Decimal | None = parse_decimal(str(raw))
            except DecimalCommaError:
                # A count has no decimals at all: telling it to use a point would mislead.
                code = "not_an_integer" if self.kind == "integer" else "decimal_comma"
                raise FieldValidationError(FieldError(code)) from None
            except ValueError:
                parsed = None
            if parsed is None:
                code = "not_an_integer" if self.kind == "integer" else "not_a_number"
                raise FieldValidationError(FieldError(code, {"unit": self._unit_or_blank()}))
            number = parsed
            if self.kind == "integer" and number != number.to_integral_value():
                raise FieldValidationError(FieldError("not_an_integer"))
        minimum, maximum = self._bounds
        if minimum is not None and number < minimum:
            too_small = {"min": self.minimum, "unit": self._unit_after(minimum)}
            raise FieldValidationError(FieldError("too_small", too_small))
        if maximum is not None and number > maximum:
            too_large = {"max": self.maximum, "unit": self._unit_after(maximum)}
            raise FieldValidationError(FieldError("too_large", too_large))
        if self.kind == "integer":
            return int(number)
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimals:
            raise FieldValidationError(FieldError("too_many_decimals", {"decimals": self.decimals}))
        return number

    def _unit_or_blank(self) -> Text:
        return self.unit or {"en": "", "zh-Hans": ""}

    def _unit_after(self, bound: Decimal) -> Text:
        """The unit as it reads after ``bound``: units are plurals ("people", "nights"), so
        English drops it after 1 ("at least 1", not "at least 1 people")."""
        unit = self._unit_or_blank()
        return {**unit, "en": ""} if bound == 1 else unit

    def _city_by_id(self, city_id: Any) -> Any:
        from neutralpoint.scenarios.geography import load_cities

        city = load_cities().by_id(int(city_id)) if str(city_id).isdigit() else None
        if city is None:
            raise FieldValidationError(FieldError("unknown_city", {"value": city_id, "suggestions": ""}))
        return city

    def _parse_city(self, raw: str) -> Any:
        from neutralpoint.scenarios.geography import UnknownCityError, load_cities

        value = raw.strip()
        if len(value) > self.max_length:
            raise FieldValidationError(FieldError("too_long", {"max_length": self.max_length}))
        city = load_cities().find(value)
        if city is None:
            suggestions = load_cities().search(value, limit=3)
            hint_en = (" Did you mean " + ", ".join(c.label("en") for c in suggestions) + "?") if suggestions else ""
            hint_zh = (
                ("您是否要找：" + "、".join(c.label("zh-Hans") for c in suggestions) + "？") if suggestions else ""
            )
            raise FieldValidationError(
                FieldError("unknown_city", {"value": value, "suggestions": {"en": hint_en, "zh-Hans": hint_zh}})
            ) from UnknownCityError(value)
        return city


def _raw(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Form:
    """An ordered set of fields; validation is all-or-nothing."""

    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def with_presets(self, presets: Mapping[str, Any]) -> Form:
        """Drop the fields an entry point answers in advance (e.g. a hotel's country)."""
        return Form(tuple(f for f in self.fields if f.name not in presets))

    def problems(self) -> list[str]:
        found: list[str] = []
        names = [f.name for f in self.fields]
        if not names:
            found.append("form has no fields")
        if len(set(names)) != len(names):
            found.append("form repeats a field name")
        for f in self.fields:
            found.extend(f.problems())
        return found

    def defaults(self) -> dict[str, Any]:
        """Each field's default, for the fields that have one."""
        return {f.name: f.default for f in self.fields if f.default is not None}

    def validate(
        self, raw: Mapping[str, Any], presets: Mapping[str, Any] | None = None, *, strict: bool = False
    ) -> dict[str, Any]:
        """Typed inputs for every field, or ``FormErrors`` naming each bad field.

        ``presets`` (set by a venue on an entry point) win over what the visitor sent.
        With ``strict`` (the JSON API), unknown keys are errors too.
        """
        presets = presets or {}
        errors: dict[str, FieldError] = {}
        values: dict[str, Any] = {}
        for f in self.fields:
            source = presets if f.name in presets else raw
            if f.kind != "boolean" and not f.required and source.get(f.name) is None:
                values[f.name] = f.default  # what ``parse`` gives an optional field left out
                continue
            try:
                if strict and f.kind == "boolean" and f.name not in source:
                    # A JSON client that leaves a yes/no out means "the default";
                    # only an HTML checkbox says "no" by its absence.
                    values[f.name] = bool(f.default)
                    continue
                values[f.name] = f.parse(source.get(f.name))
            except FieldValidationError as exc:
                errors[f.name] = exc.error
        if strict:
            for name in raw:
                if name not in self.names and name not in presets:
                    errors[name] = FieldError("unknown_field")
        if errors:
            raise FormErrors(errors)
        return values


_PLAIN_JSON = frozenset({str, int, bool, float})


def serialize_inputs(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe copy of validated inputs (Decimals as strings, cities by id and name)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or type(value) in _PLAIN_JSON:
            out[name] = value
        elif isinstance(value, Decimal):
            out[name] = str(value)
        elif hasattr(value, "name_en") and hasattr(value, "id"):
            out[name] = {"city_id": value.id, "name": value.name_en, "name_zh": value.name_zh}
        else:
            out[name] = value
    return out


def raw_from_serialized(values: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of ``serialize_inputs``: cities stay as ``{"city_id": …}`` and resolve by id."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        out[name] = value
    return out


__all__ = [
    "Choice",
    "Field",
    "Form",
    "raw_from_serialized",
    "serialize_inputs",
]
