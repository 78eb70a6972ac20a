"""Entering a venue's scope by hand on PostgreSQL, as the application does: through
``app.enter_scope`` with the run's signature (``neutralpoint.database.tenancy``)."""

from __future__ import annotations

import uuid
from typing import Any

from neutralpoint.database.tenancy import SCOPE_SQL, scope_parameters
from tests.conftest import TEST_SCOPE_KEY


async def enter_scope(conn: Any, tenant_id: uuid.UUID | str | None = None, *, all_venues: bool = False) -> None:
    """Scope ``conn``'s transaction to one venue (or, ``all_venues``, to every venue)."""
    tenant = uuid.UUID(str(tenant_id)) if tenant_id is not None else None
    await conn.execute(SCOPE_SQL, scope_parameters(TEST_SCOPE_KEY, tenant, all_venues))
