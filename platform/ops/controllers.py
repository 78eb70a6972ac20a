"""``/health`` says the process is up; ``/ready`` that its database (and Redis) answer;
``/api/v1`` is the API's front door, the twin of the home page."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from msgspec import Struct
from sqlalchemy import text

from neutralpoint.web.access import PUBLIC

log = logging.getLogger(__name__)


class ApiIndex(Struct):
    """What the platform is and where a client starts, as the home page tells a person."""

    name: str
    description: dict[str, str]
    openapi: str
    links: dict[str, str]


@get("/api/v1", tags=["operations"], summary="The API's front door", sync_to_thread=False, access=PUBLIC)
def api_index() -> ApiIndex:
    """The JSON twin of the home page: where a venue signs up or signs in, the scenarios a
    visitor can compute, and the public credit projects."""
    return ApiIndex(
        name="NeutralPoint",
        description={
            "en": "The footprint of a visit, from a QR code at the door",
            "zh-Hans": "扫描门口的二维码，算出到访的碳足迹",
        },
        openapi="/schema/openapi.json",
        links={
            "signup": "/api/v1/signup",
            "login": "/api/v1/login",
            "me": "/api/v1/me",
            "venues": "/api/v1/venues",
            "scenarios": "/api/v1/scenarios",
            "projects": "/api/v1/public/projects",
        },
    )


@get(
    "/health", sync_to_thread=False, include_in_schema=True, tags=["operations"], exclude_from_csrf=True, access=PUBLIC
)
def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@get("/ready", tags=["operations"], access=PUBLIC)
async def ready(state: State) -> Response[dict[str, Any]]:
    """The database answers, and Redis when one is configured."""
    checks: dict[str, str] = {}
    ok = True
    try:
        async with state.db.engine.connect() as conn:
            await conn.execute(text("select 1"))
        checks["database"] = "ok"
    except Exception as exc:
        ok = False
        checks["database"] = f"error: {type(exc).__name__}"
        log.warning("readiness: the database does not answer", exc_info=exc)
    if state.settings.redis_url:
        try:
            from redis.asyncio import Redis

            client = Redis.from_url(state.settings.redis_url, socket_timeout=2)
            try:
                await client.ping()
            finally:
                await client.aclose()
            checks["redis"] = "ok"
        except Exception as exc:
            ok = False
            checks["redis"] = f"error: {type(exc).__name__}"
            log.warning("readiness: Redis does not answer", exc_info=exc)
    else:
        checks["redis"] = "not configured (jobs run in-process)"
    checks["plugins"] = f"{len(state.registry.scenarios)} scenarios"
    return Response({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)


route_handlers = [api_index, health, ready]
