"""Venues with one entry point, made through the models, for the scenario-plugin tests.

A plain module (not a conftest) so that it never collides with other plugin tests' fixtures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from neutralpoint.database.engine import Database
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus

CHENGDU = ("30.5728", "104.0668")


@dataclass(frozen=True)
class VenueEntryPoint:
    tenant_id: uuid.UUID
    entry_point_id: uuid.UUID
    slug: str
    code: str

    @property
    def url(self) -> str:
        return f"/v/{self.slug}/{self.code}"


async def make_entry_point(db: Database, scenario: str, presets: dict[str, Any] | None = None) -> VenueEntryPoint:
    suffix = uuid.uuid4().hex[:8]
    async with db.platform_session() as session:
        tenant = Tenant(
            slug=f"plug-{suffix}",
            name=f"Venue {suffix}",
            display_name=f"Venue {suffix}",
            contact_email=f"venue-{suffix}@example.org",
            status=TenantStatus.ACTIVE,
            latitude=CHENGDU[0],
            longitude=CHENGDU[1],
        )
        session.add(tenant)
        await session.flush()
        entry = EntryPoint(
            tenant_id=tenant.id, code=f"d{suffix[:6]}", name="Door", scenario=scenario, presets=presets or {}
        )
        session.add(entry)
        await session.flush()
        return VenueEntryPoint(tenant.id, entry.id, tenant.slug, entry.code)


async def count_estimates(db: Database, tenant_id: uuid.UUID) -> int:
    async with db.platform_session() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Estimate).where(Estimate.tenant_id == tenant_id)) or 0
        )


async def post_form(client: Any, entry_point: VenueEntryPoint, data: dict[str, str], lang: str = "en") -> Any:
    """GET the page (for the CSRF cookie), then POST the form as a browser would."""
    page = await client.get(f"{entry_point.url}?lang={lang}", headers={"accept": "text/html"})
    assert page.status_code == 200, page.text
    token = str(client.cookies.get("np_csrf", ""))
    return await client.post(
        f"{entry_point.url}?lang={lang}",
        data={**data, "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


#: (field problem, raw value builder) → the message the core's ``Field.parse`` gives, in both languages.
def error_paragraph(html: str, field: str) -> str:
    import re

    match = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    assert match, f"no error shown beside {field}"
    return match.group(1)


async def assert_rejected(
    client: Any,
    db: Database,
    entry_point: VenueEntryPoint,
    valid: dict[str, str],
    field: str,
    bad: str,
    en: str,
    zh: str,
) -> None:
    """One bad field: a 400 with the message beside that field in English and Chinese, nothing stored."""
    before = await count_estimates(db, entry_point.tenant_id)
    for lang, expected in (("en", en), ("zh-Hans", zh)):
        response = await post_form(client, entry_point, {**valid, field: bad}, lang=lang)
        assert response.status_code == 400, (field, bad, response.status_code)
        shown = error_paragraph(response.text, field)
        assert expected in shown, (field, bad, lang, shown)
    assert await count_estimates(db, entry_point.tenant_id) == before
