"""The QR burst adds a route's rounds up into one latency distribution before it takes a p99."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "qr_burst.py"


@pytest.fixture(scope="module")
def qr_burst() -> ModuleType:
    spec = importlib.util.spec_from_file_location("qr_burst", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["qr_burst"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def a_round(qr_burst: ModuleType, requests: int, slow_share: float, fast_ms: float, slow_ms: float) -> Any:
    """A round whose slowest ``slow_share`` of requests took ``slow_ms``, the rest ``fast_ms``."""
    levels = tuple(slow_ms if level > 100 * (1 - slow_share) else fast_ms for level in qr_burst.LEVELS)
    target = qr_burst.Target("api_post", "POST", "POST", "http://127.0.0.1/")
    p99 = slow_ms if slow_share > 0.01 else fast_ms
    return qr_burst.Result(target, requests, 5.0, fast_ms, p99, slow_ms, 0, levels=levels)


def test_a_slow_round_counts_for_its_share_of_the_requests(qr_burst: ModuleType) -> None:
    calm = a_round(qr_burst, 10_000, 0.0, 20.0, 20.0)
    stalled = a_round(qr_burst, 10_000, 0.015, 20.0, 180.0)  # 150 slow requests
    combined = qr_burst.combine([calm, stalled, calm])

    assert stalled.p99_ms == 180.0
    assert combined.worst_round_p99_ms == 180.0
    # 150 slow requests of 30,000 are 0.5 %: 99 % of them were answered in 20 ms.
    assert combined.p99_ms == 20.0
    assert combined.p50_ms == 20.0
    assert combined.max_ms == 180.0
    assert combined.requests == 30_000


def test_slow_requests_above_one_percent_of_all_set_the_p99(qr_burst: ModuleType) -> None:
    stalled = a_round(qr_burst, 10_000, 0.015, 20.0, 180.0)
    combined = qr_burst.combine([stalled, stalled, a_round(qr_burst, 10_000, 0.0, 20.0, 20.0)])

    # 300 slow requests of 30,000: 1 % exactly, so the 99th percentile is still a fast one...
    assert combined.p99_ms == 20.0
    # ...and one more slow round's worth puts it among the slow ones.
    assert qr_burst.combine([stalled, stalled, stalled]).p99_ms == 180.0


def test_rounds_weigh_as_many_requests_as_they_carried(qr_burst: ModuleType) -> None:
    small_and_slow = a_round(qr_burst, 1_000, 0.5, 20.0, 90.0)  # 500 slow requests
    large_and_fast = a_round(qr_burst, 99_000, 0.0, 10.0, 10.0)
    combined = qr_burst.combine([small_and_slow, large_and_fast])

    # 99,000 of 100,000 took 10 ms, 500 took 20 ms and 500 took 90 ms.
    assert combined.p50_ms == 10.0
    assert combined.p99_ms == 10.0
    assert qr_burst.percentile_of_rounds([small_and_slow, large_and_fast], 99.5) == 20.0
    assert qr_burst.percentile_of_rounds([small_and_slow, large_and_fast], 99.6) == 90.0


def test_the_levels_are_what_the_load_generator_reports(qr_burst: ModuleType) -> None:
    assert len(qr_burst.LEVELS) == 89 + 1001
    assert qr_burst.LEVELS[:3] == (1, 2, 3)
    assert qr_burst.LEVELS[-1] == 100
    assert list(qr_burst.LEVELS) == sorted(qr_burst.LEVELS)
    assert qr_burst.LEVELS.index(99) == 89 + 900
