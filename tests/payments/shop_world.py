"""A venue with an entry point and a project offered to it, made through the real services;
its footprints and orders through the public API; and the processes the Stripe tests run
(``localstripe``, a server paying through it)."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from neutralpoint.credits import services as credits
from neutralpoint.database.base import utcnow
from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus

ADMIN = "admin@platform.test"
#: The dummy scenario's answers and the footprint they make (tests/plugins/dummy_plugin.py).
INPUTS = {"distance_km": 100, "mode": "train", "return_trip": True, "nights": 2, "country": "cn", "meals": 2}
GRAMS = 117_092
PRICE_PER_TONNE = 12_000  # CNY 120.00 a tonne


@dataclass
class Shop:
    venue_id: uuid.UUID
    slug: str
    code: str
    allocation_id: uuid.UUID
    project_id: uuid.UUID
    lot_tonnes: int
    entry_point_id: uuid.UUID


class World:
    """Builds venues, offers and footprints through services and the public API."""

    def __init__(self, db: Database, client: Any) -> None:
        self.db = db
        self.client = client

    async def shop(
        self,
        *,
        tonnes: int = 5,
        offered_grams: int | None = None,
        price: int = PRICE_PER_TONNE,
        currency: str = "CNY",
    ) -> Shop:
        tag = uuid.uuid4().hex[:8]
        async with self.db.platform_session() as session:
            tenant = Tenant(
                slug=f"shop-{tag}",
                name=f"Shop {tag}",
                display_name=f"Summit {tag}",
                contact_email=f"owner-{tag}@example.org",
                status=TenantStatus.ACTIVE,
                latitude="30.5728",
                longitude="104.0668",
            )
            session.add(tenant)
            await session.flush()
            entry_point = EntryPoint(
                tenant_id=tenant.id,
                code=f"c{tag[:6]}",
                name="Main entrance",
                scenario="dummy",
                event_name="Summit",
                event_starts_on=date(2026, 9, 7),
                event_ends_on=date(2026, 9, 9),
                presets={},
                active=True,
            )
            session.add(entry_point)
            await session.flush()
            owner = await credits.create_project_owner(
                session, name=f"Owner {tag}", payout_currency="CNY", contact_email=f"po-{tag}@example.org"
            )
            project = await credits.create_project(
                session,
                owner_id=owner.id,
                slug=f"forest-{tag}",
                name={"en": f"Longquan forest {tag}", "zh-Hans": f"龙泉山林业碳汇 {tag}"},
                registry_code="CDCER",
                registry_project_id=f"CDCER-{tag}",
                project_type="forestry",
                country="CN",
                region="Sichuan",
                latitude="30.6",
                longitude="104.1",
                sdgs=[13, 15],
            )
        async with self.db.platform_session() as session:
            prefix = f"CN-CDCER-{tag}-"
            lot = await credits.create_lot(
                session,
                project_id=project.id,
                vintage_year=2023,
                serial_first=f"{prefix}{1:06d}",
                serial_last=f"{prefix}{tonnes:06d}",
                quantity_tonnes=tonnes,
                unit_cost_minor=3_000,
                cost_currency="CNY",
                acquired_on=date(2024, 5, 1),
                actor=ADMIN,
            )
        async with self.db.platform_session() as session:
            allocation = await credits.create_allocation(
                session,
                lot_id=lot.id,
                grams=offered_grams or tonnes * 1_000_000,
                price_per_tonne_minor=price,
                currency=currency,
                owner_bp=7000,
                platform_bp=2000,
                venue_bp=1000,
                venue_ids=[tenant.id],
                all_venues=False,
                valid_from=utcnow() - timedelta(minutes=1),
                actor=ADMIN,
            )
        return Shop(tenant.id, tenant.slug, f"c{tag[:6]}", allocation.id, project.id, tonnes, entry_point.id)

    async def footprint(self, shop: Shop, **inputs: Any) -> str:
        response = await self.client.post(
            f"/api/v1/public/venues/{shop.slug}/entry-points/{shop.code}/estimates",
            json={"inputs": {**INPUTS, **inputs}},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def order(self, shop: Shop, estimate_id: str | None = None, **body: Any) -> Any:
        payload: dict[str, Any] = {"allocation_id": str(shop.allocation_id), "basis": "estimate"}
        if estimate_id is not None:
            payload["estimate_id"] = estimate_id
        payload.update(body)
        return await self.client.post(f"/api/v1/public/venues/{shop.slug}/orders", json=payload)

    async def sandbox_pay(self, shop: Shop, reference: str, outcome: str = "succeed") -> Any:
        return await self.client.post(
            f"/api/v1/public/venues/{shop.slug}/orders/{reference}/sandbox-payment", json={"outcome": outcome}
        )

    async def get(self, shop: Shop, reference: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/public/venues/{shop.slug}/orders/{reference}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


WEBHOOK_SECRET = "whsec_neutralpoint_tests_0123456789"


async def until(check: Callable[[], Awaitable[Any]], *, within: float, what: str, log_path: Path | None = None) -> Any:
    """Poll ``check`` until it returns something true (returned), or fail after ``within`` s
    (with the end of ``log_path``, the output of the processes involved)."""
    deadline = time.monotonic() + within
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {within}s\n{tail(log_path)}")
        await asyncio.sleep(0.05)


def tail(log_path: Path | None) -> str:
    """The end of a process's output, for a failure's message."""
    return log_path.read_text()[-4000:] if log_path is not None and log_path.exists() else ""


def start(command: list[str], env: dict[str, str], log_path: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """A process of ours in a session of its own (so that it can be killed whole), its
    output in ``log_path``."""
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            command, env=env, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
