"""Registry serial ranges: the formats registries write, and every way input goes wrong."""

from __future__ import annotations

import pytest

from neutralpoint.credits.serials import check_quantity, parse_serial_range
from neutralpoint.refusals import FormErrors

VERRA_BLOCK = "1234-56789012-56789021-VCS-VCU-263-VER-CN-1-1234-01012020-31122020-0"


def test_verra_block_serial_holds_its_own_range() -> None:
    found = parse_serial_range(VERRA_BLOCK, "")
    assert found.count == 10
    assert found.serial(0) == "1234-56789012-56789012-VCS-VCU-263-VER-CN-1-1234-01012020-31122020-0"
    assert found.serial(9) == "1234-56789021-56789021-VCS-VCU-263-VER-CN-1-1234-01012020-31122020-0"


def test_verra_first_and_last_unit_serials() -> None:
    first = "1234-56789012-56789012-VCS-VCU-263-VER-CN-1-1234-01012020-31122020-0"
    last = "1234-56789021-56789021-VCS-VCU-263-VER-CN-1-1234-01012020-31122020-0"
    found = parse_serial_range(first, last)
    assert found.count == 10
    assert found.serial(3) == "1234-56789015-56789015-VCS-VCU-263-VER-CN-1-1234-01012020-31122020-0"
    assert found.serial(9) == last


def test_gold_standard_block_serial() -> None:
    found = parse_serial_range("GS1-1-CN-GS1234-12-2020-12345-1-100")
    assert found.count == 100
    assert found.serial(0) == "GS1-1-CN-GS1234-12-2020-12345-1-1"
    assert found.serial(99) == "GS1-1-CN-GS1234-12-2020-12345-100-100"


def test_ccer_style_zero_padded_range() -> None:
    found = parse_serial_range("CN-CCER-SC-2017-0042-000001", "CN-CCER-SC-2017-0042-001000")
    assert (found.prefix, found.suffix, found.width) == ("CN-CCER-SC-2017-0042-", "", 6)
    assert found.count == 1000
    assert found.serial(0) == "CN-CCER-SC-2017-0042-000001"
    assert found.serial(41) == "CN-CCER-SC-2017-0042-000042"
    assert found.serial(999) == "CN-CCER-SC-2017-0042-001000"


def test_number_block_in_the_middle_keeps_its_suffix() -> None:
    found = parse_serial_range("CDCER-2021-000101-FOR", "CDCER-2021-000150-FOR")
    assert found.count == 50
    assert found.serial(1) == "CDCER-2021-000102-FOR"


def test_unpadded_numbers_grow_in_width() -> None:
    found = parse_serial_range("LOT-7-T1", "LOT-7-T1000")
    assert found.width == 0
    assert [found.serial(i) for i in (0, 8, 9, 999)] == ["LOT-7-T1", "LOT-7-T9", "LOT-7-T10", "LOT-7-T1000"]


def test_single_tonne_range() -> None:
    found = parse_serial_range("CN-CCER-000777", "CN-CCER-000777")
    assert found.count == 1
    assert found.serial(0) == "CN-CCER-000777"


def test_every_serial_of_a_range_is_distinct_and_in_order() -> None:
    found = parse_serial_range("X-0000990", "X-0001010")
    serials = [found.serial(i) for i in range(found.count)]
    assert len(set(serials)) == found.count == 21
    assert serials == sorted(serials)
    with pytest.raises(IndexError):
        found.serial(found.count)


@pytest.mark.parametrize(
    ("first", "last", "field", "words"),
    [
        ("", "CN-1", "serial_first", "Enter the first"),
        ("CN-CCER-000001", "", "serial_last", "Enter the last"),
        ("CN-CCER-1-ABC", "CN-CCER-1-ABD", "serial_last", "outside the number block"),
        ("NODIGITS", "NODIGITS", "serial_first", "no number block"),
        ("CN-CCER-000100", "CN-CCER-000001", "serial_last", "comes before"),
        ("CN-CCER-000001", "CN-CDCER-000100", "serial_last", "outside the number block"),
        ("CN-2017-000001", "CN-2018-000100", "serial_last", "more than one number block"),
        ("CN-01", "CN-100", "serial_last", "padded differently"),
        ("CN 000001", "CN 000002", "serial_first", "no spaces"),
        ("GS1-1-CN-GS1234-12-2020-12345-100-1", "", "serial_first", "smaller than the first"),
        (VERRA_BLOCK, VERRA_BLOCK.replace("1234-5678", "9999-5678"), "serial_last", "another Verra block"),
        ("A" * 201 + "1", "A" * 201 + "2", "serial_first", "at most"),
    ],
)
def test_bad_ranges_name_the_field(first: str, last: str, field: str, words: str) -> None:
    with pytest.raises(FormErrors) as caught:
        parse_serial_range(first, last)
    assert list(caught.value.errors) == [field]
    assert words in str(caught.value)


def test_quantity_must_match_the_count() -> None:
    found = parse_serial_range("CN-000001", "CN-000100")
    check_quantity(found, 100)
    with pytest.raises(FormErrors) as caught:
        check_quantity(found, 99)
    assert list(caught.value.errors) == ["quantity_tonnes"]
    assert "100 tonnes" in str(caught.value)


def test_overlap_is_within_one_family_only() -> None:
    a = parse_serial_range("CN-000001", "CN-000100")
    b = parse_serial_range("CN-000100", "CN-000200")
    c = parse_serial_range("CN-000101", "CN-000200")
    other_family = parse_serial_range("CX-000001", "CX-000100")
    assert a.overlaps(b)
    assert b.overlaps(a)
    assert not a.overlaps(c)
    assert not a.overlaps(other_family)
