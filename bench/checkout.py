"""Checkout starts a second: 64 buyers of one allocation at once, against localstripe.

A checkout start is what one tap on an offer costs the platform: the order and its
reservation in one transaction (the credit service's stock taken for the order), the
PaymentIntent created at Stripe's API (here ``localstripe``) with an idempotency key, and
the order moved to awaiting payment. The baseline, measured in the same run with the same
number of concurrent clients, is localstripe's own rate of creating PaymentIntents through
the same SDK call, which bounds what any checkout could do against it.

How it runs: a throwaway PostgreSQL database is created, migrated and seeded (one venue, one
project, one lot, one allocation offered to the venue); ``localstripe`` and ``neutralpoint
serve`` (``PAYMENT_PROVIDER=stripe``, connected as the application role) start on free
ports; ``--buyers`` clients post orders by mass for ``--seconds``; then the books are
audited, and the run fails if more grams were sold or reserved than the allocation offers.
Usage: ``python bench/checkout.py [--seconds 15] [--buyers 64] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import stripe

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qr_burst import APP_ROLE, SCOPE_SECRET, free_port, pg_admin, use_bench_scope_key, with_database

ROOT = Path(__file__).resolve().parent.parent
GRAMS_PER_ORDER = 1_000
STRIPE_KEY = "sk_test_bench"


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds}s")


async def seed(app_url: str, tonnes: int) -> tuple[str, str]:
    """One venue and one allocation of ``tonnes`` offered to it; returns (slug, allocation id)."""
    from neutralpoint.credits import services as credits
    from neutralpoint.database.base import utcnow
    from neutralpoint.database.engine import Database
    from neutralpoint.settings import normalize_database_url
    from neutralpoint.tenants.models import Tenant, TenantStatus

    db = Database(normalize_database_url(app_url))
    tag = secrets.token_hex(3)
    try:
        async with db.platform_session() as session:
            tenant = Tenant(
                slug=f"bench-{tag}",
                name="Bench",
                display_name="Bench",
                contact_email="b@example.org",
                status=TenantStatus.ACTIVE,
            )
            session.add(tenant)
            await session.flush()
            owner = await credits.create_project_owner(session, name="Bench owner", payout_currency="CNY")
            project = await credits.create_project(
                session,
                owner_id=owner.id,
                slug=f"bench-{tag}",
                name={"en": "Bench forest"},
                registry_code="CDCER",
                registry_project_id=f"B-{tag}",
                project_type="forestry",
                country="CN",
                retirement_beneficiary="Bench",
            )
        async with db.platform_session() as session:
            lot = await credits.create_lot(
                session,
                project_id=project.id,
                vintage_year=2023,
                serial_first=f"CN-B-{tag}-{1:06d}",
                serial_last=f"CN-B-{tag}-{tonnes:06d}",
                quantity_tonnes=tonnes,
                unit_cost_minor=3_000,
                cost_currency="CNY",
                acquired_on=date(2024, 5, 1),
                actor="bench",
            )
        async with db.platform_session() as session:
            allocation = await credits.create_allocation(
                session,
                lot_id=lot.id,
                grams=tonnes * 1_000_000,
                price_per_tonne_minor=500_000,
                currency="CNY",
                owner_bp=7000,
                platform_bp=2000,
                venue_bp=1000,
                venue_ids=[tenant.id],
                all_venues=False,
                valid_from=utcnow() - timedelta(minutes=1),
                actor="bench",
            )
        return tenant.slug, str(allocation.id)
    finally:
        await db.dispose()


async def books(app_url: str, allocation_id: str) -> tuple[bool, str, int, int, int]:
    from neutralpoint.credits import services as credits
    from neutralpoint.credits.models import Allocation
    from neutralpoint.database.engine import Database
    from neutralpoint.settings import normalize_database_url

    db = Database(normalize_database_url(app_url))
    try:
        async with db.platform_session() as session:
            report = await credits.audit(session)
            allocation = await session.get(Allocation, uuid.UUID(allocation_id))
            assert allocation is not None
            return (
                report.ok,
                report.summary(),
                allocation.grams_offered,
                allocation.reserved_grams,
                allocation.sold_grams,
            )
    finally:
        await db.dispose()


async def hammer(buyers: int, seconds: float, call: Any) -> tuple[int, int, list[float]]:
    """``buyers`` loops calling ``call()`` until the time is up: (successes, failures, latencies)."""
    done = failed = 0
    latencies: list[float] = []
    stop_at = time.monotonic() + seconds

    async def buyer() -> None:
        nonlocal done, failed
        while time.monotonic() < stop_at:
            started = time.monotonic()
            if await call():
                done += 1
                latencies.append(time.monotonic() - started)
            else:
                failed += 1

    await asyncio.gather(*(buyer() for _ in range(buyers)))
    return done, failed, latencies


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def measure(
    args: argparse.Namespace, platform: str, localstripe: str, slug: str, allocation: str
) -> dict[str, Any]:
    client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": localstripe})

    async def create_intent() -> bool:
        key = uuid.uuid4().hex
        try:
            await asyncio.to_thread(
                client.v1.payment_intents.create,
                params={
                    "amount": 500,
                    "currency": "cny",
                    "payment_method_types": ["card"],
                    "metadata": {"order_reference": key},
                },
                options={"idempotency_key": key},
            )
        except stripe.StripeError:
            return False
        return True

    http = httpx.AsyncClient(base_url=platform, timeout=60, limits=httpx.Limits(max_connections=args.buyers))

    refused: dict[str, int] = {}

    async def start_checkout() -> bool:
        try:
            response = await http.post(
                f"/api/v1/public/venues/{slug}/orders",
                json={"allocation_id": allocation, "basis": "mass", "grams": GRAMS_PER_ORDER},
            )
        except httpx.HTTPError as exc:
            refused[type(exc).__name__] = refused.get(type(exc).__name__, 0) + 1
            return False
        if response.status_code != 201:
            key = f"{response.status_code} {response.text[:120]}"
            refused[key] = refused.get(key, 0) + 1
        return response.status_code == 201

    loop = asyncio.get_running_loop()
    from concurrent.futures import ThreadPoolExecutor

    loop.set_default_executor(ThreadPoolExecutor(max_workers=args.buyers))
    results: dict[str, Any] = {}
    for name, call in (("localstripe PaymentIntent create", create_intent), ("checkout start", start_checkout)):
        await hammer(args.buyers, args.warmup, call)
        done, failed, latencies = await hammer(args.buyers, args.seconds, call)
        results[name] = {
            "rate": done / args.seconds,
            "failed": failed,
            "p50": p(latencies, 0.5),
            "p99": p(latencies, 0.99),
            "count": done,
        }
        print(f"{name}: {done / args.seconds:.1f}/s, {failed} failed, p50 {p(latencies, 0.5):.0f} ms", flush=True)
    await http.aclose()
    for answer, count in sorted(refused.items(), key=lambda item: -item[1]):
        print(f"  refused {count}x: {answer}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("NEUTRALPOINT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--buyers", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of the platform")
    args = parser.parse_args()

    database = f"np_bench_{uuid.uuid4().hex[:8]}"
    admin_url = with_database(args.database_url, urlsplit(args.database_url).path.lstrip("/") or "postgres")
    owner_url = with_database(args.database_url, database)
    app_url = with_database(args.database_url, database, APP_ROLE, APP_ROLE)
    processes: list[subprocess.Popen[bytes]] = []
    work = Path(tempfile.mkdtemp(prefix="np-bench-checkout-"))
    asyncio.run(pg_admin(admin_url, f'CREATE DATABASE "{database}"'))
    try:
        from neutralpoint.database.migrate import upgrade
        from neutralpoint.settings import RATE_LIMIT_DEFAULTS, normalize_database_url

        upgrade(normalize_database_url(owner_url), normalize_database_url(app_url), use_bench_scope_key())
        slug, allocation = asyncio.run(seed(app_url, tonnes=1_000))
        bin_dir = Path(sys.executable).parent
        stripe_port, platform_port = free_port(), free_port()
        localstripe = f"http://127.0.0.1:{stripe_port}"
        processes.append(
            subprocess.Popen(
                [str(bin_dir / "localstripe"), "--port", str(stripe_port), "--from-scratch"],
                cwd=work,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        wait_for(f"{localstripe}/v1/balance", processes[-1])
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_MIGRATION_URL")}
        # Every rate limit off: the load generator is one client, which the limits would refuse.
        env.update({f"RATE_LIMIT_{group.upper()}": "off" for group in RATE_LIMIT_DEFAULTS})
        env.update(
            {
                "DATABASE_URL": app_url,
                "NEUTRALPOINT_ENV": "production",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "DATABASE_SCOPE_KEY": SCOPE_SECRET,
                "CERTIFICATE_SIGNING_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode(),
                "BASE_URL": f"http://127.0.0.1:{platform_port}",
                "DATA_DIR": str(work),
                "WEB_CONCURRENCY": str(args.workers),
                "LOG_LEVEL": "WARNING",
                "PAYMENT_PROVIDER": "stripe",
                "STRIPE_SECRET_KEY": STRIPE_KEY,
                "STRIPE_API_BASE": localstripe,
                "STRIPE_WEBHOOK_SECRET": "whsec_bench",
            }
        )
        platform = f"http://127.0.0.1:{platform_port}"
        processes.append(
            subprocess.Popen(
                [str(bin_dir / "neutralpoint"), "serve", "--host", "127.0.0.1", "--port", str(platform_port)],
                cwd=work,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        wait_for(f"{platform}/ready", processes[-1])
        results = asyncio.run(measure(args, platform, localstripe, slug, allocation))
        ok, summary, offered, reserved, sold = asyncio.run(books(app_url, allocation))
        base = results["localstripe PaymentIntent create"]["rate"]
        mine = results["checkout start"]["rate"]
        print(
            f"checkout starts {mine:.1f}/s = {mine / base:.0%} of localstripe's {base:.1f}/s; "
            f"offered {offered} g, reserved {reserved} g, sold {sold} g; audit {'clean' if ok else summary}"
        )
        if reserved + sold > offered or not ok:
            raise SystemExit("oversold or the audit failed")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        asyncio.run(pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
