"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, Router
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.exceptions import ClientException, HTTPException, NotFoundException, TooManyRequestsException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Middleware
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

import neutralpoint.web as web_package
from neutralpoint.credits.selling import use_reservation_minutes
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import REQUEST_SCOPE_KEY, RequestScope, UnscopedQueryError
from neutralpoint.fastpath.wiring import prepare_database, prepare_routes
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.logging_setup import configure_logging
from neutralpoint.payments.retirement_mail import use_base_url
from neutralpoint.refusals import FormErrors
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings, get_settings
from neutralpoint.tenants.access import (
    SecondFactorSetupRequiredError,
    access_dependencies,
    second_factor_setup_response,
)
from neutralpoint.tenants.auth import configure_password_hashing
from neutralpoint.tenants.hosts import install_custom_hosts
from neutralpoint.tenants.sessions import COOKIE_NAME, STORE_NAME, session_middleware, session_store
from neutralpoint.web.access import enforce_access, public_opt
from neutralpoint.web.api_errors import document_error_responses
from neutralpoint.web.components import components
from neutralpoint.web.cross_site import CrossSiteGuard
from neutralpoint.web.errors import client_error_response, http_error_response, refusal_page_response, wants_html
from neutralpoint.web.headers import install_security_headers
from neutralpoint.web.nul_characters import NUL_CHARACTER, NulGuard, is_unstorable_text
from neutralpoint.web.rate_limits import STORE_NAME as RATE_LIMIT_STORE
from neutralpoint.web.rate_limits import (
    CounterStore,
    document_rate_limits,
    rate_limit_middleware,
    rate_limit_store,
    rate_limited_response,
)
from neutralpoint.web.requests import AppRequest
from neutralpoint.web.schema_viewer import SchemaViewer
from neutralpoint.web.templating import template_engine

log = logging.getLogger("neutralpoint")

# Without Redis the web process runs these itself (name, every N seconds); with Redis, arq cron does.
PERIODIC_TASKS = (
    ("expire_reservations", 60),
    ("expire_orders", 60),
    ("reconcile_payments", 120),
    ("anchor_ledger", 600),
    ("send_outbox", 30),
    ("batch_retirements", 24 * 3600),
)


def _route_handlers() -> list[Any]:
    """The routes of every registered component (the domains, and add-ons such as the admin pages)."""
    return [handler for component in components() for handler in component.route_handlers()]


async def provide_db_session(state: State, request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back if it raises.

    The transaction begins with the first statement, so a request answered from memory
    (an entry page during a QR burst) costs no connection at all. The session starts
    with the scope the route's access policy granted (one venue, or every venue).
    """
    async with state.db.sessionmaker() as session:
        scope = request.state.get(REQUEST_SCOPE_KEY)
        if isinstance(scope, RequestScope):
            scope.apply(session)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        if session.in_transaction():
            await session.commit()


def provide_registry(state: State) -> ScenarioRegistry:
    registry: ScenarioRegistry = state.registry
    return registry


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_jobs(state: State) -> JobQueue:
    jobs: JobQueue = state.jobs
    return jobs


def _server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Log every unexpected error with its traceback (Litestar logs them only in debug mode)."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not wants_html(request):
        return Response({"status_code": 500, "detail": "Internal server error"}, status_code=500)
    return http_error_response(request, HTTPException(status_code=500, detail="Internal server error"))


def _database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    """A value of the request that the database cannot hold (a NUL in a JSON string, on
    PostgreSQL) is bad input; any other database error is a server error."""
    if is_unstorable_text(exc):
        return refusal_page_response(request, FormErrors({"body": NUL_CHARACTER}))
    return _server_error(request, exc)


def _unscoped(request: Request[Any, Any, Any], exc: UnscopedQueryError) -> Response[Any]:
    log.error("unscoped query blocked on %s: %s", request.url.path, exc)
    return Response({"status_code": 500, "detail": "Internal server error"}, status_code=500)


def create_app(
    settings: Settings | None = None,
    registry: ScenarioRegistry | None = None,
    middleware: Sequence[Middleware] = (),
) -> Litestar:
    """The application; ``middleware`` (a rate limit, a request log) wraps every route, the
    fast path's included, inside the session middleware."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_password_hashing(settings.password_hashing)
    registry = registry or ScenarioRegistry.discover()
    db = Database(settings.database_url, settings.database_scope_key, max_connections=settings.database_pool_size)
    entry_cache = prepare_database(db, settings.fast_path)
    use_reservation_minutes(settings.reservation_minutes)
    use_base_url(settings.base_url)
    jobs = JobQueue({"db": db, "settings": settings, "registry": registry}, settings.redis_url)
    jobs.context["jobs"] = jobs
    periodic: list[asyncio.Task[Any]] = []
    store = session_store(settings, db)
    counters = rate_limit_store(settings)

    async def on_startup(app: Litestar) -> None:
        if db.is_postgres:
            await _refuse_privileged_role(db, settings)
            await _check_scope_key(db, settings)
        await jobs.start()
        if not settings.redis_url and settings.environment != "test":
            for name, seconds in PERIODIC_TASKS:
                periodic.append(asyncio.create_task(_every(jobs, name, seconds)))
        if settings.environment != "test":
            _freeze_startup_objects()
        if isinstance(counters, CounterStore) and settings.rate_limits:
            periodic.append(asyncio.create_task(_forget_expired(counters)))

    async def on_shutdown(app: Litestar) -> None:
        for job in periodic:
            job.cancel()
        await jobs.close()
        await store.__aexit__(None, None, None)  # a Redis store closes its connections
        await counters.__aexit__(None, None, None)
        await db.dispose()

    # Server-side sessions: the cookie holds a random id, the store (Redis, else the
    # database) what it stands for, so that signing out and password changes end them.
    sessions, session_config = session_middleware(
        settings,
        exclude=["/static", "/health", "/ready", "/api/v1/scenarios", "/brand/", "/favicon.ico", "/schema"],
    )
    secure = settings.base_url.startswith("https://")
    app = Litestar(
        route_handlers=[
            *_route_handlers(),
            *registry.extra_routes(),
            create_static_files_router(
                path="/static",
                directories=[Path(web_package.__file__).parent / "static"],
                include_in_schema=False,
                cache_control=CacheControlHeader(max_age=3600, public=True),
                opt=public_opt(),
            ),
        ],
        # Every route declares its access policy; this guard enforces it (neutralpoint.tenants.access).
        guards=[enforce_access],
        dependencies={
            "db_session": Provide(provide_db_session),
            "registry": Provide(provide_registry, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "jobs": Provide(provide_jobs, sync_to_thread=False),
            **access_dependencies(),
        },
        state=State({"settings": settings, "db": db, "registry": registry, "jobs": jobs, "entry_cache": entry_cache}),
        # Handlers of a domain that may not import the scenarios domain (the venues) name
        # the registry they are handed under TYPE_CHECKING; Litestar resolves it here.
        signature_namespace={"ScenarioRegistry": ScenarioRegistry},
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        template_config=TemplateConfig(engine=template_engine()),
        request_class=AppRequest,
        # Pages and JSON answers over 1 KiB, gzipped at a level that costs little CPU.
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=5),
        stores={STORE_NAME: store, RATE_LIMIT_STORE: counters},
        middleware=[
            # A NUL in the path or query is refused before any guard or query reads it.
            NulGuard,
            # Cross-site JSON calls are refused before the session is even read.
            DefineMiddleware(CrossSiteGuard, session_cookie=COOKIE_NAME, base_url=settings.base_url),
            # A client over its group's limit is refused before its session is read; the fast
            # path's shortcuts answer inside their routes, after this (neutralpoint.web.rate_limits).
            rate_limit_middleware(settings),
            sessions,
            *middleware,
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="np_csrf",
            cookie_secure=secure,
            exclude=["/api/", "/health", "/ready", "/schema", "/static"],
        ),
        exception_handlers={
            HTTPException: http_error_response,
            # In JSON a 400 is always the documented ``errors`` shape (web.api_errors).
            ClientException: client_error_response,
            NotFoundException: http_error_response,
            TooManyRequestsException: rate_limited_response,
            FormErrors: refusal_page_response,
            SecondFactorSetupRequiredError: second_factor_setup_response,
            UnscopedQueryError: _unscoped,
            DBAPIError: _database_error,
            Exception: _server_error,
        },
        openapi_config=OpenAPIConfig(
            title="NeutralPoint API",
            version="1",
            description=(
                "Venues, scenario calculators, estimates and credit supply. Every page has a JSON twin under /api/v1."
            ),
            # The viewer and its documents are not operations of the API they describe.
            openapi_router=Router(path="/schema", route_handlers=[], opt=public_opt(), include_in_schema=False),
            # Swagger UI from files the platform serves: no CDN, no inline script.
            render_plugins=[SchemaViewer()],
            # A handler's docstring is its operation's description: the why a client needs.
            use_handler_docstrings=True,
        ),
        debug=settings.environment == "development" and settings.log_level == "DEBUG",
    )
    prepare_routes(app, settings.fast_path, session_opt_key=session_config.exclude_opt_key)
    document_error_responses(app)
    document_rate_limits(app)
    install_custom_hosts(app)
    # HSTS only where browsers reach the platform over HTTPS, and only in production, where
    # BASE_URL must be https (a loopback address aside): a developer's http:// host stays usable.
    hsts = settings.environment == "production" and settings.base_url.startswith("https://")
    return install_security_headers(app, hsts=hsts, stripe_api_base=settings.stripe_api_base)


def _freeze_startup_objects() -> None:
    """Keep what start-up loaded (plugins, factor sets, the city table, templates) out of the
    garbage collector's full passes: it lives as long as the process, and walking its
    ~150,000 objects takes ~70 ms, a pause every request in flight would wait for."""
    from neutralpoint.geography import load_cities

    load_cities()
    gc.collect()
    gc.freeze()


async def _forget_expired(counters: CounterStore) -> None:
    """Drop the counters of clients gone quiet: the memory store forgets a key only when read."""
    while True:
        await asyncio.sleep(300)
        await counters.delete_expired()


async def _every(jobs: JobQueue, name: str, seconds: int) -> None:
    from neutralpoint.jobs.queue import tasks

    if name not in tasks():
        return
    while True:
        await asyncio.sleep(seconds)
        try:
            await jobs.enqueue(name)
        except Exception:
            # The next tick tries again; say why this one did not run.
            log.warning("scheduled job %s was not started", name, exc_info=True)


async def _refuse_privileged_role(db: Database, settings: Settings) -> None:
    """Row-level security means nothing to a superuser or a BYPASSRLS role: refuse to run as one."""
    from sqlalchemy import text

    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                text("select rolsuper, rolbypassrls, current_user from pg_roles where rolname = current_user")
            )
        ).one()
    if (row[0] or row[1]) and settings.environment == "production":
        raise RuntimeError(
            f"DATABASE_URL connects as {row[2]!r}, which bypasses row-level security; "
            "connect as the application role (see README, 'PostgreSQL')"
        )
    if row[0] or row[1]:
        log.warning("DATABASE_URL role %s bypasses row-level security; use the application role", row[2])


async def _check_scope_key(db: Database, settings: Settings) -> None:
    """The database must know the key this process signs its venue scopes with, or every
    venue's rows stay out of sight (row-level security fails closed): say so at start."""
    from sqlalchemy.exc import DBAPIError

    from neutralpoint.database.tenancy import SCOPE_SQL, scope_key_of, scope_parameters

    try:
        async with db.engine.begin() as conn:
            await conn.execute(SCOPE_SQL, scope_parameters(scope_key_of(db.engine), None, all_venues=True))
    except DBAPIError as exc:
        message = (
            "the database refuses this process's scope signatures: run `neutralpoint db upgrade` with the "
            "same SECRET_KEY (or DATABASE_SCOPE_KEY) as the server (see docs/tenant-isolation.md)"
        )
        if settings.environment == "production":
            raise RuntimeError(message) from exc
        log.error(message)


def app_from_env() -> Litestar:
    """Entry point for ``uvicorn --factory neutralpoint.app:app_from_env``."""
    return create_app()
