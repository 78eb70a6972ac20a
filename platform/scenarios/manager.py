"""Discovers scenario plugins, checks their contract, and keeps what loaded.

Plugins come from the ``neutralpoint.scenarios`` entry-point group. Each is imported
and checked on its own, with every ``Scenario`` its ``neutralpoint_scenarios`` returns:
a plugin that fails to import, implements a hook that has no spec, or breaks the contract
(bad form, missing language, factor without a source, a calculation that raises or
returns something else than whole grams) is logged with the reason and left out. The
platform stays up with the rest.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import Any

import msgspec
import pluggy

from neutralpoint.refusals import FormErrors
from neutralpoint.scenarios import hookspecs
from neutralpoint.scenarios.contract import BreakdownLine, CalculationContext, Scenario
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.forms import Form

log = logging.getLogger("neutralpoint.plugins")

ENTRY_POINT_GROUP = "neutralpoint.scenarios"
CORE_PLUGINS = ("neutralpoint.scenarios.defaults",)
SPEC_NAMES = frozenset(name for name in dir(hookspecs) if name.startswith("neutralpoint_"))
#: Hooks of the first plugin API, now fields of the ``Scenario`` object: what to write instead.
FORMER_HOOKS = {
    "neutralpoint_scenario_form": "form=",
    "neutralpoint_factor_sets": "factor_sets=",
    "neutralpoint_calculate": "calculate=",
    "neutralpoint_organiser_form": "organiser_form=",
    "neutralpoint_organiser_calculate": "organiser_calculate=",
}


def unknown_hook_reason(names: Iterable[str]) -> str:
    """Why hook implementations without a spec are refused, with the way out for former hooks."""
    parts = []
    for name in names:
        field_name = FORMER_HOOKS.get(name)
        parts.append(f"{name} (now the Scenario's {field_name})" if field_name else name)
    return f"hook implementation without a spec: {', '.join(parts)}"


class ContractError(ValueError):
    """A plugin's hook returned something the platform cannot use."""


@dataclass
class PluginStatus:
    name: str
    module: str
    distribution: str | None
    version: str | None
    loaded: bool
    reason: str = ""
    scenarios: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "loaded": self.loaded,
            "reason": self.reason,
            "scenarios": self.scenarios,
        }


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario whose plugin passed the contract checks; everything needed at request time."""

    info: Scenario
    plugin: str

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def form(self) -> Form:
        return self.info.form

    @property
    def organiser_form(self) -> Form | None:
        return self.info.organiser_form

    @functools.cached_property
    def factor_sets(self) -> tuple[FactorSet, ...]:
        return tuple(self.info.factor_sets)

    @property
    def factors(self) -> FactorSet:
        return self.factor_sets[-1]

    def factor_set(self, version: str) -> FactorSet | None:
        return next((fs for fs in self.factor_sets if fs.version == version), None)

    def calculate(
        self, inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext
    ) -> list[BreakdownLine]:
        lines = self.info.calculate(dict(inputs), factors, context)
        return check_lines(self.id, lines, factors)

    def calculate_organiser(
        self, inputs: Mapping[str, Any], factors: FactorSet, context: CalculationContext
    ) -> list[BreakdownLine]:
        if self.info.organiser_calculate is None:
            raise ContractError(f"scenario {self.id} has no organiser calculation")
        lines = self.info.organiser_calculate(dict(inputs), factors, context)
        return check_lines(self.id, lines, factors)


def check_lines(scenario: str, lines: Any, factors: FactorSet) -> list[BreakdownLine]:
    if not isinstance(lines, list) or not all(isinstance(line, BreakdownLine) for line in lines):
        raise ContractError(f"{scenario}: calculation must return a list of BreakdownLine")
    plain = True
    for line in lines:
        if type(line.grams) is not int:
            raise ContractError(f"{scenario}: line {line.key!r} grams must be an int")
        if line.grams < 0:
            raise ContractError(f"{scenario}: line {line.key!r} is negative")
        if line.factor not in factors:
            raise ContractError(f"{scenario}: line {line.key!r} names unknown factor {line.factor!r}")
        if plain and not _has_plain_types(line):
            plain = False
    return lines if plain else [_with_plain_types(line) for line in lines]


def _has_plain_types(line: BreakdownLine) -> bool:
    return (
        type(line.label) is dict
        and type(line.quantity) is Decimal
        and (line.detail is None or type(line.detail) is dict)
        and (line.warning is None or type(line.warning) is dict)
    )


def _with_plain_types(line: BreakdownLine) -> BreakdownLine:
    """A line as stored: texts as dicts and the quantity a Decimal, whatever Mapping or
    number the plugin used (a stored breakdown is the lines themselves, encoded)."""
    if _has_plain_types(line):
        return line
    return msgspec.structs.replace(
        line,
        label=dict(line.label),
        quantity=line.quantity if type(line.quantity) is Decimal else Decimal(str(line.quantity)),
        detail=dict(line.detail) if line.detail else None,
        warning=dict(line.warning) if line.warning else None,
    )


DISTANCES_REMEMBERED = 8192


class ScenarioRegistry:
    """The plugin manager plus the checked scenarios it yielded."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.statuses: list[PluginStatus] = []
        self.scenarios: dict[str, LoadedScenario] = {}
        self._distances: dict[tuple[Any, Any, str], Any] = {}

    # --- loading -----------------------------------------------------------------------
    @classmethod
    def discover(cls, extra: Iterable[tuple[str, ModuleType | object]] = ()) -> ScenarioRegistry:
        registry = cls()
        for module_name in CORE_PLUGINS:
            registry.pm.register(importlib.import_module(module_name), name=module_name)
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            status = PluginStatus(
                name=ep.name,
                module=ep.value,
                distribution=dist.name if dist else None,
                version=dist.version if dist else None,
                loaded=False,
            )
            try:
                plugin = ep.load()
            except Exception as exc:
                registry._fail(status, f"import failed: {type(exc).__name__}: {exc}", exc)
                continue
            registry.add(ep.name, plugin, status)
        for name, plugin in extra:
            registry.add(name, plugin)
        return registry

    def add(self, name: str, plugin: ModuleType | object, status: PluginStatus | None = None) -> PluginStatus:
        self._distances.clear()  # a new plugin may answer distances first
        status = status or PluginStatus(
            name=name, module=getattr(plugin, "__name__", repr(plugin)), distribution=None, version=None, loaded=False
        )
        unknown = sorted(
            attr
            for attr in dir(plugin)
            if attr.startswith("neutralpoint_")
            and callable(getattr(plugin, attr))
            and hasattr(getattr(plugin, attr), "neutralpoint_impl")
            and attr not in SPEC_NAMES
        )
        if unknown:
            return self._fail(status, unknown_hook_reason(unknown))
        if self.pm.is_registered(plugin) or self.pm.has_plugin(name):
            return self._fail(status, "registered twice")
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:
            return self._fail(status, f"registration failed: {exc}", exc)
        try:
            loaded = self._check(name, plugin)
        except Exception as exc:
            self.pm.unregister(plugin)
            return self._fail(status, f"contract broken: {exc}", exc)
        clash = [s.id for s in loaded if s.id in self.scenarios]
        if clash:
            self.pm.unregister(plugin)
            return self._fail(status, f"scenario id already taken: {', '.join(clash)}")
        for scenario in loaded:
            self.scenarios[scenario.id] = scenario
        status.loaded = True
        status.scenarios = [s.id for s in loaded]
        self.statuses.append(status)
        log.info("plugin %s loaded: %s", name, ", ".join(status.scenarios) or "no scenarios")
        return status

    def _fail(self, status: PluginStatus, reason: str, exc: BaseException | None = None) -> PluginStatus:
        status.loaded = False
        status.reason = reason
        self.statuses.append(status)
        log.warning("plugin %s skipped: %s", status.name, reason)
        if exc is not None:
            log.debug("".join(traceback.format_exception(exc)))
        return status

    def _impl(self, plugin: object, hook: str) -> Callable[..., Any] | None:
        fn = getattr(plugin, hook, None)
        return fn if callable(fn) and hasattr(fn, "neutralpoint_impl") else None

    def _check(self, name: str, plugin: object) -> list[LoadedScenario]:
        declare = self._impl(plugin, "neutralpoint_scenarios")
        if declare is None:
            return []
        declared = declare()
        if not isinstance(declared, list | tuple) or not all(isinstance(s, Scenario) for s in declared):
            raise ContractError("neutralpoint_scenarios must return a list of Scenario")
        ids = [s.id for s in declared]
        if len(set(ids)) != len(ids):
            raise ContractError(f"neutralpoint_scenarios repeats a scenario id: {ids}")
        result = []
        for info in declared:
            problems = info.problems()
            if problems:
                raise ContractError("; ".join(problems))
            loaded = LoadedScenario(info=info, plugin=name)
            self._smoke_test(loaded)
            result.append(loaded)
        return result

    def _smoke_test(self, scenario: LoadedScenario) -> None:
        """Run the calculation once on the form's defaults, when they fill the form."""
        defaults = scenario.form.defaults()
        if any(f.required and f.name not in defaults for f in scenario.form.fields):
            return
        try:
            inputs = scenario.form.validate(defaults)
        except FormErrors as exc:
            raise ContractError(f"scenario {scenario.id}: defaults do not validate: {exc}") from exc
        context = CalculationContext(venue_location=(30.5728, 104.0668), distance=self.travel_distance)
        try:
            scenario.calculate(inputs, scenario.factors, context)
        except FormErrors as exc:
            # A cross-field rule refusing the bare defaults is a visitor error, not a broken plugin,
            # as long as it names the plugin's own fields.
            unknown = [name for name in exc.errors if name not in scenario.form.names]
            if unknown:
                raise ContractError(f"scenario {scenario.id}: calculation names unknown fields {unknown}") from exc

    # --- use ---------------------------------------------------------------------------
    def get(self, scenario_id: str) -> LoadedScenario | None:
        return self.scenarios.get(scenario_id)

    def ordered(self, enabled: Iterable[str] | None = None) -> list[LoadedScenario]:
        allowed = set(enabled) if enabled is not None else None
        items = [s for s in self.scenarios.values() if allowed is None or s.id in allowed]
        return sorted(items, key=lambda s: (s.info.order, s.id))

    def travel_distance(self, origin: Any, destination: Any, mode_kind: str) -> Any:
        """The first plugin's answer (the core's last); remembered, since a distance between
        two places by one kind of mode does not change (see the hook's contract)."""
        key = (origin, destination, mode_kind)
        found = self._distances.get(key)
        if found is None:
            hook = self.pm.hook.neutralpoint_travel_distance
            found = hook(origin=origin, destination=destination, mode_kind=mode_kind)
            if len(self._distances) >= DISTANCES_REMEMBERED:
                self._distances.clear()
            self._distances[key] = found
        return found

    def context(self, **kwargs: Any) -> CalculationContext:
        return CalculationContext(distance=self.travel_distance, **kwargs)

    def extra_routes(self) -> list[Any]:
        routes: list[Any] = []
        for batch in self.pm.hook.neutralpoint_extra_routes():
            routes.extend(batch or [])
        return routes
