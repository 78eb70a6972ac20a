"""Browser tests: the real server, started as a user would, driven by Debian's Chromium.

``live_server`` runs ``neutralpoint serve`` in a subprocess against this test run's
database (on PostgreSQL as the application role, so row-level security is live) and
yields its base URL. ``browser`` and ``screenshots`` come from ``tests/conftest.py``
(the payments tests drive the browser against their own Stripe-paying server too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET_KEY, free_port, stop, wait_until_answers


def _neutralpoint_command() -> list[str]:
    """The console script installed next to this interpreter, as a user would run it."""
    script = Path(sys.executable).parent / "neutralpoint"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "neutralpoint.cli"]


@pytest.fixture(scope="session")
def live_server(database_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real ``neutralpoint serve`` on a free port of 127.0.0.1."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("live-data")
    log_path = data_dir / "server.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_MIGRATION_URL", "SMTP_HOST", "PAYMENT_PROVIDER", "WEB_CONCURRENCY")
    }
    env.update(
        {
            "DATABASE_URL": database_urls["app"],
            "DATA_DIR": str(data_dir),
            "NEUTRALPOINT_ENV": "test",
            "BASE_URL": base_url,
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
            # The run's database checks scopes signed with the key its migration stored.
            "DATABASE_SCOPE_KEY": TEST_SECRET_KEY,
            "LOG_LEVEL": "INFO",
            # A certificate is drawn when first asked for, as the visitor sees it ("being
            # prepared"): drawing every certificate at issue costs a second or more of CPU each.
            "CERTIFICATES_DRAWN_AT_ISSUE": "off",
        }
    )
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [*_neutralpoint_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=data_dir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_answers(f"{base_url}/ready", process, log_path)
        yield base_url
    finally:
        stop(process)
