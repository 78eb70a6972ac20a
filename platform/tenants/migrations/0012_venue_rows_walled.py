"""Platform rows that name a venue (``venue_id``) come behind the second wall for changes.

Certificates (looked up publicly by number) and allocations' audiences stay readable by
all, as they must; adding, changing or removing one now needs its venue's own signed scope
or platform work, so SQL run in venue A's transaction changes none of venue B's. Credit
holds stay out: a venue's purchase releases another venue's expired hold of the same lot
by design. The ledger (``venue_id`` may be empty) is append-only already and chained by hashes.

Revision ID: tenants_0012
Revises: tenants_0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from neutralpoint.database.rls import enable_venue_rows_rls, venue_rows_policies

revision: str = "tenants_0012"
down_revision: str | Sequence[str] | None = "tenants_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("certificates_0004", "credits_0005")

TABLES = ("certificates", "credit_allocation_venues")


def upgrade() -> None:
    for table in TABLES:
        enable_venue_rows_rls(table)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in TABLES:
        for name in venue_rows_policies():
            bind.execute(sa.text(f'DROP POLICY IF EXISTS {name} ON "{table}"'))
        bind.execute(sa.text(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY'))
        bind.execute(sa.text(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY'))
