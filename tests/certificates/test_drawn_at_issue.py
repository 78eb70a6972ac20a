"""A certificate's files are drawn when its order is fulfilled, not when its page is first
opened: the fulfilment job asks for the ``render_certificate`` job in the holder's language."""

from __future__ import annotations

import dataclasses

import pytest
from litestar import Litestar
from shop_world import World
from sqlalchemy import select

from neutralpoint.app import create_app
from neutralpoint.certificates.models import Certificate, CertificateRendering
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings


@pytest.fixture(scope="module")
def app(settings: Settings, registry: ScenarioRegistry) -> Litestar:
    """The application as production runs it: drawing at issue (the suite's default is off)."""
    return create_app(dataclasses.replace(settings, certificates_drawn_at_issue=True), registry)


async def test_the_files_are_drawn_at_fulfilment_in_the_holders_language(
    world: World, db: Database, jobs: JobQueue
) -> None:
    shop = await world.shop()
    order = (await world.order(shop, await world.footprint(shop), buyer_name="李伟", language="zh-Hans")).json()
    assert (await world.sandbox_pay(shop, order["reference"])).status_code == 200
    await jobs.drain()  # the fulfilment, then the drawing it asked for
    async with db.platform_session() as session:
        certificate = await session.scalar(select(Certificate).where(Certificate.order_reference == order["reference"]))
        assert certificate is not None
        drawn = (
            await session.execute(
                select(CertificateRendering.kind, CertificateRendering.language).where(
                    CertificateRendering.certificate_id == certificate.id
                )
            )
        ).all()
    assert sorted(drawn) == [("card", "zh-Hans"), ("pdf", "zh-Hans"), ("poster", "zh-Hans")]

    # Nobody had opened the page: it is ready at the first visit.
    base = f"/certificates/{certificate.number}"
    page = await world.client.get(base, params={"lang": "zh-Hans"})
    assert 'id="preparing"' not in page.text
    assert 'id="download-pdf"' in page.text
    # The other language is drawn when asked for, and the page says so meanwhile.
    other = await world.client.get(base, params={"lang": "en", "files": "en"})
    assert 'id="preparing"' in other.text
    await jobs.drain()
    assert 'id="preparing"' not in (await world.client.get(base, params={"files": "en"})).text
