"""A second wall that fails closed: row-level security reads a sealed, signed scope.

Every ``tenant_isolation`` policy now admits a row through ``app.current_tenant()`` and
``app.all_venues()`` (``neutralpoint.database.rls``) instead of settings the web role may
write by hand. Two tables come behind the wall: ``tenants`` (anyone reads the directory
and registers a venue; only the venue itself or platform work changes or removes one) and
``mail_outbox`` (anyone queues a mail; only platform work — the sender — reads, changes or
removes one, so no request reads another person's verification or reset link).

Revision ID: tenants_0011
Revises: tenants_0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from neutralpoint.database.rls import (
    ALL_VENUES,
    CURRENT_TENANT,
    LEGACY_POLICY_PREDICATE,
    POLICY_NAME,
    POLICY_PREDICATE,
    ensure_scope_functions,
)

revision: str = "tenants_0011"
down_revision: str | Sequence[str] | None = "tenants_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("scenarios_0005", "payments_0002", "credits_0005")

OWN_VENUE = f"({ALL_VENUES} OR id = {CURRENT_TENANT})"
TENANT_POLICIES = {
    "tenants_read": "FOR SELECT USING (true)",
    "tenants_register": "FOR INSERT WITH CHECK (true)",
    POLICY_NAME: f"FOR UPDATE USING {OWN_VENUE} WITH CHECK {OWN_VENUE}",
    "tenants_removal": f"FOR DELETE USING {OWN_VENUE}",
}
OUTBOX_POLICIES = {
    "outbox_append": "FOR INSERT WITH CHECK (true)",
    "outbox_platform": f"FOR ALL USING ({ALL_VENUES}) WITH CHECK ({ALL_VENUES})",
}
WALLED = {"tenants": TENANT_POLICIES, "mail_outbox": OUTBOX_POLICIES}


def _tenant_policies(bind: sa.Connection) -> list[tuple[str, bool]]:
    """The tables with a ``tenant_isolation`` policy on ``tenant_id``, and whether it checks writes."""
    rows = bind.execute(
        sa.text(
            "select tablename, with_check is not null from pg_policies "
            "where schemaname = 'public' and policyname = :p and tablename <> 'tenants'"
        ),
        {"p": POLICY_NAME},
    )
    return [(r[0], bool(r[1])) for r in rows]


def _set_predicate(bind: sa.Connection, predicate: str) -> None:
    for table, checks_writes in _tenant_policies(bind):
        check = f" WITH CHECK {predicate}" if checks_writes else ""
        bind.execute(sa.text(f'ALTER POLICY {POLICY_NAME} ON "{table}" USING {predicate}{check}'))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    ensure_scope_functions()
    _set_predicate(bind, POLICY_PREDICATE)
    for table, policies in WALLED.items():
        bind.execute(sa.text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        bind.execute(sa.text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
        for name, definition in policies.items():
            bind.execute(sa.text(f'CREATE POLICY {name} ON "{table}" {definition}'))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, policies in WALLED.items():
        for name in policies:
            bind.execute(sa.text(f'DROP POLICY IF EXISTS {name} ON "{table}"'))
        bind.execute(sa.text(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY'))
        bind.execute(sa.text(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY'))
    _set_predicate(bind, LEGACY_POLICY_PREDICATE)
