"""Checks that a scenario plugin keeps the contract the platform relies on.

The registry already refuses a plugin whose declarations are broken (see
``neutralpoint.scenarios.manager``). These checks go further, because they may take
their time: they run the calculation many times — on samples, with every factor-set
version, with every choice, with quantities pushed up to their maximum — and feed every
field the inputs visitors really type by mistake. A plugin author runs them in their own
test suite (``assert_conformant``) or from the pytest command line
(``--neutralpoint-plugin=module``).
"""

from __future__ import annotations

import datetime
import difflib
import importlib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from types import ModuleType
from typing import Any

from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.scenarios.contract import BreakdownLine, CalculationContext, Scenario, total_grams
from neutralpoint.scenarios.factors import NO_SOURCE, FactorSet, Source
from neutralpoint.scenarios.forms import Field, Form
from neutralpoint.scenarios.i18n import KNOWN_UNITS, LANGUAGES, language_problems
from neutralpoint.scenarios.manager import (
    CORE_PLUGINS,
    FORMER_HOOKS,
    SPEC_NAMES,
    LoadedScenario,
    PluginStatus,
    ScenarioRegistry,
)

#: Where the conformance calculations pretend the venue is: Chengdu, China.
VENUE_LOCATION = (30.6598, 104.0633)
#: A city every city field must accept, and one it must refuse.
VALID_CITY = "Chengdu"
INVALID_CITY = "Atlantis-xyz"
#: Longer than any field accepts.
OVERSIZED_LENGTH = 300
#: How many times the same inputs are computed to show the calculation is deterministic.
REPEATS = 3

Samples = Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Mapping[str, Any]]] | None
PluginLike = ModuleType | object | str


class ConformanceError(AssertionError):
    """A plugin broke the contract; ``problems`` lists every finding, one line each."""

    def __init__(self, plugin: str, problems: Sequence[str]) -> None:
        self.plugin = plugin
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = "1 problem" if len(self.problems) == 1 else f"{len(self.problems)} problems"
        super().__init__(f"scenario plugin {plugin} is not conformant ({count}):\n{lines}")


# --- loading -----------------------------------------------------------------------------


def plugin_name(plugin: PluginLike) -> str:
    if isinstance(plugin, str):
        return plugin
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    return type(plugin).__name__


def conformance_registry() -> ScenarioRegistry:
    """An empty registry with only the core's own hook implementations (distances)."""
    registry = ScenarioRegistry()
    for module_name in CORE_PLUGINS:
        registry.pm.register(importlib.import_module(module_name), name=module_name)
    return registry


def conformance_context(registry: ScenarioRegistry | None = None, **kwargs: Any) -> CalculationContext:
    """The context the checks calculate in: a venue in Chengdu and the core distance helper."""
    registry = registry or conformance_registry()
    kwargs.setdefault("venue_location", VENUE_LOCATION)
    return registry.context(**kwargs)


def load_plugin(plugin: PluginLike, name: str | None = None) -> tuple[ScenarioRegistry, PluginStatus]:
    """Load ``plugin`` (a module, an object or a module path) into a fresh registry.

    Returns the registry and the plugin's status, as ``neutralpoint plugins list`` would
    report it: ``status.loaded`` is false and ``status.reason`` says why when it failed.
    """
    name = name or plugin_name(plugin)
    registry = conformance_registry()
    if isinstance(plugin, str):
        try:
            plugin = importlib.import_module(plugin)
        except Exception as exc:
            status = PluginStatus(name=name, module=name, distribution=None, version=None, loaded=False)
            status.reason = f"import failed: {type(exc).__name__}: {exc}"
            registry.statuses.append(status)
            return registry, status
    return registry, registry.add(name, plugin)


def load_scenario(plugin: PluginLike, scenario_id: str) -> LoadedScenario:
    """The checked scenario ``scenario_id`` of ``plugin``, or ``AssertionError`` saying why not."""
    registry, status = load_plugin(plugin)
    if not status.loaded:
        raise AssertionError(f"plugin {status.name} did not load: {status.reason}")
    scenario = registry.get(scenario_id)
    if scenario is None:
        raise AssertionError(f"plugin {status.name} has no scenario {scenario_id!r} (it has {status.scenarios})")
    return scenario


def compute(
    plugin: PluginLike | LoadedScenario,
    scenario_id: str,
    raw: Mapping[str, Any],
    *,
    version: str | None = None,
    context: CalculationContext | None = None,
) -> list[BreakdownLine]:
    """Validate ``raw`` form input and calculate it, as the platform does for a visitor.

    Uses the newest factor set unless ``version`` names an older one; handy for golden tests.
    """
    scenario = plugin if isinstance(plugin, LoadedScenario) else load_scenario(plugin, scenario_id)
    factors = scenario.factors if version is None else scenario.factor_set(version)
    if factors is None:
        raise AssertionError(f"scenario {scenario_id} has no factor-set version {version!r}")
    inputs = scenario.form.validate(raw)
    return scenario.calculate(inputs, factors, context or conformance_context())


# --- the checks --------------------------------------------------------------------------


def check_plugin(
    plugin: PluginLike,
    *,
    samples: Samples = None,
    organiser_samples: Samples = None,
    dividing_fields: Iterable[str] = (),
    name: str | None = None,
) -> list[str]:
    """Every way ``plugin`` breaks the scenario-plugin contract; an empty list means conformant.

    ``samples`` are valid raw form inputs (what a browser would post) for the visitor form:
    a list used for every scenario of the plugin, or a mapping from scenario id to a list.
    ``organiser_samples`` does the same for the organiser form. Samples built from each
    form (its defaults, then every field filled) are always checked as well.
    ``dividing_fields`` names number fields that share the footprint among people (e.g.
    the people in a car): the total may fall as they grow, and must never rise.
    """
    name = name or plugin_name(plugin)
    problems: list[str] = []
    if not isinstance(plugin, str):
        problems += _hook_name_problems(plugin)
    registry, status = load_plugin(plugin, name)
    if not status.loaded:
        if not (problems and status.reason.startswith("hook implementation without a spec")):
            problems.append(f"plugin {name} did not load: {status.reason}")
        return _unique(problems)
    if not status.scenarios:
        problems.append(f"plugin {name} declares no scenarios (neutralpoint_scenarios returned none)")
    dividing = frozenset(dividing_fields)
    context = conformance_context(registry)
    for scenario_id in status.scenarios:
        scenario = registry.scenarios[scenario_id]
        problems += _factor_set_problems(registry, scenario)
        calculators = [_Calculator(scenario, scenario.form, scenario.calculate, scenario_id)]
        if scenario.organiser_form is not None:
            calculators.append(
                _Calculator(scenario, scenario.organiser_form, scenario.calculate_organiser, f"{scenario_id} organiser")
            )
        for calc in calculators:
            given = organiser_samples if calc is not calculators[0] else samples
            problems += calc.form_problems()
            raws, sample_problems = calc.samples(_samples_for(given, scenario_id))
            problems += sample_problems
            problems += calc.bad_input_problems(raws[0][0] if raws else {})
            computable, sample_problems = calc.computable(raws, context)
            problems += sample_problems
            sharing = dividing | calc.travel_sharing_fields()
            for raw in computable:
                problems += calc.calculation_problems(raw, context, sharing)
    return _unique(problems)


def assert_conformant(
    plugin: PluginLike,
    *,
    samples: Samples = None,
    organiser_samples: Samples = None,
    dividing_fields: Iterable[str] = (),
) -> None:
    """Raise ``ConformanceError`` listing every problem ``check_plugin`` finds."""
    problems = check_plugin(
        plugin, samples=samples, organiser_samples=organiser_samples, dividing_fields=dividing_fields
    )
    if problems:
        raise ConformanceError(plugin_name(plugin), problems)


def _unique(problems: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(problems))


def _samples_for(given: Samples, scenario_id: str) -> list[Mapping[str, Any]]:
    if given is None:
        return []
    if isinstance(given, Mapping):
        return list(given.get(scenario_id, ()))
    return list(given)


def _hook_name_problems(plugin: object) -> list[str]:
    """Misspelled hook names and hook functions without the marker are silently never called."""
    found = []
    for attr in sorted(dir(plugin)):
        if not attr.startswith("neutralpoint_"):
            continue
        value = getattr(plugin, attr, None)
        if not callable(value):
            continue
        if attr in FORMER_HOOKS:
            found.append(
                f"{attr} is no longer a hook: give the Scenario returned by neutralpoint_scenarios "
                f"{FORMER_HOOKS[attr]} instead (see docs/plugins.md)"
            )
        elif attr not in SPEC_NAMES:
            close = difflib.get_close_matches(attr, sorted(SPEC_NAMES), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            found.append(f"{attr} matches no hook specification{hint}")
        elif not hasattr(value, "neutralpoint_impl"):
            found.append(f"{attr} lacks the @hookimpl marker, so the platform never calls it")
    return found


def _factor_set_problems(registry: ScenarioRegistry, scenario: LoadedScenario) -> list[str]:
    sid = scenario.id
    found: list[str] = []
    loaded = {fs.version: fs.fingerprint for fs in scenario.factor_sets}
    this_year = datetime.date.today().year
    for fs in scenario.factor_sets:
        found += [f"{sid}: factor set {fs.version}: {p}" for p in fs.problems()]
        for factor in fs.factors.values():
            sourced = isinstance(factor.source, Source) and factor.source != NO_SOURCE
            if sourced and not 1900 <= factor.source.year <= this_year + 1:
                found.append(f"{sid}: factor set {fs.version}: factor {factor.key!r} cites year {factor.source.year}")
            if factor.per not in KNOWN_UNITS:
                found.append(f"{sid}: factor set {fs.version}: factor {factor.key!r}: {_unit_problem(factor.per)}")
    for attempt in range(2):
        again = _declared(registry, sid)
        fresh = {fs.version: fs.fingerprint for fs in (again.factor_sets if again else ())}
        if fresh != loaded:
            changed = sorted(v for v in set(fresh) | set(loaded) if fresh.get(v) != loaded.get(v))
            found.append(
                f"{sid}: factor-set versions {changed} changed between calls (call {attempt + 2}); "
                "a published version must never change — append a new version instead"
            )
            break
    return found


def _declared(registry: ScenarioRegistry, scenario_id: str) -> Scenario | None:
    """The scenario as the plugin declares it when asked once more."""
    for batch in registry.pm.hook.neutralpoint_scenarios():
        for declared in batch or ():
            if isinstance(declared, Scenario) and declared.id == scenario_id:
                return declared
    return None


def _unit_problem(per: str) -> str:
    close = difflib.get_close_matches(per, sorted(KNOWN_UNITS), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (
        f"per {per!r} is not a unit the pages can translate{hint} "
        "(docs/plugins.md lists the known units and how they read in each language)"
    )


# --- one form and its calculation ----------------------------------------------------------


@dataclass
class _Calculator:
    scenario: LoadedScenario
    form: Form
    calculate: Callable[[Mapping[str, Any], FactorSet, CalculationContext], list[BreakdownLine]]
    label: str

    def form_problems(self) -> list[str]:
        return [f"{self.label}: {p}" for p in self.form.problems()]

    # samples -------------------------------------------------------------------------
    def samples(self, given: Sequence[Mapping[str, Any]]) -> tuple[list[tuple[dict[str, Any], str]], list[str]]:
        """Valid raw inputs, each with where it came from: the form's own, then the author's."""
        problems: list[str] = []
        built = [
            {f.name: _sample_value(f) for f in self.form.fields if f.required or f.default is not None},
            {f.name: _sample_value(f, avoid_default=True) for f in self.form.fields},
        ]
        raws: list[tuple[dict[str, Any], str]] = []
        for raw in built:
            try:
                self.form.validate(raw)
            except FormErrors as exc:
                problems.append(f"{self.label}: the form refuses its own sample {raw}: {exc}")
            else:
                raws.append((raw, ""))
        for index, sample in enumerate(given):
            try:
                self.form.validate(sample)
            except FormErrors as exc:
                problems.append(f"{self.label}: sample {index} does not validate: {exc}")
            else:
                raws.append((dict(sample), f"sample {index}"))
        return raws, problems

    def computable(
        self, raws: Sequence[tuple[dict[str, Any], str]], context: CalculationContext
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The samples the calculation accepts.

        A calculation may refuse answers that do not fit together (``FormErrors``, e.g. the
        travel helper's "a city or a distance"); such a refusal must name fields of the form
        in both languages. A built sample it refuses is dropped; the author's must compute.
        """
        problems: list[str] = []
        usable: list[dict[str, Any]] = []
        for raw, origin in raws:
            refusal = self._refusal(raw, context)
            if refusal is None:
                usable.append(raw)
                continue
            problems += self.refusal_problems(refusal)
            if origin:
                problems.append(f"{self.label}: {origin} is refused by the calculation: {refusal}")
        if raws and not usable:
            problems.append(f"{self.label}: no sample can be calculated; pass samples= with answers that fit together")
        return usable, problems

    def _refusal(self, raw: Mapping[str, Any], context: CalculationContext) -> FormErrors | None:
        try:
            self.run(raw, self.scenario.factors, context)
        except FormErrors as exc:
            return exc
        except Exception:  # any other failure is reported, with details, by calculation_problems
            return None
        return None

    def refusal_problems(self, exc: FormErrors) -> list[str]:
        found = []
        for name, error in exc.errors.items():
            if name not in self.form.names:
                found.append(f"{self.label}: the calculation refused field {name!r}, which the form does not have")
            found += [f"{self.label}: {p}" for p in _refusal_text_problems(name, error)]
        return found

    def travel_sharing_fields(self) -> frozenset[str]:
        """The travel helper's ``{prefix}_car_occupants``: a car is shared by the people in it."""
        names = set(self.form.names)
        return frozenset(
            n for n in names if n.endswith("_car_occupants") and f"{n.removesuffix('_car_occupants')}_mode" in names
        )

    # bad input -----------------------------------------------------------------------
    def bad_input_problems(self, base: Mapping[str, Any]) -> list[str]:
        found: list[str] = []
        for f in self.form.fields:
            for case, value in _bad_values(f):
                raw = dict(base)
                if value is _MISSING:
                    raw.pop(f.name, None)
                else:
                    raw[f.name] = value
                found += self._expect_refusal(f, case, value, raw)
        return found

    def _expect_refusal(self, f: Field, case: str, value: Any, raw: Mapping[str, Any]) -> list[str]:
        shown = "(absent)" if value is _MISSING else _short(value)
        try:
            self.form.validate(raw)
        except FormErrors as exc:
            if f.name not in exc.errors:
                named = ", ".join(exc.errors)
                return [f"{self.label}: {case} value {shown} for {f.name!r} was refused on {named} instead"]
            message = exc.as_dict()[f.name]["message"]
            missing = [lang for lang in LANGUAGES if not str(message.get(lang, "")).strip()]
            if missing:
                return [f"{self.label}: the error for {case} {f.name!r} has no message in {', '.join(missing)}"]
            if message.get("en") == message.get("zh-Hans"):
                return [f"{self.label}: the error for {case} {f.name!r} is not translated: {message['en']!r}"]
            return []
        return [f"{self.label}: {case} value {shown} for {f.name!r} was accepted; it must be refused"]

    # calculation ---------------------------------------------------------------------
    def run(self, raw: Mapping[str, Any], factors: FactorSet, context: CalculationContext) -> list[BreakdownLine]:
        return self.calculate(self.form.validate(raw), factors, context)

    def calculation_problems(
        self, raw: Mapping[str, Any], context: CalculationContext, dividing: frozenset[str]
    ) -> list[str]:
        where = f"{self.label} with {_short(dict(raw))}"
        found: list[str] = []
        for factors in self.scenario.factor_sets:
            try:
                results = [self.run(raw, factors, context) for _ in range(REPEATS)]
            except Exception as exc:
                found.append(f"{where}, factor set {factors.version}: calculation failed: {_describe(exc)}")
                continue
            dumps = [[line.as_dict() for line in lines] for lines in results]
            if any(d != dumps[0] for d in dumps[1:]):
                totals = [total_grams(lines) for lines in results]
                found.append(
                    f"{where}, factor set {factors.version}: not deterministic (the same inputs gave {totals} g)"
                )
            found += [f"{where}: {p}" for p in _line_problems(results[0])]
        if found:
            return found
        found += self._choice_problems(raw, context)
        found += self._monotonic_problems(raw, context, dividing)
        return found

    def _choice_problems(self, raw: Mapping[str, Any], context: CalculationContext) -> list[str]:
        """Every option of every choice must compute: a missing factor often hides behind one."""
        found = []
        for f in self.form.fields:
            if f.kind != "choice":
                continue
            for choice in f.choices:
                changed = {**raw, f.name: choice.value}
                try:
                    self.run(changed, self.scenario.factors, context)
                except FormErrors as exc:
                    found += self.refusal_problems(exc)
                except Exception as exc:
                    found.append(f"{self.label}: choosing {f.name}={choice.value!r} fails: {_describe(exc)}")
        return found

    def _monotonic_problems(
        self, raw: Mapping[str, Any], context: CalculationContext, dividing: frozenset[str]
    ) -> list[str]:
        inputs = self.form.validate(raw)
        found = []
        for f in self.form.fields:
            if f.kind not in ("number", "integer") or inputs.get(f.name) is None or f.maximum is None:
                continue
            base = Decimal(inputs[f.name])
            points: list[tuple[Decimal, int]] = []
            for value in [base, *_larger_values(f, base)]:
                changed = {**raw, f.name: format(value, "f")}
                try:
                    lines = self.run(changed, self.scenario.factors, context)
                except FormErrors as exc:
                    found += self.refusal_problems(exc)
                    break
                except Exception as exc:
                    found.append(f"{self.label}: {f.name}={value} fails: {_describe(exc)}")
                    break
                points.append((value, total_grams(lines)))
            for (low, low_total), (high, high_total) in itertools.pairwise(points):
                if f.name in dividing and high_total > low_total:
                    found.append(
                        f"{self.label}: total rises from {low_total} g to {high_total} g when {f.name} "
                        f"rises from {_plain(low)} to {_plain(high)}, though it shares the footprint"
                    )
                    break
                if f.name not in dividing and high_total < low_total:
                    found.append(
                        f"{self.label}: not monotonic: total falls from {low_total} g to {high_total} g "
                        f"when {f.name} rises from {_plain(low)} to {_plain(high)} (if {f.name} counts people "
                        "sharing the footprint, name it in dividing_fields)"
                    )
                    break
        return found


def _refusal_text_problems(name: str, error: FieldError) -> list[str]:
    """A refusal's own text must be in both languages: the page would otherwise fall back to English."""
    what = f"the calculation's refusal of {name!r}"
    if error.text is not None:
        return language_problems(what, error.text)
    message = error.as_dict()["message"]
    missing = [lang for lang in LANGUAGES if not str(message.get(lang, "")).strip()]
    return [f"{what} lacks {lang}" for lang in missing]


def _line_problems(lines: list[BreakdownLine]) -> list[str]:
    found = []
    keys = [line.key for line in lines]
    if len(set(keys)) != len(keys):
        found.append(f"breakdown line keys repeat: {keys}")
    for line in lines:
        found += language_problems(f"breakdown line {line.key!r}: label", line.label)
        if line.detail is not None:
            found += language_problems(f"breakdown line {line.key!r}: detail", line.detail)
        if line.warning is not None:
            found += language_problems(f"breakdown line {line.key!r}: warning", line.warning)
        if not isinstance(line.quantity, Decimal):
            found.append(f"breakdown line {line.key!r}: quantity is not a Decimal")
        elif line.quantity < 0:
            found.append(f"breakdown line {line.key!r}: quantity is negative")
        if line.per not in KNOWN_UNITS:
            found.append(f"breakdown line {line.key!r}: {_unit_problem(line.per)}")
    return found


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- sample and bad values -----------------------------------------------------------------


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


_MISSING = _Missing()


def _sample_value(f: Field, *, avoid_default: bool = False) -> Any:
    """A plausible valid raw value for ``f``: its default, or a small answer visitors give.

    With ``avoid_default``, an answer other than the default where the field allows one,
    so that the second built sample takes the other branches of a calculation.
    """
    if f.default is not None and not avoid_default:
        return f.default
    if f.kind in ("number", "integer"):
        low = Decimal(f.minimum) if f.minimum is not None else Decimal(0)
        high = Decimal(f.maximum) if f.maximum is not None else low + 1
        value = min(max(low, Decimal(1)), high)
        return str(int(value)) if f.kind == "integer" else format(value, "f")
    if f.kind == "choice":
        values = [c.value for c in f.choices]
        others = [v for v in values if v != f.default] if avoid_default else values
        return (others or values or [""])[0]
    if f.kind == "city":
        return VALID_CITY
    if f.kind == "boolean":
        return "false" if avoid_default and f.default is True else ("true" if avoid_default else "false")
    return "sample"


def _bad_values(f: Field) -> list[tuple[str, Any]]:
    """What visitors really send by mistake, per kind of field."""
    cases: list[tuple[str, Any]] = []
    if f.required and f.kind != "boolean":
        cases += [("missing", _MISSING), ("empty", "")]
    oversized = "1" * max(OVERSIZED_LENGTH, f.max_length + 1)
    if f.kind in ("number", "integer"):
        cases += [("negative", "-1"), ("wrong type", "abc"), ("wrong unit", "3 miles"), ("not finite", "NaN")]
        if f.maximum is not None:
            absurd = Decimal(f.maximum) + 1
            cases.append(("absurd", str(absurd)))
            if Decimal(f.maximum) < 1_000_000:
                cases.append(("absurd", "1000000"))
        cases.append(("oversized", oversized))
    elif f.kind == "choice":
        cases += [("unknown choice", "no-such-choice-xyz"), ("oversized", "x" * len(oversized))]
    elif f.kind == "city":
        cases += [("unknown city", INVALID_CITY), ("oversized", "x" * len(oversized))]
    elif f.kind == "boolean":
        cases += [("wrong type", "abc")]
    else:
        cases += [("oversized", "x" * len(oversized))]
    return cases


def _larger_values(f: Field, base: Decimal) -> list[Decimal]:
    """A few values above ``base`` up to the field's maximum, in the field's precision."""
    maximum = Decimal(f.maximum) if f.maximum is not None else base
    quantum = Decimal(1) if f.kind == "integer" else Decimal(1).scaleb(-f.decimals)
    candidates = {base + 1, base * 2, base * 10, maximum}
    out = set()
    for value in candidates:
        value = min(value, maximum).quantize(quantum, rounding=ROUND_DOWN)
        if value > base:
            out.add(value)
    return sorted(out)


__all__ = [
    "INVALID_CITY",
    "VALID_CITY",
    "VENUE_LOCATION",
    "ConformanceError",
    "assert_conformant",
    "check_plugin",
    "compute",
    "conformance_context",
    "conformance_registry",
    "load_plugin",
    "load_scenario",
]
