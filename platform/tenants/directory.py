"""Every venue at once, for the pages that look across venues.

Only platform-admin code calls this: its session has tenant scopes disabled on purpose
(``PLATFORM_ADMIN``), and venues themselves are not venue-owned rows.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.tenants.models import Tenant


async def all_venues(session: AsyncSession) -> list[Tenant]:
    """Every venue, by display name."""
    return list((await session.execute(select(Tenant).order_by(Tenant.display_name))).scalars())
