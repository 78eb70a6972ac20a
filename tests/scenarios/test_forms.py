"""Form validation and the exact figures of a result, without a database or a server."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from neutralpoint.refusals import FieldValidationError, FormErrors
from neutralpoint.scenarios import results
from neutralpoint.scenarios.contract import BreakdownLine
from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.forms import Choice, Field, Form

LABEL = {"en": "x", "zh-Hans": "x"}
NIGHTS = Field("nights", "integer", LABEL, unit={"en": "nights", "zh-Hans": "晚"}, minimum=0, maximum=365)
KM = Field("km", "number", LABEL, minimum=0, maximum=40000, decimals=1)
MODE = Field(
    "mode", "choice", LABEL, choices=(Choice("rail", LABEL), Choice("plane", LABEL)), required=False, default="rail"
)
RETURN = Field("return", "boolean", LABEL, default=True)
NOTE = Field("note", "text", LABEL, required=False, max_length=10)
FORM = Form((NIGHTS, KM, MODE, RETURN, NOTE))


def error_code(f: Field, raw: object) -> str:
    with pytest.raises(FieldValidationError) as caught:
        f.parse(raw)
    return caught.value.error.code


@pytest.mark.parametrize("raw", [0, 3, 365, "3", " 3 ", "１２", Decimal("12"), Decimal("12.0")])
def test_an_integer_from_json_reads_as_the_same_value_from_text(raw: object) -> None:
    assert NIGHTS.parse(raw) == int(Decimal(str(raw).strip()))
    assert type(NIGHTS.parse(raw)) is int


@pytest.mark.parametrize(("raw", "expected"), [("1,500", Decimal(1500)), ("12,000.5", Decimal("12000.5"))])
def test_a_comma_in_full_thousands_groups_is_a_separator(raw: str, expected: Decimal) -> None:
    assert KM.parse(raw) == expected


@pytest.mark.parametrize("raw", ["1,5", "1,50", "12,0000", ",5", "1,500,5", "1，5"])
def test_a_decimal_comma_is_refused_not_read_as_ten_times_the_value(raw: str) -> None:
    assert error_code(KM, raw) == "decimal_comma"
    assert error_code(NIGHTS, raw) == "not_an_integer"
    with pytest.raises(FieldValidationError) as caught:
        KM.parse(raw)
    assert "1.5" in caught.value.error.message("en")
    assert "1.5" in caught.value.error.message("zh-Hans")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (-1, "too_small"),
        ("-1", "too_small"),
        (366, "too_large"),
        (10**30, "too_large"),
        ("1e2", "not_an_integer"),
        ("2.5", "not_an_integer"),
        (True, "not_a_number"),
        ("three", "not_an_integer"),
        ("NaN", "not_an_integer"),
        ("x" * 500, "too_long"),
    ],
)
def test_a_bad_integer_is_refused_with_its_reason(raw: object, code: str) -> None:
    assert error_code(NIGHTS, raw) == code


def test_the_bounds_keep_their_given_form_in_the_message() -> None:
    with pytest.raises(FieldValidationError) as caught:
        NIGHTS.parse(400)
    assert caught.value.error.params["max"] == 365
    assert "365" in caught.value.error.message("en")


@pytest.mark.parametrize(("raw", "expected"), [(12, Decimal(12)), ("12.5", Decimal("12.5")), (0, Decimal(0))])
def test_a_number_is_an_exact_decimal(raw: object, expected: Decimal) -> None:
    value = KM.parse(raw)
    assert value == expected
    assert isinstance(value, Decimal)
    assert str(value) == str(expected)


@pytest.mark.parametrize(
    ("raw", "code"), [("12.25", "too_many_decimals"), (40001, "too_large"), ("1e3", "not_a_number")]
)
def test_a_bad_number_is_refused_with_its_reason(raw: object, code: str) -> None:
    assert error_code(KM, raw) == code


def test_choices_are_looked_up_by_value() -> None:
    assert MODE.choice("plane") == Choice("plane", LABEL)
    assert MODE.choice("boat") is None
    assert MODE.parse("rail") == "rail"
    assert error_code(MODE, "boat") == "unknown_choice"


def test_of_repeated_choice_values_the_first_wins_and_is_reported() -> None:
    first, second = Choice("a", {"en": "first", "zh-Hans": "一"}), Choice("a", {"en": "second", "zh-Hans": "二"})
    repeated = Field("c", "choice", LABEL, choices=(first, second))
    assert repeated.choice("a") is first
    assert any("repeats" in problem for problem in repeated.problems())


def test_a_left_out_optional_field_takes_its_default_and_a_required_one_is_an_error() -> None:
    values = FORM.validate({"nights": 2, "km": "10"}, strict=True)
    assert values == {"nights": 2, "km": Decimal(10), "mode": "rail", "return": True, "note": None}
    with pytest.raises(FormErrors) as caught:
        FORM.validate({"km": "10", "mode": ""})
    assert set(caught.value.errors) == {"nights"}


def test_an_html_form_leaves_an_unticked_box_out_and_json_leaves_out_the_default() -> None:
    assert FORM.validate({"nights": 1, "km": 1})["return"] is False
    assert FORM.validate({"nights": 1, "km": 1}, strict=True)["return"] is True


def test_presets_win_over_what_the_visitor_sent() -> None:
    values = FORM.validate({"nights": 1, "km": 1, "mode": "rail"}, presets={"mode": "plane"})
    assert values["mode"] == "plane"


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(FormErrors) as caught:
        FORM.validate({"nights": -1, "km": "far", "mode": "boat", "note": "x" * 11, "extra": 1}, strict=True)
    assert set(caught.value.errors) == {"nights", "km", "mode", "note", "extra"}


# --- exact figures ----------------------------------------------------------------------------


def half_up_tenths(value: Fraction) -> Decimal:
    """The reference: an exact fraction rounded half up to 0.1 by ``Decimal``."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def test_tenths_rounds_exactly_half_up() -> None:
    assert str(results.tenths(1, 20)) == "0.1"  # 0.05
    assert str(results.tenths(1, 21)) == "0.0"  # 0.0476...
    assert str(results.tenths(0, 7)) == "0.0"
    assert str(results.tenths(1000, 10)) == "100.0"
    assert str(results.tenths(744, 1000)) == "0.7"
    # Beyond Decimal's 28 digits: 10**27 + 0.05 is a half, and rounds up, exactly.
    assert str(results.tenths(2 * 10**28 + 1, 20)) == "1" + "0" * 26 + "0.1"


def test_tenths_agrees_with_decimal_rounding() -> None:
    rng = random.Random(20261126)
    for _ in range(20000):
        denominator = rng.randrange(1, 10**9)
        numerator = rng.randrange(0, 10**12)
        assert results.tenths(numerator, denominator) == half_up_tenths(Fraction(numerator, denominator))


def test_a_comparison_is_exact() -> None:
    grams = 217_435
    comparison = results.compare(grams)
    assert comparison.days == {
        "china": half_up_tenths(Fraction(grams * 365, 8_400_000)),
        "world": half_up_tenths(Fraction(grams * 365, 4_700_000)),
    }
    assert str(comparison.days["china"]) == "9.4"
    assert str(comparison.days["world"]) == "16.9"
    assert comparison.petrol_car_km == half_up_tenths(Fraction(grams * 1000, 208_710))
    assert str(comparison.petrol_car_km) == "1041.8"
    assert str(results.compare(0).petrol_car_km) == "0.0"


def test_a_view_numbers_each_source_once_and_shares_add_up_to_about_100() -> None:
    shared = Source("DESNZ", "Conversion factors 2025", 2025, "Hotel stay")
    factors = FactorSet.of(
        "test",
        "1",
        [
            Factor("a", Decimal("1.5"), "night", LABEL, shared),
            Factor("b", Decimal("0.2"), "night", LABEL, shared),
            Factor("c", Decimal("3"), "km", LABEL, Source("Other", "Doc", 2024)),
        ],
    )
    lines = [
        BreakdownLine("a", LABEL, Decimal(1), "night", "a", 1500, detail={}),
        BreakdownLine("b", LABEL, Decimal(1), "night", "b", 200),
        BreakdownLine("c", LABEL, Decimal(1), "km", "c", 3000, detail={"en": "d", "zh-Hans": "d"}),
        BreakdownLine("gone", LABEL, Decimal(1), "km", "no.such.factor", 0),
    ]
    record = SimpleNamespace(total_grams=4700, breakdown=[])
    view = results.present(record, "CODE", factors, lines)  # type: ignore[arg-type]
    assert view.sources == [shared, factors.factors["c"].source]
    assert [line.source for line in view.lines] == [0, 0, 1, None]
    assert [str(line.share) for line in view.lines] == ["31.9", "4.3", "63.8", "0.0"]
    assert view.lines[0].detail is None  # an empty detail is no detail
    assert view.lines[0].factor_unit == "kg CO2e / night"
    assert view.lines[3].factor_value is None
    assert str(view.comparison.days["china"]) == str(half_up_tenths(Fraction(4700 * 365, 8_400_000)))


def test_a_view_of_nothing_has_zero_shares() -> None:
    view = results.present(
        SimpleNamespace(total_grams=0, breakdown=[]),  # type: ignore[arg-type]
        None,
        None,
        [BreakdownLine("x", LABEL, Decimal(0), "km", "x", 0)],
    )
    assert [str(line.share) for line in view.lines] == ["0"]
    assert view.sources == []


# --- a breakdown as stored ------------------------------------------------------------------

SOURCE = Source("DESNZ", "Conversion factors 2025", 2025, "Rail", "https://www.gov.uk/", estimate=True)

LINES = [
    BreakdownLine("travel", {"en": "Travel", "zh-Hans": "交通"}, Decimal("1234.5"), "passenger-km", "rail", 43210),
    BreakdownLine(
        "hotel", {"en": "Hotel", "zh-Hans": "住宿"}, Decimal("2"), "room-night", "hotel", 30000, {"en": "2 nights"}
    ),
]


def test_a_stored_line_reads_as_its_dict() -> None:
    """A breakdown is stored as the lines themselves; the JSON is what ``as_dict`` gives."""
    import msgspec

    for line in LINES:
        assert msgspec.json.encode(line) == msgspec.json.encode(line.as_dict())
        assert BreakdownLine.from_dict(msgspec.json.decode(msgspec.json.encode(line))) == line


def test_a_plugins_mappings_and_numbers_are_stored_as_plain_types() -> None:
    """A plugin may give a label as any Mapping and a quantity as an int: stored as a line of dict and Decimal."""
    from types import MappingProxyType

    import msgspec

    from neutralpoint.scenarios.manager import check_lines

    factors = FactorSet("s", "1", {k: Factor(k, Decimal("0.1"), "unit", LABEL, SOURCE) for k in ("rail", "hotel")})
    odd = BreakdownLine("travel", MappingProxyType({"en": "Travel", "zh-Hans": "交通"}), 3, "km", "rail", 300)  # type: ignore[arg-type]
    checked = check_lines("s", [LINES[1], odd], factors)
    assert checked[0] is LINES[1]
    assert type(checked[1].label) is dict
    assert checked[1].quantity == Decimal(3)
    assert type(checked[1].quantity) is Decimal
    assert msgspec.json.encode(checked) == msgspec.json.encode([line.as_dict() for line in checked])
    assert check_lines("s", LINES, factors) is LINES  # already plain: the same list


def test_equal_sources_hash_alike_and_a_changed_one_differently() -> None:
    from dataclasses import replace

    again = Source(SOURCE.publisher, SOURCE.document, SOURCE.year, SOURCE.table, SOURCE.url, SOURCE.estimate)
    assert again == SOURCE
    assert hash(again) == hash(SOURCE)
    assert {SOURCE: 1}[again] == 1
    changed = replace(SOURCE, year=SOURCE.year + 1)
    assert changed != SOURCE
    assert hash(changed) != hash(SOURCE)


def test_a_bound_of_one_reads_without_a_plural_unit() -> None:
    people = Field("people", "integer", LABEL, unit={"en": "people", "zh-Hans": "人"}, minimum=1, maximum=40)
    with pytest.raises(FieldValidationError) as caught:
        people.parse("0")
    assert caught.value.error.message("en") == "Must be at least 1."
    assert caught.value.error.message("zh-Hans") == "不能小于 1 人。"
    with pytest.raises(FieldValidationError) as caught:
        people.parse("41")
    assert caught.value.error.message("en") == "Must be at most 40 people."


def test_a_number_without_a_unit_reads_cleanly() -> None:
    assert error_code(KM, "many") == "not_a_number"
    with pytest.raises(FieldValidationError) as caught:
        KM.parse("many")
    assert caught.value.error.message("en") == "Enter a number."
    with pytest.raises(FieldValidationError) as caught:
        KM.parse("-1")
    assert (caught.value.error.message("en"), caught.value.error.message("zh-Hans")) == (
        "Must be at least 0.",
        "不能小于 0。",
    )
