"""The conformance kit passes a good plugin and names the problem of each broken one."""

from __future__ import annotations

import importlib.metadata
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from decimal import Decimal
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import cast

import conformance_samples as samples
import pytest

from neutralpoint.plugin_api import CalculationContext, FormErrors, total_grams
from neutralpoint.scenarios import manager as manager_module
from neutralpoint.scenarios.geography import load_cities
from neutralpoint.scenarios.manager import ENTRY_POINT_GROUP, ScenarioRegistry
from neutralpoint.testing import (
    VENUE_LOCATION,
    ConformanceError,
    assert_conformant,
    check_plugin,
    compute,
    load_plugin,
)


@pytest.fixture(autouse=True)
def _quiet_registry(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="neutralpoint.plugins")


GOOD_SAMPLES = [
    {"tea_kg": "0.25", "cups": "3", "cup_kind": "paper"},
    {"tea_kg": "4.5", "cups": "12", "cup_kind": "porcelain", "origin": "成都", "note": "jasmine"},
]


def _entry_points_of(found: object) -> list[EntryPoint]:
    """``entry_points(group=...)`` answers ``EntryPoints``; typed loosely in the stubs."""
    return list(cast("Iterable[EntryPoint]", found))


def test_good_plugin_is_conformant() -> None:
    assert check_plugin(samples.GoodPlugin()) == []
    assert check_plugin(samples.GoodPlugin(), samples=GOOD_SAMPLES) == []
    assert_conformant(samples.GoodPlugin(), samples={samples.SCENARIO: GOOD_SAMPLES})


@pytest.mark.parametrize(
    ("plugin", "expected"),
    [
        (samples.MissingChineseLabel, "field 'tea_kg': label lacks zh-Hans"),
        (
            samples.FactorWithoutSource,
            "factor 'tea_kg' has no source: give it source=Source(publisher=..., document=..., year=...)",
        ),
        (samples.FactorWithIncompleteSource, "factor 'tea_kg' has no complete source (publisher, document, year)"),
        (
            samples.WrongLanguageKey,
            "field 'tea_kg': label has an unknown language key 'zh-CN' (did you mean zh-Hans?)",
        ),
        (samples.UnknownUnit, "factor 'cup': per 'pot' is not a unit the pages can translate"),
        (samples.UnknownUnit, "breakdown line 'pot': per 'pot' is not a unit the pages can translate"),
        (samples.WarningInEnglishOnly, "breakdown line 'tea': warning lacks zh-Hans"),
        (samples.NegativeGrams, "line 'tea' is negative"),
        (samples.RandomGrams, "not deterministic"),
        (samples.NotMonotonic, "not monotonic: total falls from 20000 g to 15000 g when tea_kg rises from 1 to 2"),
        (samples.NumberWithoutMaximum, "number field 'tea_kg' has no maximum"),
        (samples.NegativeAllowed, "negative value '-1' for 'tea_kg' was accepted; it must be refused"),
        (
            samples.MisspelledHook,
            "neutralpoint_travel_distances matches no hook specification; did you mean neutralpoint_travel_distance?",
        ),
        (samples.UnmarkedHook, "neutralpoint_scenarios lacks the @hookimpl marker"),
        (
            samples.FormerHooks,
            "neutralpoint_scenario_form is no longer a hook: give the Scenario returned by neutralpoint_scenarios "
            "form= instead",
        ),
        (samples.ChangingFactorSet, "factor-set versions ['2025.1'] changed between calls"),
        (samples.OldVersionBreaks, "factor set 2024.1: calculation failed: KeyError: 'cup'"),
        (samples.ChoiceWithoutFactor, "choosing cup_kind='porcelain' fails: KeyError: 'dishwasher'"),
        (samples.NoScenarios, "declares no scenarios"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "problem",
)
def test_broken_plugin_is_named_with_its_problem(plugin: type, expected: str) -> None:
    problems = check_plugin(plugin())
    assert any(expected in p for p in problems), problems
    with pytest.raises(ConformanceError) as excinfo:
        assert_conformant(plugin())
    assert expected in str(excinfo.value)
    assert len(excinfo.value.problems) == len(problems)


def test_random_calculation_is_caught_on_the_first_sample() -> None:
    problems = check_plugin(samples.RandomGrams(), samples=GOOD_SAMPLES[:1])
    assert any("factor set 2025.1: not deterministic" in p for p in problems), problems


def test_misspelled_hook_also_keeps_the_registry_from_loading_it() -> None:
    _, status = load_plugin(samples.MisspelledHook())
    assert not status.loaded
    assert status.reason == "hook implementation without a spec: neutralpoint_travel_distances"


def test_a_former_hook_is_refused_with_its_replacement() -> None:
    _, status = load_plugin(samples.FormerHooks())
    assert not status.loaded
    assert status.reason == "hook implementation without a spec: neutralpoint_scenario_form (now the Scenario's form=)"


def test_one_problem_is_one_problem() -> None:
    with pytest.raises(ConformanceError) as excinfo:
        assert_conformant(samples.NoScenarios())
    assert excinfo.value.problems == ["plugin NoScenarios declares no scenarios (neutralpoint_scenarios returned none)"]
    assert "is not conformant (1 problem):" in str(excinfo.value)
    with pytest.raises(ConformanceError, match=r"is not conformant \(3 problems\):"):
        assert_conformant(samples.UnknownUnit())


def test_invalid_sample_is_reported_with_the_field() -> None:
    problems = check_plugin(samples.GoodPlugin(), samples=[{"tea_kg": "9", "cups": "1"}])
    assert any(p.startswith("tea_house: sample 0 does not validate: tea_kg: Must be at most 5") for p in problems)


def test_bad_input_for_every_kind_of_field_is_refused_in_both_languages() -> None:
    registry, _ = load_plugin(samples.GoodPlugin())
    form = registry.scenarios[samples.SCENARIO].form

    cases = {
        "tea_kg": ["", "-1", "6", "abc", "3 miles", "NaN", "1" * 300],
        "cups": ["2.5", "51", "-3"],
        "cup_kind": ["teapot"],
        "origin": ["Atlantis-xyz", "x" * 300],
        "note": ["x" * 41],
    }
    for name, values in cases.items():
        for value in values:
            raw = {**GOOD_SAMPLES[0], name: value}
            with pytest.raises(FormErrors) as excinfo:
                form.validate(raw)
            message = excinfo.value.as_dict()[name]["message"]
            assert message["en"], (name, value)
            assert message["zh-Hans"], (name, value)
            assert message["en"] != message["zh-Hans"], (name, value)


def test_dividing_fields_may_lower_the_total_but_never_raise_it() -> None:
    problems = check_plugin(samples.SharedPot())
    assert any("not monotonic" in p and "when people rises from 1 to 2" in p for p in problems), problems
    assert check_plugin(samples.SharedPot(), dividing_fields=["people"]) == []
    rising = check_plugin(samples.SharedPotRising(), dividing_fields=["people"])
    assert any("when people rises from 1 to 2, though it shares the footprint" in p for p in rising), rising


def test_travel_helper_car_is_shared_without_declaring_it() -> None:
    car = {"tea_kg": "1", "travel_mode": "car_petrol", "travel_distance_km": "12.5", "travel_car_occupants": "2"}
    walked = {"tea_kg": "1", "travel_mode": "bicycle_walk"}
    assert check_plugin(samples.WithTravel(), samples=[car, walked]) == []


def test_travel_helper_refusal_of_a_sample_is_reported() -> None:
    no_distance = {"tea_kg": "1", "travel_mode": "car_petrol"}
    problems = check_plugin(samples.WithTravel(), samples=[no_distance])
    assert problems == [
        "tea_house: sample 0 is refused by the calculation: travel_distance_km: "
        "Type your city, or the distance if you know it."
    ]


def test_cross_field_refusal_must_name_a_field_of_the_form() -> None:
    fits = {"tea_kg": "0.3", "cups": "20"}  # 20 cups fit; 21 to 50 (the maximum) do not
    assert check_plugin(samples.CrossFieldRule(), samples=[fits]) == []
    too_many = {"tea_kg": "0.1", "cups": "20"}
    assert check_plugin(samples.CrossFieldRule(), samples=[too_many]) == [
        "tea_house: sample 0 is refused by the calculation: cups: More cups than a pot of that size pours."
    ]
    problems = check_plugin(samples.CrossFieldRuleOnUnknownField(), samples=[fits])
    assert "tea_house: the calculation refused field 'cup_count', which the form does not have" in problems


def test_a_refusal_needs_its_text_in_both_languages() -> None:
    fits = {"tea_kg": "0.3", "cups": "20"}
    english_only = check_plugin(samples.CrossFieldRuleInEnglishOnly(), samples=[fits])
    assert "tea_house: the calculation's refusal of 'cups' lacks zh-Hans" in english_only
    wrong_key = check_plugin(samples.CrossFieldRuleInTheWrongLanguage(), samples=[fits])
    assert "tea_house: the calculation's refusal of 'cups' lacks zh-Hans" in wrong_key
    assert (
        "tea_house: the calculation's refusal of 'cups' has an unknown language key 'zh' (did you mean zh-Hans?)"
        in wrong_key
    )


def test_module_that_does_not_import_is_reported() -> None:
    problems = check_plugin("nonexistent_module_xyz")
    assert problems == [
        "plugin nonexistent_module_xyz did not load: import failed: "
        "ModuleNotFoundError: No module named 'nonexistent_module_xyz'"
    ]


def test_registry_discovery_skips_an_entry_point_that_fails_to_import(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "raising_plugin_xyz.py").write_text("raise RuntimeError('broken on purpose')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    real_entry_points = importlib.metadata.entry_points

    def entry_points(**params: str) -> list[EntryPoint]:
        found = list(_entry_points_of(real_entry_points(**params)))
        if params.get("group") == ENTRY_POINT_GROUP:
            found += [
                EntryPoint(name="missing_xyz", value="nonexistent_module_xyz", group=ENTRY_POINT_GROUP),
                EntryPoint(name="raising_xyz", value="raising_plugin_xyz", group=ENTRY_POINT_GROUP),
            ]
        return found

    monkeypatch.setattr(manager_module.importlib.metadata, "entry_points", entry_points)
    registry = ScenarioRegistry.discover()
    by_name = {status.name: status for status in registry.statuses}
    assert not by_name["missing_xyz"].loaded
    assert by_name["missing_xyz"].reason.startswith("import failed: ModuleNotFoundError")
    assert not by_name["raising_xyz"].loaded
    assert by_name["raising_xyz"].reason == "import failed: RuntimeError: broken on purpose"
    real_names = {ep.name for ep in real_entry_points(group=ENTRY_POINT_GROUP)}
    assert real_names <= set(by_name)
    assert all(by_name[name].loaded for name in real_names), [by_name[n].as_dict() for n in real_names]


def test_compute_uses_the_version_asked_for() -> None:
    raw = {"tea_kg": "0.2", "cups": "10", "cup_kind": "paper"}
    # tea: 0.2 kg × 5.0 kg/kg = 1.0 kg = 1000 g; cups: 10 × 0.011 kg = 110 g (2024.1), 10 × 0.012 kg = 120 g (2025.1)
    assert total_grams(compute(samples.GoodPlugin(), samples.SCENARIO, raw, version="2024.1")) == 1110
    assert total_grams(compute(samples.GoodPlugin(), samples.SCENARIO, raw)) == 1120
    with pytest.raises(AssertionError, match=r"no factor-set version '1999\.1'"):
        compute(samples.GoodPlugin(), samples.SCENARIO, raw, version="1999.1")


def test_context_fixture_puts_the_venue_in_chengdu(neutralpoint_context: CalculationContext) -> None:
    assert neutralpoint_context.venue_location == VENUE_LOCATION
    beijing = load_cities().find("Beijing")
    assert beijing is not None
    distance = neutralpoint_context.travel_distance(beijing, "air")
    assert Decimal(1400) < distance.great_circle_km < Decimal(1600)


GOOD_MODULE = """
from decimal import Decimal
from neutralpoint.plugin_api import BreakdownLine, Factor, FactorSet, Field, Form, Scenario, Source, hookimpl

NAME = {"en": "Bakery", "zh-Hans": "面包店"}
SOURCE = Source("Poore & Nemecek via Our World in Data", "GHG per kg of food", 2018, "Wheat & rye")
FIELD = Field("bread_kg", "number", {"en": "Bread", "zh-Hans": "面包"}, unit={"en": "kg", "zh-Hans": "千克"},
              minimum=0, maximum=20, decimals=2, default=0, required=False)
FACTOR = Factor("bread", Decimal("1.57"), "kg", {"en": "Bread", "zh-Hans": "面包"}, SOURCE)

def bread_lines(inputs, factors, context):
    f = factors["bread"]
    return [BreakdownLine("bread", f.label, inputs["bread_kg"], "kg", f.key, f.grams(inputs["bread_kg"]) + {SKEW})]

@hookimpl
def neutralpoint_scenarios():
    return [Scenario(id="bakery", name=NAME, description=NAME, form=Form((FIELD,)),
                     factor_sets=[FactorSet.of("bakery", "2025.1", [FACTOR])], calculate=bread_lines)]
"""


def _run_pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_pytest_option_generates_a_passing_test_for_a_good_module(tmp_path: Path) -> None:
    (tmp_path / "bakery_plugin_ok.py").write_text(textwrap.dedent(GOOD_MODULE).replace("{SKEW}", "0"))
    result = _run_pytest(tmp_path, "--neutralpoint-plugin=bakery_plugin_ok")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_pytest_option_fails_with_the_problems_of_a_broken_module(tmp_path: Path) -> None:
    # More than 10 kg of bread is given a 30 kg discount: 20 kg × 1.57 = 31 400 g − 30 000 g = 1 400 g.
    skewed = textwrap.dedent(GOOD_MODULE).replace("{SKEW}", "(-30000 if inputs['bread_kg'] > 10 else 0)")
    (tmp_path / "bakery_plugin_bad.py").write_text(skewed)
    result = _run_pytest(tmp_path, "--neutralpoint-plugin=bakery_plugin_bad", "--neutralpoint-plugin=nonexistent_xyz")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 failed" in result.stdout
    assert "not monotonic: total falls from 1570 g to 1400 g when bread_kg rises from 1 to 20" in result.stdout
    assert "import failed: ModuleNotFoundError: No module named 'nonexistent_xyz'" in result.stdout
