"""Impact fixtures: the payments domain's shop world (its fulfilled orders end on the boards)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "payments"))

from shop_world import World

from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue


@pytest.fixture
def world(db: Database, client: Any) -> World:
    return World(db, client)


@pytest.fixture
def jobs(app: Litestar) -> JobQueue:
    queue: JobQueue = app.state.jobs
    return queue
