"""What exists only to serve a QR burst faster, in one place and switchable piece by piece.

A venue's QR code at a conference door is scanned by hundreds of visitors within a
minute. The plain application serves every one of them correctly; the pieces here only
make it cheaper (``docs/benchmarks.md`` measures each one on and off):

- ``entry-cache``: the entry point (its venue, itself, the venue's measured factor values) is
  remembered for a few seconds per process (``cache.EntryCache``);
- ``entry-page``: the entry page is drawn once per path and language, and each visitor
  gets it with their own CSRF token written in;
- ``own-csrf``: the entry page makes its double-submit token itself instead of going
  through Litestar's CSRF and session middleware (``csrf``);
- ``edge``: a valid submission is answered by a route middleware before Litestar's
  signature model and response classes (``edge``);
- ``group-commit``: estimates arriving together share one transaction (``group_commit``);
- ``writer``: the group commit writes a batch as one statement on its own connections
  instead of through SQLAlchemy Core.

``NEUTRALPOINT_FAST_PATH`` chooses them: ``on`` (the default), ``off``, the pieces to keep
(``entry-cache,edge``), or the pieces to leave out (``-edge,-writer``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

#: The setting's names of the pieces, in the order of the fields of ``FastPath``.
PIECES = ("entry-cache", "entry-page", "own-csrf", "edge", "group-commit", "writer")


class FastPathSettingError(ValueError):
    """``NEUTRALPOINT_FAST_PATH`` names something that is not a piece."""


@dataclass(frozen=True)
class FastPath:
    """Which pieces of the fast path this process uses."""

    entry_cache: bool = True
    entry_page: bool = True
    own_csrf: bool = True
    edge: bool = True
    group_commit: bool = True
    writer: bool = True

    @classmethod
    def off(cls) -> FastPath:
        return cls(**{f.name: False for f in fields(cls)})

    @classmethod
    def parse(cls, raw: str | None, name: str = "NEUTRALPOINT_FAST_PATH") -> FastPath:
        """``on``, ``off``, pieces to keep (``a,b``) or pieces to leave out (``-a,-b``)."""
        text = (raw or "on").strip().lower()
        if text in {"on", "true", "1", "yes"}:
            return cls()
        if text in {"off", "false", "0", "no"}:
            return cls.off()
        items = [item.strip() for item in text.split(",") if item.strip()]
        leave_out = [item[1:] for item in items if item.startswith("-")]
        if leave_out and len(leave_out) != len(items):
            raise FastPathSettingError(
                f"{name}: list either the pieces to keep or those to leave out (-piece), not both"
            )
        named = leave_out or items
        unknown = [item for item in named if item not in PIECES]
        if unknown:
            raise FastPathSettingError(
                f"{name}: unknown piece {unknown[0]!r}; the pieces are {', '.join(PIECES)} (or on, off)"
            )
        return cls(**{_field(piece): (piece not in named) == bool(leave_out) for piece in PIECES})

    def describe(self) -> str:
        """The setting's value that gives these pieces."""
        kept = [piece for piece in PIECES if getattr(self, _field(piece))]
        if len(kept) == len(PIECES):
            return "on"
        return ",".join(kept) if kept else "off"


def _field(piece: str) -> str:
    return piece.replace("-", "_")
