"""Venue and entry-point names in English and in Chinese, and the venue's time zone.

Each name that was one column becomes two (``…_en``, ``…_zh_hans``), at least one of them set.
A name already written in Chinese characters moves to the Chinese column, any other to the
English one; the venue's time zone starts as Asia/Shanghai.

No table is copied, on SQLite either (columns are added and dropped in place, SQLite 3.35 or
newer): with foreign keys enforced, copying ``tenants`` would drop the old table and cascade
to every venue's rows. So the rule "at least one name" is a CHECK constraint on PostgreSQL
only (SQLite cannot add one in place); the forms and the API enforce it everywhere.

Revision ID: tenants_0006
Revises: tenants_0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tenants_0006"
down_revision: str | Sequence[str] | None = "tenants_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# CJK ideographs (with extension A) and the CJK punctuation block: text a Chinese reader wrote.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff]")


def _split(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    return (None, value) if CHINESE.search(value) else (value, None)


def upgrade() -> None:
    op.add_column("tenants", sa.Column("display_name_en", sa.String(length=120), nullable=True))
    op.add_column("tenants", sa.Column("display_name_zh_hans", sa.String(length=120), nullable=True))
    op.add_column(
        "tenants", sa.Column("time_zone", sa.String(length=64), server_default="Asia/Shanghai", nullable=False)
    )
    op.add_column("entry_points", sa.Column("name_en", sa.String(length=120), nullable=True))
    op.add_column("entry_points", sa.Column("name_zh_hans", sa.String(length=120), nullable=True))
    op.add_column("entry_points", sa.Column("event_name_en", sa.String(length=160), nullable=True))
    op.add_column("entry_points", sa.Column("event_name_zh_hans", sa.String(length=160), nullable=True))

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        # Entry points are venue-owned and their row-level security is forced, on their owner
        # too: this transaction reads and writes every venue's rows, as platform code does.
        bind.execute(sa.text("SELECT set_config('app.scopes_disabled', 'on', true)"))
    tenants = sa.table(
        "tenants",
        sa.column("id", sa.Uuid()),
        sa.column("display_name", sa.String()),
        sa.column("display_name_en", sa.String()),
        sa.column("display_name_zh_hans", sa.String()),
    )
    for row in bind.execute(sa.select(tenants.c.id, tenants.c.display_name)).all():
        en, zh = _split(row.display_name)
        bind.execute(
            tenants.update()
            .where(tenants.c.id == row.id)
            .values(display_name_en=en if en or zh else row.display_name or "?", display_name_zh_hans=zh)
        )
    points = sa.table(
        "entry_points",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("event_name", sa.String()),
        sa.column("name_en", sa.String()),
        sa.column("name_zh_hans", sa.String()),
        sa.column("event_name_en", sa.String()),
        sa.column("event_name_zh_hans", sa.String()),
    )
    for point in bind.execute(sa.select(points.c.id, points.c.name, points.c.event_name)).all():
        en, zh = _split(point.name)
        event_en, event_zh = _split(point.event_name)
        bind.execute(
            points.update()
            .where(points.c.id == point.id)
            .values(
                name_en=en if en or zh else point.name or "?",
                name_zh_hans=zh,
                event_name_en=event_en,
                event_name_zh_hans=event_zh,
            )
        )

    op.drop_column("tenants", "display_name")
    op.drop_column("entry_points", "name")
    op.drop_column("entry_points", "event_name")
    if postgres:
        op.create_check_constraint(
            op.f("ck_tenants_display_name_in_a_language"),
            "tenants",
            "display_name_en IS NOT NULL OR display_name_zh_hans IS NOT NULL",
        )
        op.create_check_constraint(
            op.f("ck_entry_points_name_in_a_language"), "entry_points", "name_en IS NOT NULL OR name_zh_hans IS NOT NULL"
        )


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        bind.execute(sa.text("SELECT set_config('app.scopes_disabled', 'on', true)"))
        op.drop_constraint(op.f("ck_entry_points_name_in_a_language"), "entry_points", type_="check")
        op.drop_constraint(op.f("ck_tenants_display_name_in_a_language"), "tenants", type_="check")
    # NOT NULL with a default, which SQLite can add in place; the default goes where it can.
    op.add_column("tenants", sa.Column("display_name", sa.String(length=120), server_default="", nullable=False))
    op.add_column("entry_points", sa.Column("name", sa.String(length=120), server_default="", nullable=False))
    op.add_column("entry_points", sa.Column("event_name", sa.String(length=160), nullable=True))
    op.execute(
        "UPDATE tenants SET display_name = CASE WHEN default_language = 'zh-Hans' "
        "THEN COALESCE(display_name_zh_hans, display_name_en) "
        "ELSE COALESCE(display_name_en, display_name_zh_hans) END"
    )
    op.execute(
        "UPDATE entry_points SET name = COALESCE(name_en, name_zh_hans), "
        "event_name = COALESCE(event_name_en, event_name_zh_hans)"
    )
    if postgres:
        op.alter_column("tenants", "display_name", server_default=None)
        op.alter_column("entry_points", "name", server_default=None)
    for column in ("time_zone", "display_name_zh_hans", "display_name_en"):
        op.drop_column("tenants", column)
    for column in ("event_name_zh_hans", "event_name_en", "name_zh_hans", "name_en"):
        op.drop_column("entry_points", column)
