"""Putting the chosen pieces of the fast path into one application."""

from __future__ import annotations

from litestar import Litestar

from neutralpoint.database.engine import Database
from neutralpoint.fastpath import FastPath, edge
from neutralpoint.fastpath.cache import SESSION_INFO_KEY, EntryCache
from neutralpoint.fastpath.csrf import OWN_CSRF_OPT
from neutralpoint.fastpath.group_commit import GroupCommit
from neutralpoint.web.access import OPT_KEY as ACCESS_OPT


def prepare_database(db: Database, fast_path: FastPath) -> EntryCache:
    """The application's entry cache (on every session of ``db``) and its row writer."""
    cache = EntryCache(enabled=fast_path.entry_cache, pages=fast_path.entry_page)
    db.sessionmaker.configure(info={SESSION_INFO_KEY: cache})
    if fast_path.group_commit:
        db.row_writer = GroupCommit(db.engine, own_writer=fast_path.writer)
    return cache


def prepare_routes(app: Litestar, fast_path: FastPath, *, session_opt_key: str) -> None:
    """Route opts from the route table: the visitor's own CSRF check, and the edge's shortcuts.

    ``app``'s route handlers are its own copies, so this changes no other application. A
    shortcut answers before the route's guards run, so only a public route may have one.
    """
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            policy = handler.opt.get(ACCESS_OPT)
            if edge.SHORTCUT_OPT in handler.opt and not getattr(policy, "public", False):
                raise RuntimeError(f"{handler}: a fast-path shortcut answers before the guards: make the route public")
    if not fast_path.edge:
        edge.disable(app)
    if not fast_path.own_csrf or app.csrf_config is None:
        return
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if handler.opt.get(OWN_CSRF_OPT):
                handler.opt[app.csrf_config.exclude_from_csrf_key] = True
                handler.opt[session_opt_key] = True
