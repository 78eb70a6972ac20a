"""One mechanism that scopes every ORM query to the current venue.

The tenant lives on the session (``session.info``). Every ORM SELECT/UPDATE/DELETE
touching a ``TenantScoped`` entity gets a ``with_loader_criteria`` filter; without a
tenant it raises ``UnscopedQueryError`` unless scopes were disabled on purpose
(platform-admin code, jobs, and cross-venue lookups inside ``scopes_disabled``), as
pretix's django-scopes does. On PostgreSQL the same scope is entered into the
transaction through ``app.enter_scope`` with the application's signature of it
(``neutralpoint.database.rls``), so row-level security enforces it a second time and SQL
written by hand cannot widen it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria

from neutralpoint.database.base import TenantScoped

TENANT_KEY = "tenant_id"
DISABLED_KEY = "scopes_disabled"
PENDING_KEY = "scope_not_yet_in_transaction"
#: The connection the session's current transaction holds (set by ``after_begin``).
CONNECTION_KEY = "scope_connection"


#: Request-state key of the ``RequestScope`` a request's session starts with.
REQUEST_SCOPE_KEY = "neutralpoint.db_scope"


#: ``session.info`` key of the ``Actor`` whose changes the session writes.
ACTOR_KEY = "actor"


@dataclass(frozen=True)
class Actor:
    """Who changes things through a session: a signed-in person, and as what (``platform``
    for a platform admin on the platform's routes, their role on a venue's, ``""`` on their
    own account's). The audit log names them (``neutralpoint.tenants.audit``)."""

    user_id: uuid.UUID
    email: str
    role: str = ""


def act_as(session: Any, actor: Actor | None) -> None:
    """Record the changes this session writes as ``actor``'s (``None``: nobody's, as a job's)."""
    sync = _sync(session)
    if actor is None:
        sync.info.pop(ACTOR_KEY, None)
    else:
        sync.info[ACTOR_KEY] = actor


def acting(session: Any) -> Actor | None:
    """The person whose changes this session writes, if any."""
    actor: Actor | None = _sync(session).info.get(ACTOR_KEY)
    return actor


@dataclass(frozen=True)
class RequestScope:
    """The scope a request's session starts with, set by the route's access policy
    before the session exists: one venue, or (platform admins) every venue; and the
    signed-in person acting through it."""

    tenant_id: uuid.UUID | None = None
    all_venues: bool = False
    actor: Actor | None = None

    def apply(self, session: Any) -> None:
        if self.all_venues:
            disable_scopes(session)
        elif self.tenant_id is not None:
            use_tenant(session, self.tenant_id)
        act_as(session, self.actor)


class UnscopedQueryError(RuntimeError):
    """A query on venue-owned rows ran without a tenant scope."""


def current_tenant(session: Any) -> uuid.UUID | None:
    value: uuid.UUID | None = _sync(session).info.get(TENANT_KEY)
    return value


def _is_disabled(session: Session) -> bool:
    return bool(session.info.get(DISABLED_KEY))


def _sync(session: Any) -> Session:
    sync: Session = session.sync_session if hasattr(session, "sync_session") else session
    return sync


def use_tenant(session: Any, tenant_id: uuid.UUID) -> None:
    """Scope this session (and its current transaction on PostgreSQL) to one venue."""
    sync = _sync(session)
    sync.info[TENANT_KEY] = tenant_id
    sync.info.pop(DISABLED_KEY, None)
    _apply_to_open_transaction(sync, immediate=sync is session)


def disable_scopes(session: Any) -> None:
    """Let this session see every venue's rows: platform-admin code and jobs only."""
    sync = _sync(session)
    sync.info[DISABLED_KEY] = True
    _apply_to_open_transaction(sync, immediate=sync is session)


@contextmanager
def scopes_disabled(session: Any) -> Iterator[None]:
    """See every venue's rows for the statements inside the block only, then scope the
    session as it was: for the few lookups that cross venues by design (a verification
    or invitation link names no venue), so that nothing after them runs unscoped."""
    sync = _sync(session)
    was_disabled = DISABLED_KEY in sync.info
    disable_scopes(session)
    try:
        yield
    finally:
        if not was_disabled:
            sync.info.pop(DISABLED_KEY, None)
            _apply_to_open_transaction(sync, immediate=sync is session)


#: Engine execution option carrying the key that signs scopes for that engine's connections.
SCOPE_KEY_OPTION = "neutralpoint_scope_key"
_process_scope_key: bytes | None = None


def use_scope_key(key: bytes | None) -> None:
    """The key for engines made without one (scripts and tests that build a ``Database`` by hand)."""
    global _process_scope_key
    _process_scope_key = key


def scope_key_of(bind: Any | None) -> bytes:
    """The key that signs scopes on ``bind`` (an engine or connection, sync or async; ``None``:
    the process's)."""
    key = None
    if bind is not None:
        bind = getattr(bind, "sync_connection", None) or getattr(bind, "sync_engine", None) or bind
        key = bind.get_execution_options().get(SCOPE_KEY_OPTION)
    key = key or _process_scope_key
    if key is None:
        raise RuntimeError("no database scope key: pass scope_key to Database or call use_scope_key")
    result: bytes = key
    return result


def scope_claim(tenant_id: uuid.UUID | None, all_venues: bool) -> str:
    """The scope as ``app.enter_scope`` names it (``""``: none)."""
    if all_venues:
        return "all-venues"
    return f"venue:{tenant_id}" if tenant_id is not None else ""


def sign_scope(key: bytes, claim: str) -> str:
    """The HMAC of a scope that ``app.enter_scope`` checks against its copy of the key."""
    return hmac.new(key, claim.encode(), hashlib.sha256).hexdigest()


_SCOPE_SELECT = "select app.enter_scope({tenant}, {every}, {signature}) as tenant_id"
#: Scopes the transaction it runs in (parameters: ``scope_parameters``).
SCOPE_SQL = text(
    _SCOPE_SELECT.format(tenant="cast(:tenant as uuid)", every="cast(:every as boolean)", signature=":signature")
)
#: One venue's scope for a driver that takes positional parameters (asyncpg): ``$1`` the
#: tenant, ``$2`` its signature. Run alone it scopes the transaction; as a ``MATERIALIZED``
#: CTE heading a statement, it scopes that statement (see ``group_commit``).
SCOPE_SQL_POSITIONAL = _SCOPE_SELECT.format(tenant="$1::uuid", every="false", signature="$2")


def scope_parameters(key: bytes, tenant_id: uuid.UUID | None, all_venues: bool = False) -> dict[str, Any]:
    """The parameters of ``SCOPE_SQL`` that scope a PostgreSQL transaction as the key's holder."""
    claim = scope_claim(tenant_id, all_venues)
    return {
        "tenant": str(tenant_id) if tenant_id is not None and not all_venues else None,
        "every": all_venues,
        "signature": sign_scope(key, claim) if claim else None,
    }


def _enter_scope(connection: Any, session: Session, *, at_begin: bool = False) -> None:
    if connection.dialect.name != "postgresql":
        return
    tenant, disabled = current_tenant(session), _is_disabled(session)
    if at_begin and tenant is None and not disabled:
        # A transaction starts with no scope: nothing to write, and the policies fail closed.
        return
    connection.execute(SCOPE_SQL, scope_parameters(scope_key_of(connection), tenant, disabled))


def _apply_to_open_transaction(session: Session, immediate: bool = True) -> None:
    """Write the scope into a transaction that already holds a connection.

    An ``AsyncSession`` cannot do I/O from this plain function (outside SQLAlchemy's
    greenlet), so for one the write waits for its next statement or flush.
    """
    connection = session.info.get(CONNECTION_KEY)
    if connection is None:
        return
    if not immediate:
        session.info[PENDING_KEY] = True
        return
    session.info.pop(PENDING_KEY, None)
    _enter_scope(connection, session)


def _apply_pending(session: Session) -> None:
    if session.info.get(PENDING_KEY):
        _apply_to_open_transaction(session)


@event.listens_for(Session, "after_begin")
def _after_begin(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info[CONNECTION_KEY] = connection
    _enter_scope(connection, session, at_begin=True)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: its connection goes back
        session.info.pop(CONNECTION_KEY, None)


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_execute(state: ORMExecuteState) -> None:
    _apply_pending(state.session)
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if not any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        return
    session = state.session
    if _is_disabled(session):
        return
    tenant = current_tenant(session)
    if tenant is None:
        names = ", ".join(sorted(m.class_.__name__ for m in state.all_mappers if issubclass(m.class_, TenantScoped)))
        raise UnscopedQueryError(f"query on venue-owned {names} without a tenant scope")
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context: Any, instances: Any) -> None:
    _apply_pending(session)
    disabled = _is_disabled(session)
    tenant = current_tenant(session)
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantScoped):
            continue
        owner = obj.tenant_id
        if owner is None:
            if tenant is None:
                raise UnscopedQueryError(f"new {type(obj).__name__} without a tenant scope")
            obj.tenant_id = tenant
        elif not disabled and tenant is not None and owner != tenant:
            raise UnscopedQueryError(f"{type(obj).__name__} belongs to another venue")
        elif not disabled and tenant is None:
            raise UnscopedQueryError(f"write to venue-owned {type(obj).__name__} without a tenant scope")
