"""Server-side sessions that the platform can end: the cookie holds only a random id.

Litestar's server-side sessions keep what a signed-in browser carries (who, since when,
under which session epoch) in a store: Redis when ``REDIS_URL`` is set, else the
``web_sessions`` table (``DatabaseStore``). The browser's ``np_session`` cookie holds
nothing but a random id, and the store keys each session by that id's SHA-256, so a copy
of Redis or of the table opens no session.

How a session ends:

- signing out deletes it from the store (a copied cookie opens nothing any more);
- a password change or reset, and "sign out everywhere", raise the user's
  ``session_epoch``: every session made under the old one is refused, and forgotten, at
  its next request (``neutralpoint.tenants.auth.signed_in_user``);
- ``SESSION_IDLE_MINUTES`` without a request: the store lets it expire (each request
  renews it);
- ``SESSION_MAX_HOURS`` after signing in, however busy: refused when loaded.

Signing in always starts a new id (``NEW_SESSION_KEY``), so an id planted in a browser
before sign-in is never the signed-in one. Requests without a session (visitors) cost no
store write and get no cookie.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from litestar.types import Empty
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from neutralpoint.tenants.models import WebSession

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.connection import ASGIConnection
    from litestar.types import Message, ScopeSession

    from neutralpoint.database.engine import Database
    from neutralpoint.settings import Settings

COOKIE_NAME: Final = "np_session"
#: The name the application registers its session store under (``Litestar(stores=…)``).
STORE_NAME: Final = "sessions"
#: Keys of the session's data.
USER_KEY: Final = "user_id"
EPOCH_KEY: Final = "epoch"
SINCE_KEY: Final = "since"
#: Request-state key: this response starts a new session id (set by ``auth.sign_in``).
NEW_SESSION_KEY: Final = "neutralpoint.new_session"
#: Request-state key: the session's data as it was loaded (to write it only when changed).
_LOADED_KEY: Final = "neutralpoint.session_loaded"
#: The database store renews an idle deadline only when it moves by more than this, so
#: that a busy dashboard does not write its session row on every request.
RENEW_SLACK_SECONDS: Final = 60
#: Random bytes in a session id (64 hexadecimal characters in the cookie).
SESSION_ID_BYTES: Final = 32


def store_key(session_id: str) -> str:
    """What the store keeps a session under: the SHA-256 of the browser's id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lives without a request, and at most after signing in (seconds)."""

    idle: int
    absolute: int

    @classmethod
    def of(cls, settings: Settings) -> Lifetimes:
        return cls(idle=settings.session_idle_minutes * 60, absolute=settings.session_max_hours * 3600)


def _seconds(value: int | timedelta | None) -> int | None:
    return int(value.total_seconds()) if isinstance(value, timedelta) else value


class DatabaseStore(Store):
    """Litestar's ``Store`` on the ``web_sessions`` table: the sessions of a server without Redis.

    Expired rows are never returned, and are deleted whenever a session is written.
    """

    __slots__ = ("clock", "db")

    def __init__(self, db: Database, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        seconds = _seconds(expires_in)
        if seconds is None:
            raise ValueError("sessions are stored with an expiry")
        now = self.clock()
        row: dict[str, object] = {"key": key, "value": value.encode() if isinstance(value, str) else value}
        row["expires_at"] = now + timedelta(seconds=seconds)
        dialect = postgresql if self.db.is_postgres else sqlite
        statement = dialect.insert(WebSession).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=[WebSession.key],
            set_={"value": statement.excluded.value, "expires_at": statement.excluded.expires_at},
        )
        async with self.db.session() as session:
            await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
            await session.execute(statement)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        now = self.clock()
        async with self.db.session() as session:
            found = (
                await session.execute(select(WebSession.value, WebSession.expires_at).where(WebSession.key == key))
            ).first()
            if found is None:
                return None
            value, expires_at = found
            if expires_at <= now:
                await session.execute(delete(WebSession).where(WebSession.key == key))
                return None
            seconds = _seconds(renew_for)
            if seconds is not None:
                renewed = now + timedelta(seconds=seconds)
                if (renewed - expires_at).total_seconds() > RENEW_SLACK_SECONDS:
                    await session.execute(
                        update(WebSession).where(WebSession.key == key).values(expires_at=renewed)
                    )
            return bytes(value)

    async def delete(self, key: str) -> None:
        async with self.db.session() as session:
            await session.execute(delete(WebSession).where(WebSession.key == key))

    async def delete_all(self) -> None:
        async with self.db.session() as session:
            await session.execute(delete(WebSession))

    async def exists(self, key: str) -> bool:
        async with self.db.session() as session:
            found = await session.scalar(
                select(WebSession.key).where(WebSession.key == key, WebSession.expires_at > self.clock())
            )
        return found is not None

    async def expires_in(self, key: str) -> int | None:
        async with self.db.session() as session:
            expires_at = await session.scalar(select(WebSession.expires_at).where(WebSession.key == key))
        if expires_at is None:
            return None
        left = int((expires_at - self.clock()).total_seconds())
        return left if left > 0 else None


class RevocableSessions(ServerSideSessionBackend):
    """Litestar's server-side session backend, made to end: store keys are hashed ids, an
    empty session writes nothing, sign-in starts a new id, and a session past its absolute
    lifetime is refused when loaded."""

    def __init__(self, config: ServerSideSessionConfig, lifetimes: Lifetimes) -> None:
        super().__init__(config=config)
        self.lifetimes = lifetimes

    async def get(self, session_id: str, store: Store) -> bytes | None:
        return await store.get(store_key(session_id), renew_for=self.lifetimes.idle)

    async def set(self, session_id: str, data: bytes, store: Store) -> None:
        await store.set(store_key(session_id), data, expires_in=self.lifetimes.idle)

    async def delete(self, session_id: str, store: Store) -> None:
        await store.delete(store_key(session_id))

    def _cookie_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
        value = connection.cookies.get(self.config.key)
        return value if value and value != "null" else None

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        session_id = self._cookie_id(connection)
        if session_id is None:
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        raw = await self.get(session_id, store)
        if raw is None:
            return {}
        data = self.deserialize_data(raw)
        since = data.get(SINCE_KEY)
        if not isinstance(since, int) or time.time() - since > self.lifetimes.absolute:
            await self.delete(session_id, store)
            return {}
        connection.state[_LOADED_KEY] = raw
        return data

    def _cookie(self, value: str, max_age: int | None, expires: int | None = None) -> str:
        config = self.config
        return Cookie(
            key=config.key,
            value=value,
            max_age=max_age,
            expires=expires,
            path=config.path,
            domain=config.domain,
            secure=config.secure,
            httponly=config.httponly,
            samesite=config.samesite,
        ).to_header(header="")

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        store = self.config.get_store_from_app(connection.scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        cookie_id = self._cookie_id(connection)
        loaded = connection.state.get(_LOADED_KEY)
        if scope_session is Empty or not scope_session:
            if cookie_id is not None:
                # Signed out, ended, or an id the store does not know: forget it on both sides.
                await self.delete(cookie_id, store)
                headers.add("Set-Cookie", self._cookie("null", max_age=0, expires=0))
            return
        data = self.serialize_data(scope_session, connection.scope)
        if cookie_id is None or loaded is None or connection.state.get(NEW_SESSION_KEY):
            if cookie_id is not None:
                await self.delete(cookie_id, store)
            session_id = self.generate_session_id()
            await self.set(session_id, data, store)
            headers.add("Set-Cookie", self._cookie(session_id, max_age=self.lifetimes.absolute))
        elif data != loaded:
            await self.set(cookie_id, data, store)


def session_store(settings: Settings, db: Database) -> Store:
    """Redis when the platform has it, else the database."""
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="neutralpoint:sessions")
    return DatabaseStore(db)


def session_middleware(settings: Settings, exclude: list[str]) -> tuple[DefineMiddleware, ServerSideSessionConfig]:
    """The session middleware for the application, and its configuration (whose
    ``exclude_opt_key`` routes may set to skip it)."""
    lifetimes = Lifetimes.of(settings)
    config = ServerSideSessionConfig(
        key=COOKIE_NAME,
        session_id_bytes=SESSION_ID_BYTES,
        max_age=lifetimes.idle,
        renew_on_access=True,
        secure=settings.base_url.startswith("https://"),
        httponly=True,
        samesite="lax",
        exclude=exclude,
        store=STORE_NAME,
    )
    return DefineMiddleware(SessionMiddleware, backend=RevocableSessions(config, lifetimes)), config


async def open_session(app: Litestar, data: dict[str, Any]) -> str:
    """Store a session for ``data`` in ``app``'s store and return the id a cookie carries
    (for tools and tests that sign a person in without the sign-in form)."""
    store = app.stores.get(STORE_NAME)
    session_id = secrets.token_hex(SESSION_ID_BYTES)
    lifetimes = Lifetimes.of(app.state.settings)
    await store.set(store_key(session_id), RevocableSessions.serialize_data(data), expires_in=lifetimes.idle)
    return session_id
