"""Many buyers of one small offer at once, over HTTP, through two web processes on
PostgreSQL (connected as the application role, as in production): never sold above
stock, no gram assigned twice, and ``neutralpoint credits audit`` passes."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from shop_world import World, start, until
from sqlalchemy import select

from neutralpoint.credits.models import Allocation, Lot, Piece, PieceStatus
from neutralpoint.database.engine import Database
from neutralpoint.settings import Settings
from tests.conftest import free_port, stop, wait_until_answers

pytestmark = pytest.mark.pg

BUYERS = 40
OFFERED_GRAMS = 400_000  # of a one-tonne lot: the buyers below want about four times as much


def _wants(buyer: int) -> int:
    """20-60 kg each, different for neighbours."""
    return 20_000 + (buyer * 7_919) % 40_000


def _env(settings: Settings, database_urls: dict[str, str], base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_MIGRATION_URL", "SMTP_HOST")}
    env.update(
        {
            "DATABASE_URL": database_urls["app"],
            "DATA_DIR": str(settings.data_dir),
            "NEUTRALPOINT_ENV": "test",
            "BASE_URL": base_url,
            "SECRET_KEY": settings.secret_key,
            "PAYMENT_PROVIDER": "sandbox",
            "LOG_LEVEL": "WARNING",
            # The machine's PostgreSQL is shared: a few connections each are plenty here.
            "DATABASE_POOL_SIZE": "4",
            # Each fulfilled order would have its certificate drawn (a second or more of CPU);
            # the race is about grams, and the drawings are tested in tests/certificates.
            "CERTIFICATES_DRAWN_AT_ISSUE": "off",
        }
    )
    return env


@pytest.fixture
def two_servers(settings: Settings, database_urls: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    """Two ``neutralpoint serve`` processes on the same database, jobs in each (no Redis)."""
    script = str(Path(sys.executable).parent / "neutralpoint")
    servers: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            log_path = tmp_path / f"server-{name}.log"
            command = [script, "serve", "--host", "127.0.0.1", "--port", str(port)]
            process = start(command, _env(settings, database_urls, base_url), log_path, tmp_path)
            servers.append((base_url, process, log_path))
        for base_url, process, log_path in servers:
            wait_until_answers(f"{base_url}/ready", process, log_path)
        yield [base_url for base_url, _, _ in servers]
    finally:
        for _, process, _ in servers:
            stop(process)


async def test_two_web_processes_sell_one_small_offer_without_oversell(
    db: Database, two_servers: list[str], settings: Settings, database_urls: dict[str, str], unique: str
) -> None:
    limits = httpx.Limits(max_connections=BUYERS)
    async with (
        httpx.AsyncClient(base_url=two_servers[0], timeout=60, limits=limits) as a,
        httpx.AsyncClient(base_url=two_servers[1], timeout=60, limits=limits) as b,
    ):
        clients = (a, b)
        shop = await World(db, a).shop(tonnes=1, offered_grams=OFFERED_GRAMS)
        order_path = f"/api/v1/public/venues/{shop.slug}/orders"

        async def buyer(number: int) -> tuple[int, Any]:
            """Orders at one process and pays at the other; the grams it got, or the refusal."""
            created = await clients[number % 2].post(
                order_path,
                json={
                    "allocation_id": str(shop.allocation_id),
                    "basis": "mass",
                    "grams": _wants(number),
                    "buyer_email": f"buyer-{number}-{unique}@example.org",
                },
            )
            if created.status_code == 409:
                return 0, created.json()
            assert created.status_code == 201, created.text
            reference = created.json()["reference"]
            paid = await clients[(number + 1) % 2].post(
                f"{order_path}/{reference}/sandbox-payment", json={"outcome": "succeed"}
            )
            assert paid.status_code == 200, paid.text
            return created.json()["grams"], reference

        results = await asyncio.gather(*(buyer(n) for n in range(BUYERS)))
        bought = {reference: grams for grams, reference in results if grams}
        refused = [(n, refusal) for n, (grams, refusal) in enumerate(results) if not grams]

        async def all_fulfilled() -> bool:
            for number, reference in enumerate(bought):
                answer = await clients[number % 2].get(f"{order_path}/{reference}")
                assert answer.status_code == 200, answer.text
                if answer.json()["status"] != "fulfilled":
                    return False
            return True

        await until(all_fulfilled, within=120, what="every paid order fulfilled")
        orders = [(await a.get(f"{order_path}/{reference}")).json() for reference in bought]

    sold = sum(bought.values())
    assert refused, "the buyers wanted more than the offer holds: some must be refused"
    for _, refusal in refused:
        assert refusal["errors"]["grams"]["message"]["en"].startswith("Sold out"), refusal
        assert refusal["errors"]["grams"]["message"]["zh-Hans"]
    assert 0 < sold <= OFFERED_GRAMS
    left = OFFERED_GRAMS - sold
    assert all(_wants(number) > left for number, _ in refused), "a buyer was refused grams that were free"
    for order in orders:
        assert sum(p["grams"] for p in order["pieces"]) == order["grams"] == bought[order["reference"]]

    async with db.platform_session() as session:
        allocation = await session.get(Allocation, shop.allocation_id, populate_existing=True)
        assert allocation is not None
        lot = await session.get(Lot, allocation.lot_id, populate_existing=True)
        assert lot is not None
        pieces = (
            (
                await session.execute(
                    select(Piece)
                    .where(Piece.lot_id == lot.id, Piece.status == PieceStatus.ACTIVE)
                    .order_by(Piece.tonne_index, Piece.gram_from)
                )
            )
            .scalars()
            .all()
        )
    assert (allocation.sold_grams, allocation.reserved_grams) == (sold, 0)
    assert (lot.sold_grams, lot.reserved_grams) == (sold, 0)
    assert sum(p.gram_to - p.gram_from for p in pieces) == sold
    for before, after in itertools.pairwise(pieces):
        if before.tonne_index == after.tonne_index:
            assert before.gram_to <= after.gram_from, f"gram {after.gram_from} of tonne {after.tonne_index} twice"

    audit = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "neutralpoint"),
        "credits",
        "audit",
        env=_env(settings, database_urls, "http://127.0.0.1:8000"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    report, _ = await audit.communicate()
    assert audit.returncode == 0, report.decode()
