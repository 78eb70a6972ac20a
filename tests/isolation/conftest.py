"""Fixtures of the cross-venue probes (the helpers live in ``cross_venue_world``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cross_venue_world import World, browser, build_world
from litestar import Litestar
from litestar.testing import AsyncTestClient

from neutralpoint.database.engine import Database


@pytest.fixture
async def world(client: AsyncTestClient[Litestar], db: Database, unique: str) -> AsyncIterator[World]:
    """A signed-in owner of venue A (``world.a.client``) and venue B, owning one of everything."""
    async with browser(client) as b_browser:
        yield await build_world(client, b_browser, db, unique)
