"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from neutralpoint.database.base import Base
from neutralpoint.database.engine import make_engine
from neutralpoint.database.migrate import downgrade_all, upgrade
from neutralpoint.database.models import import_all_models


async def test_every_model_change_has_its_migration(database_urls: dict[str, str]) -> None:
    import_all_models()
    engine = make_engine(database_urls["owner"])

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert diff == []


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_every_migration_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    """A release can be rolled back: every domain's migrations undo what they did."""
    import_all_models()
    upgrade(empty_database_url)
    assert set(Base.metadata.tables) <= _tables(empty_database_url)
    downgrade_all(empty_database_url)
    assert _tables(empty_database_url) <= {"alembic_version"}
    upgrade(empty_database_url)
    assert set(Base.metadata.tables) <= _tables(empty_database_url)
