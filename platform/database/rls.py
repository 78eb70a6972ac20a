"""Row-level security for venue-owned tables (PostgreSQL only), used by migrations.

The policy admits a row when its ``tenant_id`` equals the transaction's
``app.tenant_id`` or when platform code disabled scopes for the transaction. Both
settings are written with ``set_config(..., true)``, so they vanish at commit and an
unset value matches nothing: the policy fails closed.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

POLICY_NAME = "tenant_isolation"
POLICY_PREDICATE = (
    "(current_setting('app.scopes_disabled', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)"
)


def enable_tenant_rls(table: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
    bind.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
    bind.execute(
        text(
            f'CREATE POLICY {POLICY_NAME} ON "{table}" USING {POLICY_PREDICATE} WITH CHECK {POLICY_PREDICATE}'
        )
    )


def disable_tenant_rls(table: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.execute(text(f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"'))
    bind.execute(text(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY'))
    bind.execute(text(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY'))
