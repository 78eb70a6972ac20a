"""Look-ups across venues: every venue at once (for platform admins, whose session has
tenant scopes disabled on purpose), and whether an address has an account (for an
invitation link, which names no venue the reader belongs to yet). Neither reads a
venue-owned row."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.tenants.models import Tenant, User


async def all_venues(session: AsyncSession) -> list[Tenant]:
    """Every venue, by display name."""
    return list((await session.execute(select(Tenant).order_by(Tenant.display_name))).scalars())


async def has_account(session: AsyncSession, email: str) -> bool:
    """Whether someone already signed up with this address."""
    return (await session.execute(select(User.id).where(User.email == email))).first() is not None
