"""Registry serial ranges: parse the first and last serial as the registry writes them.

Registries number tonnes in one varying block of digits inside an otherwise fixed
string: ``CN-CCER-…-000001`` to ``…-001000``. Verra and Gold Standard write a whole
block as one serial whose last two numbers are its first and last unit, e.g.
``1234-56789012-56789021-VCS-VCU-263-VER-CN-1-1234-01012020-31122020-0`` (Verra) or
``GS1-1-CN-GS1234-12-2020-12345-1-100`` (Gold Standard); one unit of such a block is
written with the same number twice (``…-56789012-56789012-VCS-…``).

``parse_serial_range`` finds the varying block, counts the tonnes and refuses anything
it cannot read with a message naming the field. Tonne ``i`` (0-based) of a range is
``prefix + number(first + i) + suffix``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from neutralpoint.credits.errors import CreditsInputError, Message

MAX_SERIAL_LENGTH = 200

# A block serial: the unit numbers are the pair ``start-end`` in a known place.
_BLOCK_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Verra", re.compile(r"^(?P<head>\d+-)(?P<start>\d+)-(?P<end>\d+)(?P<tail>-VCS-[A-Za-z0-9-]+)$")),
    (
        "Gold Standard",
        re.compile(r"^(?P<head>GS\d+-\d+-[A-Z]{2}-[A-Za-z0-9-]+?-)(?P<start>\d+)-(?P<end>\d+)(?P<tail>)$"),
    ),
)
_TOKENS = re.compile(r"\d+|\D+")


@dataclass(frozen=True)
class SerialRange:
    """A contiguous run of serial-numbered tonnes."""

    prefix: str
    suffix: str
    width: int
    """Zero-padding of the varying number; 0 when the registry does not pad."""
    first_number: int
    last_number: int
    block_notation: bool
    """One unit is written ``n-n`` (Verra, Gold Standard) rather than ``n``."""

    @property
    def count(self) -> int:
        return self.last_number - self.first_number + 1

    def number_text(self, number: int) -> str:
        digits = str(number).zfill(self.width) if self.width else str(number)
        return f"{digits}-{digits}" if self.block_notation else digits

    def serial(self, index: int) -> str:
        """The serial of tonne ``index`` (0-based) of this range."""
        if not 0 <= index < self.count:
            raise IndexError(f"tonne {index} is outside a range of {self.count}")
        return self.prefix + self.number_text(self.first_number + index) + self.suffix

    @property
    def family(self) -> tuple[str, str, bool]:
        """Ranges of one family share everything but the numbers, so they can overlap."""
        return (self.prefix, self.suffix, self.block_notation)

    def overlaps(self, other: SerialRange) -> bool:
        return (
            self.family == other.family
            and self.first_number <= other.last_number
            and other.first_number <= self.last_number
        )


def _width(first: str, last: str, field: str) -> int:
    if len(first) == len(last):
        return len(first)
    if first.startswith("0") or (last.startswith("0") and len(last) > 1):
        raise CreditsInputError(
            field,
            Message(
                "The number block is padded differently in the first (%(first)s) and last (%(last)s) serial.",
                first=first,
                last=last,
            ),
        )
    return 0


def _block(serial: str) -> tuple[str, re.Match[str]] | None:
    for name, pattern in _BLOCK_FORMATS:
        match = pattern.match(serial)
        if match:
            return name, match
    return None


def _check_text(value: str, field: str, label: str) -> str:
    text = value.strip()
    if not text:
        raise CreditsInputError(
            field,
            Message("Enter the first serial number as the registry writes it.")
            if label == "first"
            else Message("Enter the last serial number as the registry writes it."),
        )
    if len(text) > MAX_SERIAL_LENGTH:
        raise CreditsInputError(
            field, Message("A serial number has at most %(max)s characters.", max=MAX_SERIAL_LENGTH)
        )
    if any(ch.isspace() for ch in text):
        raise CreditsInputError(field, "A serial number has no spaces inside it.")
    return text


def _from_blocks(first: str, last: str) -> SerialRange | None:
    found_first = _block(first)
    found_last = _block(last) if last != first else found_first
    if found_first is None or found_last is None or found_first[0] != found_last[0]:
        return None
    a, b = found_first[1], found_last[1]
    if (a["head"], a["tail"]) != (b["head"], b["tail"]):
        raise CreditsInputError(
            "serial_last",
            Message(
                "The last serial belongs to another %(registry)s block than the first "
                "(they differ outside the unit numbers).",
                registry=found_first[0],
            ),
        )
    for match, field in ((a, "serial_first"), (b, "serial_last")):
        if int(match["end"]) < int(match["start"]):
            raise CreditsInputError(field, "In this block serial the last unit number is smaller than the first.")
    start, end = a["start"], b["end"]
    if int(end) < int(start):
        raise CreditsInputError("serial_last", "The last serial comes before the first.")
    return SerialRange(
        prefix=a["head"],
        suffix=a["tail"],
        width=_width(start, end, "serial_last"),
        first_number=int(start),
        last_number=int(end),
        block_notation=True,
    )


def _from_tokens(first: str, last: str) -> SerialRange:
    left, right = _TOKENS.findall(first), _TOKENS.findall(last)
    if not any(t.isdigit() for t in left):
        raise CreditsInputError("serial_first", "This serial has no number block to count tonnes with.")
    if first == last:
        index = max(i for i, t in enumerate(left) if t.isdigit())
        differing = [index]
    else:
        shape_differs = len(left) != len(right) or any(
            a.isdigit() != b.isdigit() or (not a.isdigit() and a != b) for a, b in zip(left, right, strict=False)
        )
        if shape_differs:
            raise CreditsInputError(
                "serial_last",
                "The last serial differs from the first outside the number block; "
                "both must have the same prefix and suffix.",
            )
        differing = [i for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
        if len(differing) > 1:
            raise CreditsInputError(
                "serial_last", "The last serial differs from the first in more than one number block."
            )
    index = differing[0]
    start, end = left[index], right[index]
    if int(end) < int(start):
        raise CreditsInputError("serial_last", "The last serial comes before the first.")
    return SerialRange(
        prefix="".join(left[:index]),
        suffix="".join(left[index + 1 :]),
        width=_width(start, end, "serial_last"),
        first_number=int(start),
        last_number=int(end),
        block_notation=False,
    )


def parse_serial_range(serial_first: str, serial_last: str | None = None) -> SerialRange:
    """Parse a registry serial range, or raise ``CreditsInputError`` naming the field.

    ``serial_last`` may be empty for a Verra or Gold Standard block serial, which holds
    its own range.
    """
    first = _check_text(serial_first, "serial_first", "first")
    if serial_last is None or not serial_last.strip():
        found = _block(first)
        if found is None:
            raise CreditsInputError(
                "serial_last", "Enter the last serial number (only a Verra or Gold Standard block serial stands alone)."
            )
        last = first
    else:
        last = _check_text(serial_last, "serial_last", "last")
    by_block = _from_blocks(first, last)
    return by_block if by_block is not None else _from_tokens(first, last)


def check_quantity(serials: SerialRange, quantity_tonnes: int) -> None:
    if serials.count != quantity_tonnes:
        raise CreditsInputError(
            "quantity_tonnes",
            Message(
                "The serial range holds %(count)s tonnes but the quantity says %(quantity)s.",
                count=serials.count,
                quantity=quantity_tonnes,
            ),
        )
