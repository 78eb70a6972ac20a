"""The entry cache: what it remembers, for how long, and what ``invalidate`` and ``reset`` drop."""

from __future__ import annotations

import asyncio
import uuid

from neutralpoint.fastpath.cache import EntryCache


def test_entry_points_and_factor_sets_expire() -> None:
    cache = EntryCache(seconds=60)
    venue = uuid.uuid4()
    cache.keep_entry_point("hall", "ABC", "entry")
    cache.keep_factor_set(venue, "meetings", "factors")
    assert cache.entry_point("hall", "ABC") == "entry"
    assert cache.entry_point("hall", "XYZ") is None
    assert cache.factor_set(venue, "meetings") == "factors"
    expired = EntryCache(seconds=0)
    expired.keep_entry_point("hall", "ABC", "entry")
    assert expired.entry_point("hall", "ABC") is None


def test_a_page_is_served_only_for_the_entry_point_it_was_drawn_from() -> None:
    cache = EntryCache()
    drawn_from, later = object(), object()
    cache.keep_page(("/v/hall/ABC", "en"), drawn_from, b"page")
    assert cache.page(("/v/hall/ABC", "en"), drawn_from) == b"page"
    assert cache.page(("/v/hall/ABC", "en"), later) is None
    assert cache.page(("/v/hall/ABC", "zh-Hans"), drawn_from) is None


def test_invalidate_drops_what_follows_from_venue_rows_and_reset_everything() -> None:
    cache = EntryCache()
    venue = uuid.uuid4()
    drawn_from = object()
    cache.keep_venue_id("hall", venue)
    cache.keep_entry_point("hall", "ABC", "entry")
    cache.keep_factor_set(venue, "meetings", "factors")
    cache.keep_page("page", drawn_from, b"page")
    cache.keep_form("form", "fields")
    cache.keep_snapshots({("meetings", "2025.1"): "f1"})
    cache.invalidate()
    assert (cache.entry_point("hall", "ABC"), cache.factor_set(venue, "meetings"), cache.page("page", drawn_from)) == (
        None,
        None,
        None,
    )
    assert cache.venue_id("hall") == venue
    assert cache.form("form") == "fields"
    assert cache.snapshot_stored("meetings", "2025.1", "f1")
    assert not cache.snapshot_stored("meetings", "2025.1", "another fingerprint")
    cache.reset()
    assert cache.venue_id("hall") is None
    assert cache.form("form") is None
    assert not cache.snapshot_stored("meetings", "2025.1", "f1")


def test_switched_off_it_remembers_nothing() -> None:
    cache = EntryCache(enabled=False, pages=False)
    cache.keep_venue_id("hall", uuid.uuid4())
    cache.keep_entry_point("hall", "ABC", "entry")
    cache.keep_page("page", None, b"page")
    cache.keep_form("form", "fields")
    cache.keep_snapshots({("meetings", "2025.1"): "f1"})
    assert cache.venue_id("hall") is None
    assert cache.entry_point("hall", "ABC") is None
    assert cache.page("page", None) is None
    assert cache.form("form") is None
    assert not cache.snapshot_stored("meetings", "2025.1", "f1")


def test_pages_without_remembered_entry_points() -> None:
    cache = EntryCache(enabled=False, pages=True)
    cache.keep_form("form", "fields")
    cache.keep_entry_point("hall", "ABC", "entry")
    assert cache.form("form") == "fields"
    assert cache.entry_point("hall", "ABC") is None


async def test_lookups_for_the_same_key_are_shared_while_under_way() -> None:
    cache = EntryCache()
    calls = 0
    release = asyncio.Event()

    async def look_up() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "found"

    waiting = [asyncio.create_task(cache.coalesce("key", look_up)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == ["found"] * 5
    assert calls == 1
    off = EntryCache(enabled=False)
    release.clear()
    waiting = [asyncio.create_task(off.coalesce("key", look_up)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(*waiting)
    assert calls == 4
