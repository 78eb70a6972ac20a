"""Credit reservations: how many reservations and confirmed sales a second the credit
service sustains on PostgreSQL, beside the code path it replaced, in the same run.

The credit service alone (no web server): worker processes call ``services.reserve``
and ``services.confirm_sale`` directly, each purchase in its own transactions, through
the application's role (no superuser, row-level security live), many at once. The same
load runs against:

- ``bare``: one conditional single-row UPDATE per transaction on one hot row, the ceiling
  for anything that serialises on one row lock;
- ``single-chain``: the code before lot chains (``--baseline-ref``, the last commit with
  the platform-wide ``ledger_head`` lock), extracted from git and migrated into a
  database of its own;
- ``lot-chains``: this tree.

Scenarios: ``reserve, 1 lot`` (every buyer takes 1 kg of one offer of one lot: the
worst case for any per-lot lock), ``reserve, 8 lots`` (buyers of 8 venues, each with an
offer of its own lot), ``sale, 8 lots`` (reserve then confirm, in two transactions, as
checkout and the payment's fulfilment do) and ``sale, 1 lot``. The variants take turns
in rounds, so a slow minute of the shared machine falls on all of them alike; the load
average is recorded beside each round.

    .venv/bin/python bench/credit_reservations.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

It creates throwaway databases (dropped at the end) and writes the figures into
``docs/benchmarks.md`` between its markers (``--no-write`` prints only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qr_burst import pg_admin, with_database

ROOT = Path(__file__).resolve().parent.parent
APP_ROLE = "np_bench_credits"
APP_PASSWORD = "np_bench_credits"
BASELINE_REF = "cb48c47de5bcdd52506453efaaca3f240bcc0204"
LOTS = 8
GRAMS = 1_000
TONNES_PER_LOT = 1_000_000
RESULTS_START = "<!-- credit-reservations results: start -->"
RESULTS_END = "<!-- credit-reservations results: end -->"
SCENARIOS = ("reserve-1", "reserve-8", "sale-8", "sale-1")
TITLES = {
    "reserve-1": "reserve, 1 lot",
    "reserve-8": "reserve, 8 lots",
    "sale-8": "sale, 8 lots",
    "sale-1": "sale, 1 lot",
    "bare": "bare row update",
}


def _url(base: str, database: str, user: str | None = None, password: str | None = None) -> str:
    """``with_database`` in SQLAlchemy's asyncpg spelling, which the workers' engines take."""
    return with_database(base, database, user, password).replace("postgresql://", "postgresql+asyncpg://", 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- worker side: runs under the code being measured (this tree or the baseline's) --------

#: When this transaction took its first credits lock (perf_counter), for the lock's hold time.
LOCKED_AT: contextvars.ContextVar[float | None] = contextvars.ContextVar("locked_at", default=None)


def _time_the_locks() -> None:
    """Wrap the functions that take the credits locks (whichever this code has: the single
    ``ledger.lock_books``, or ``ledger.lock_lots`` and ``stock.take_from_lot``) to note when
    a transaction first holds one; the lock is then held until the transaction ends."""
    from neutralpoint.credits import ledger, stock

    for module, name in ((ledger, "lock_books"), (ledger, "lock_lots"), (stock, "take_from_lot")):
        original = getattr(module, name, None)
        if original is None:
            continue

        async def timed(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
            result = await __original(*args, **kwargs)
            if result is not False and LOCKED_AT.get() is None:
                LOCKED_AT.set(time.perf_counter())
            return result

        setattr(module, name, timed)


async def seed(owner_url: str, app_url: str) -> dict[str, Any]:
    """Migrate, then 8 venues with one offer each of a lot of their own, through the services."""
    from neutralpoint.credits import services
    from neutralpoint.database.engine import Database
    from neutralpoint.database.migrate import grant_app_role
    from neutralpoint.tenants.models import Tenant, TenantStatus

    await asyncio.to_thread(_migrate, owner_url)
    await grant_app_role(owner_url, app_url)
    db = Database(owner_url)
    tag = uuid.uuid4().hex[:8]
    venues, offers = [], []
    try:
        async with db.platform_session() as session:
            owner = await services.create_project_owner(session, name="Bench owner", payout_currency="CNY")
            project = await services.create_project(
                session,
                owner_id=owner.id,
                slug=f"bench-{tag}",
                name={"en": "Bench forest"},
                registry_code="CCER",
                registry_project_id=f"bench-{tag}",
                project_type="forestry",
                country="CN",
            )
        for n in range(LOTS):
            async with db.platform_session() as session:
                tenant = Tenant(
                    slug=f"bench-{tag}-{n}",
                    name=f"Bench venue {n}",
                    display_name=f"Bench venue {n}",
                    contact_email=f"bench-{n}@example.org",
                    status=TenantStatus.ACTIVE,
                )
                session.add(tenant)
                await session.flush()
                lot = await services.create_lot(
                    session,
                    project_id=project.id,
                    vintage_year=2022,
                    serial_first=f"CN-BENCH-{tag}-{n}-{1:07d}",
                    serial_last=f"CN-BENCH-{tag}-{n}-{TONNES_PER_LOT:07d}",
                    quantity_tonnes=TONNES_PER_LOT,
                    unit_cost_minor=3_000,
                    cost_currency="CNY",
                    acquired_on=date(2024, 1, 1),
                    actor="bench",
                )
                offer = await services.create_allocation(
                    session,
                    lot_id=lot.id,
                    grams=TONNES_PER_LOT * 1_000_000,
                    price_per_tonne_minor=12_000,
                    currency="CNY",
                    owner_bp=7000,
                    platform_bp=2000,
                    venue_bp=1000,
                    venue_ids=[tenant.id],
                    all_venues=False,
                    valid_from=datetime.now(UTC) - timedelta(minutes=5),
                    actor="bench",
                )
                venues.append(str(tenant.id))
                offers.append(str(offer.id))
        async with db.engine.begin() as conn:
            from sqlalchemy import text

            await conn.execute(text("CREATE TABLE bench_counter (id int PRIMARY KEY, n bigint NOT NULL)"))
            await conn.execute(text("INSERT INTO bench_counter VALUES (1, 0)"))
            role = '"' + APP_ROLE + '"'
            await conn.execute(text(f"GRANT SELECT, UPDATE ON bench_counter TO {role}"))
    finally:
        await db.dispose()
    return {"venues": venues, "offers": offers}


#: The secret this bench's processes sign their database scopes from.
SCOPE_SECRET = "bench-database-scope-secret-0123456789abcdef"


def _use_scope_key() -> bytes | None:
    """Sign this process's database scopes with the bench's key, on versions of the platform
    that sign them (the bench also runs older ones); the key, for the migration to store."""
    try:
        from neutralpoint.database.tenancy import use_scope_key
        from neutralpoint.settings import scope_key_from_secret
    except ImportError:
        return None
    key = scope_key_from_secret(SCOPE_SECRET)
    use_scope_key(key)
    return key


def _migrate(owner_url: str) -> None:
    from neutralpoint.database.migrate import upgrade

    key = _use_scope_key()
    if key is None:
        upgrade(owner_url)
    else:
        upgrade(owner_url, None, key)


async def run_load(
    app_url: str, world: dict[str, Any], scenario: str, concurrency: int, seconds: float
) -> dict[str, Any]:
    """``concurrency`` buyers for ``seconds`` from the wall-clock time the coordinator sends
    on stdin once every worker process is ready; returns the count of operations, refusals
    and latencies."""
    start_at = 0.0
    from sqlalchemy import event, text
    from sqlalchemy.exc import DBAPIError

    from neutralpoint.credits import services
    from neutralpoint.database.engine import Database
    from neutralpoint.database.tenancy import use_tenant

    _time_the_locks()
    db = Database(app_url, pool_size=concurrency, max_overflow=0, pool_timeout=120)
    statements = 0

    def count_statement(*_: Any) -> None:
        nonlocal statements
        statements += 1

    # Counted here, in the benchmark, for whichever code runs: what each operation costs in
    # round trips (the transaction's BEGIN and COMMIT are not statements the code sends).
    event.listen(db.engine.sync_engine, "before_cursor_execute", count_statement)
    backends: list[int] = []

    def note_backend(dbapi_connection: Any, _record: Any) -> None:
        backends.append(dbapi_connection.driver_connection.get_server_pid())

    # The CPU each operation costs, here and in its PostgreSQL backends: steadier than the
    # rate on a shared machine, since waiting for a core costs none.
    event.listen(db.engine.sync_engine, "connect", note_backend)
    venues = [uuid.UUID(v) for v in world["venues"]]
    offers = [uuid.UUID(o) for o in world["offers"]]
    lots = 1 if scenario.endswith("-1") else LOTS
    done = errors = 0
    latencies: list[float] = []
    holds: list[float] = []
    problems: dict[str, int] = {}
    pid = os.getpid()

    async def one(n: int, k: int) -> None:
        index = (n + k) % lots
        venue, offer = venues[index], offers[index]
        if scenario == "bare":
            async with db.session() as session:
                await session.execute(text("UPDATE bench_counter SET n = n + 1 WHERE id = 1 AND n >= 0"))
            return
        ref = f"b{pid}-{n}-{k}-{uuid.uuid4().hex[:12]}"
        LOCKED_AT.set(None)
        async with db.session() as session:
            use_tenant(session, venue)
            await services.reserve(
                session, tenant_id=venue, allocation_id=offer, grams=GRAMS, order_ref=ref, round_up_to_minimum=True
            )
        locked_at = LOCKED_AT.get()
        if locked_at is not None:
            holds.append(time.perf_counter() - locked_at)
        if scenario.startswith("sale"):
            LOCKED_AT.set(None)
            async with db.platform_session() as session:
                await services.confirm_sale(session, order_ref=ref)
            locked_at = LOCKED_AT.get()
            if locked_at is not None:
                holds.append(time.perf_counter() - locked_at)

    async def buyer(n: int) -> None:
        nonlocal done, errors
        k = 0
        while time.time() < start_at + seconds:
            began = time.perf_counter()
            try:
                await one(n, k)
            except Exception as exc:  # a refusal or a database error: counted, never hidden
                errors += 1
                name = type(exc).__name__
                if isinstance(exc, DBAPIError):  # say which database error
                    name += ": " + str(exc.orig).splitlines()[0][:120]
                problems[name] = problems.get(name, 0) + 1
            else:
                if time.time() <= start_at + seconds:
                    done += 1
                    latencies.append(time.perf_counter() - began)
            k += 1

    cpu_client = cpu_database = 0.0
    try:
        await one(-1, 0)  # warm up (imports, connection, statement caches), then wait for the start
        statements = 0
        await one(-2, 0)  # one operation alone: its statements
        alone = statements
        print("BENCH_READY", flush=True)
        start_at = float(await asyncio.to_thread(sys.stdin.readline))
        await asyncio.sleep(max(0.0, start_at - time.time()))
        cpu_before = time.process_time()
        database_before = {pid: cpu_seconds(pid) for pid in backends}
        await asyncio.gather(*(buyer(n) for n in range(concurrency)))
        cpu_client = time.process_time() - cpu_before
        # A backend opened during the load counts from zero (its start-up included).
        cpu_database = sum(cpu_seconds(pid) - database_before.get(pid, 0.0) for pid in set(backends))
    finally:
        await db.dispose()
    return {
        "done": done,
        "errors": errors,
        "problems": problems,
        "latencies": latencies,
        "holds": holds,
        "statements": alone,
        "cpu_client": cpu_client,
        "cpu_database": cpu_database,
    }


def worker_main(args: argparse.Namespace) -> None:
    _use_scope_key()
    if args.worker == "seed":
        result = asyncio.run(seed(args.owner_url, args.app_url))
    else:
        world = json.loads(args.world)
        result = asyncio.run(run_load(args.app_url, world, args.worker, args.concurrency, args.seconds))
    print("BENCH_JSON " + json.dumps(result))


# --- coordinator ---------------------------------------------------------------------------


@dataclass
class Variant:
    name: str
    pythonpath: str | None
    owner_url: str
    app_url: str
    world: dict[str, Any] | None = None


def _baseline_tree(ref: str, folder: Path) -> str:
    """The baseline's ``platform/`` as an importable ``neutralpoint`` package."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "platform"], check=True, capture_output=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / "pkg"
    package.mkdir()
    (package / "neutralpoint").symlink_to(folder / "platform")
    return str(package)


def _call(variant: Variant, *extra: str) -> dict[str, Any]:
    env = dict(os.environ)
    if variant.pythonpath:
        env["PYTHONPATH"] = variant.pythonpath
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--owner-url",
        variant.owner_url,
        "--app-url",
        variant.app_url,
        *extra,
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"^BENCH_JSON (.*)$", out.stdout, re.MULTILINE)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"worker failed ({variant.name} {extra[:2]}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(found.group(1))
    return result


def _check_import(variant: Variant) -> None:
    env = dict(os.environ)
    if variant.pythonpath:
        env["PYTHONPATH"] = variant.pythonpath
    where = subprocess.run(
        [sys.executable, "-c", "import neutralpoint.credits.ledger as l; print(l.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    expected = variant.pythonpath or str(ROOT / "platform")
    if not where.startswith(expected) and not Path(where).resolve().is_relative_to(Path(expected).resolve()):
        raise SystemExit(f"{variant.name}: imported {where}, expected code under {expected}")


def _round(variant: Variant, scenario: str, processes: int, concurrency: int, seconds: float) -> dict[str, Any]:
    env = dict(os.environ)
    if variant.pythonpath:
        env["PYTHONPATH"] = variant.pythonpath
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--owner-url",
        variant.owner_url,
        "--app-url",
        variant.app_url,
        "--worker",
        scenario,
        "--world",
        json.dumps(variant.world),
        "--concurrency",
        str(concurrency),
        "--seconds",
        str(seconds),
    ]
    children = [
        subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    for child in children:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line.startswith("BENCH_READY"):
            _, stderr = child.communicate()
            raise SystemExit(f"load worker did not start ({variant.name} {scenario}): {line}{stderr[-3000:]}")
    load_before = os.getloadavg()[0]
    start_at = time.time() + 0.5
    results = []
    for child in children:
        stdout, stderr = child.communicate(f"{start_at}\n")
        found = re.search(r"^BENCH_JSON (.*)$", stdout, re.MULTILINE)
        if child.returncode != 0 or found is None:
            raise SystemExit(f"load worker failed ({variant.name} {scenario}):\n{stdout[-2000:]}\n{stderr[-3000:]}")
        results.append(json.loads(found.group(1)))
    latencies = sorted(x for r in results for x in r["latencies"])
    holds = sorted(x for r in results for x in r["holds"])
    problems: dict[str, int] = {}
    for r in results:
        for name, count in r["problems"].items():
            problems[name] = problems.get(name, 0) + count
    done = sum(r["done"] for r in results)
    return {
        "variant": variant.name,
        "scenario": scenario,
        "rate": done / seconds,
        "done": done,
        "errors": sum(r["errors"] for r in results),
        "problems": problems,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else None,
        "hold_ms": 1000 * holds[len(holds) // 2] if holds else None,
        "statements": results[0].get("statements"),
        "cpu_ms": (
            1000 * sum(r.get("cpu_client", 0.0) + r.get("cpu_database", 0.0) for r in results) / done if done else None
        ),
        "load": (load_before, os.getloadavg()[0]),
    }


async def _audit(owner_url: str) -> str:
    from neutralpoint.credits import services
    from neutralpoint.database.engine import Database

    _use_scope_key()
    db = Database(owner_url)
    try:
        async with db.platform_session() as session:
            return (await services.audit(session)).summary()
    finally:
        await db.dispose()


def _table(
    rows: list[dict[str, Any]], variants: list[str], seconds: float, rounds: int, processes: int, concurrency: int
) -> str:
    lines = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores "
        f"(whether other work shared them: the load column); {processes} worker processes × {concurrency} "
        f"buyers, {rounds} rounds of {seconds:g} s per cell; "
        f"every purchase {GRAMS} g. Rate: operations completed per second (a sale is its reservation and its "
        "confirmation, two transactions); p50/p99: the latency of one operation under that load; lock held: "
        "the median time from a transaction's first credits lock (the platform-wide one, or its first lot's) to "
        "its commit; load: the 1-minute load average before → after each round.",
        "",
        "| scenario | code | per second (each round) | mean | statements | CPU ms | p50 ms | p99 ms | lock held ms "
        "| errors | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in ("bare", *SCENARIOS):
        for variant in variants:
            mine = [r for r in rows if r["scenario"] == scenario and r["variant"] == variant]
            if not mine:
                continue
            rates = [r["rate"] for r in mine]
            p50 = (
                statistics.median(r["p50_ms"] for r in mine if r["p50_ms"] is not None)
                if any(r["p50_ms"] for r in mine)
                else 0
            )
            p99 = max(r["p99_ms"] for r in mine if r["p99_ms"] is not None) if any(r["p99_ms"] for r in mine) else 0
            held = [r["hold_ms"] for r in mine if r.get("hold_ms") is not None]
            hold_text = f"{statistics.median(held):.1f}" if held else "–"
            errors = sum(r["errors"] for r in mine)
            kinds: dict[str, int] = {}
            for r in mine:
                for name, count in r["problems"].items():
                    kinds[name] = kinds.get(name, 0) + count
            error_text = str(errors) + (
                " (" + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")" if kinds else ""
            )
            loads = ", ".join(f"{a:.1f}→{b:.1f}" for a, b in (r["load"] for r in mine))
            counted = mine[0].get("statements")
            cpu = [r["cpu_ms"] for r in mine if r.get("cpu_ms") is not None]
            cpu_text = f"{statistics.median(cpu):.1f}" if cpu else "–"
            lines.append(
                f"| {TITLES[scenario]} | {variant} | {' / '.join(f'{x:,.0f}' for x in rates)} | "
                f"{statistics.mean(rates):,.0f} | {counted if counted is not None else '–'} | {cpu_text} | "
                f"{p50:.1f} | {p99:.1f} | {hold_text} | {error_text} | {loads} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--baseline",
        action="append",
        metavar="NAME=REF",
        help=f"code to compare with, extracted from git (repeatable; default: single-chain={BASELINE_REF[:7]})",
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--name", default="this tree", help="the label of this tree's code in the table")
    parser.add_argument("--no-write", action="store_true")
    # worker mode
    parser.add_argument("--worker")
    parser.add_argument("--owner-url")
    parser.add_argument("--app-url")
    parser.add_argument("--world")
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return

    admin = with_database(args.database_url, urlsplit(args.database_url).path.lstrip("/") or "postgres")
    scenarios = [s for s in args.scenarios.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="np-bench-credits-") as tmp:
        variants = []
        names: list[tuple[str, str | None]] = []
        if not args.no_baseline:
            for given in args.baseline or [f"single-chain={BASELINE_REF}"]:
                name, _, ref = given.partition("=")
                folder = Path(tmp) / re.sub(r"[^A-Za-z0-9]+", "_", name)  # the migrations' paths are space-separated
                names.append((name, _baseline_tree(ref or name, folder)))
        names.append((args.name, None))
        created = []
        try:
            for name, path in names:
                database = f"np_bench_credits_{re.sub(r'[^a-z0-9]+', '_', name.lower())[:24]}_{uuid.uuid4().hex[:6]}"
                asyncio.run(pg_admin(admin, f'CREATE DATABASE "{database}"'))
                created.append(database)
                variant = Variant(
                    name,
                    path,
                    _url(args.database_url, database),
                    _url(args.database_url, database, APP_ROLE, APP_PASSWORD),
                )
                _check_import(variant)
                variant.world = _call(variant, "--worker", "seed")
                variants.append(variant)
            rows = []
            bare = variants[-1]
            for round_number in range(args.rounds):
                for scenario in ["bare", *scenarios]:
                    for variant in variants if scenario != "bare" else [bare]:
                        row = _round(variant, scenario, args.processes, args.concurrency, args.seconds)
                        label = "bare row" if scenario == "bare" else variant.name
                        row["variant"] = label
                        rows.append(row)
                        print(
                            f"round {round_number + 1} {TITLES[scenario]:<16} {label:<13} {row['rate']:8.0f}/s "
                            f"p50 {row['p50_ms'] or 0:6.1f} ms p99 {row['p99_ms'] or 0:7.1f} ms "
                            f"held {row['hold_ms'] or 0:6.1f} ms cpu {row['cpu_ms'] or 0:5.1f} ms "
                            f"statements {row['statements']} "
                            f"errors {row['errors']} {row['problems']} load {row['load'][0]:.1f}",
                            flush=True,
                        )
            audits = {}
            for variant in variants:
                env_path = variant.pythonpath
                if env_path is None:
                    audits[variant.name] = asyncio.run(_audit(variant.owner_url))
            labels = ["bare row", *[v.name for v in variants]]
            table = _table(rows, labels, args.seconds, args.rounds, args.processes, args.concurrency)
            table += "\n\nAfter the run: " + "; ".join(f"{k}: {v.splitlines()[0]}" for k, v in audits.items()) + "."
            print(table)
            if not args.no_write:
                _write(table)
        finally:
            for database in created:
                asyncio.run(pg_admin(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def _write(table: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    block = f"{RESULTS_START}\n{table}\n{RESULTS_END}"
    if RESULTS_START in text:
        text = re.sub(re.escape(RESULTS_START) + r".*?" + re.escape(RESULTS_END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
