"""End to end with the separately installed supermarket plugin: a venue opens a supermarket
entry point through the API, a shopper computes a basket through the QR page, and the
result stays readable once the plugin is gone."""

from __future__ import annotations

import html
import importlib.metadata
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import EntryPoint
from typing import Any, cast

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from neutralpoint.app import create_app
from neutralpoint.database.engine import Database
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants.auth import hash_password
from neutralpoint.tenants.models import Membership, Role, Tenant, TenantStatus, User

BASE = "http://testserver.local"
PASSWORD = "a long shop password"
# Golden case 1 of the package's own tests: 49,740 + 11,844 + 6,300 + 22,250 + 1,568 + 20 + 0 g.
BASKET = {
    "beef_kg": "0.5",
    "poultry_kg": "1.2",
    "milk_kg": "2",
    "rice_kg": "5",
    "tomatoes_kg": "0.75",
    "bags_plastic": "2",
    "travel_mode": "bicycle_walk",
}


@pytest.fixture(autouse=True)
def _needs_the_wheel() -> None:
    try:
        importlib.metadata.distribution("neutralpoint-supermarket")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("neutralpoint-supermarket is not installed; run scripts/test (it installs the wheel first)")


async def _shop_manager(db: Database) -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    email = f"shop-{suffix}@example.org"
    async with db.platform_session() as session:
        tenant = Tenant(
            slug=f"shop-{suffix}",
            name=f"Fresh Market {suffix}",
            display_name=f"Fresh Market {suffix}",
            contact_email=email,
            status=TenantStatus.ACTIVE,
            latitude="30.6598",
            longitude="104.0633",
        )
        user = User(
            email=email, name="Manager", password_hash=hash_password(PASSWORD), email_verified_at=datetime.now(UTC)
        )
        session.add_all([tenant, user])
        await session.flush()
        session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.MANAGER))
        return tenant.slug, email


async def _submit(visitor: AsyncTestClient[Litestar], url: str, data: dict[str, str]) -> Any:
    await visitor.get(url)
    token = str(visitor.cookies.get("np_csrf", ""))
    return await visitor.post(url, data={**data, "_csrf_token": token}, follow_redirects=False)


def _entry_points_of(found: object) -> list[EntryPoint]:
    """``entry_points(group=...)`` answers ``EntryPoints``; typed loosely in the stubs."""
    return list(cast("Iterable[EntryPoint]", found))


async def test_venue_opens_a_supermarket_entry_point_and_a_shopper_computes_a_basket(
    client: AsyncTestClient[Litestar], db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, email = await _shop_manager(db)
    login = await client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    created = await client.post(
        f"/api/v1/venues/{slug}/entry-points", json={"name": "Checkout 1", "scenario": "supermarket"}
    )
    assert created.status_code == 201, created.text
    entry_point_url = f"/v/{slug}/{created.json()['code']}"

    # The manager signs out; the same browser now scans the QR code as a shopper.
    assert (await client.post("/api/v1/logout")).status_code == 204
    page = await client.get(f"{entry_point_url}?lang=zh-Hans")
    assert page.status_code == 200
    assert "超市购物" in page.text
    assert "塑料购物袋" in page.text
    refused = await _submit(client, f"{entry_point_url}?lang=en", {**BASKET, "beef_kg": "1000000"})
    assert refused.status_code == 400
    assert "Must be at most 20 kg." in html.unescape(refused.text)
    response = await _submit(client, f"{entry_point_url}?lang=en", BASKET)
    assert response.status_code == 303, response.text
    result_url = response.headers["location"]
    result = await client.get(result_url)
    assert result.status_code == 200
    text = html.unescape(result.text)
    assert "91.7 kg" in text  # 91,722 g
    assert "How Bad Are Bananas? The carbon footprint of everything" in text
    assert "Poore & Nemecek (2018), Science 360:987, via Our World in Data" in text

    # Uninstalled: the platform starts without the plugin; the estimate stays readable.
    real_entry_points = importlib.metadata.entry_points

    def without_supermarket(**params: str) -> list[importlib.metadata.EntryPoint]:
        return [ep for ep in _entry_points_of(real_entry_points(**params)) if ep.value != "neutralpoint_supermarket"]

    monkeypatch.setattr(importlib.metadata, "entry_points", without_supermarket)
    registry = ScenarioRegistry.discover()
    assert registry.get("supermarket") is None
    async with AsyncTestClient(app=create_app(settings, registry), base_url=BASE) as later:
        kept = await later.get(result_url)
        gone = await later.get(entry_point_url, headers={"accept": "text/html"})
    assert kept.status_code == 200
    kept_text = html.unescape(kept.text)
    assert "91.7 kg" in kept_text
    assert "How Bad Are Bananas? The carbon footprint of everything" in kept_text
    assert gone.status_code == 404
