"""A project's region in Chinese beside the English one (``region_zh_hans``; Chinese pages
fall back to ``region`` without it), filled in for the demo projects' regions.

Revision ID: credits_0005
Revises: credits_0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "credits_0005"
down_revision: str | Sequence[str] | None = "credits_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROJECTS = sa.table("credit_projects", sa.column("region", sa.String), sa.column("region_zh_hans", sa.String))
#: The demo projects' regions (``neutralpoint.credits.demo``), as they were written before.
DEMO_REGIONS = {
    "Longquanyi District, Chengdu, Sichuan": "四川省成都市龙泉驿区",
    "Yibin, Sichuan": "四川省宜宾市",
    "Liangshan Yi Autonomous Prefecture, Sichuan": "四川省凉山彝族自治州",
    "Dali, Yunnan": "云南省大理白族自治州",
}


def upgrade() -> None:
    # Plain ALTER TABLE: SQLite's batch mode would copy and drop a table others refer to.
    op.add_column(
        "credit_projects", sa.Column("region_zh_hans", sa.String(length=120), server_default="", nullable=False)
    )
    for english, chinese in DEMO_REGIONS.items():
        op.execute(sa.update(PROJECTS).where(PROJECTS.c.region == english).values(region_zh_hans=chinese))


def downgrade() -> None:
    op.execute("ALTER TABLE credit_projects DROP COLUMN region_zh_hans")
