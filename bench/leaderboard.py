"""Leaderboard reads at a million certificates: a rank lookup and a top-100 page.

How it runs: a throwaway PostgreSQL database is created and migrated; ``--certificates``
certificates (1,000,000 by default) are written by ``generate_series`` in a few statements,
spread over ``--venues`` venues with five entry points each and over the twelve months of
2026, their grams log-normal around 50 kg with one in twenty a round 100 kg (ties); their
leaderboard rows (``impact_standings``: up to seven per certificate) and bucket tallies are
derived from them in SQL, by the same rules as ``neutralpoint.impact.standings`` (a sample
of ranks is checked against a plain count before anything is timed). Foreign-key triggers
are off while seeding (``session_replication_role = replica``), the standings' indexes are
built after their rows, as a restore would, then the tables are vacuumed and analysed.
The database is dropped at the end.

What is timed, each query ``--queries`` times on random certificates, through the same
SQLAlchemy session functions the pages call (``impact.services.rank_of`` and ``top``),
inside one open transaction (a page's own BEGIN/COMMIT are not counted): the largest board
(the platform's, all time: every certificate), a month of it, and a venue's. The baseline,
in the same run: the same rank and top 100 asked of the certificates table the simple way
(``count(*)`` of the certificates with more grams; ``ORDER BY grams DESC LIMIT 100``), and
the rank counted in the standings index without the tallies.

Usage: ``python bench/leaderboard.py --database-url postgresql://postgres@127.0.0.1:5432/postgres``
(a role that may create databases and set ``session_replication_role``, i.e. a superuser).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qr_burst import pg_admin, use_bench_scope_key, with_database

RESULTS_START = "<!-- leaderboard results: start -->"
RESULTS_END = "<!-- leaderboard results: end -->"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

SEED_SQL = [
    # One row per certificate: its venue, entry point, grams and moment.
    """
    CREATE UNLOGGED TABLE bench_seed AS
    SELECT gen_random_uuid() AS id,
           i,
           (i % {venues}) AS venue_no,
           (i % {venues}) * 5 + (i / {venues}) % 5 AS entry_no,
           CASE WHEN i % 20 = 0 THEN 100000
                ELSE greatest(1, round(exp(ln(50000) + 1.1 * sqrt(-2 * ln(1 - random()))
                                        * cos(2 * pi() * random()))))::bigint END AS grams,
           timestamptz '2026-01-01 00:00:00+08' + random() * interval '364 days' AS issued_at
    FROM generate_series(1, {certificates}) AS i
    """,
    """
    CREATE UNLOGGED TABLE bench_places AS
    SELECT no, gen_random_uuid() AS id FROM generate_series(0, {venues} * 6) AS no
    """,
    # Certificates point at rows that do not exist (foreign keys are off while seeding):
    # the leaderboard reads only these columns.
    """
    INSERT INTO certificates (id, number, order_id, venue_id, venue_slug, order_reference, sale_id, holder,
        holder_is_anonymous, venue_name, entry_point, grams, project_id, project_name, project_registry_id,
        pieces, factor_set_version, ledger_hash, key_id, payload, status, issued_at, void_reason)
    SELECT s.id, 'NP-B' || lpad(s.i::text, 12, '0'), gen_random_uuid(), v.id, 'venue-' || s.venue_no,
        'NP-R' || lpad(s.i::text, 12, '0'), gen_random_uuid(), 'Anonymous visitor', true,
        'Venue ' || s.venue_no, 'Event ' || s.entry_no, s.grams, v.id, 'Project', 'CDCER 1',
        '[]', '2026.1', '', 'bench', '', 'valid', s.issued_at, ''
    FROM bench_seed s JOIN bench_places v ON v.no = s.venue_no
    """,
    # Loaded without its indexes, which are then built once, as a restore does.
    "ALTER TABLE impact_standings DROP CONSTRAINT pk_impact_standings",
    "DROP INDEX ix_impact_standings_board_grams",
    "DROP INDEX ix_impact_standings_certificate_id",
    """
    INSERT INTO impact_standings (board, period, certificate_id, grams, issued_at)
    SELECT b.board, b.period, s.id, s.grams, s.issued_at
    FROM bench_seed s
    JOIN bench_places v ON v.no = s.venue_no
    JOIN bench_places e ON e.no = {venues} + s.entry_no
    CROSS JOIN LATERAL (VALUES
        ('entry:' || replace(e.id::text, '-', ''), 'all'),
        ('venue:' || replace(v.id::text, '-', ''), 'all'),
        ('venue:' || replace(v.id::text, '-', ''), to_char(s.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY')),
        ('venue:' || replace(v.id::text, '-', ''), to_char(s.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')),
        ('platform', 'all'),
        ('platform', to_char(s.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY')),
        ('platform', to_char(s.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'))
    ) AS b(board, period)
    """,
    "ALTER TABLE impact_standings ADD CONSTRAINT pk_impact_standings PRIMARY KEY (board, period, certificate_id)",
    "CREATE INDEX ix_impact_standings_board_grams ON impact_standings (board, period, grams)",
    "CREATE INDEX ix_impact_standings_certificate_id ON impact_standings (certificate_id)",
    # The bucket of ``standings.bucket``: the length of the grams and their first three digits.
    """
    INSERT INTO impact_tallies (board, period, bucket, entries, grams)
    SELECT board, period, length(grams::text) * 1000 + left(rpad(grams::text, 3, '0'), 3)::int, count(*), sum(grams)
    FROM impact_standings GROUP BY 1, 2, 3
    """,
    "DROP TABLE bench_seed",
]


@dataclass
class Timing:
    name: str
    runs: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.runs)

    @property
    def p99(self) -> float:
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def timed(name: str, count: int, call: Callable[[int], Awaitable[Any]]) -> Timing:
    runs = []
    for n in range(count):
        started = time.perf_counter()
        await call(n)
        runs.append((time.perf_counter() - started) * 1000)
    return Timing(name, runs)


async def seed(owner_url: str, certificates: int, venues: int) -> float:
    import asyncpg

    started = time.perf_counter()
    conn = await asyncpg.connect(owner_url)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        for statement in SEED_SQL:
            await conn.execute(statement.format(certificates=certificates, venues=venues))
        await conn.execute("SET session_replication_role = origin")
        await conn.execute("VACUUM ANALYZE certificates")
        await conn.execute("VACUUM ANALYZE impact_standings")
        await conn.execute("VACUUM ANALYZE impact_tallies")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def measure(app_url: str, queries: int, baseline_queries: int) -> tuple[list[Timing], dict[str, Any]]:
    from sqlalchemy import func, select, text

    from neutralpoint.database.engine import Database
    from neutralpoint.impact import services, standings
    from neutralpoint.impact.models import StandingEntry
    from neutralpoint.settings import normalize_database_url

    db = Database(normalize_database_url(app_url))
    rng = random.Random(7)
    facts: dict[str, Any] = {}
    try:
        async with db.platform_session() as session:
            sample = (
                await session.execute(
                    text("SELECT grams, issued_at, venue_id FROM certificates TABLESAMPLE SYSTEM (1) LIMIT 5000")
                )
            ).all()
            venue_board = standings.venue_board(uuid.UUID(str(sample[0][2])))
            month = standings.period_key("month", sample[0][1])
            facts["platform_all"] = await services.totals(session, standings.PLATFORM, "all")
            facts["platform_month"] = await services.totals(session, standings.PLATFORM, month)
            facts["venue_all"] = await services.totals(session, venue_board, "all")
            facts["month"] = month
            facts["buckets"] = await session.scalar(
                text("SELECT count(*) FROM impact_tallies WHERE board = 'platform' AND period = 'all'")
            )

            # The tallies give the plain count's rank, or nothing below is worth timing.
            for grams, _, _ in rng.sample(sample, 200):
                naive = await session.scalar(
                    select(func.count())
                    .select_from(StandingEntry)
                    .where(
                        StandingEntry.board == "platform", StandingEntry.period == "all", StandingEntry.grams > grams
                    )
                )
                rank, _ = await services.rank_of(session, standings.PLATFORM, "all", grams)
                assert rank == 1 + int(naive or 0), (grams, rank, naive)

            def grams_of(n: int) -> int:
                return int(sample[(n * 7919) % len(sample)][0])

            everyone = services.period("all")
            this_month = services.Period("month", month)
            results = [
                await timed(
                    "rank, platform all time",
                    queries,
                    lambda n: services.rank_of(session, standings.PLATFORM, "all", grams_of(n)),
                ),
                await timed(
                    "rank, platform one month",
                    queries,
                    lambda n: services.rank_of(session, standings.PLATFORM, month, grams_of(n)),
                ),
                await timed(
                    "rank, one venue all time",
                    queries,
                    lambda n: services.rank_of(session, venue_board, "all", grams_of(n)),
                ),
                await timed(
                    "top 100, platform all time",
                    queries,
                    lambda n: services.top(session, standings.PLATFORM, everyone),
                ),
                await timed(
                    "top 100, platform one month",
                    queries,
                    lambda n: services.top(session, standings.PLATFORM, this_month),
                ),
                await timed(
                    "baseline: rank as count(*) of certificates",
                    baseline_queries,
                    lambda n: session.execute(
                        text(
                            "SELECT count(*) FILTER (WHERE grams > :g), count(*) FROM certificates"
                            " WHERE status = 'valid'"
                        ),
                        {"g": grams_of(n)},
                    ),
                ),
                await timed(
                    "baseline: rank as count(*) in the standings index",
                    baseline_queries,
                    lambda n: session.execute(
                        text(
                            "SELECT count(*) FROM impact_standings WHERE board = 'platform' AND period = 'all'"
                            " AND grams > :g"
                        ),
                        {"g": grams_of(n)},
                    ),
                ),
                await timed(
                    "baseline: top 100 of certificates",
                    baseline_queries,
                    lambda n: session.execute(
                        text(
                            "SELECT number, grams, venue_name FROM certificates WHERE status = 'valid'"
                            " ORDER BY grams DESC, issued_at LIMIT 100"
                        )
                    ),
                ),
            ]
    finally:
        await db.dispose()
    return results, facts


def report(results: list[Timing], facts: dict[str, Any], args: argparse.Namespace, load: dict[str, Any]) -> str:
    lines = [
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.certificates:,} certificates, "
        f"{args.venues} venues ({args.venues * 5} entry points); the platform's all-time board holds "
        f"{facts['platform_all'][0]:,} certificates in {facts['buckets']:,} buckets, its month {facts['month']} "
        f"{facts['platform_month'][0]:,}, the venue timed {facts['venue_all'][0]:,}. Seeding took "
        f"{load['seed_seconds']:.0f} s.",
        "",
        f"Machine: {os.cpu_count()} cores; load average {load['before']} before the timed queries and "
        f"{load['after']} after (1, 5, 15 min); above 2, other work shared the machine.",
        "",
        "| query | runs | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {t.name} | {len(t.runs)} | {t.p50:.2f} | {t.p99:.2f} |" for t in results]
    return "\n".join(lines) + "\n"


def write_docs(text: str) -> None:
    content = DOCS.read_text(encoding="utf-8")
    if RESULTS_START in content and RESULTS_END in content:
        head, rest = content.split(RESULTS_START, 1)
        _, tail = rest.split(RESULTS_END, 1)
        DOCS.write_text(f"{head}{RESULTS_START}\n{text}{RESULTS_END}{tail}", encoding="utf-8")


async def main_async(args: argparse.Namespace) -> str:
    from neutralpoint.database.migrate import upgrade
    from neutralpoint.settings import normalize_database_url

    database = f"np_bench_board_{secrets.token_hex(3)}"
    owner_url = with_database(args.database_url, database)
    await pg_admin(with_database(args.database_url, "postgres"), f'CREATE DATABASE "{database}"')
    try:
        await asyncio.to_thread(upgrade, normalize_database_url(owner_url), None, use_bench_scope_key())
        seconds = await seed(owner_url, args.certificates, args.venues)
        load: dict[str, Any] = {"seed_seconds": seconds, "before": ", ".join(f"{x:.2f}" for x in os.getloadavg())}
        results, facts = await measure(owner_url, args.queries, args.baseline_queries)
        load["after"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        return report(results, facts, args, load)
    finally:
        await pg_admin(
            with_database(args.database_url, "postgres"), f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--venues", type=int, default=200)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--baseline-queries", type=int, default=40)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    text = asyncio.run(main_async(args))
    print(text)
    if not args.no_write:
        write_docs(text)


if __name__ == "__main__":
    main()
