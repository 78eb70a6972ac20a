"""Prices round up to the minor unit, respect the provider's minimum, and split exactly."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neutralpoint.credits.pricing import (
    STRIPE_MINIMUM_CHARGE_MINOR,
    check_currency,
    check_split,
    grams_for_amount,
    minimum_charge_minor,
    minor_unit_digits,
    price_for_grams,
    quote,
    split_amount,
)
from neutralpoint.refusals import FormErrors

grams_st = st.integers(min_value=1, max_value=10**12)
price_st = st.integers(min_value=1, max_value=10**9)


def test_price_examples() -> None:
    assert price_for_grams(1_000_000, 12_000) == 12_000
    assert price_for_grams(500_000, 12_000) == 6_000
    assert price_for_grams(1, 12_000) == 1  # 0.012 of a fen rounds up to one fen
    assert price_for_grams(83_334, 12_000) == 1001  # 1000.008 → 1001
    assert price_for_grams(250_000, 3) == 1  # 0.75 → 1


@given(grams_st, price_st)
def test_price_is_the_exact_value_rounded_up(grams: int, price: int) -> None:
    exact = Fraction(grams * price, 1_000_000)
    charged = price_for_grams(grams, price)
    assert charged >= exact
    assert charged - exact < 1


@given(st.integers(min_value=0, max_value=10**9), price_st)
def test_grams_for_amount_is_the_most_the_amount_buys(amount: int, price: int) -> None:
    grams = grams_for_amount(amount, price)
    assert Fraction(grams * price, 1_000_000) <= amount
    assert Fraction((grams + 1) * price, 1_000_000) > amount


def test_minimum_charge_offers_both_ways_out() -> None:
    small = quote(10_000, 8_000, "CNY")  # 10 kg at ¥80/t = ¥0.80, below Stripe's ¥4.00
    assert small.price_minor == 80
    assert small.minimum_minor == 400
    assert small.below_minimum
    assert small.rounded_up_minor == 400
    assert small.grams_for_minimum == 50_000
    assert price_for_grams(small.grams_for_minimum, 8_000) <= 400
    big = quote(1_000_000, 8_000, "cny")
    assert not big.below_minimum
    assert big.rounded_up_minor == big.price_minor == 8_000
    assert big.currency == "CNY"


@pytest.mark.parametrize(
    ("currency", "minimum"), [("USD", 50), ("EUR", 50), ("GBP", 30), ("CNY", 400), ("HKD", 400), ("JPY", 50)]
)
def test_documented_minimums(currency: str, minimum: int) -> None:
    assert minimum_charge_minor(currency) == minimum


def test_minimum_table_uses_known_currencies() -> None:
    for currency in STRIPE_MINIMUM_CHARGE_MINOR:
        assert check_currency(currency) == currency


@given(grams_st, price_st, st.sampled_from(sorted(STRIPE_MINIMUM_CHARGE_MINOR)))
def test_quote_below_minimum_iff_price_below_minimum(grams: int, price: int, currency: str) -> None:
    q = quote(grams, price, currency)
    assert q.below_minimum == (q.price_minor < STRIPE_MINIMUM_CHARGE_MINOR[currency])
    assert q.rounded_up_minor >= q.minimum_minor
    if q.grams_for_minimum:
        assert price_for_grams(q.grams_for_minimum, price) <= q.minimum_minor


def test_currencies() -> None:
    assert minor_unit_digits("CNY") == 2
    assert minor_unit_digits("JPY") == 0
    assert minor_unit_digits("KWD") == 3
    for bad, words in (("ABC", "not a currency"), ("XXX", "not a currency"), ("", "three-letter"), ("EURO", "three")):
        with pytest.raises(FormErrors) as caught:
            check_currency(bad)
        assert list(caught.value.errors) == ["currency"]
        assert words in str(caught.value)


@pytest.mark.parametrize(
    ("grams", "price", "field"),
    [(0, 100, "grams"), (-5, 100, "grams"), (10, 0, "price_per_tonne_minor"), (10, -1, "price_per_tonne_minor")],
)
def test_zero_or_negative_refused(grams: int, price: int, field: str) -> None:
    with pytest.raises(FormErrors) as caught:
        price_for_grams(grams, price)
    assert list(caught.value.errors) == [field]


def test_split_example_and_tie_breaks() -> None:
    split = split_amount(101, 7000, 2000, 1000)
    assert (split.owner_minor, split.platform_minor, split.venue_minor) == (71, 20, 10)
    even = split_amount(1, 3334, 3333, 3333)
    assert (even.owner_minor, even.platform_minor, even.venue_minor) == (1, 0, 0)
    assert split_amount(0, 5000, 2500, 2500).total_minor == 0


def test_split_adds_up_for_thousands_of_random_cases() -> None:
    rng = random.Random(20261126)
    for _ in range(5000):
        a = rng.randint(0, 10_000)
        b = rng.randint(0, 10_000 - a)
        amount = rng.choice([rng.randint(0, 100), rng.randint(0, 10**6), rng.randint(0, 10**12)])
        split = split_amount(amount, a, b, 10_000 - a - b)
        assert split.total_minor == amount
        for part, bp in ((split.owner_minor, a), (split.platform_minor, b), (split.venue_minor, 10_000 - a - b)):
            exact = Fraction(amount * bp, 10_000)
            assert exact - 1 < part < exact + 1
            assert part >= 0


@given(st.integers(min_value=0, max_value=10**15), st.integers(0, 10_000), st.integers(0, 10_000))
def test_split_property(amount: int, a: int, b: int) -> None:
    a, b = min(a, b), max(a, b)
    split = split_amount(amount, a, b - a, 10_000 - b)
    assert split.total_minor == amount
    assert min(split.owner_minor, split.platform_minor, split.venue_minor) >= 0


@pytest.mark.parametrize(
    ("shares", "field"),
    [((5000, 5000, 1), "owner_bp"), ((-1, 5001, 5000), "owner_bp"), ((5000, 5000, 10_001), "venue_bp")],
)
def test_bad_split_refused(shares: tuple[int, int, int], field: str) -> None:
    with pytest.raises(FormErrors) as caught:
        check_split(*shares)
    assert field in caught.value.errors
