"""A small conformant scenario plugin, and broken variants that each break one rule.

Plugins are objects here (pluggy registers any object with marked methods), so each broken
variant overrides one hook of the good one and the tests show which rule the kit enforces.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from neutralpoint.scenarios import (
    BreakdownLine,
    Choice,
    Factor,
    FactorSet,
    Field,
    FieldError,
    Form,
    FormErrors,
    Scenario,
    Source,
    hookimpl,
    travel,
)

SCENARIO = "tea_house"
BOTH = {"en": "Tea house visit", "zh-Hans": "茶馆之行"}
SOURCE = Source(publisher="UK DESNZ", document="GHG conversion factors 2025", year=2025, table="Material use")


def factor_sets() -> list[FactorSet]:
    """Two versions: the second changed the cup factor, so the version changed too."""
    cup = {"en": "Paper cup", "zh-Hans": "纸杯"}
    tea = {"en": "Tea leaves", "zh-Hans": "茶叶"}
    return [
        FactorSet.of(
            SCENARIO,
            "2024.1",
            [
                Factor("tea_kg", Decimal("5.0"), "kg", tea, SOURCE),
                Factor("cup", Decimal("0.011"), "cup", cup, SOURCE),
            ],
        ),
        FactorSet.of(
            SCENARIO,
            "2025.1",
            [
                Factor("tea_kg", Decimal("5.0"), "kg", tea, SOURCE),
                Factor("cup", Decimal("0.012"), "cup", cup, SOURCE),
            ],
        ),
    ]


def tea_field(**changes: Any) -> Field:
    values: dict[str, Any] = {
        "name": "tea_kg",
        "kind": "number",
        "label": {"en": "Tea leaves", "zh-Hans": "茶叶"},
        "help": {"en": "Weight of the leaves you brewed.", "zh-Hans": "冲泡的茶叶重量。"},
        "unit": {"en": "kg", "zh-Hans": "千克"},
        "minimum": 0,
        "maximum": 5,
        "decimals": 3,
    }
    values.update(changes)
    return Field(**values)


def form_fields() -> tuple[Field, ...]:
    return (
        tea_field(),
        Field(
            name="cups",
            kind="integer",
            label={"en": "Paper cups", "zh-Hans": "纸杯数量"},
            unit={"en": "cups", "zh-Hans": "个"},
            minimum=0,
            maximum=50,
            default=0,
            required=False,
        ),
        Field(
            name="cup_kind",
            kind="choice",
            label={"en": "Cup", "zh-Hans": "杯子"},
            choices=(
                Choice("paper", {"en": "Paper", "zh-Hans": "纸"}),
                Choice("porcelain", {"en": "Porcelain (reused)", "zh-Hans": "瓷杯（重复使用）"}),
            ),
            default="paper",
            required=False,
        ),
        Field(name="origin", kind="city", label={"en": "Coming from", "zh-Hans": "出发城市"}, required=False),
        Field(
            name="note",
            kind="text",
            label={"en": "Note", "zh-Hans": "备注"},
            required=False,
            max_length=40,
        ),
    )


class GoodPlugin:
    """Conformant: every rule of the contract holds."""

    @hookimpl
    def neutralpoint_scenarios(self) -> list[Scenario]:
        return [Scenario(id=SCENARIO, name=BOTH, description=BOTH, icon="🍵", order=900)]

    @hookimpl
    def neutralpoint_scenario_form(self, scenario: str) -> Form | None:
        return Form(form_fields()) if scenario == SCENARIO else None

    @hookimpl
    def neutralpoint_factor_sets(self, scenario: str) -> list[FactorSet] | None:
        return factor_sets() if scenario == SCENARIO else None

    @hookimpl
    def neutralpoint_calculate(
        self, scenario: str, inputs: dict[str, Any], factors: FactorSet, context: Any
    ) -> list[BreakdownLine] | None:
        if scenario != SCENARIO:
            return None
        return self.lines(inputs, factors)

    def lines(self, inputs: dict[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        out = [BreakdownLine("tea", tea.label, inputs["tea_kg"], "kg", tea.key, tea.grams(inputs["tea_kg"]))]
        cups = inputs["cups"] if inputs["cup_kind"] == "paper" else 0
        cup = factors["cup"]
        out.append(BreakdownLine("cups", cup.label, Decimal(cups), "cup", cup.key, cup.grams(cups)))
        return out


class MissingChineseLabel(GoodPlugin):
    @hookimpl
    def neutralpoint_scenario_form(self, scenario: str) -> Form | None:
        fields = (tea_field(label={"en": "Tea leaves", "zh-Hans": ""}), *form_fields()[1:])
        return Form(fields) if scenario == SCENARIO else None


class FactorWithoutSource(GoodPlugin):
    @hookimpl
    def neutralpoint_factor_sets(self, scenario: str) -> list[FactorSet] | None:
        unsourced = Factor("tea_kg", Decimal("5.0"), "kg", {"en": "Tea", "zh-Hans": "茶"}, Source("", "", 0))
        return [FactorSet.of(SCENARIO, "2025.1", [unsourced, factor_sets()[1]["cup"]])]


class NegativeGrams(GoodPlugin):
    def lines(self, inputs: dict[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        return [BreakdownLine("tea", tea.label, inputs["tea_kg"], "kg", tea.key, -tea.grams(inputs["tea_kg"]))]


class RandomGrams(GoodPlugin):
    """Not deterministic: a visitor recomputing the same basket would get another number."""

    def lines(self, inputs: dict[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        grams = tea.grams(inputs["tea_kg"]) + random.randint(1, 1_000_000)
        return [BreakdownLine("tea", tea.label, inputs["tea_kg"], "kg", tea.key, grams)]


class NotMonotonic(GoodPlugin):
    """More tea, less CO2e: the footprint falls as the quantity grows."""

    def lines(self, inputs: dict[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        quantity = Decimal(5) - inputs["tea_kg"]
        return [BreakdownLine("tea", tea.label, quantity, "kg", tea.key, tea.grams(quantity))]


class NumberWithoutMaximum(GoodPlugin):
    @hookimpl
    def neutralpoint_scenario_form(self, scenario: str) -> Form | None:
        return Form((tea_field(maximum=None), *form_fields()[1:])) if scenario == SCENARIO else None


class NegativeAllowed(GoodPlugin):
    """No minimum: the form would accept -1 kg of tea."""

    @hookimpl
    def neutralpoint_scenario_form(self, scenario: str) -> Form | None:
        return Form((tea_field(minimum=None), *form_fields()[1:])) if scenario == SCENARIO else None


class MisspelledHook(GoodPlugin):
    @hookimpl
    def neutralpoint_scenario_from(self, scenario: str) -> Form | None:
        return Form(form_fields()) if scenario == SCENARIO else None


class UnmarkedHook(GoodPlugin):
    """Forgot ``@hookimpl`` on the calculation, so the platform would never call it."""

    def neutralpoint_calculate(self, scenario: str, inputs: dict[str, Any], factors: FactorSet, context: Any) -> Any:
        return self.lines(inputs, factors)


class ChangingFactorSet(GoodPlugin):
    """Publishes a different value under the same version on every call."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def neutralpoint_factor_sets(self, scenario: str) -> list[FactorSet] | None:
        if scenario != SCENARIO:
            return None
        self.calls += 1
        cup = Factor("cup", Decimal("0.012") + Decimal(self.calls), "cup", {"en": "Cup", "zh-Hans": "杯"}, SOURCE)
        return [FactorSet.of(SCENARIO, "2025.1", [factor_sets()[1]["tea_kg"], cup])]


class OldVersionBreaks(GoodPlugin):
    """Only the newest factor set has the cup factor: recomputing an old estimate fails."""

    @hookimpl
    def neutralpoint_factor_sets(self, scenario: str) -> list[FactorSet] | None:
        if scenario != SCENARIO:
            return None
        old = FactorSet.of(SCENARIO, "2024.1", [factor_sets()[0]["tea_kg"]])
        return [old, factor_sets()[1]]


class ChoiceWithoutFactor(GoodPlugin):
    """The porcelain option names a factor that no factor set has."""

    def lines(self, inputs: dict[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        out = super().lines(inputs, factors)
        if inputs["cup_kind"] == "porcelain":
            dish = factors["dishwasher"]
            out.append(BreakdownLine("wash", dish.label, Decimal(1), "wash", dish.key, dish.grams(1)))
        return out


class NoScenarios(GoodPlugin):
    @hookimpl
    def neutralpoint_scenarios(self) -> list[Scenario]:
        return []


PEOPLE = Field(
    name="people",
    kind="integer",
    label={"en": "People sharing the pot", "zh-Hans": "共饮人数"},
    minimum=1,
    maximum=12,
    default=1,
    required=False,
)


class SharedPot(GoodPlugin):
    """The pot is shared: each visitor's footprint falls as more people share it."""

    @hookimpl
    def neutralpoint_scenario_form(self, scenario: str) -> Form | None:
        return Form((*form_fields(), PEOPLE)) if scenario == SCENARIO else None

    def lines(self, inputs: dict[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        share = inputs["tea_kg"] / inputs["people"]
        return [BreakdownLine("tea", tea.label, share, "kg", tea.key, tea.grams(share))]


class SharedPotRising(SharedPot):
    """Claims to share the pot but multiplies by the number of people."""

    def lines(self, inputs: dict[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        share = inputs["tea_kg"] * inputs["people"]
        return [BreakdownLine("tea", tea.label, share, "kg", tea.key, tea.grams(share))]


class WithTravel(GoodPlugin):
    """Uses the shared travel helper; its car is shared by the people in it."""

    @hookimpl
    def neutralpoint_scenario_form(self, scenario: str) -> Form | None:
        return Form((*form_fields(), *travel.fields(required=False))) if scenario == SCENARIO else None

    @hookimpl
    def neutralpoint_factor_sets(self, scenario: str) -> list[FactorSet] | None:
        if scenario != SCENARIO:
            return None
        return [FactorSet.of(SCENARIO, fs.version, [*fs.factors.values(), *travel.factors()]) for fs in factor_sets()]

    @hookimpl
    def neutralpoint_calculate(
        self, scenario: str, inputs: dict[str, Any], factors: FactorSet, context: Any
    ) -> list[BreakdownLine] | None:
        if scenario != SCENARIO:
            return None
        return [*self.lines(inputs, factors), *travel.lines(inputs, factors, context)]


TOO_MANY_CUPS = {"en": "More cups than a pot of that size pours.", "zh-Hans": "杯数超过了这壶茶能倒的数量。"}


class CrossFieldRule(GoodPlugin):
    """Refuses answers that do not fit together, naming the field, in both languages."""

    field_name = "cups"

    def lines(self, inputs: dict[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        if inputs["cups"] > inputs["tea_kg"] * 100:
            raise FormErrors({self.field_name: FieldError("too_many_cups", text=TOO_MANY_CUPS)})
        return super().lines(inputs, factors)


class CrossFieldRuleOnUnknownField(CrossFieldRule):
    field_name = "cup_count"
