"""Fixtures of the venues tests (helpers live in ``tenant_flows``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from tenant_flows import SignedUp, SmtpSink, second_browser, sign_up, verify

from neutralpoint.database.engine import Database


@pytest.fixture
async def active_venue(client: Any, db: Database, unique: str) -> SignedUp:
    """A venue whose owner signed up and confirmed the address; ``client`` is signed in as the owner."""
    venue = await sign_up(client, f"hall-{unique}", f"owner-{unique}@example.org")
    await verify(client, db, venue.email)
    return venue


@pytest.fixture
async def other_client(client: AsyncTestClient[Litestar]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A second browser, with its own cookies, on the app that ``client`` started."""
    async with second_browser(client) as second:
        yield second


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()
