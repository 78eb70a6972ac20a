"""Payments fixtures: the books are audited after every test module; a ``World`` over the test client
or over a real server paying through ``localstripe``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from shop_world import WEBHOOK_SECRET, World

from neutralpoint.credits import services as credits
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue
from tests.conftest import TEST_SECRET_KEY, free_port, stop, wait_until_answers


@pytest.fixture(scope="module", autouse=True)
async def books_stay_balanced(db: Database) -> AsyncIterator[None]:
    """After each test module, the whole ledger must still pass the audit.

    Once a module, as in the credits tests: the audit reads the ledger of the whole run, so
    after every test it cost time that grew with the square of the number of tests.
    """
    yield
    async with db.platform_session() as session:
        report = await credits.audit(session)
    assert report.ok, report.summary()


@pytest.fixture
def world(db: Database, client: Any) -> World:
    return World(db, client)


@pytest.fixture
def jobs(app: Litestar) -> JobQueue:
    queue: JobQueue = app.state.jobs
    return queue


# --- localstripe and a server that pays through it -------------------------------------------


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``localstripe`` on a free port of 127.0.0.1: Stripe's API over HTTP, webhooks included."""
    port = free_port()
    folder = tmp_path_factory.mktemp("localstripe")
    log_path = folder / "localstripe.log"
    script = Path(sys.executable).parent / "localstripe"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [str(script), "--port", str(port), "--from-scratch"],
            cwd=folder,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{url}/v1/balance", process, log_path)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def stripe_server(
    database_urls: dict[str, str], localstripe: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``neutralpoint serve`` paying through localstripe, its webhook registered there."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("stripe-server")
    log_path = data_dir / "server.log"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_MIGRATION_URL", "SMTP_HOST")}
    env.update(
        {
            "DATABASE_URL": database_urls["app"],
            "DATA_DIR": str(data_dir),
            "NEUTRALPOINT_ENV": "test",
            "BASE_URL": base_url,
            "SECRET_KEY": "stripe-secret-key-that-is-long-enough-0123456789",
            # The run's database checks scopes signed with the key its migration stored.
            "DATABASE_SCOPE_KEY": TEST_SECRET_KEY,
            "LOG_LEVEL": "INFO",
            "PAYMENT_PROVIDER": "stripe",
            "STRIPE_SECRET_KEY": "sk_test_neutralpoint",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_neutralpoint",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": localstripe,
            # Certificates are drawn when first asked for: drawing each at issue costs a second
            # or more of CPU, and these tests read no drawing.
            "CERTIFICATES_DRAWN_AT_ISSUE": "off",
        }
    )
    script = Path(sys.executable).parent / "neutralpoint"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=data_dir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_answers(f"{base_url}/ready", process, log_path)
        registered = httpx.post(
            f"{localstripe}/_config/webhooks/neutralpoint",
            data={"url": f"{base_url}/api/v1/webhooks/stripe", "secret": WEBHOOK_SECRET},
        )
        assert registered.status_code == 200, registered.text
        yield base_url
    finally:
        stop(process)


@pytest.fixture
async def stripe_world(db: Database, stripe_server: str) -> AsyncIterator[World]:
    async with httpx.AsyncClient(base_url=stripe_server, timeout=30) as client:
        yield World(db, client)
