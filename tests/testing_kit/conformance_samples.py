"""A small conformant scenario plugin, and broken variants that each break one rule.

Plugins are objects here (pluggy registers any object with marked methods). The good one
builds its scenario from three methods (``form``, ``factor_sets``, ``lines``), so each broken
variant overrides one of them and the tests show which rule the kit enforces.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from neutralpoint.plugin_api import (
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
        return [
            Scenario(
                id=SCENARIO,
                name=BOTH,
                description=BOTH,
                icon="🍵",
                order=900,
                form=self.form(),
                factor_sets=self.factor_sets(),
                calculate=self.calculate,
            )
        ]

    def form(self) -> Form:
        return Form(form_fields())

    def factor_sets(self) -> list[FactorSet]:
        return factor_sets()

    def calculate(self, inputs: Mapping[str, Any], factors: FactorSet, context: Any) -> list[BreakdownLine]:
        return self.lines(inputs, factors)

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        out = [BreakdownLine("tea", tea.label, inputs["tea_kg"], "kg", tea.key, tea.grams(inputs["tea_kg"]))]
        cups = inputs["cups"] if inputs["cup_kind"] == "paper" else 0
        cup = factors["cup"]
        out.append(BreakdownLine("cups", cup.label, Decimal(cups), "cup", cup.key, cup.grams(cups)))
        return out


class MissingChineseLabel(GoodPlugin):
    def form(self) -> Form:
        return Form((tea_field(label={"en": "Tea leaves", "zh-Hans": ""}), *form_fields()[1:]))


class WrongLanguageKey(GoodPlugin):
    """Chinese under ``zh-CN``: the pages would show English to every Chinese visitor."""

    def form(self) -> Form:
        return Form((tea_field(label={"en": "Tea leaves", "zh-CN": "茶叶"}), *form_fields()[1:]))


class FactorWithoutSource(GoodPlugin):
    def factor_sets(self) -> list[FactorSet]:
        unsourced = Factor("tea_kg", Decimal("5.0"), "kg", {"en": "Tea", "zh-Hans": "茶"})
        return [FactorSet.of(SCENARIO, "2025.1", [unsourced, factor_sets()[1]["cup"]])]


class FactorWithIncompleteSource(GoodPlugin):
    def factor_sets(self) -> list[FactorSet]:
        vague = Factor("tea_kg", Decimal("5.0"), "kg", {"en": "Tea", "zh-Hans": "茶"}, Source("UK DESNZ", "", 2025))
        return [FactorSet.of(SCENARIO, "2025.1", [vague, factor_sets()[1]["cup"]])]


class UnknownUnit(GoodPlugin):
    """``per="pot"``: no page knows how to say "pot" in Chinese."""

    def factor_sets(self) -> list[FactorSet]:
        pot = Factor("cup", Decimal("0.012"), "pot", {"en": "Pot", "zh-Hans": "壶"}, SOURCE)
        return [FactorSet.of(SCENARIO, "2025.1", [factor_sets()[1]["tea_kg"], pot])]

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        cup = factors["cup"]
        return [BreakdownLine("pot", cup.label, Decimal(1), "pot", cup.key, cup.grams(1))]


class WarningInEnglishOnly(GoodPlugin):
    """A warning for an unlikely answer that a Chinese visitor could not read."""

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        grams = tea.grams(inputs["tea_kg"])
        warning = {"en": "That is a lot of tea: check the weight."}
        return [BreakdownLine("tea", tea.label, inputs["tea_kg"], "kg", tea.key, grams, warning=warning)]


class NegativeGrams(GoodPlugin):
    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        return [BreakdownLine("tea", tea.label, inputs["tea_kg"], "kg", tea.key, -tea.grams(inputs["tea_kg"]))]


class RandomGrams(GoodPlugin):
    """Not deterministic: a visitor recomputing the same basket would get another number."""

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        grams = tea.grams(inputs["tea_kg"]) + random.randint(1, 1_000_000)
        return [BreakdownLine("tea", tea.label, inputs["tea_kg"], "kg", tea.key, grams)]


class NotMonotonic(GoodPlugin):
    """More tea, less CO2e: the footprint falls as the quantity grows."""

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        quantity = Decimal(5) - inputs["tea_kg"]
        return [BreakdownLine("tea", tea.label, quantity, "kg", tea.key, tea.grams(quantity))]


class NumberWithoutMaximum(GoodPlugin):
    def form(self) -> Form:
        return Form((tea_field(maximum=None), *form_fields()[1:]))


class NegativeAllowed(GoodPlugin):
    """No minimum: the form would accept -1 kg of tea."""

    def form(self) -> Form:
        return Form((tea_field(minimum=None), *form_fields()[1:]))


class MisspelledHook(GoodPlugin):
    @hookimpl
    def neutralpoint_travel_distances(self, origin: Any, destination: Any, mode_kind: str) -> Any:
        return None


class UnmarkedHook(GoodPlugin):
    """Forgot ``@hookimpl`` on its scenarios, so the platform would never call it."""

    def neutralpoint_scenarios(self) -> list[Scenario]:
        return super().neutralpoint_scenarios()


class FormerHooks(GoodPlugin):
    """Written for the first plugin API: the form came from a hook of its own."""

    @hookimpl
    def neutralpoint_scenario_form(self, scenario: str) -> Form | None:
        return self.form() if scenario == SCENARIO else None


class ChangingFactorSet(GoodPlugin):
    """Publishes a different value under the same version on every call."""

    def __init__(self) -> None:
        self.calls = 0

    def factor_sets(self) -> list[FactorSet]:
        self.calls += 1
        cup = Factor("cup", Decimal("0.012") + Decimal(self.calls), "cup", {"en": "Cup", "zh-Hans": "杯"}, SOURCE)
        return [FactorSet.of(SCENARIO, "2025.1", [factor_sets()[1]["tea_kg"], cup])]


class OldVersionBreaks(GoodPlugin):
    """Only the newest factor set has the cup factor: recomputing an old estimate fails."""

    def factor_sets(self) -> list[FactorSet]:
        old = FactorSet.of(SCENARIO, "2024.1", [factor_sets()[0]["tea_kg"]])
        return [old, factor_sets()[1]]


class ChoiceWithoutFactor(GoodPlugin):
    """The porcelain option names a factor that no factor set has."""

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
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

    def form(self) -> Form:
        return Form((*form_fields(), PEOPLE))

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        share = inputs["tea_kg"] / inputs["people"]
        return [BreakdownLine("tea", tea.label, share, "kg", tea.key, tea.grams(share))]


class SharedPotRising(SharedPot):
    """Claims to share the pot but multiplies by the number of people."""

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        tea = factors["tea_kg"]
        share = inputs["tea_kg"] * inputs["people"]
        return [BreakdownLine("tea", tea.label, share, "kg", tea.key, tea.grams(share))]


class WithTravel(GoodPlugin):
    """Uses the shared travel helper; its car is shared by the people in it."""

    def form(self) -> Form:
        return Form((*form_fields(), *travel.fields(required=False)))

    def factor_sets(self) -> list[FactorSet]:
        return [FactorSet.of(SCENARIO, fs.version, [*fs.factors.values(), *travel.factors()]) for fs in factor_sets()]

    def calculate(self, inputs: Mapping[str, Any], factors: FactorSet, context: Any) -> list[BreakdownLine]:
        return [*self.lines(inputs, factors), *travel.lines(inputs, factors, context)]


TOO_MANY_CUPS = {"en": "More cups than a pot of that size pours.", "zh-Hans": "杯数超过了这壶茶能倒的数量。"}


class CrossFieldRule(GoodPlugin):
    """Refuses answers that do not fit together, naming the field, in both languages."""

    field_name = "cups"
    message: ClassVar[Mapping[str, str]] = TOO_MANY_CUPS

    def lines(self, inputs: Mapping[str, Any], factors: FactorSet) -> list[BreakdownLine]:
        if inputs["cups"] > inputs["tea_kg"] * 100:
            raise FormErrors({self.field_name: FieldError("too_many_cups", text=self.message)})
        return super().lines(inputs, factors)


class CrossFieldRuleOnUnknownField(CrossFieldRule):
    field_name = "cup_count"


class CrossFieldRuleInEnglishOnly(CrossFieldRule):
    """The refusal has no Chinese: a Chinese visitor would read it in English."""

    message: ClassVar[Mapping[str, str]] = {"en": TOO_MANY_CUPS["en"]}


class CrossFieldRuleInTheWrongLanguage(CrossFieldRule):
    message: ClassVar[Mapping[str, str]] = {"en": TOO_MANY_CUPS["en"], "zh": TOO_MANY_CUPS["zh-Hans"]}
