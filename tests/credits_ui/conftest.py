"""Fixtures of the credit pages' tests: people signed in through the real login, supply
built through the credits services, and an audit of the books after every test (a test
that leaves them broken fails)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from supply_flows import SupplyBuilder, second_browser, sign_in_admin, sign_in_venue_member

from neutralpoint.credits import services
from neutralpoint.database.engine import Database


@pytest.fixture(scope="module", autouse=True)
async def books_stay_balanced(db: Database) -> AsyncIterator[None]:
    """After each test module, the whole ledger must still pass the audit.

    Once a module, not once a test: the audit reads the whole ledger of the run, so after
    every test it cost the suite time that grew with the square of the number of tests.
    """
    yield
    async with db.platform_session() as session:
        report = await services.audit(session)
    assert report.ok, report.summary()


@pytest.fixture
def supply(db: Database, unique: str) -> SupplyBuilder:
    return SupplyBuilder(db, unique)


@pytest.fixture
async def admin_client(client: AsyncTestClient[Litestar], db: Database, unique: str) -> AsyncTestClient[Litestar]:
    """``client``, signed in as a platform admin."""
    await sign_in_admin(client, db, f"admin-{unique}@platform.example.org")
    return client


@pytest.fixture
async def venue_owner(
    client: AsyncTestClient[Litestar], db: Database, supply: SupplyBuilder
) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Any]]:
    """A second browser signed in as the owner of a fresh venue, and that venue."""
    venue = await supply.venue()
    async with second_browser(client) as other:
        await sign_in_venue_member(other, db, venue, role="owner")
        yield other, venue


@pytest.fixture
async def anonymous(client: AsyncTestClient[Litestar]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A second browser that has not signed in."""
    async with second_browser(client) as other:
        yield other
