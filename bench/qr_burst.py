"""QR burst: many visitors open a venue's entry page and post the calculator at once.

The platform is served as a user would serve it (``neutralpoint serve`` on PostgreSQL,
connected as the application role, ``WEB_CONCURRENCY`` workers) next to a bare Litestar
JSON route served by uvicorn with the same options (``bench/bare_app.py``), in the same
run. ``wrk`` (Debian's package, installed here when missing and running as root) drives
each route from a separate process at a fixed number of connections for a fixed time,
against 127.0.0.1 only, and stops by itself. The routes take turns in rounds, so that a
slow minute of a shared machine falls on all of them alike.

    .venv/bin/python bench/qr_burst.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

It creates a throwaway database (dropped at the end), migrates and seeds it through the
models, measures, and writes the figures into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import dataclasses
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
APP_ROLE = "np_bench_app"
STATS_SETTLE_SECONDS = 1.5
VENUE_LOCATION = ("30.6598", "104.0633")  # Chengdu
ESTIMATE_INPUTS: dict[str, Any] = {
    "travel_mode": "rail_high_speed",
    "travel_origin": "Beijing",
    "travel_return": True,
    "days": 2,
    "hotel_nights": 1,
}
RESULTS_START = "<!-- qr-burst results: start -->"
RESULTS_END = "<!-- qr-burst results: end -->"
PIECES_START = "<!-- fast-path pieces: start -->"
PIECES_END = "<!-- fast-path pieces: end -->"
#: The fast path's pieces (``neutralpoint.fastpath.PIECES``) that each route goes through.
PIECES = ("entry-cache", "entry-page", "own-csrf", "edge", "group-commit", "writer")
PIECES_OF_ROUTE = {
    "bare": (),
    "entry": ("entry-cache", "entry-page", "own-csrf"),
    "api_post": ("entry-cache", "edge", "group-commit", "writer"),
    "html_post": ("entry-cache", "own-csrf", "edge", "group-commit", "writer"),
}
ROUTE_ORDER = ("bare", "entry", "api_post", "html_post")
ROUTE_NAMES = {"entry": "entry page", "api_post": "JSON POST", "html_post": "form POST"}
#: A piece stays only where it earns this much of its route's throughput or p99.
PIECE_EARNS = 0.10
TARGETS = {"entry": 0.40, "api_post": 0.25, "html_post": 0.25}
P99_TARGET_MS = 50.0

#: The latency levels (percent) each round reports, so that a route's rounds can be added up
#: into one distribution: every whole percent, then every hundredth above 90 %.
LEVELS: tuple[float, ...] = (*range(1, 90), *(90 + i / 100 for i in range(1001)))
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d,'
    .. ' "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
  local levels = {}
  for i = 1, 89 do levels[#levels + 1] = string.format('%d', latency:percentile(i)) end
  for i = 0, 1000 do levels[#levels + 1] = string.format('%d', latency:percentile(90 + i / 100)) end
  io.write('WRK_LEVELS ' .. table.concat(levels, ',') .. '\\n')
end
"""


RANDOM_CLIENT = """
request = function()
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
    math.random(1, 254))
  return wrk.format()
end
"""


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    method: str
    url: str
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    expect: int = 200
    #: The fast path's pieces the serving platform used (``NEUTRALPOINT_FAST_PATH``); "" for the bare route.
    variant: str = ""
    #: Each request comes from a client of its own (a random ``X-Forwarded-For``, which the
    #: platform takes from 127.0.0.1), as a crowd's requests reach the rate limits.
    random_client: bool = False

    @property
    def turn(self) -> str:
        """The key of this route on this server: the route, and the variant unless it is the whole fast path."""
        return self.key if self.variant in ("", "on") else f"{self.key}@{self.variant}"


@dataclass(frozen=True)
class Result:
    target: Target
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    #: Latency in ms at each of ``LEVELS``, for adding rounds up (empty for a combined result).
    levels: tuple[float, ...] = ()
    #: For a combined result: the worst p99 of its rounds, each a few seconds long.
    worst_round_p99_ms: float = 0.0
    server_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0
    commits: int = 0  # transactions PostgreSQL committed in the bench database meanwhile
    machine: tuple[float, float, float] = (0.0, 0.0, 0.0)  # jiffies of all CPUs meanwhile: total, idle, stolen

    @property
    def idle_percent(self) -> float:
        """Share of the machine's CPU time nobody used: time a route could not turn into requests."""
        total, idle, _ = self.machine
        return 100 * idle / total if total else 0.0

    @property
    def steal_percent(self) -> float:
        """Share the hypervisor gave to other guests: the shared host's noise, visible."""
        total, _, stolen = self.machine
        return 100 * stolen / total if total else 0.0

    @property
    def requests_per_commit(self) -> str:
        return f"{self.requests / self.commits:.1f}" if self.commits else "—"

    def cpu_ms_per_request(self, seconds: float) -> float:
        return 1000 * seconds / self.requests if self.requests else 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- set-up ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=False, env=env)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=True, env=env)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


#: The secret every process of a bench (servers, seeding, workers) signs its database scopes
#: from (``DATABASE_SCOPE_KEY``); the migration stores the key it gives.
SCOPE_SECRET = "bench-database-scope-secret-0123456789abcdef"


def use_bench_scope_key() -> bytes:
    """Sign this process's database scopes with the bench's key, and return it for ``upgrade``."""
    from neutralpoint.database.tenancy import use_scope_key
    from neutralpoint.settings import scope_key_from_secret

    key = scope_key_from_secret(SCOPE_SECRET)
    use_scope_key(key)
    return key


def with_database(url: str, database: str, user: str | None = None, password: str | None = None) -> str:
    """The same server as ``url``, another database, and (optionally) another role."""
    parts = urlsplit(re.sub(r"^postgres(ql)?(\+asyncpg)?://", "postgresql://", url))
    netloc = f"{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
    if user is None:
        user, password = parts.username or "postgres", parts.password
    auth = user if password is None else f"{user}:{password}"
    return urlunsplit(("postgresql", f"{auth}@{netloc}", f"/{database}", "", ""))


async def pg_admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def rate_limits(variant: str) -> dict[str, str]:
    """Production's rate limits for the ``limits`` variant; every other one has them off: the load
    generator is one client, which the limits would refuse."""
    from neutralpoint.settings import RATE_LIMIT_DEFAULTS

    if variant == "limits":
        return {}
    return {f"RATE_LIMIT_{group.upper()}": "off" for group in RATE_LIMIT_DEFAULTS}


async def seed(app_url: str) -> tuple[str, str]:
    """A venue with a meetings entry point, written through the models as platform code."""
    from neutralpoint.database.engine import Database
    from neutralpoint.settings import normalize_database_url
    from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus
    from neutralpoint.tenants.tokens import new_entry_point_code

    db = Database(normalize_database_url(app_url))
    slug = f"bench-{secrets.token_hex(3)}"
    code = new_entry_point_code()
    try:
        async with db.platform_session() as session:
            tenant = Tenant(
                slug=slug,
                name="Benchmark Conference Centre",
                display_name="Benchmark Conference Centre",
                contact_email=f"{slug}@example.org",
                status=TenantStatus.ACTIVE,
                latitude=VENUE_LOCATION[0],
                longitude=VENUE_LOCATION[1],
                enabled_scenarios=["meetings"],
            )
            session.add(tenant)
            await session.flush()
            session.add(EntryPoint(tenant_id=tenant.id, code=code, name="Main hall", scenario="meetings", presets={}))
    finally:
        await db.dispose()
    return slug, code


class Server:
    """A server subprocess with its output in a log file; stopped with its whole process group."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path, port: int) -> None:
        self.name = name
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = cwd / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, path: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text()[-3000:]
                raise SystemExit(f"{self.name} exited with {self.process.returncode}:\n{tail}")
            try:
                if httpx.get(self.base_url + path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} not ready after {seconds}s:\n{self.log_path.read_text()[-3000:]}")

    def pids(self) -> list[int]:
        """The server process, then its worker processes (not multiprocessing's resource tracker)."""
        out = subprocess.run(
            ["ps", "-o", "pid=,args=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        )
        workers = [int(line.split()[0]) for line in out.stdout.splitlines() if "spawn_main" in line]
        return [self.process.pid, *workers]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


# --- load --------------------------------------------------------------------------------------


def wrk_script(target: Target, folder: Path) -> Path:
    lines = [f'wrk.method = "{target.method}"']
    if target.body:
        lines.append(f"wrk.body = {json.dumps(target.body)}")
    for name, value in target.headers:
        lines.append(f'wrk.headers["{name}"] = {json.dumps(value)}')
    if target.random_client:
        lines.append(RANDOM_CLIENT)
    path = folder / f"{target.turn}.lua"
    path.write_text("\n".join(lines) + "\n" + WRK_REPORT)
    return path


def run_wrk(wrk: str, target: Target, seconds: int, connections: int, threads: int, folder: Path) -> Result:
    assert urlsplit(target.url).hostname == "127.0.0.1", "the load generator only targets 127.0.0.1"
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(wrk_script(target, folder)),
        target.url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    match = re.search(r"WRK_JSON (\{.*\})", out)
    if not match:
        raise SystemExit(f"could not read wrk's report:\n{out}")
    data = json.loads(match.group(1))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    levels = re.search(r"WRK_LEVELS ([0-9,]+)", out)
    if not levels or len(levels.group(1).split(",")) != len(LEVELS):
        raise SystemExit(f"could not read the latency levels in wrk's report:\n{out[-2000:]}")
    return Result(
        target=target,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=errors,
        levels=tuple(int(value) / 1000 for value in levels.group(1).split(",")),
    )


def measure(
    wrk: str,
    target: Target,
    server: Server,
    args: argparse.Namespace,
    seconds: int,
    work: Path,
    owner_url: str,
    database: str,
) -> Result:
    """One turn of one route: wrk's figures, the CPU the server and PostgreSQL spent, the commits."""
    writes = target.method == "POST"
    commits_before = asyncio.run(committed(owner_url, database)) if writes else 0
    before = cpu_snapshot(server)
    machine_before = machine_jiffies()
    result = run_wrk(wrk, target, seconds, args.connections, args.threads, work)
    machine_after = machine_jiffies()
    server_cpu, postgres_cpu = cpu_used(before, cpu_snapshot(server))
    result = dataclasses.replace(
        result,
        server_cpu_s=server_cpu,
        postgres_cpu_s=postgres_cpu,
        machine=tuple(a - b for a, b in zip(machine_after, machine_before, strict=True)),  # type: ignore[arg-type]
    )
    if writes:
        result = dataclasses.replace(result, commits=asyncio.run(committed(owner_url, database)) - commits_before)
    return result


def percentile_of_rounds(rounds: list[Result], percent: float) -> float:
    """The latency under which ``percent`` % of all the rounds' requests were answered.

    Each round's distribution is known at ``LEVELS``; a round counts as having answered, by
    a latency x, the highest level whose latency is at most x. That never counts more than
    it answered, so the figure errs on the slow side, by at most a hundredth of a percent of
    the requests above 90 % (a whole percent below).
    """
    total = sum(r.requests for r in rounds)
    if not total:
        return 0.0
    needed = percent / 100 * total
    for latency in sorted({value for r in rounds for value in r.levels}):
        answered = 0.0
        for r in rounds:
            below = bisect.bisect_right(r.levels, latency)  # levels at or under this latency
            answered += r.requests * (LEVELS[below - 1] / 100 if below else 0.0)
        if answered >= needed - 1e-9:
            return latency
    return max(r.max_ms for r in rounds)


def combine(rounds: list[Result]) -> Result:
    """A route's rounds as one: totals, and percentiles of all its requests together."""
    return Result(
        target=rounds[0].target,
        requests=sum(r.requests for r in rounds),
        seconds=sum(r.seconds for r in rounds),
        p50_ms=percentile_of_rounds(rounds, 50),
        p99_ms=percentile_of_rounds(rounds, 99),
        worst_round_p99_ms=max(r.p99_ms for r in rounds),
        max_ms=max(r.max_ms for r in rounds),
        errors=sum(r.errors for r in rounds),
        server_cpu_s=sum(r.server_cpu_s for r in rounds),
        postgres_cpu_s=sum(r.postgres_cpu_s for r in rounds),
        commits=sum(r.commits for r in rounds),
        machine=tuple(sum(column) for column in zip(*(r.machine for r in rounds), strict=True)),  # type: ignore[arg-type]
    )


def check_once(target: Target) -> None:
    """One request before the burst: the route must answer as expected, or the figures mean nothing."""
    headers = dict(target.headers)
    response = httpx.request(
        target.method, target.url, content=target.body or None, headers=headers, timeout=10, follow_redirects=False
    )
    if response.status_code != target.expect:
        raise SystemExit(
            f"{target.label}: expected {target.expect}, got {response.status_code}: {response.text[:1500]}"
        )


def csrf_cookie(platform_url: str, slug: str, code: str) -> str:
    """The CSRF cookie of one page view (valid for any request to a server with the same secret)."""
    with httpx.Client(base_url=platform_url, timeout=10) as client:
        page = client.get(f"/v/{slug}/{code}")
        page.raise_for_status()
        token = client.cookies.get("np_csrf")
    if not token:
        raise SystemExit("the entry page set no np_csrf cookie")
    return str(token)


def platform_targets(platform_url: str, slug: str, code: str, token: str, variant: str) -> list[Target]:
    """The visitor's three routes on one platform server."""
    form = {key: "true" if value is True else str(value) for key, value in ESTIMATE_INPUTS.items()}
    form["_csrf_token"] = token
    return [
        Target("entry", "GET /v/{slug}/{code} (entry page)", "GET", f"{platform_url}/v/{slug}/{code}", variant=variant),
        Target(
            "api_post",
            "POST /api/v1/public/venues/{slug}/entry-points/{code}/estimates (JSON)",
            "POST",
            f"{platform_url}/api/v1/public/venues/{slug}/entry-points/{code}/estimates",
            body=json.dumps({"inputs": ESTIMATE_INPUTS, "language": "en"}),
            headers=(("Content-Type", "application/json"),),
            expect=201,
            variant=variant,
        ),
        Target(
            key="html_post",
            label="POST /v/{slug}/{code} (HTML form, 303 to the result)",
            method="POST",
            url=f"{platform_url}/v/{slug}/{code}",
            body=urlencode(form),
            headers=(("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", f"np_csrf={token}")),
            expect=303,
            variant=variant,
        ),
    ]


# --- CPU accounting ----------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_jiffies() -> tuple[float, float, float]:
    """All CPUs' time so far from ``/proc/stat``: total, idle (with I/O wait) and stolen by the host."""
    fields = [float(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0.0] * 8)[:8]
    return user + nice + system + idle + iowait + irq + softirq + steal, idle + iowait, steal


def cpu_snapshot(server: Server) -> tuple[dict[int, float], dict[int, float]]:
    """CPU seconds so far of the server's processes and of PostgreSQL's (all of its backends)."""
    return {p: _cpu_of(p) for p in server.pids()}, {p: _cpu_of(p) for p in _postgres_pids()}


def cpu_used(
    before: tuple[dict[int, float], dict[int, float]], after: tuple[dict[int, float], dict[int, float]]
) -> tuple[float, float]:
    """CPU seconds spent between two snapshots; a process born in between counts from zero."""
    return tuple(  # type: ignore[return-value]
        sum(seconds - then.get(pid, 0.0) for pid, seconds in now.items())
        for then, now in zip(before, after, strict=True)
    )


# --- profiling ---------------------------------------------------------------------------------


@dataclass
class Recorder:
    process: subprocess.Popen[bytes]
    output: Path


def start_profiler(server: Server, target: Target, folder: Path, seconds: int) -> Recorder | None:
    """py-spy on one worker of the platform for the measured seconds (folded stacks, wall-clock)."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        print("py-spy is not installed (pip install py-spy); not profiling", flush=True)
        return None
    workers = server.pids()[1:]
    worker = workers[-1] if workers else server.pids()[0]
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"{target.key}.folded"
    process = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(worker),
            "--duration",
            str(max(1, seconds - 1)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(output),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return Recorder(process, output)


def print_hotspots(recorder: Recorder, target: Target, top: int = 15) -> None:
    """The functions of our code and its libraries that were on the stack most often, busy samples only."""
    try:
        recorder.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        recorder.process.kill()
        return
    if not recorder.output.exists():
        return
    inclusive: dict[str, int] = {}
    busy = 0
    idle_leaves = ("EpollSelector.select", "select (selectors.py", "Condition.wait", "Connection._recv")
    for line in recorder.output.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not frames or frames[-1].strip().startswith(idle_leaves) or "run_asgi" not in stack:
            continue
        busy += int(count)
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + int(count)
    # Frames on (nearly) every busy stack are the server's plumbing, not a hotspot.
    spots = [(frame, n) for frame, n in inclusive.items() if busy and n / busy < 0.9 and "asyncio/" not in frame]
    print(f"  hotspots of {target.key} ({busy} busy samples; {recorder.output}):")
    for frame, samples in sorted(spots, key=lambda item: -item[1])[:top]:
        print(f"    {samples / busy:6.1%}  {frame.strip()[:110]}")


# --- report ------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "kernel": platform.release(),
        "wrk": wrk_version[0].split(" [")[0] if wrk_version else "wrk",
        "writeback": writeback_settings(),
    }


def writeback_settings() -> str:
    """When the kernel writes dirty pages back: in this burst, what a commit may wait behind."""

    def setting(name: str) -> int:
        try:
            return int(Path(f"/proc/sys/vm/{name}").read_text())
        except (OSError, ValueError):
            return -1

    background = setting("dirty_background_bytes")
    threshold = f"{background // 2**20} MB" if background > 0 else f"{setting('dirty_background_ratio')} % of memory"
    expire = setting("dirty_expire_centisecs") / 100
    return f"dirty pages written back once they reach {threshold} or are {expire:g} s old"


def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=ROOT
    )
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def verdicts(results: dict[str, Result]) -> list[str]:
    bare = results["bare"].rate
    lines = []
    for key, share in TARGETS.items():
        if key not in results:
            continue
        result = results[key]
        ratio = result.rate / bare if bare else 0
        met = ratio >= share
        lines.append(
            f"- {result.target.label}: {ratio:.0%} of the bare route's throughput "
            f"(target ≥ {share:.0%}) — **{'met' if met else 'not met'}**"
        )
    for key, result in results.items():
        if key == "bare":
            continue
        met = result.p99_ms < P99_TARGET_MS and result.errors == 0 and result.requests > 0
        lines.append(
            f"- {result.target.label}: p99 {result.p99_ms:.1f} ms over its {result.requests:,} requests, "
            f"with {result.errors} errors (target < {P99_TARGET_MS:.0f} ms, no errors) — "
            f"**{'met' if met else 'not met'}**; its worst round's p99: {result.worst_round_p99_ms:.1f} ms"
        )
    return lines


def report(results: dict[str, Result], args: argparse.Namespace, facts: dict[str, str], command: str) -> str:
    bare = results["bare"].rate
    rows = [
        "| route | req/s | p50 ms | p99 ms | worst round's p99 ms | max ms | errors | requests | connections "
        "| ratio to bare | server CPU ms/req | PostgreSQL CPU ms/req | requests per transaction | idle CPU "
        "| stolen CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results.values():
        rows.append(
            f"| {result.target.label} | {result.rate:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
            f"{result.worst_round_p99_ms:.1f} | {result.max_ms:.1f} | {result.errors} | {result.requests:,} | "
            f"{args.connections} | "
            f"{result.rate / bare:.0%} | {result.cpu_ms_per_request(result.server_cpu_s):.3f} | "
            f"{result.cpu_ms_per_request(result.postgres_cpu_s):.3f} | {result.requests_per_commit} | "
            f"{result.idle_percent:.0f} % | {result.steal_percent:.1f} % |"
        )
    return "\n".join(
        [
            RESULTS_START,
            f"Measured {facts['date']} on commit {facts['commit']}.",
            "",
            *rows,
            "",
            "p50 and p99 are over all of a route's requests, its rounds added up (with `--pieces`, its rounds "
            "in every comparison); the worst round's "
            f"p99 is that of its slowest {max(1, args.seconds // args.rounds)} s.",
            "",
            "Against the targets (at this concurrency, on this machine):",
            "",
            *verdicts(results),
            "",
            f"- Machine: {facts['cpus']} CPUs ({facts['cpu']}), {facts['ram']} RAM, Linux {facts['kernel']}; "
            f"1-minute load average {facts['load']} the run ({facts['loads']} as its rounds began); "
            f"kernel: {facts['writeback']}",
            f"- Software: Python {facts['python']}, {facts['postgres']}, {facts['wrk']}",
            f"- Servers: {args.workers} uvicorn workers each (`neutralpoint serve`, `NEUTRALPOINT_ENV=production`, "
            f"`LOG_LEVEL={args.log_level}`; the bare app with the same uvicorn options); "
            f"load: wrk, {args.threads} thread, {args.connections} connections, {args.seconds} s per route "
            f"(and per comparison) in {args.rounds} rounds taken in turn, after {args.warmup} s of warm-up, "
            f"all on the same machine; `DATABASE_POOL_SIZE={args.pool}`",
            f"- Command: `{command}`",
            RESULTS_END,
        ]
    )


def pieces_report(
    combined: dict[str, Result], args: argparse.Namespace, facts: dict[str, str], loads: dict[str, list[float]]
) -> str:
    """Each piece of the fast path: its routes with the whole fast path and without that piece,
    taking turns in the same rounds.

    A piece earns its place on a route when taking it out costs at least ``PIECE_EARNS`` of
    the route's throughput (with / without - 1) or of its p99 (1 - with / without).
    """
    rows = [
        "| without | route | req/s with / without | ratio to bare with / without | p99 ms with / without "
        "| server CPU ms/req with / without | throughput gain | p99 gain | earns 10 % | load average |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for variant, values in loads.items():
        bare = combined.get(f"bare#{variant}")
        if bare is None or variant == "on":
            continue
        label = "every piece (`off`)" if variant == "off" else f"`{variant[1:]}`"
        for key in ROUTE_ORDER[1:]:
            whole, without = combined.get(f"{key}#{variant}"), combined.get(f"{key}@{variant}")
            if whole is None or without is None:
                continue
            throughput = whole.rate / without.rate - 1 if without.rate else 0.0
            p99 = 1 - whole.p99_ms / without.p99_ms if without.p99_ms else 0.0
            earns = "yes" if max(throughput, p99) >= PIECE_EARNS else "**no**"
            rows.append(
                f"| {label} | {ROUTE_NAMES[key]} | {whole.rate:,.0f} / {without.rate:,.0f} | "
                f"{whole.rate / bare.rate:.0%} / {without.rate / bare.rate:.0%} | "
                f"{whole.p99_ms:.1f} / {without.p99_ms:.1f} | "
                f"{whole.cpu_ms_per_request(whole.server_cpu_s):.3f} / "
                f"{without.cpu_ms_per_request(without.server_cpu_s):.3f} | "
                f"{throughput:+.0%} | {p99:+.0%} | {earns} | {', '.join(f'{v:.1f}' for v in values)} |"
            )
    return "\n".join(
        [
            PIECES_START,
            f"Measured {facts['date']} on commit {facts['commit']}: {args.connections} connections, "
            f"{args.seconds} s per route and side in {args.rounds} rounds, the two sides taking turns; "
            "the load average is the machine's 1-minute figure as each round began.",
            "",
            *rows,
            PIECES_END,
        ]
    )


def write_report(path: Path, section: str, start: str = RESULTS_START, end: str = RESULTS_END) -> None:
    if path.exists():
        text = path.read_text()
        if start in text and end in text:
            before, rest = text.split(start, 1)
            after = rest.split(end, 1)[1]
            path.write_text(before + section + after)
            return
        path.write_text(text.rstrip() + "\n\n" + section + "\n")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Benchmarks\n\n## QR burst\n\n" + section + "\n")


def run_group(
    name: str,
    targets: list[Target],
    serving: dict[str, Server],
    rounds: dict[str, list[Result]],
    loads: dict[str, list[float]],
    args: argparse.Namespace,
    wrk: str,
    work: Path,
    owner_url: str,
    database: str,
    round_seconds: int,
) -> None:
    """Warm every target up, then let them take turns for ``args.rounds`` rounds."""
    for target in targets:
        check_once(target)
    if args.warmup:
        for target in targets:
            run_wrk(wrk, target, args.warmup, args.connections, args.threads, work)
    for number in range(args.rounds):
        loads.setdefault(name, []).append(os.getloadavg()[0])
        for target in targets:
            recorder = None
            if args.profile and target.key != "bare" and number == 0:
                recorder = start_profiler(serving[target.turn], target, args.profile, round_seconds)
            turn = measure(wrk, target, serving[target.turn], args, round_seconds, work, owner_url, database)
            rounds.setdefault(target.turn, []).append(turn)
            rounds.setdefault(f"{target.turn}#{name}", []).append(turn)
            print(
                f"  {name:<14} round {number + 1} {target.turn:<24} {turn.rate:>9,.0f} req/s  "
                f"p50 {turn.p50_ms:6.1f} ms  p99 {turn.p99_ms:6.1f} ms  "
                f"(ended {datetime.now(UTC):%H:%M:%S}, load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
            if recorder is not None:
                print_hotspots(recorder, target)


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("NEUTRALPOINT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL of a role that may create databases (the database in it is only used to connect)",
    )
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per route, all rounds (1-300)")
    parser.add_argument("--rounds", type=int, default=3, help="turns the routes take, each of seconds/rounds (1-10)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per route, not measured")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (each takes a core from the servers)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print the figures without touching the docs")
    parser.add_argument(
        "--pool",
        type=int,
        default=4,
        help="DATABASE_POOL_SIZE of each platform process (PostgreSQL's connections are shared with the machine)",
    )
    parser.add_argument(
        "--pieces",
        nargs="*",
        default=None,
        choices=PIECES,
        metavar="PIECE",
        help="also serve the platform without each of these pieces of the fast path, and without any "
        f"(NEUTRALPOINT_FAST_PATH), and measure each route on each in turn ({', '.join(PIECES)}; "
        "no name: all of them)",
    )
    parser.add_argument(
        "--rate-limits",
        action="store_true",
        help="also serve the whole fast path with production's rate limits, and measure the estimate routes "
        "on both in turn, each request from a random client address (X-Forwarded-For) on both sides",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="record each platform route with py-spy (if installed) into this folder and print its hotspots "
        "(sampling slows the server, so a profiled run does not write the docs)",
    )
    args = parser.parse_args()
    if args.pieces == []:
        args.pieces = list(PIECES)
    args.pieces = args.pieces or []
    if (
        not 1 <= args.seconds <= 300
        or not 0 <= args.warmup <= 60
        or not 1 <= args.connections <= 1024
        or not 1 <= args.rounds <= 10
    ):
        parser.error("--seconds must be 1-300, --warmup 0-60, --connections 1-1024, --rounds 1-10")

    wrk = ensure_wrk()
    command = "bench/qr_burst.py " + " ".join(sys.argv[1:])
    database = f"np_bench_{uuid.uuid4().hex[:8]}"
    admin_url = with_database(args.database_url, urlsplit(args.database_url).path.lstrip("/") or "postgres")
    owner_url = with_database(args.database_url, database)
    app_url = with_database(args.database_url, database, APP_ROLE, APP_ROLE)
    servers: list[Server] = []
    asyncio.run(pg_admin(admin_url, f'CREATE DATABASE "{database}"'))
    try:
        from neutralpoint.database.migrate import upgrade
        from neutralpoint.settings import normalize_database_url

        print(f"migrating the throwaway database {database}", flush=True)
        upgrade(normalize_database_url(owner_url), normalize_database_url(app_url), use_bench_scope_key())
        slug, code = asyncio.run(seed(app_url))

        work = Path(tempfile.mkdtemp(prefix="np-bench-"))
        python_bin = Path(sys.executable).parent
        base_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_MIGRATION_URL")}
        secret_key = secrets.token_urlsafe(48)  # one for every platform server: a CSRF cookie fits them all

        def start_platform(variant: str) -> Server:
            port = free_port()
            env = {
                **base_env,
                **rate_limits(variant),
                "DATABASE_URL": app_url,
                "DATABASE_POOL_SIZE": str(args.pool),
                "NEUTRALPOINT_ENV": "production",
                "NEUTRALPOINT_FAST_PATH": "on" if variant == "limits" else variant,
                "SECRET_KEY": secret_key,
                "DATABASE_SCOPE_KEY": SCOPE_SECRET,
                "CERTIFICATE_SIGNING_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode(),
                "BASE_URL": f"http://127.0.0.1:{port}",
                "DATA_DIR": str(work),
                "WEB_CONCURRENCY": str(args.workers),
                "LOG_LEVEL": args.log_level,
            }
            name = "neutralpoint" if variant == "on" else f"neutralpoint{variant}"
            command = [str(python_bin / "neutralpoint"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            server = Server(name, command, env, work, port)
            servers.append(server)
            server.wait_ready("/ready")
            return server

        bare_port = free_port()
        bare_server = Server(
            "bare",
            [sys.executable, str(BENCH / "bare_app.py"), "--port", str(bare_port), "--workers", str(args.workers)],
            base_env,
            work,
            bare_port,
        )
        servers.append(bare_server)
        bare_server.wait_ready("/bare")
        whole = start_platform("on")
        token = csrf_cookie(whole.base_url, slug, code)
        bare_target = Target("bare", "GET /bare (bare Litestar JSON route)", "GET", f"{bare_server.base_url}/bare")
        serving: dict[str, Server] = {"bare": bare_server}
        on_targets = platform_targets(whole.base_url, slug, code, token, "on")
        for target in on_targets:
            serving[target.turn] = whole

        # Each comparison serves the platform without one piece (or without any) next to the
        # whole fast path, and the routes that piece serves take turns on both, round after
        # round: the two sides of a comparison share the same minutes of the shared machine.
        # The comparisons follow each other, each with its own server (PostgreSQL's connections
        # are shared with whatever else runs on the machine).
        comparisons = [f"-{piece}" for piece in args.pieces] + (["off"] if args.pieces else [])
        comparisons += ["limits"] if args.rate_limits else []
        groups: list[tuple[str, list[Target]]] = [("on", [bare_target, *on_targets])] if not comparisons else []
        rounds: dict[str, list[Result]] = {}
        loads: dict[str, list[float]] = {}
        round_seconds = max(1, args.seconds // args.rounds)
        load_before = os.getloadavg()
        for variant in comparisons:
            without = start_platform(variant)
            keys = [key for key in ROUTE_ORDER[1:] if variant == "off" or variant[1:] in PIECES_OF_ROUTE[key]]
            others = [t for t in platform_targets(without.base_url, slug, code, token, variant) if t.key in keys]
            beside = on_targets
            if variant == "limits":
                # The same crowd of clients on both sides: only the limits differ.
                keys = ["api_post", "html_post"]
                others = [
                    dataclasses.replace(t, random_client=True)
                    for t in platform_targets(without.base_url, slug, code, token, variant)
                    if t.key in keys
                ]
                beside = [
                    dataclasses.replace(t, random_client=True)
                    for t in platform_targets(whole.base_url, slug, code, token, "clients")
                    if t.key in keys
                ]
                for target in beside:
                    serving[target.turn] = whole
            for target in others:
                serving[target.turn] = without
            pairs = [
                t for key in keys for t in (*(o for o in beside if o.key == key), *(o for o in others if o.key == key))
            ]
            groups.append((variant, [bare_target, *pairs]))
            run_group(
                variant,
                [bare_target, *pairs],
                serving,
                rounds,
                loads,
                args,
                wrk,
                work,
                owner_url,
                database,
                round_seconds,
            )
            without.stop()
        if not comparisons:
            run_group("on", groups[0][1], serving, rounds, loads, args, wrk, work, owner_url, database, round_seconds)
        combined = {turn: combine(measured) for turn, measured in rounds.items()}
        results = {key: combined[key] for key in ROUTE_ORDER if key in combined}
        for result in (r for turn, r in combined.items() if "#" not in turn):
            print(
                f"{result.target.turn:<28} {result.rate:>9,.0f} req/s  p50 {result.p50_ms:6.1f} ms  "
                f"p99 {result.p99_ms:6.1f} ms (worst round {result.worst_round_p99_ms:.1f})  "
                f"errors {result.errors}  CPU per request: "
                f"server {result.cpu_ms_per_request(result.server_cpu_s):.3f} ms, "
                f"PostgreSQL {result.cpu_ms_per_request(result.postgres_cpu_s):.3f} ms, "
                f"requests per transaction {result.requests_per_commit}, "
                f"machine idle {result.idle_percent:.0f} %, stolen {result.steal_percent:.1f} %",
                flush=True,
            )

        postgres_version = asyncio.run(_server_version(owner_url))
        facts = {
            **machine(),
            "load": f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after",
            "postgres": postgres_version,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": git_commit(),
        }
        facts["loads"] = "; ".join(
            f"{variant}: {', '.join(f'{load:.2f}' for load in values)}" for variant, values in loads.items()
        )
        section = report(results, args, facts, ".venv/bin/python " + command)
        print("\n" + "\n".join(verdicts(results)))
        pieces = pieces_report(combined, args, facts, loads) if args.pieces else None
        if pieces:
            print("\n" + pieces)
        if not args.no_write and not args.profile:
            write_report(args.output, section)
            if pieces:
                write_report(args.output, pieces, PIECES_START, PIECES_END)
            print(f"\nwrote {args.output}")
    except BaseException:
        for server in servers:
            tail = server.log_path.read_text()[-3000:]
            print(f"\n--- last lines of {server.name}'s log ({server.log_path}):\n{tail}")
        raise
    finally:
        for server in servers:
            server.stop()
        asyncio.run(pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


async def committed(url: str, database: str) -> int:
    """Transactions committed so far in ``database``, by PostgreSQL's statistics.

    A busy backend reports its counts at most once a second, and when it goes idle: the
    figure is read after the load has stopped for longer than that.
    """
    import asyncpg

    await asyncio.sleep(STATS_SETTLE_SECONDS)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("select pg_stat_clear_snapshot()")
        value = await conn.fetchval("select xact_commit from pg_stat_database where datname = $1", database)
        return int(value or 0)
    finally:
        await conn.close()


async def _server_version(url: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        version = await conn.fetchval("show server_version")
    finally:
        await conn.close()
    return f"PostgreSQL {str(version).split()[0]}"


if __name__ == "__main__":
    main()
