"""Shared fixtures: one real database per test run (SQLite or PostgreSQL), the app, a client.

Choose the database with ``NEUTRALPOINT_TEST_DB=sqlite`` (default) or ``postgres``. On
PostgreSQL the schema is migrated by the ``postgres`` superuser and the application
connects as a role that owns no table and lacks BYPASSRLS, as in production, so
row-level security is really exercised.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from litestar import Litestar
from litestar.testing import AsyncTestClient
from playwright.async_api import Browser, Page, async_playwright

from neutralpoint.app import create_app
from neutralpoint.database.engine import Database
from neutralpoint.database.migrate import upgrade
from neutralpoint.database.tenancy import use_scope_key
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import TEST_PASSWORD_HASHING, Settings, scope_key_from_secret
from neutralpoint.tenants.auth import configure_password_hashing

PG_ADMIN_URL = os.environ.get("NEUTRALPOINT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("NEUTRALPOINT_TEST_REDIS", "redis://127.0.0.1:6379/0")
APP_ROLE = "np_test_app"
TEST_BASE_URL = "http://testserver.local"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
#: The key the run's application signs its venue scopes with; stored by the run's migration.
TEST_SCOPE_KEY = scope_key_from_secret(TEST_SECRET_KEY)
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def test_database_kind() -> str:
    kind = os.environ.get("NEUTRALPOINT_TEST_DB", "sqlite")
    if kind not in ("sqlite", "postgres"):
        raise pytest.UsageError("NEUTRALPOINT_TEST_DB must be sqlite or postgres")
    return kind


test_database_kind.__test__ = False  # type: ignore[attr-defined]


def pytest_configure(config: pytest.Config) -> None:
    # Test users' passwords are hashed with argon2's cheapest parameters, as the app does with
    # NEUTRALPOINT_ENV=test; tests/tenants/test_password_hashing.py checks the production ones.
    configure_password_hashing(TEST_PASSWORD_HASHING)
    # Databases a test builds by hand (``Database(database_urls["app"])``) sign as the app does.
    use_scope_key(TEST_SCOPE_KEY)


#: Fixtures that only browser tests use: a test that asks for one is an ``e2e`` test.
BROWSER_FIXTURES = frozenset({"browser", "live_server"})


#: Fixtures through which a test reaches the run's database: a test whose fixtures include one
#: (directly or through another fixture) is ``database``-bound, and its outcome may differ
#: between SQLite and PostgreSQL. No test reads the database kind any other way.
DATABASE_FIXTURES = frozenset({"database_urls", "empty_database_url", "own_database_urls"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-bound-only",
        action="store_true",
        help="run only the tests that reach the database (the second database's run: the others "
        "do not depend on the database and have run once already)",
    )
    parser.addoption(
        "--browser-tests-once",
        action="store_true",
        help="run each browser test on one of the two databases (see browser_test_database) and "
        "list in artifacts/browser-tests-<database>.txt where each one runs; scripts/test gives it "
        "to both runs",
    )


#: The languages a browser test is parametrized with, and the database each one runs on when the
#: browser tests run once (``--browser-tests-once``).
BROWSER_LANGUAGE_DATABASES = {"en": "sqlite", "zh-Hans": "postgres"}


def browser_test_database(item: pytest.Item) -> str:
    """The one database a browser test runs on when scripts/test runs the browser tests once.

    A browser test drives pages whose every handler is also tested over HTTP on both databases;
    what it adds is the browser. So each flow runs once per language, and the two languages
    split between the databases: English against SQLite (the embedded default the demo serves),
    Chinese against PostgreSQL (production's database, row-level security live in the server).
    A test that is not parametrized by language runs on SQLite.
    """
    params = getattr(getattr(item, "callspec", None), "params", {})
    for value in params.values():
        if isinstance(value, str) and value in BROWSER_LANGUAGE_DATABASES:
            return BROWSER_LANGUAGE_DATABASES[value]
    return "sqlite"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks ``e2e`` and ``database`` from the fixtures a test uses; ``pg`` tests are skipped on SQLite.

    Every test records in the JUnit report whether it is database-bound, and a browser test the
    database it runs on once, so that scripts/test can check that each database-bound test ran
    on both databases and each browser test on its own.
    """
    kind = test_database_kind()
    only_database_bound = config.getoption("--database-bound-only")
    browser_tests_once = config.getoption("--browser-tests-once")
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    browser_tests: list[str] = []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        runs_here = True
        if BROWSER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.e2e)
            if browser_tests_once:
                database = browser_test_database(item)
                item.user_properties.append(("browser_database", database))
                browser_tests.append(f"{item.nodeid}\t{database}")
                runs_here = database == kind
        database_bound = bool(DATABASE_FIXTURES & fixtures) or item.get_closest_marker("pg") is not None
        if database_bound:
            item.add_marker(pytest.mark.database)
        item.user_properties.append(("database_bound", "yes" if database_bound else "no"))
        if kind == "sqlite" and item.get_closest_marker("pg"):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: runs with NEUTRALPOINT_TEST_DB=postgres"))
        runs_here = runs_here and (database_bound or not only_database_bound)
        (kept if runs_here else deselected).append(item)
    if browser_tests_once:
        listing = ROOT / "artifacts" / f"browser-tests-{kind}.txt"
        listing.parent.mkdir(parents=True, exist_ok=True)
        listing.write_text("".join(f"{line}\n" for line in browser_tests), encoding="utf-8")
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    return f"neutralpoint test database: {test_database_kind()}"


async def _pg_execute(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _pg_url(database: str, user: str = "postgres", password: str | None = None) -> str:
    base = re.sub(r"^postgres(ql)?(\+asyncpg)?://", "", PG_ADMIN_URL)
    hostpart = base.split("@", 1)[1].rsplit("/", 1)[0]
    auth = user if password is None else f"{user}:{password}"
    return f"postgresql+asyncpg://{auth}@{hostpart}/{database}"


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``{"app": …, "owner": …}`` for a freshly migrated database of this run."""
    if test_database_kind() == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        yield {"app": url, "owner": url, "kind": "sqlite"}
        return
    name = f"np_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _pg_url("test")
    asyncio.run(_pg_execute(admin, f'CREATE DATABASE "{name}"'))
    owner = _pg_url(name)
    app_url = _pg_url(name, APP_ROLE, "np_test_app")
    upgrade(owner, app_url, TEST_SCOPE_KEY)
    try:
        yield {"app": app_url, "owner": owner, "kind": "postgres"}
    finally:
        asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """The owner's URL of a database of its own with no schema yet, dropped afterwards."""
    if test_database_kind() == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"np_empty_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _pg_url("test")
    asyncio.run(_pg_execute(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url(name)
    finally:
        asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def own_database_urls(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Like ``database_urls``, for a migrated database of this test alone, dropped afterwards:
    for a test that writes at random (the API fuzzing), which must neither read other tests'
    rows nor leave its own to them."""
    if test_database_kind() == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
        upgrade(url)
        yield {"app": url, "owner": url, "kind": "sqlite"}
        return
    name = f"np_own_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _pg_url("test")
    asyncio.run(_pg_execute(admin, f'CREATE DATABASE "{name}"'))
    owner = _pg_url(name)
    app_url = _pg_url(name, APP_ROLE, "np_test_app")
    try:
        upgrade(owner, app_url, TEST_SCOPE_KEY)
        yield {"app": app_url, "owner": owner, "kind": "postgres"}
    finally:
        asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings(database_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("data")
    return Settings.from_env(
        {
            "NEUTRALPOINT_ENV": "test",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database_urls["app"],
            "DATABASE_MIGRATION_URL": database_urls["owner"],
            "SECRET_KEY": TEST_SECRET_KEY,
            "BASE_URL": "http://testserver.local",
            "LOG_LEVEL": "WARNING",
            # Drawing takes a second or more, and most tests' certificates are never looked
            # at: tests/certificates/test_renderings.py draws them at issue, as production does.
            "CERTIFICATES_DRAWN_AT_ISSUE": "off",
        }
    )


def load_dummy_plugin() -> Any:
    """The test suite's own scenario plugin (``tests/plugins/dummy_plugin.py``), loaded by path."""
    import importlib.util
    import sys

    name = "neutralpoint_tests_dummy_plugin"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "plugins" / "dummy_plugin.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def registry() -> ScenarioRegistry:
    return ScenarioRegistry.discover(extra=[("dummy", load_dummy_plugin())])


#: Where ``RunningApps.share`` notes, on an application, the portal (thread and event loop) it runs in.
RUNNING_IN = "tests_running_in"


class RunningApps:
    """The run's long-lived applications, started once each in one event loop of their own.

    A test client entered on its own (``async with AsyncTestClient(app=...)``) runs the app's
    startup and shutdown around every test, in a new thread and loop, and on PostgreSQL opens
    new connections (new server processes) each time: 20 to 60 ms a test here. A client of an
    application made once for the run (``share``) joins it where it already runs, as a browser
    joins a server (``open_client``).
    """

    def __init__(self, portal: BlockingPortal) -> None:
        self.portal = portal
        self._lifespans = contextlib.ExitStack()

    def share(self, app: Litestar) -> Litestar:
        """Start ``app`` (made once for the run) in the run's portal until the run ends."""
        if app.state.get(RUNNING_IN) is None:
            self._lifespans.enter_context(self.portal.wrap_async_context_manager(app.lifespan()))
            app.state[RUNNING_IN] = self.portal
        return app

    def stop_all(self) -> None:
        self._lifespans.close()


@pytest.fixture(scope="session")
def running_apps(database_urls: dict[str, str]) -> Iterator[RunningApps]:
    """Stopped before the run's database is dropped (it is set up after it)."""
    with start_blocking_portal(backend="asyncio") as portal:
        apps = RunningApps(portal)
        try:
            yield apps
        finally:
            apps.stop_all()


@contextlib.asynccontextmanager
async def open_client(app: Litestar, base_url: str = TEST_BASE_URL) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A new browser (cookies of its own) on ``app``.

    An application the run already runs (``RunningApps.share``) is joined where it runs, and
    the jobs the test's requests started are finished when the block ends, as its shutdown
    would; any other application is started for the block and stopped after it.
    """
    portal = app.state.get(RUNNING_IN)
    if portal is None:
        async with AsyncTestClient(app=app, base_url=base_url) as started:
            yield started
        return
    joined = AsyncTestClient(app=app, base_url=base_url)
    joined.blocking_portal = portal
    try:
        yield joined
    finally:
        await app.state.jobs.drain()


@pytest.fixture(scope="session")
def default_app(settings: Settings, registry: ScenarioRegistry, running_apps: RunningApps) -> Litestar:
    """The application of the run, with the settings above (a module may override ``app``)."""
    return running_apps.share(create_app(settings, registry))


@pytest.fixture(scope="session")
def app(default_app: Litestar) -> Litestar:
    return default_app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A browser of its own on ``app`` (``open_client``)."""
    async with open_client(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url, settings.database_scope_key)
    yield database
    await database.dispose()


def _redis_database_url(number: int) -> str:
    base, _, last = REDIS_URL.rpartition("/")
    return f"{base}/{number}" if base.count("/") >= 2 and last.isdigit() else f"{REDIS_URL.rstrip('/')}/{number}"


@pytest.fixture(scope="session")
async def redis_database() -> AsyncIterator[str]:
    """A Redis database of this run alone (of 1-15), claimed in database 0 and given back after.

    Runs in parallel (SQLite and PostgreSQL, pytest-xdist workers, other checkouts on the same
    server) each enqueue and flush jobs in their own database, never in another run's.
    """
    from redis.asyncio import Redis

    claims = Redis.from_url(_redis_database_url(0))
    run = f"{os.getpid()}-{uuid.uuid4().hex}"
    try:
        await claims.ping()
    except OSError as exc:  # the suite needs Redis: fail loudly, never skip
        pytest.fail(f"Redis at {REDIS_URL} does not answer ({exc}); scripts/test starts it")
    try:
        for number in range(15, 0, -1):
            # Expires on its own, so that a killed run gives its database back within the hour.
            if await claims.set(f"neutralpoint-test:redis-db:{number}", run, nx=True, ex=3600):
                break
        else:
            pytest.fail("every Redis database 1-15 is claimed by another test run")
        yield _redis_database_url(number)
        key = f"neutralpoint-test:redis-db:{number}"
        if (await claims.get(key)) == run.encode():
            await claims.delete(key)
    finally:
        await claims.aclose()


@pytest.fixture
async def redis_url(redis_database: str) -> AsyncIterator[str]:
    """This run's Redis database, empty before and after the test."""
    from redis.asyncio import Redis

    client = Redis.from_url(redis_database)
    await client.flushdb()
    yield redis_database
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def unique() -> str:
    """A short unique suffix for slugs and e-mails, so tests share one database safely."""
    return uuid.uuid4().hex[:8]


# --- servers the tests start as subprocesses (the live server, localstripe, a paying server) ---

#: How long a server started by a test may take to answer.
STARTUP_SECONDS = 60


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at the time of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_answers(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Return once ``url`` answers below 500; fail with the end of the process's output if it
    exits first or does not answer within ``STARTUP_SECONDS``."""
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error = ""
    # One client for every try: each new one loads the CA bundle again (~20 ms of CPU).
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"{process.args!r} exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                response = client.get(url)
                if response.status_code < 500:
                    return
                last_error = f"answered {response.status_code}: {response.text[:500]}"
            except httpx.HTTPError as exc:
                last_error = repr(exc)
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {STARTUP_SECONDS}s ({last_error}):\n{log_path.read_text()[-4000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process``, killing it if it has not ended within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def csrf_token(client: Any) -> str:
    """The CSRF token a page's form would carry (Litestar's double-submit cookie)."""
    return str(client.cookies.get("np_csrf", ""))


# --- the browser: Debian's Chromium, driven by Playwright ---------------------------------------
# Playwright cannot download its own browser here, so it launches /usr/bin/chromium, which
# scripts/test installs. Screenshots go to artifacts/screenshots/sqlite/ or …/postgres/: the
# two runs may go side by side, and one must not read the other's files.


async def full_page_screenshot(page: Page, path: Path) -> None:
    """Save the whole of ``page`` as a PNG, for a person to look at.

    The text caret is left as it is: hiding it (Playwright's default) restyles and repaints the
    page before the capture, about a third of a full-page screenshot's CPU here (450 against
    315 ms in Chromium for a long page).
    """
    await page.screenshot(path=str(path), full_page=True, caret="initial")


@pytest.fixture(scope="session")
def screenshots(database_urls: dict[str, str]) -> Path:
    folder = SCREENSHOTS / database_urls["kind"]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/test, which installs Debian's chromium "
            "(Playwright cannot download its own browser here)"
        )
    fc_list = shutil.which("fc-list")
    if fc_list:
        fonts = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
        if not fonts.strip():
            pytest.fail("no Chinese font is installed: run scripts/test, which installs fonts-noto-cjk")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    _require_browser()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, chromium_sandbox=False
        )
        try:
            yield chromium
        finally:
            with contextlib.suppress(Exception):
                await chromium.close()
