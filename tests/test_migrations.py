"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from neutralpoint.database.base import Base
from neutralpoint.database.engine import make_engine
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
