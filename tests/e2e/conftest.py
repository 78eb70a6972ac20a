"""Browser tests: the real server, started as a user would, driven by Debian's Chromium.

``live_server`` runs ``neutralpoint serve`` in a subprocess against this test run's
database (on PostgreSQL as the application role, so row-level security is live) and
yields its base URL. ``browser`` and ``screenshots`` come from ``tests/conftest.py``
(the payments tests drive the browser against their own Stripe-paying server too).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET_KEY

STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _neutralpoint_command() -> list[str]:
    """The console script installed next to this interpreter, as a user would run it."""
    script = Path(sys.executable).parent / "neutralpoint"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "neutralpoint.cli"]


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error = ""
    # One client for every try: each new one loads the CA bundle again (~20 ms of CPU).
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"neutralpoint serve exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                response = client.get(f"{base_url}/ready")
                if response.status_code == 200:
                    return
                last_error = f"/ready answered {response.status_code}: {response.text[:500]}"
            except httpx.HTTPError as exc:
                last_error = repr(exc)
            time.sleep(0.2)
    log_tail = log_path.read_text()[-4000:]
    pytest.fail(f"neutralpoint serve was not ready after {STARTUP_SECONDS}s ({last_error}):\n{log_tail}")


@pytest.fixture(scope="session")
def live_server(database_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real ``neutralpoint serve`` on a free port of 127.0.0.1."""
    port = _free_port()
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
        _wait_ready(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
