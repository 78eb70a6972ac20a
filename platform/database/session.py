"""The type of a request's database session, as handlers receive it and pass it to services.

Layers that call services but never build queries themselves (the admin pages) name the
session from here rather than from SQLAlchemy, so that the import-linter contract keeps
SQLAlchemy out of them.
"""

from sqlalchemy.ext.asyncio import AsyncSession

DbSession = AsyncSession
