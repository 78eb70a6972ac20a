from __future__ import annotations

from decimal import Decimal

from neutralpoint.scenarios.i18n import unit_text


def test_activity_units_read_in_chinese_and_fall_back_to_english() -> None:
    assert unit_text("passenger-km", "zh-Hans") == "人公里"
    assert unit_text("passenger-km", "en") == "passenger-km"
    assert unit_text("a plugin's own unit", "zh-Hans") == "a plugin's own unit"
    assert unit_text(None, "zh-Hans") == ""


def test_factor_units_translate_their_activity_part() -> None:
    assert unit_text("kg CO2e / room-night", "zh-Hans") == "kg CO₂e / 间夜"
    assert unit_text("kg CO2e / room-night", "en") == "kg CO₂e / room-night"


def test_a_countable_unit_reads_in_the_plural_after_a_number_other_than_one() -> None:
    assert unit_text("room-night", "en", 2) == "room-nights"
    assert unit_text("room-night", "en", Decimal("0.5")) == "room-nights"
    assert unit_text("room-night", "en", 1) == "room-night"
    assert unit_text("room-night", "en", Decimal("1.0")) == "room-night"
    assert unit_text("passenger-km", "en", 3) == "passenger-km"
    assert unit_text("kWh", "en", 3) == "kWh"
    assert unit_text("a plugin's own unit", "en", 3) == "a plugin's own unit"
    assert unit_text("room-night", "zh-Hans", 2) == "间夜"
    assert unit_text("kg CO2e / room-night", "en", 2) == "kg CO₂e / room-night"
