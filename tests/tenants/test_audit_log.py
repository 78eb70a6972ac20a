"""The audit log: each kind of change by a venue member or a platform admin writes one entry
with the changed fields before and after (secrets never); a venue reads its own entries, the
platform every entry; anyone else gets a 404; bad filters are refused by name."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from tenant_flows import PASSWORD, SignedUp, invite_and_join, post_form, second_browser, sign_up, verify

from neutralpoint.database.engine import Database
from neutralpoint.tenants.accounts import ensure_platform_admin
from tests.database_scope import enter_scope


@pytest.fixture
async def admin(client: Any, db: Database, unique: str) -> AsyncIterator[Any]:
    email = f"audit-admin-{unique}@example.org"
    async with db.platform_session() as session:
        await ensure_platform_admin(session, email, PASSWORD)
    async with second_browser(client) as other:
        assert (await post_form(other, "/login", {"email": email, "password": PASSWORD})).status_code == 303
        yield other


async def _log(client: Any, slug: str, **params: str) -> list[dict[str, Any]]:
    answer = await client.get(f"/api/v1/venues/{slug}/audit-log", params=params)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def _one(entries: list[dict[str, Any]], entity: str, action: str) -> dict[str, Any]:
    found = [e for e in entries if (e["entity"], e["action"]) == (entity, action)]
    assert len(found) == 1, (entity, action, entries)
    return found[0]


async def test_venue_changes_are_logged_with_before_and_after(
    client: Any, db: Database, active_venue: SignedUp, unique: str
) -> None:
    slug = active_venue.slug
    assert await _log(client, slug) == []  # signing up and confirming is no member's change of the venue

    patched = await client.patch(
        f"/api/v1/venues/{slug}",
        json={"display_name_zh_hans": "审计厅", "time_zone": "Europe/Paris", "enabled_scenarios": ["meetings"]},
    )
    assert patched.status_code == 200, patched.text
    venue = _one(await _log(client, slug), "venue", "update")
    assert venue["before"] == {"display_name_zh_hans": None, "time_zone": "Asia/Shanghai", "enabled_scenarios": None}
    assert venue["after"] == {
        "display_name_zh_hans": "审计厅",
        "time_zone": "Europe/Paris",
        "enabled_scenarios": ["meetings"],
    }
    assert (venue["actor_email"], venue["actor_role"]) == (active_venue.email, "owner")

    # A claimed host name's proof token is a secret: the log says it changed, never what it is.
    await client.patch(f"/api/v1/venues/{slug}", json={"custom_host": f"audit-{unique}.example.org"})
    host = (await _log(client, slug, entity="venue"))[0]
    assert host["after"]["host_claim"] == f"audit-{unique}.example.org"
    assert host["after"]["host_claim_token"] == "[redacted]"

    created = await client.post(
        f"/api/v1/venues/{slug}/entry-points", json={"code": "GATE", "name": "Gate", "scenario": "meetings"}
    )
    entry_id = created.json()["id"]
    await client.patch(f"/api/v1/venues/{slug}/entry-points/{entry_id}", json={"name_en": "North gate"})
    assert (await client.delete(f"/api/v1/venues/{slug}/entry-points/{entry_id}")).status_code == 204
    entries = await _log(client, slug, entity="entry_point")
    assert _one(entries, "entry_point", "create")["after"]["code"] == "GATE"
    assert _one(entries, "entry_point", "update")["before"] == {"name_en": "Gate"}
    assert _one(entries, "entry_point", "update")["after"] == {"name_en": "North gate"}
    assert _one(entries, "entry_point", "delete")["before"]["name_en"] == "North gate"
    assert {e["entity_id"] for e in entries} == {entry_id}

    # Invitations and roles; the invitation's token is never written.
    async with second_browser(client) as member:
        await invite_and_join(client, member, db, slug, f"member-{unique}@example.org", "staff")
    invitation = _one(await _log(client, slug, entity="invitation"), "invitation", "create")
    assert invitation["after"]["token_hash"] == "[redacted]"
    assert invitation["after"]["role"] == "staff"
    joined = _one(await _log(client, slug, entity="membership"), "membership", "create")
    assert joined["after"]["role"] == "staff"
    assert joined["actor_email"] == f"member-{unique}@example.org"
    member_id = joined["entity_id"]
    assert (
        await client.patch(f"/api/v1/venues/{slug}/members/{member_id}", json={"role": "manager"})
    ).status_code == 200
    role = _one(await _log(client, slug, entity="membership", action="update"), "membership", "update")
    assert (role["before"], role["after"]) == ({"role": "staff"}, {"role": "manager"})

    # No password hash or token anywhere.
    everything = (await client.get(f"/api/v1/venues/{slug}/audit-log.csv")).text
    assert "$argon2" not in everything
    rows = list(csv.DictReader(io.StringIO(everything)))
    assert len(rows) == len(await _log(client, slug))
    assert {r["time_zone"] for r in rows} == {"Europe/Paris"}
    assert all(r["at"].endswith("+01:00") for r in rows)

    page = await client.get(f"/venue/{slug}/audit-log?lang=zh-Hans")
    assert page.status_code == 200
    assert "审计日志" in page.text
    assert "North gate" in page.text


async def test_a_refused_change_leaves_no_entry(client: Any, active_venue: SignedUp) -> None:
    refused = await client.patch(
        f"/api/v1/venues/{active_venue.slug}", json={"primary_color": "blue", "time_zone": "UTC"}
    )
    assert refused.status_code == 400
    assert await _log(client, active_venue.slug) == []


async def test_platform_changes_and_who_sees_what(
    client: Any, admin: Any, db: Database, active_venue: SignedUp, unique: str
) -> None:
    slug = active_venue.slug
    async with second_browser(client) as other_owner:
        other = await sign_up(other_owner, f"other-{unique}", f"other-{unique}@example.org")
        await verify(other_owner, db, other.email)
        await other_owner.post(
            f"/api/v1/venues/{other.slug}/entry-points", json={"code": "OTHER", "name": "Other", "scenario": "meetings"}
        )
        # Each venue reads its own entries only, and never the platform's own records.
        assert [e["entity"] for e in await _log(other_owner, other.slug)] == ["entry_point"]
        assert (await other_owner.get(f"/api/v1/venues/{slug}/audit-log")).status_code == 404
        assert (await other_owner.get("/api/v1/platform/audit-log")).status_code == 404
        assert (await other_owner.get("/platform/audit-log")).status_code == 404

    owner = await admin.post(
        "/api/v1/credits/owners",
        json={"name": f"Owner {unique}", "payout_currency": "CNY", "payout_details": "IBAN CN00 1234"},
    )
    project = await admin.post(
        "/api/v1/credits/projects",
        json={
            "owner_id": owner.json()["id"],
            "slug": f"audit-forest-{unique}",
            "name": {"en": "Audit forest", "zh-Hans": "审计林"},
            "registry_code": "cdcer",
            "registry_project_id": f"AUD-{unique}",
            "project_type": "forestry",
            "country": "CN",
        },
    )
    lot = await admin.post(
        "/api/v1/credits/lots",
        json={
            "project_id": project.json()["id"],
            "vintage_year": 2023,
            "serial_first": f"CDCER-{unique}-000001",
            "serial_last": f"CDCER-{unique}-000010",
            "quantity_tonnes": 10,
            "unit_cost_minor": 4_000,
            "cost_currency": "CNY",
            "acquired_on": "2024-06-01",
        },
    )
    lot_id = lot.json()["id"]
    allocation = await admin.post(
        "/api/v1/credits/allocations",
        json={
            "lot_id": lot_id,
            "grams": 1_000_000,
            "price_per_tonne_minor": 9_000,
            "currency": "CNY",
            "owner_bp": 8000,
            "platform_bp": 1500,
            "venue_bp": 500,
            "all_venues": True,
        },
    )
    assert allocation.status_code == 201, allocation.text
    corrected = await admin.post(
        f"/api/v1/credits/lots/{lot_id}/corrections",
        json={"field": "vintage_year", "value": 2022, "reason": "statement"},
    )
    assert corrected.status_code == 201, corrected.text
    withdrawn = await admin.post(
        f"/api/v1/credits/allocations/{allocation.json()['id']}/withdraw", json={"reason": "price review"}
    )
    assert withdrawn.status_code == 200
    suspended = await admin.post(f"/api/v1/platform/venues/{slug}/suspend", json={"reason": "Audit test"})
    assert suspended.status_code == 200

    platform = (await admin.get("/api/v1/platform/audit-log")).json()["entries"]
    mine = [e for e in platform if e["actor_role"] == "platform" and e["actor_email"].startswith("audit-admin-")]
    kinds = {(e["entity"], e["action"]) for e in mine}
    assert {
        ("project_owner", "create"),
        ("project", "create"),
        ("lot", "create"),
        ("lot", "update"),
        ("allocation", "create"),
        ("allocation", "update"),
        ("venue", "update"),
    } <= kinds
    owner_entry = _one(mine, "project_owner", "create")
    assert owner_entry["after"]["payout_details"] == "[redacted]"
    assert owner_entry["venue"] == ""
    correction = _one(mine, "lot", "update")
    assert (correction["before"], correction["after"]) == ({"vintage_year": 2023}, {"vintage_year": 2022})
    # Withdrawing takes two statements (the grams back, then the status): an entry each.
    withdrawal = [e for e in mine if (e["entity"], e["action"]) == ("allocation", "update")]
    changed = {key: value for e in withdrawal for key, value in e["after"].items()}
    assert changed == {"grams_offered": 0, "status": "withdrawn"}
    suspension = _one(mine, "venue", "update")
    assert suspension["venue"] == slug
    assert suspension["after"]["status"] == "suspended"
    assert suspension["after"]["suspended_reason"] == "Audit test"

    # Filtered by venue, the platform reads that venue's entries, the suspension among them.
    only = (await admin.get("/api/v1/platform/audit-log", params={"venue": slug})).json()["entries"]
    assert {e["venue"] for e in only} == {slug}
    assert ("venue", "update") in {(e["entity"], e["action"]) for e in only}
    others = (await admin.get("/api/v1/platform/audit-log", params={"venue": f"other-{unique}"})).json()["entries"]
    assert [e["entity"] for e in others] == ["entry_point"]
    page = await admin.get(f"/platform/audit-log?venue={slug}&lang=zh-Hans")
    assert page.status_code == 200
    assert "Audit test" in page.text
    exported = (await admin.get("/api/v1/platform/audit-log.csv", params={"entity": "lot"})).text
    assert {r["time_zone"] for r in csv.DictReader(io.StringIO(exported))} == {"UTC"}


@pytest.mark.parametrize(
    ("path", "params", "field", "code"),
    [
        ("/api/v1/platform/audit-log", {"venue": "no-such-venue"}, "venue", "unknown_venue"),
        ("/api/v1/platform/audit-log", {"entity": "password"}, "entity", "unknown_choice"),
        ("/api/v1/platform/audit-log", {"action": "read"}, "action", "unknown_choice"),
        ("/api/v1/platform/audit-log", {"page": "-1"}, "page", "not_an_integer"),
    ],
)
async def test_bad_filters_are_refused_by_name(
    admin: Any, path: str, params: dict[str, str], field: str, code: str
) -> None:
    answer = await admin.get(path, params=params)
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == [field]
    assert answer.json()["errors"][field]["code"] == code
    assert set(answer.json()["errors"][field]["message"]) == {"en", "zh-Hans"}
    page = await admin.get("/platform/audit-log", params={**params, "lang": "zh-Hans"})
    assert page.status_code == 400
    assert answer.json()["errors"][field]["message"]["zh-Hans"] in page.text


async def test_venue_filters_and_roles(client: Any, db: Database, active_venue: SignedUp, unique: str) -> None:
    slug = active_venue.slug
    bad = await client.get(f"/api/v1/venues/{slug}/audit-log", params={"entity": "password"})
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["entity"])
    async with second_browser(client) as staff:
        await invite_and_join(client, staff, db, slug, f"staff-{unique}@example.org", "staff")
        assert (await staff.get(f"/api/v1/venues/{slug}/audit-log")).status_code == 404
        assert (await staff.get(f"/venue/{slug}/audit-log")).status_code == 404


@pytest.mark.pg
async def test_the_web_role_reads_only_its_venues_entries_and_changes_none(
    client: Any, active_venue: SignedUp, database_urls: dict[str, str]
) -> None:
    """Raw SQL as the web role: a venue's transaction sees its own entries only and can
    change or delete none; without a venue it sees none."""
    await client.patch(f"/api/v1/venues/{active_venue.slug}", json={"primary_color": "#123456"})
    owner = create_async_engine(database_urls["owner"], poolclass=NullPool)
    web = create_async_engine(database_urls["app"], poolclass=NullPool)
    try:
        async with owner.connect() as conn:
            tenant_id = (
                await conn.execute(text("select id from tenants where slug = :s"), {"s": active_venue.slug})
            ).scalar_one()
        async with web.begin() as conn:
            assert (await conn.execute(text("select count(*) from audit_entries"))).scalar_one() == 0
        async with web.begin() as conn:
            await enter_scope(conn, tenant_id)
            seen = {r[0] for r in await conn.execute(text("select distinct tenant_id from audit_entries"))}
            assert seen == {tenant_id}
            assert (await conn.execute(text("update audit_entries set actor_email = 'x'"))).rowcount == 0
            assert (await conn.execute(text("delete from audit_entries"))).rowcount == 0
    finally:
        await owner.dispose()
        await web.dispose()
