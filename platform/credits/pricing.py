"""Prices and splits in integer minor units: pure functions, no rounding surprises.

- A price is ``grams × price per tonne / 1,000,000`` **rounded up** to the currency's
  minor unit (the buyer never pays less than the grams are worth).
- A payment provider cannot charge less than its minimum; below it the quote offers the
  grams the minimum amount buys, or to round the charge up to the minimum.
- A sale's amount is split between the project owner, the platform and the venue by
  basis points with the largest-remainder method, so the three parts add up exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel.numbers import get_currency_precision, list_currencies

from neutralpoint import input_rules as rules
from neutralpoint.refusals import Collector, checked, problem, refuse

GRAMS_PER_TONNE = 1_000_000
BASIS_POINTS = 10_000

# ISO 4217 codes that are not money one can be charged in: test, "no currency",
# precious metals, bond-market units and special drawing rights.
_NOT_CHARGEABLE = frozenset({"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"})

# Stripe's minimum charge per currency, in minor units (stripe.com/docs/currencies,
# "Minimum and maximum charge amounts"). Stripe lists no CNY minimum and requires the
# equivalent of USD 0.50 after conversion; ¥4.00 stays above that.
STRIPE_MINIMUM_CHARGE_MINOR: dict[str, int] = {
    "USD": 50,
    "AED": 200,
    "AUD": 50,
    "BGN": 100,
    "BRL": 50,
    "CAD": 50,
    "CHF": 50,
    "CNY": 400,
    "CZK": 1500,
    "DKK": 250,
    "EUR": 50,
    "GBP": 30,
    "HKD": 400,
    "HUF": 17500,
    "INR": 50,
    "JPY": 50,
    "MXN": 1000,
    "MYR": 200,
    "NOK": 300,
    "NZD": 50,
    "PLN": 200,
    "RON": 200,
    "SEK": 300,
    "SGD": 50,
    "THB": 1000,
}


def known_currencies() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if code not in _NOT_CHARGEABLE)


_KNOWN = known_currencies()


def check_currency(code: str, field: str = "currency") -> str:
    """The upper-case ISO 4217 code, or ``FormErrors`` naming ``field``."""
    value = (code or "").strip().upper()
    if len(value) != 3 or not value.isalpha():
        raise refuse(
            field,
            problem(
                "currency_format",
                "Enter a three-letter ISO 4217 currency code, such as CNY, EUR or USD.",
                "请输入三个字母的 ISO 4217 币种代码，例如 CNY、EUR 或 USD。",
            ),
        )
    if value not in _KNOWN:
        raise refuse(
            field,
            problem(
                "currency_unknown",
                "{code} is not a currency we know (ISO 4217).",
                "{code} 不是已知的币种（ISO 4217）。",
                code=value,
            ),
        )
    return value


def minor_unit_digits(currency: str) -> int:
    """Decimal places of the currency's minor unit (CNY 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(check_currency(currency)))


def minimum_charge_minor(currency: str) -> int:
    """The payment provider's minimum charge; one minor unit where none is documented."""
    return STRIPE_MINIMUM_CHARGE_MINOR.get(check_currency(currency), 1)


def _check_positive(value: int, field: str) -> None:
    checked(field, rules.whole_number, value, minimum=1)


def price_for_grams(grams: int, price_per_tonne_minor: int) -> int:
    """``ceil(grams × price / 1,000,000)`` in integers."""
    _check_positive(grams, "grams")
    _check_positive(price_per_tonne_minor, "price_per_tonne_minor")
    return -(-grams * price_per_tonne_minor // GRAMS_PER_TONNE)


def grams_for_amount(amount_minor: int, price_per_tonne_minor: int) -> int:
    """The most grams ``amount_minor`` pays for: ``floor(amount × 1,000,000 / price)``."""
    _check_positive(price_per_tonne_minor, "price_per_tonne_minor")
    if amount_minor < 0:
        raise refuse("amount_minor", problem("too_small", "An amount cannot be negative.", "金额不能为负数。"))
    return amount_minor * GRAMS_PER_TONNE // price_per_tonne_minor


@dataclass(frozen=True)
class Quote:
    """What ``grams`` cost, and what to offer when that is below the minimum charge."""

    grams: int
    currency: str
    price_per_tonne_minor: int
    price_minor: int
    """Exact price, rounded up to the minor unit."""
    minimum_minor: int
    grams_for_minimum: int
    """Option (a) below the minimum: the grams the minimum amount buys."""

    @property
    def below_minimum(self) -> bool:
        return self.price_minor < self.minimum_minor

    @property
    def rounded_up_minor(self) -> int:
        """Option (b) below the minimum: keep the grams, pay the minimum."""
        return max(self.price_minor, self.minimum_minor)


def quote(grams: int, price_per_tonne_minor: int, currency: str, minimum_minor: int | None = None) -> Quote:
    currency = check_currency(currency)
    price = price_for_grams(grams, price_per_tonne_minor)
    minimum = minimum_charge_minor(currency) if minimum_minor is None else minimum_minor
    return Quote(
        grams=grams,
        currency=currency,
        price_per_tonne_minor=price_per_tonne_minor,
        price_minor=price,
        minimum_minor=minimum,
        grams_for_minimum=grams_for_amount(minimum, price_per_tonne_minor),
    )


@dataclass(frozen=True)
class Split:
    """Who is owed what of one sale, in minor units."""

    owner_minor: int
    platform_minor: int
    venue_minor: int

    @property
    def total_minor(self) -> int:
        return self.owner_minor + self.platform_minor + self.venue_minor


def check_split(owner_bp: int, platform_bp: int, venue_bp: int) -> None:
    """Basis points that are whole, not negative and add up to 100 %."""
    problems = Collector()
    for name, value in (("owner_bp", owner_bp), ("platform_bp", platform_bp), ("venue_bp", venue_bp)):
        problems.field(name, rules.whole_number, value, minimum=0, maximum=BASIS_POINTS)
    problems.raise_if_any()
    if owner_bp + platform_bp + venue_bp != BASIS_POINTS:
        raise refuse(
            "owner_bp",
            problem(
                "shares_total",
                "The shares of owner, platform and venue must add up to 10000 basis points (100 %); "
                "they add up to {total}.",
                "项目业主、平台和场所的份额之和必须为 10000 个基点（100%）；现在合计为 {total}。",
                total=owner_bp + platform_bp + venue_bp,
            ),
        )


def apportion(amount_minor: int, weights: Sequence[int]) -> list[int]:
    """Largest-remainder apportionment of ``amount_minor`` in proportion to ``weights``:
    each part is its exact share rounded down, and the units left over go to the largest
    fractions (ties: the earlier weight), so the parts always add up to the amount."""
    if type(amount_minor) is not int or amount_minor < 0:
        raise refuse(
            "amount_minor",
            problem(
                "not_an_integer",
                "An amount is a whole, non-negative number of minor units.",
                "金额须为以最小货币单位计的非负整数。",
            ),
        )
    if any(type(w) is not int or w < 0 for w in weights) or sum(weights) <= 0:
        raise refuse(
            "weights",
            problem(
                "weights_invalid",
                "Weights are whole, non-negative numbers with a positive sum.",
                "权重须为非负整数，且总和大于零。",
            ),
        )
    total = sum(weights)
    parts = [amount_minor * w // total for w in weights]
    remainders = [amount_minor * w % total for w in weights]
    left = amount_minor - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: -remainders[i])[:left]:
        parts[i] += 1
    return parts


def split_amount(amount_minor: int, owner_bp: int, platform_bp: int, venue_bp: int) -> Split:
    """Largest-remainder split: each part is its exact share rounded down, and the minor
    units left over go to the largest fractions (ties: owner, then venue, then platform)."""
    check_split(owner_bp, platform_bp, venue_bp)
    if type(amount_minor) is not int or amount_minor < 0:
        raise refuse(
            "amount_minor",
            problem(
                "not_an_integer",
                "An amount is a whole, non-negative number of minor units.",
                "金额须为以最小货币单位计的非负整数。",
            ),
        )
    owner, venue, platform = apportion(amount_minor, [owner_bp, venue_bp, platform_bp])
    return Split(owner_minor=owner, platform_minor=platform, venue_minor=venue)
