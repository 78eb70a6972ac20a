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

from neutralpoint.refusals import problem, refuse

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
        raise refuse(
            field,
            problem(
                "serial_mismatch",
                "The number block is padded differently in the first ({first}) and last ({last}) serial.",
                "首个序列号（{first}）与最后一个序列号（{last}）的数字段补零位数不同。",
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
        raise refuse(
            field,
            problem(
                "required",
                "Enter the first serial number as the registry writes it.",
                "请按登记簿的写法输入首个序列号。",
            )
            if label == "first"
            else problem(
                "required",
                "Enter the last serial number as the registry writes it.",
                "请按登记簿的写法输入末个序列号。",
            ),
        )
    if len(text) > MAX_SERIAL_LENGTH:
        raise refuse(
            field,
            problem(
                "too_long",
                "A serial number has at most {max} characters.",
                "序列号最多 {max} 个字符。",
                max=MAX_SERIAL_LENGTH,
            ),
        )
    if any(ch.isspace() for ch in text):
        raise refuse(
            field, problem("serial_format", "A serial number has no spaces inside it.", "序列号中不能有空格。")
        )
    return text


def _from_blocks(first: str, last: str) -> SerialRange | None:
    found_first = _block(first)
    found_last = _block(last) if last != first else found_first
    if found_first is None or found_last is None or found_first[0] != found_last[0]:
        return None
    a, b = found_first[1], found_last[1]
    if (a["head"], a["tail"]) != (b["head"], b["tail"]):
        raise refuse(
            "serial_last",
            problem(
                "serial_mismatch",
                "The last serial belongs to another {registry} block than the first "
                "(they differ outside the unit numbers).",
                "最后一个序列号与首个序列号不属于同一个 {registry} 区块（二者在单位编号以外的部分不同）。",
                registry=found_first[0],
            ),
        )
    for match, field in ((a, "serial_first"), (b, "serial_last")):
        if int(match["end"]) < int(match["start"]):
            raise refuse(
                field,
                problem(
                    "serial_order",
                    "In this block serial the last unit number is smaller than the first.",
                    "此区块序列号中末个单位编号小于首个。",
                ),
            )
    start, end = a["start"], b["end"]
    if int(end) < int(start):
        raise refuse(
            "serial_last",
            problem("serial_order", "The last serial comes before the first.", "末个序列号在首个序列号之前。"),
        )
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
        raise refuse(
            "serial_first",
            problem(
                "serial_format",
                "This serial has no number block to count tonnes with.",
                "此序列号没有可用于计数吨的数字块。",
            ),
        )
    if first == last:
        index = max(i for i, t in enumerate(left) if t.isdigit())
        differing = [index]
    else:
        shape_differs = len(left) != len(right) or any(
            a.isdigit() != b.isdigit() or (not a.isdigit() and a != b) for a, b in zip(left, right, strict=False)
        )
        if shape_differs:
            raise refuse(
                "serial_last",
                problem(
                    "serial_mismatch",
                    "The last serial differs from the first outside the number block; "
                    "both must have the same prefix and suffix.",
                    "末个序列号与首个序列号在数字块之外不同；两者的前缀和后缀必须相同。",
                ),
            )
        differing = [i for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
        if len(differing) > 1:
            raise refuse(
                "serial_last",
                problem(
                    "serial_mismatch",
                    "The last serial differs from the first in more than one number block.",
                    "末个序列号与首个序列号有不止一个数字块不同。",
                ),
            )
    index = differing[0]
    start, end = left[index], right[index]
    if int(end) < int(start):
        raise refuse(
            "serial_last",
            problem("serial_order", "The last serial comes before the first.", "末个序列号在首个序列号之前。"),
        )
    return SerialRange(
        prefix="".join(left[:index]),
        suffix="".join(left[index + 1 :]),
        width=_width(start, end, "serial_last"),
        first_number=int(start),
        last_number=int(end),
        block_notation=False,
    )


def parse_serial_range(serial_first: str, serial_last: str | None = None) -> SerialRange:
    """Parse a registry serial range, or raise ``FormErrors`` naming the field.

    ``serial_last`` may be empty for a Verra or Gold Standard block serial, which holds
    its own range.
    """
    first = _check_text(serial_first, "serial_first", "first")
    if serial_last is None or not serial_last.strip():
        found = _block(first)
        if found is None:
            raise refuse(
                "serial_last",
                problem(
                    "required",
                    "Enter the last serial number (only a Verra or Gold Standard block serial stands alone).",
                    "请输入末个序列号（只有 Verra 或黄金标准的区块序列号可以单独使用）。",
                ),
            )
        last = first
    else:
        last = _check_text(serial_last, "serial_last", "last")
    by_block = _from_blocks(first, last)
    return by_block if by_block is not None else _from_tokens(first, last)


def check_quantity(serials: SerialRange, quantity_tonnes: int) -> None:
    if serials.count != quantity_tonnes:
        raise refuse(
            "quantity_tonnes",
            problem(
                "quantity_mismatch",
                "The serial range holds {count} tonnes but the quantity says {quantity}.",
                "序列号范围包含 {count} 吨，但填写的数量为 {quantity} 吨。",
                count=serials.count,
                quantity=quantity_tonnes,
            ),
        )
