from __future__ import annotations

from typing import Any


async def test_health_and_ready(client: Any) -> None:
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


async def test_openapi_schema_is_served(client: Any) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "NeutralPoint API"


async def test_unknown_page_is_a_404_page(client: Any) -> None:
    response = await client.get("/no/such/page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert '<a href="/">' in response.text


async def test_an_outdated_qr_code_leads_back_to_its_venue(client: Any) -> None:
    """A visitor whose printed code no longer works is sent to the venue's current entry points."""
    response = await client.get("/v/some-venue/OLDCODE", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert '<a href="/v/some-venue">' in response.text


async def test_the_home_page_and_its_twin(client: Any) -> None:
    page = await client.get("/", headers={"accept": "text/html", "accept-language": "zh-CN"})
    assert page.status_code == 200
    assert "扫描门口的二维码，算出到访的碳足迹" in page.text
    assert 'href="/signup"' in page.text
    assert 'href="/projects"' in page.text
    twin = await client.get("/api/v1")
    assert twin.status_code == 200
    body = twin.json()
    assert body["description"]["zh-Hans"] == "扫描门口的二维码，算出到访的碳足迹"
    for link in body["links"].values():
        assert (await client.get(link)).status_code in (200, 401, 405), link


class _FailingPagePlugin:
    """A plugin whose extra page fails, to see what an unexpected error looks like."""

    @staticmethod
    def neutralpoint_extra_routes() -> list[Any]:
        from litestar import get

        from neutralpoint.tenants.access import PUBLIC

        @get("/plugin-page-that-fails", sync_to_thread=False, access=PUBLIC)
        def fails() -> str:
            raise RuntimeError("boom in a plugin page")

        return [fails]


async def test_an_unexpected_error_is_logged_and_answered_500(settings: Any) -> None:
    import logging

    from litestar.testing import AsyncTestClient

    from neutralpoint.app import create_app
    from neutralpoint.plugin_api import hookimpl
    from neutralpoint.scenarios.manager import ScenarioRegistry

    class Plugin:
        @staticmethod
        @hookimpl
        def neutralpoint_extra_routes() -> list[Any]:
            return _FailingPagePlugin.neutralpoint_extra_routes()

    class Recorder(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    registry = ScenarioRegistry.discover(extra=[("failing-page", Plugin)])
    app = create_app(settings, registry)
    recorder = Recorder()
    logging.getLogger("neutralpoint").addHandler(recorder)
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            api_like = await client.get("/plugin-page-that-fails", headers={"accept": "application/json"})
            page = await client.get("/plugin-page-that-fails", headers={"accept": "text/html"})
    finally:
        logging.getLogger("neutralpoint").removeHandler(recorder)
    assert api_like.status_code == 500
    assert api_like.json() == {"status_code": 500, "detail": "Internal server error"}
    assert page.status_code == 500
    assert "text/html" in page.headers["content-type"]
    failures = [r for r in recorder.records if r.exc_info and "boom in a plugin page" in str(r.exc_info[1])]
    assert len(failures) == 2
