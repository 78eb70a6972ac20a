"""The entry cache: what a QR burst reads again and again, remembered per process.

A burst is hundreds of visitors opening and posting the same entry point within a
minute. Resolving it (the venue by slug, its entry point by code, the venue's measured
factor values) is the same few queries every time, and drawing its page the same
template. One ``EntryCache`` per application keeps them:

- the entry point and the venue's factor set, for ``seconds`` (another process's change is seen
  within that time);
- the venue's id by slug, so that a transaction is scoped before its first statement
  (the venue row itself is still read, by id and slug, so a renamed or suspended venue
  is never served from memory);
- the entry page drawn per path and language, and the untouched form's fields;
- the factor-set snapshots known to be stored (global rows, nothing of a venue);
- the lookups under way, so that when an entry point expires in the middle of a burst the
  requests in flight wait for one lookup instead of each querying the database.

``invalidate`` drops what follows from venue rows: it runs whenever this process commits
a change to one of the models named with ``invalidate_on_change``, in every cache of the
process. ``reset`` drops everything. Without the ``entry-cache`` piece (``enabled``
false) it remembers no entry point, factor set or snapshot: every request reads the
database; without the ``entry-page`` piece (``pages`` false) every page is drawn anew.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

#: Seconds an entry point and a venue's factor set are remembered.
ENTRY_SECONDS = 5.0
#: Items a kind of entry holds before it starts afresh (a burst touches a few entry points).
MAX_ITEMS = 10_000
#: Drawn pages and untouched forms (per path or form, and language).
MAX_PAGES = 2048
#: ``Session.info`` key of the cache the session's application uses.
SESSION_INFO_KEY = "neutralpoint_entry_cache"
_CHANGED_KEY = "neutralpoint_entry_cache_changed"

_live: weakref.WeakSet[EntryCache] = weakref.WeakSet()


class _Kept:
    """One kind of entry: a bounded dict, optionally with an expiry per item."""

    __slots__ = ("items", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: dict[Hashable, Any] = {}

    def put(self, key: Hashable, value: Any) -> None:
        if len(self.items) >= self.limit and key not in self.items:
            self.items.clear()  # a burst's entry points are few: start afresh rather than track ages
        self.items[key] = value


class EntryCache:
    """Remembered entry points, factor sets, pages and snapshots of one application."""

    def __init__(
        self, *, enabled: bool = True, pages: bool = True, seconds: float = ENTRY_SECONDS, max_items: int = MAX_ITEMS
    ) -> None:
        self.enabled = enabled
        self.pages = pages
        self.seconds = seconds
        self._venue_ids = _Kept(max_items)
        self._entry_points = _Kept(max_items)
        self._factor_sets = _Kept(max_items)
        self._snapshots = _Kept(max_items)
        self._pages = _Kept(MAX_PAGES)
        self._forms = _Kept(MAX_PAGES)
        self._lookups: dict[Hashable, asyncio.Future[Any]] = {}
        _live.add(self)

    # --- entry points --------------------------------------------------------------------------

    def venue_id(self, slug: str) -> Any:
        return self._venue_ids.items.get(slug) if self.enabled else None

    def keep_venue_id(self, slug: str, venue_id: Any) -> None:
        if self.enabled:
            self._venue_ids.put(slug, venue_id)

    def forget_venue_id(self, slug: str) -> None:
        self._venue_ids.items.pop(slug, None)

    def entry_point(self, slug: str, code: str) -> Any:
        """The entry point resolved in the last ``seconds``, else ``None``."""
        return self._fresh(self._entry_points, (slug, code))

    def keep_entry_point(self, slug: str, code: str, entry: Any) -> None:
        self._keep_fresh(self._entry_points, (slug, code), entry)

    def factor_set(self, venue_id: Any, scenario: str) -> Any:
        """The venue's factor set for ``scenario`` read in the last ``seconds``, else ``None``."""
        return self._fresh(self._factor_sets, (venue_id, scenario))

    def keep_factor_set(self, venue_id: Any, scenario: str, factor_set: Any) -> None:
        self._keep_fresh(self._factor_sets, (venue_id, scenario), factor_set)

    async def coalesce(self, key: Hashable, lookup: Callable[[], Awaitable[T]]) -> T:
        """``lookup()``, shared with the requests that ask for the same ``key`` meanwhile."""
        if not self.enabled:
            return await lookup()
        under_way = self._lookups.get(key)
        if under_way is not None:
            try:
                result: T = await asyncio.shield(under_way)
                return result
            except asyncio.CancelledError:
                if not under_way.cancelled():
                    raise  # this request was cancelled
                # the request doing the lookup went away: this one looks up for itself
                return await lookup()
        shared: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._lookups[key] = shared
        try:
            found = await lookup()
        except asyncio.CancelledError:
            shared.cancel()
            raise
        except BaseException as exc:
            shared.set_exception(exc)
            shared.exception()  # retrieved here, whether or not anybody was waiting
            raise
        else:
            shared.set_result(found)
            return found
        finally:
            del self._lookups[key]

    # --- pages ------------------------------------------------------------------------------

    def page(self, key: Hashable, drawn_from: Any) -> Any:
        """The page kept under ``key`` if it was drawn from the same (remembered) ``drawn_from``."""
        if not self.pages:
            return None
        kept = self._pages.items.get(key)
        return kept[1] if kept is not None and kept[0] is drawn_from else None

    def keep_page(self, key: Hashable, drawn_from: Any, page: Any) -> None:
        if self.pages:
            self._pages.put(key, (drawn_from, page))

    def form(self, key: Hashable) -> Any:
        return self._forms.items.get(key) if self.pages else None

    def keep_form(self, key: Hashable, fields_html: Any) -> None:
        if self.pages:
            self._forms.put(key, fields_html)

    # --- snapshots --------------------------------------------------------------------------

    def snapshot_stored(self, scenario: str, version: str, fingerprint: str) -> bool:
        """Whether this factor-set version is known to be stored with this fingerprint."""
        return self.enabled and self._snapshots.items.get((scenario, version)) == fingerprint

    def keep_snapshots(self, stored: dict[tuple[str, str], str]) -> None:
        if self.enabled:
            for key, fingerprint in stored.items():
                self._snapshots.put(key, fingerprint)

    # --- dropping ---------------------------------------------------------------------------

    def invalidate(self) -> None:
        """Drop what follows from venue rows: entry points, factor sets, pages."""
        self._entry_points.items.clear()
        self._factor_sets.items.clear()
        self._pages.items.clear()

    def reset(self) -> None:
        """Drop everything (lookups under way finish for their own requests)."""
        self.invalidate()
        self._venue_ids.items.clear()
        self._snapshots.items.clear()
        self._forms.items.clear()

    def _fresh(self, kept: _Kept, key: Hashable) -> Any:
        if not self.enabled:
            return None
        found = kept.items.get(key)
        return found[1] if found is not None and found[0] > time.monotonic() else None

    def _keep_fresh(self, kept: _Kept, key: Hashable, value: Any) -> None:
        if self.enabled:
            kept.put(key, (time.monotonic() + self.seconds, value))


DISABLED = EntryCache(enabled=False, pages=False)


def cache_of(session: Any) -> EntryCache:
    """The cache of the application whose session this is (a disabled one for any other session)."""
    sync = session.sync_session if hasattr(session, "sync_session") else session
    cache: EntryCache = sync.info.get(SESSION_INFO_KEY, DISABLED)
    return cache


def invalidate_everywhere() -> None:
    for cache in list(_live):
        cache.invalidate()


def invalidate_on_change(*models: type) -> None:
    """Drop every cache's entry points whenever this process commits a change to one of ``models``."""

    def note(session: Session, flush_context: Any) -> None:
        touched = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(obj, models) for obj in touched):
            session.info[_CHANGED_KEY] = True

    def drop(session: Session) -> None:
        if session.info.pop(_CHANGED_KEY, False):
            invalidate_everywhere()

    event.listen(Session, "after_flush", note)
    event.listen(Session, "after_commit", drop)
