"""A server whose scope key the database does not hold would see no venue's rows at all
(row-level security fails closed): in production it refuses to start, and says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from neutralpoint.app import create_app
from neutralpoint.settings import Settings

pytestmark = pytest.mark.pg


def _production(database_urls: dict[str, str], tmp_path: Path, scope_secret: str) -> Settings:
    return Settings.from_env(
        {
            "NEUTRALPOINT_ENV": "production",
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": database_urls["app"],
            "SECRET_KEY": "s" * 40,
            "DATABASE_SCOPE_KEY": scope_secret,
            "CERTIFICATE_SIGNING_KEY": "A" * 43,
            "BASE_URL": "http://127.0.0.1:8123",
            "LOG_LEVEL": "WARNING",
        }
    )


async def test_production_refuses_a_key_the_database_does_not_hold(
    database_urls: dict[str, str], tmp_path: Path
) -> None:
    app = create_app(_production(database_urls, tmp_path, "another-scope-secret-that-is-long-enough"))
    with pytest.raises(ExceptionGroup) as refused:  # raised in the lifespan's task group
        async with AsyncTestClient(app=app):
            pass
    assert refused.group_contains(
        RuntimeError, match="refuses this process's scope signatures.*neutralpoint db upgrade", depth=None
    )


async def test_production_starts_with_the_key_the_upgrade_stored(database_urls: dict[str, str], tmp_path: Path) -> None:
    from tests.conftest import TEST_SECRET_KEY

    app = create_app(_production(database_urls, tmp_path, TEST_SECRET_KEY))
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/ready")).status_code == 200
