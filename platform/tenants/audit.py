"""The audit log: every change a venue member or a platform admin makes, written in the
same transaction as the change itself.

Recorded in one place, by the session: a model that mixes in ``Audited`` is watched, and
whenever a session acting for a signed-in person (``neutralpoint.database.tenancy.Actor``,
set from the route's access policy) flushes a new, changed or deleted row of one, or runs an
ORM ``UPDATE``/``DELETE`` statement on its table, one ``AuditEntry`` per row says who, when,
what (entity and id) and, for each changed field only, the value before and after. So a new
service cannot forget to log, as it could with a call at the end of each service, and a
change that rolls back (a refused form inside a savepoint) leaves no entry behind.

Secrets are never written: a field named in ``__audit_secret__`` appears as ``REDACTED``
when it changes, and binary fields (logos, evidence files) and bookkeeping counters listed
in ``__audit_skip__`` not at all. Changes made without a signed-in person (a visitor's
estimate, a job) are not audit entries; the domains keep their own records of those (an
order's transitions, the credits ledger).

Each entry belongs to the venue the changed row belongs to (``__audit_venue__`` names the
column holding it), or to none for the platform's own rows (projects, lots, allocations to
every venue). On PostgreSQL a venue reads only its own entries through the same row-level
policy as its other rows; the web role may add entries but never change or delete one.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Final, cast

from sqlalchemy import (
    JSON,
    Delete,
    Index,
    LargeBinary,
    String,
    Table,
    Update,
    Uuid,
    and_,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column

from neutralpoint.database.base import Base, new_id, utcnow
from neutralpoint.database.tenancy import Actor, acting

#: What a secret field's value is written as when it changes.
REDACTED: Final = "[redacted]"


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Audited:
    """Mixin of a model whose changes by people are audited.

    ``__audit_entity__``: the name entries give it (default: the table's name).
    ``__audit_venue__``: the column holding the venue a row belongs to (``None``: the platform's).
    ``__audit_secret__``: fields whose values are never written. ``__audit_skip__``: fields
    not worth an entry (counters kept by sales, derived hashes).
    """

    __audit_entity__: ClassVar[str | None] = None
    __audit_venue__: ClassVar[str | None] = "tenant_id"
    __audit_secret__: ClassVar[frozenset[str]] = frozenset()
    __audit_skip__: ClassVar[frozenset[str]] = frozenset()


class AuditEntry(Base):
    """One change of one row, by one person. Never updated nor deleted."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_tenant_at", "tenant_id", "at"),
        Index("ix_audit_entries_at", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    #: The venue the changed row belongs to; ``None`` for the platform's own rows. No foreign
    #: key: the log outlives what it describes.
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: The person's address when they made the change (it may change later).
    actor_email: Mapped[str] = mapped_column(String(254))
    #: ``platform``, ``owner``, ``manager``, ``staff``, or ``""`` (their own account's routes).
    actor_role: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(8))
    #: The changed fields only: their values before (empty for a new row) and after (empty
    #: for a deleted one).
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def _plain(value: Any) -> Any:
    """A value as JSON keeps it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def _fields(mapper: Mapper[Any]) -> dict[str, bool]:
    """Each column worth an entry, and whether it is secret; never a file's bytes."""
    cls = mapper.class_
    return {
        attr.key: attr.key in cls.__audit_secret__
        for attr in mapper.column_attrs
        if attr.key not in cls.__audit_skip__ and not isinstance(attr.columns[0].type, LargeBinary)
    }


def _shown(value: Any, secret: bool) -> Any:
    return REDACTED if secret and value is not None else _plain(value)


def _entry(
    actor: Actor,
    mapper: Mapper[Any],
    values: Mapping[str, Any],
    action: Action,
    before: dict[str, Any],
    after: dict[str, Any],
) -> dict[str, Any]:
    """The row of an ``AuditEntry``; ``values`` hold at least the changed row's key and venue."""
    cls = mapper.class_
    venue = values.get(cls.__audit_venue__) if cls.__audit_venue__ else None
    return {
        "id": new_id(),
        "tenant_id": venue if isinstance(venue, uuid.UUID) else None,
        "at": utcnow(),
        "actor_id": actor.user_id,
        "actor_email": actor.email,
        "actor_role": actor.role,
        "entity": cls.__audit_entity__ or str(cls.__tablename__),
        "entity_id": "/".join(str(values.get(key)) for key in _primary_key(mapper)),
        "action": action.value,
        "before": before,
        "after": after,
    }


def _primary_key(mapper: Mapper[Any]) -> list[str]:
    return [str(column.key) for column in mapper.primary_key]


def _object_entry(actor: Actor, obj: Audited, action: Action) -> dict[str, Any] | None:
    """The entry of a row the unit of work inserts, updates or deletes (``None``: nothing worth one)."""
    state = inspect(obj)
    mapper = state.mapper
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, secret in _fields(mapper).items():
        if action is Action.UPDATE:
            history = state.attrs[key].history
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if not history.added or old == new:
                continue
            before[key], after[key] = _shown(old, secret), _shown(new, secret)
        else:
            value = state.dict.get(key)
            if value is not None:
                (after if action is Action.CREATE else before)[key] = _shown(value, secret)
    if action is Action.UPDATE and not after:
        return None
    return _entry(actor, mapper, state.dict, action, before, after)


def _write(session: Session, entries: Iterable[dict[str, Any] | None]) -> None:
    rows = [e for e in entries if e is not None]
    if rows:
        session.connection().execute(insert(cast(Table, AuditEntry.__table__)), rows)


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, flush_context: Any) -> None:
    """The unit of work's inserts, updates and deletes of audited rows (their history is
    still there after the flush, and their keys are known)."""
    actor = acting(session)
    if actor is None:
        return
    _write(
        session,
        [
            *(_object_entry(actor, o, Action.CREATE) for o in session.new if isinstance(o, Audited)),
            *(_object_entry(actor, o, Action.UPDATE) for o in session.dirty if isinstance(o, Audited)),
            *(_object_entry(actor, o, Action.DELETE) for o in session.deleted if isinstance(o, Audited)),
        ],
    )


def _rows(session: Session, mapper: Mapper[Any], keys: list[str], where: Any) -> list[dict[str, Any]]:
    statement = select(*(getattr(mapper.class_, key) for key in keys))
    if where is not None:
        statement = statement.where(where)
    return [dict(row._mapping) for row in session.execute(statement)]


@event.listens_for(Session, "do_orm_execute")
def _audit_statement(state: ORMExecuteState) -> Any:
    """An ORM ``UPDATE`` or ``DELETE`` statement on an audited table (which the unit of work
    never sees): the rows it touches, read before and after it runs."""
    if not (state.is_update or state.is_delete):
        return None
    actor = acting(state.session)
    mapper = state.bind_mapper
    if actor is None or mapper is None or not issubclass(mapper.class_, Audited):
        return None
    fields = _fields(mapper)
    venue: str | None = mapper.class_.__audit_venue__
    keys = sorted({*fields, *_primary_key(mapper), *([venue] if venue else [])})
    statement = state.statement
    where = statement.whereclause if isinstance(statement, Update | Delete) else None
    touched = _rows(state.session, mapper, keys, where)
    result = state.invoke_statement()
    entries = []
    for old in touched:
        if state.is_delete:
            gone = {k: _shown(v, fields[k]) for k, v in old.items() if k in fields and v is not None}
            entries.append(_entry(actor, mapper, old, Action.DELETE, gone, {}))
            continue
        same_row = and_(*(getattr(mapper.class_, key) == old[key] for key in _primary_key(mapper)))
        for new in _rows(state.session, mapper, keys, same_row):
            changed = [k for k in fields if old.get(k) != new.get(k)]
            if changed:
                before = {k: _shown(old.get(k), fields[k]) for k in changed}
                after = {k: _shown(new.get(k), fields[k]) for k in changed}
                entries.append(_entry(actor, mapper, new, Action.UPDATE, before, after))
    _write(state.session, entries)
    return result
