"""Database layer: declarative base, engines and sessions, tenant scoping, migrations."""

from neutralpoint.database.base import Base, TenantScoped, UTCDateTime, new_id, utcnow
from neutralpoint.database.engine import Database
from neutralpoint.database.tenancy import (
    UnscopedQueryError,
    current_tenant,
    disable_scopes,
    scopes_disabled,
    use_tenant,
)

__all__ = [
    "Base",
    "Database",
    "TenantScoped",
    "UTCDateTime",
    "UnscopedQueryError",
    "current_tenant",
    "disable_scopes",
    "new_id",
    "scopes_disabled",
    "use_tenant",
    "utcnow",
]
