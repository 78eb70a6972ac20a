"""Names as people read them (English and Chinese, each standing in for the other) and the
venue's time zone, through the console, the API, the visitor's pages and the migration."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select
from tenant_flows import post_form

from neutralpoint.database.engine import Database
from neutralpoint.database.migrate import alembic_config, upgrade
from neutralpoint.tenants.models import EntryPoint, Tenant
from neutralpoint.web.formatting import format_clock, format_day, format_when


def _branding(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "display_name_en": "Qingcheng Mountain Scenic Area",
        "display_name_zh_hans": "青城山景区",
        "primary_color": "#166534",
        "default_language": "zh-Hans",
        "time_zone": "Asia/Shanghai",
        "city": "",
        "custom_host": "",
        "enabled_scenarios": ["dummy"],
    }
    form.update(changes)
    return form


async def _tenant(db: Database, slug: str) -> Tenant:
    async with db.platform_session() as session:
        return (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one()


async def test_each_reader_reads_the_venue_and_its_entry_point_in_their_language(
    client: Any, other_client: Any, db: Database, active_venue: Any
) -> None:
    slug = active_venue.slug
    saved = await post_form(client, f"/venue/{slug}/branding", _branding())
    assert saved.status_code == 303, saved.text
    created = await post_form(
        client,
        f"/venue/{slug}/entry-points/new",
        {
            "name_en": "Ticket gate",
            "name_zh_hans": "检票口",
            "scenario": "dummy",
            "event_name_en": "Mountain Festival",
            "event_name_zh_hans": "青城山登山节",
            "event_starts_on": "2026-12-08",
            "event_ends_on": "2026-12-08",
            "active": "1",
        },
    )
    assert created.status_code == 303, created.text
    async with db.platform_session() as session:
        entry = (await session.execute(select(EntryPoint).join(Tenant).where(Tenant.slug == slug))).scalar_one()

    english = await other_client.get(f"/v/{slug}/?lang=en")
    assert "Qingcheng Mountain Scenic Area" in english.text
    assert "青城山景区" not in english.text
    assert "Ticket gate" in english.text
    assert "Mountain Festival" in english.text
    assert "检票口" not in english.text
    chinese = await other_client.get(f"/v/{slug}/?lang=zh-Hans")
    assert "青城山景区" in chinese.text
    assert "检票口" in chinese.text
    assert "青城山登山节" in chinese.text
    assert "Qingcheng Mountain Scenic Area" not in chinese.text

    visitor = await other_client.get(f"/v/{slug}/{entry.code}?lang=en")
    assert "Qingcheng Mountain Scenic Area" in visitor.text
    assert "Mountain Festival" in visitor.text
    assert "青城山" not in visitor.text

    # The JSON twins: the reader's language, and both names with each filled from the other.
    public = (await other_client.get(f"/api/v1/public/venues/{slug}?lang=en")).json()
    assert (public["display_name"], public["lang"], public["time_zone"]) == (
        "Qingcheng Mountain Scenic Area",
        "en",
        "Asia/Shanghai",
    )
    assert public["entry_points"][0]["name"] == "Ticket gate"
    calculator = (await other_client.get(f"/api/v1/public/venues/{slug}/entry-points/{entry.code}")).json()
    assert calculator["name"] == "检票口"  # the venue's own language
    assert calculator["names"] == {"en": "Ticket gate", "zh-Hans": "检票口"}
    assert calculator["venue"]["display_names"] == {"en": "Qingcheng Mountain Scenic Area", "zh-Hans": "青城山景区"}
    assert calculator["event"]["names"] == {"en": "Mountain Festival", "zh-Hans": "青城山登山节"}

    # The console speaks its reader's language too, and its form shows both names.
    console = await client.get(f"/venue/{slug}/?lang=en")
    assert "<h1>Qingcheng Mountain Scenic Area</h1>" in console.text
    form = await client.get(f"/venue/{slug}/branding")
    assert 'value="青城山景区"' in form.text
    assert 'value="Qingcheng Mountain Scenic Area"' in form.text
    assert '<option value="Asia/Shanghai" selected>' in form.text


async def test_one_name_stands_in_for_the_other(
    client: Any, other_client: Any, db: Database, active_venue: Any
) -> None:
    slug = active_venue.slug
    saved = await post_form(client, f"/venue/{slug}/branding", _branding(display_name_en=""))
    assert saved.status_code == 303, saved.text
    english = await other_client.get(f"/v/{slug}/?lang=en")
    assert "<h1>青城山景区</h1>" in english.text
    tenant = await _tenant(db, slug)
    assert (tenant.display_name_en, tenant.display_name_zh_hans) == (None, "青城山景区")
    assert tenant.display_name_in("en") == tenant.display_name_in("zh-Hans") == "青城山景区"


async def test_a_venue_keeps_a_name_and_a_real_time_zone(client: Any, db: Database, active_venue: Any) -> None:
    slug = active_venue.slug
    nameless = await post_form(
        client, f"/venue/{slug}/branding", _branding(display_name_en=" ", display_name_zh_hans="")
    )
    assert nameless.status_code == 400
    assert "Give a name in English or in Chinese" in nameless.text
    unknown = await post_form(client, f"/venue/{slug}/branding", _branding(time_zone="Asia/Chengdu"))
    assert unknown.status_code == 400
    assert "Choose a time zone by its IANA name" in unknown.text
    tenant = await _tenant(db, slug)
    assert tenant.time_zone == "Asia/Shanghai"
    assert tenant.default_language == "en"  # nothing of either refused form was written

    api = f"/api/v1/venues/{slug}"
    bad = await client.patch(api, json={"display_name_en": "", "display_name_zh_hans": None, "time_zone": "Mars/Base"})
    assert bad.status_code == 400
    errors = bad.json()["errors"]
    assert errors["time_zone"]["code"] == "time_zone_unknown"
    assert errors["time_zone"]["message"]["zh-Hans"].startswith("请按 IANA 名称选择时区")
    assert errors["display_name_en"]["code"] == "name_needed"
    assert errors["display_name_en"]["message"]["zh-Hans"]
    good = await client.patch(api, json={"display_name_zh_hans": "绿色会堂", "time_zone": "Europe/London"})
    assert good.status_code == 200, good.text
    body = good.json()
    assert (body["display_name_zh_hans"], body["time_zone"]) == ("绿色会堂", "Europe/London")
    assert body["display_name"] == body["display_name_en"]  # an English venue's own name
    # The name alone, as the API took it before, sets the venue's own language's.
    legacy = await client.patch(api, json={"display_name": "Green Hall"})
    assert (legacy.json()["display_name_en"], legacy.json()["display_name_zh_hans"]) == ("Green Hall", "绿色会堂")


async def test_entry_point_names_through_the_api(client: Any, active_venue: Any) -> None:
    slug = active_venue.slug
    await client.patch(f"/api/v1/venues/{slug}", json={"enabled_scenarios": ["dummy"]})
    base = f"/api/v1/venues/{slug}/entry-points"
    nameless = await client.post(base, json={"scenario": "dummy", "name_en": "", "name_zh_hans": " "})
    assert nameless.status_code == 400
    assert nameless.json()["errors"]["name_en"]["code"] == "name_needed"
    created = await client.post(base, json={"scenario": "dummy", "name_zh_hans": "大堂"})
    assert created.status_code == 201, created.text
    entry = created.json()
    assert (entry["name"], entry["name_en"], entry["name_zh_hans"]) == ("大堂", None, "大堂")
    patched = await client.patch(f"{base}/{entry['id']}", json={"name_en": "Lobby", "event_name_zh_hans": "年会"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["event_name"]) == ("Lobby", "年会")
    cleared = await client.patch(f"{base}/{entry['id']}", json={"name_en": None, "name_zh_hans": ""})
    assert cleared.status_code == 400
    assert cleared.json()["errors"]["name_en"]["code"] == "name_needed"


def test_moments_are_read_on_the_venue_s_clock() -> None:
    moment = datetime(2026, 12, 7, 17, 30, tzinfo=UTC)
    assert format_when(moment, "en", "Asia/Shanghai") == "Dec 8, 2026, 01:30 UTC+8"
    assert format_when(moment, "zh-Hans", "Asia/Shanghai") == "2026年12月8日 01:30 UTC+8"
    assert format_when(moment, "en", "Asia/Kolkata") == "Dec 7, 2026, 23:00 UTC+5:30"
    assert format_when(datetime(2026, 7, 1, 12, tzinfo=UTC), "en", "America/New_York").endswith("08:00 UTC-4")
    assert format_clock(moment, "en", None) == "17:30 UTC"
    assert format_day(moment, "en", "Asia/Shanghai") == "Dec 8, 2026"
    assert format_day(moment, "en", "Europe/London") == "Dec 7, 2026"
    assert format_day(date(2026, 12, 7), "zh-Hans") == "2026年12月7日"


# --- the migration --------------------------------------------------------------------------------

OLD_TENANTS = sa.table(
    "tenants",
    sa.column("id", sa.Uuid()),
    sa.column("slug", sa.String()),
    sa.column("name", sa.String()),
    sa.column("display_name", sa.String()),
    sa.column("contact_email", sa.String()),
    sa.column("status", sa.String()),
    sa.column("primary_color", sa.String()),
    sa.column("default_language", sa.String()),
    sa.column("logo_version", sa.Integer()),
    sa.column("is_demo", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
OLD_ENTRY_POINTS = sa.table(
    "entry_points",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("event_name", sa.String()),
    sa.column("scenario", sa.String()),
    sa.column("presets", sa.JSON()),
    sa.column("active", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


async def _old_rows(url: str) -> None:
    db = Database(url)
    now = datetime.now(UTC)
    try:
        async with db.engine.begin() as conn:
            for slug, name, lang in (("qingcheng", "青城山景区", "zh-Hans"), ("hall", "Green Hall", "en")):
                venue = uuid.uuid4()
                await conn.execute(
                    OLD_TENANTS.insert().values(
                        id=venue,
                        slug=slug,
                        name=name,
                        display_name=name,
                        contact_email=f"{slug}@example.org",
                        status="active",
                        primary_color="#166534",
                        default_language=lang,
                        logo_version=0,
                        is_demo=False,
                        created_at=now,
                    )
                )
                await conn.execute(
                    OLD_ENTRY_POINTS.insert().values(
                        id=uuid.uuid4(),
                        tenant_id=venue,
                        code=slug.upper()[:8],
                        name="检票口" if lang == "zh-Hans" else "Main door",
                        event_name="Expo 2026" if lang == "en" else None,
                        scenario="dummy",
                        presets={},
                        active=True,
                        created_at=now,
                    )
                )
    finally:
        await db.dispose()


async def _new_rows(url: str) -> dict[str, tuple[Any, ...]]:
    db = Database(url)
    try:
        async with db.platform_session() as session:
            found = await session.execute(
                select(Tenant, EntryPoint).join(EntryPoint, EntryPoint.tenant_id == Tenant.id)
            )
            return {
                tenant.slug: (
                    tenant.display_name_en,
                    tenant.display_name_zh_hans,
                    tenant.time_zone,
                    entry.name_en,
                    entry.name_zh_hans,
                    entry.event_name_en,
                    entry.event_name_zh_hans,
                )
                for tenant, entry in found
            }
    finally:
        await db.dispose()


async def _names_again(url: str) -> set[tuple[str, str, str, str | None]]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT t.slug, t.display_name, e.name, e.event_name FROM tenants t "
                    "JOIN entry_points e ON e.tenant_id = t.id"
                )
            )
            return {(row[0], row[1], row[2], row[3]) for row in rows}
    finally:
        await db.dispose()


def test_the_migration_puts_each_name_in_its_language_and_back(empty_database_url: str) -> None:
    url = empty_database_url
    upgrade(url)
    command.downgrade(alembic_config(url), "tenants_0005")
    asyncio.run(_old_rows(url))
    upgrade(url)
    assert asyncio.run(_new_rows(url)) == {
        "qingcheng": (None, "青城山景区", "Asia/Shanghai", None, "检票口", None, None),
        "hall": ("Green Hall", None, "Asia/Shanghai", "Main door", None, "Expo 2026", None),
    }
    command.downgrade(alembic_config(url), "tenants_0005")
    assert asyncio.run(_names_again(url)) == {
        ("qingcheng", "青城山景区", "检票口", None),
        ("hall", "Green Hall", "Main door", "Expo 2026"),
    }
