"""Test-mode certificates move to the test twins of their boards (``test:platform``,
``test:venue:<id>``, ``test:entry:<id>``), so that test grams never count on a live
board; the tallies are recounted from the entries.

Revision ID: impact_0003
Revises: impact_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "impact_0003"
down_revision: str | Sequence[str] | None = "impact_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("certificates_0003",)

TEST = "test:"
STANDINGS = sa.table(
    "impact_standings",
    sa.column("board", sa.String),
    sa.column("period", sa.String),
    sa.column("certificate_id", sa.Uuid),
    sa.column("grams", sa.BigInteger),
)
TALLIES = sa.table(
    "impact_tallies",
    sa.column("board", sa.String),
    sa.column("period", sa.String),
    sa.column("bucket", sa.Integer),
    sa.column("entries", sa.BigInteger),
    sa.column("grams", sa.BigInteger),
)
CERTIFICATES = sa.table("certificates", sa.column("id", sa.Uuid), sa.column("test_mode", sa.Boolean))


def _recount() -> None:
    """Every tally again from the entries; a bucket is the grams' length and first three
    digits (``standings.bucket``), written here in SQL."""
    # Constants as literals, not parameters: GROUP BY must repeat the very same expression.
    digits = sa.cast(STANDINGS.c.grams, sa.String)
    padded = sa.func.substr(digits.concat(sa.literal_column("'00'")), sa.literal_column("1"), sa.literal_column("3"))
    bucket = sa.func.length(digits) * sa.literal_column("1000") + sa.cast(padded, sa.Integer)
    op.execute(sa.delete(TALLIES))
    op.execute(
        sa.insert(TALLIES).from_select(
            ["board", "period", "bucket", "entries", "grams"],
            sa.select(
                STANDINGS.c.board, STANDINGS.c.period, bucket, sa.func.count(), sa.func.sum(STANDINGS.c.grams)
            ).group_by(STANDINGS.c.board, STANDINGS.c.period, bucket),
        )
    )


def _move(to_test: bool) -> None:
    tested = sa.select(CERTIFICATES.c.id).where(CERTIFICATES.c.test_mode.is_(sa.true()))
    if to_test:
        op.execute(
            sa.update(STANDINGS)
            .where(~STANDINGS.c.board.startswith(TEST), STANDINGS.c.certificate_id.in_(tested))
            .values(board=TEST + STANDINGS.c.board)
        )
    else:
        op.execute(
            sa.update(STANDINGS)
            .where(STANDINGS.c.board.startswith(TEST))
            .values(board=sa.func.substr(STANDINGS.c.board, len(TEST) + 1))
        )
    _recount()


def upgrade() -> None:
    _move(to_test=True)


def downgrade() -> None:
    _move(to_test=False)
