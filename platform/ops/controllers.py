"""``/health`` says the process is up; ``/ready`` that its database (and Redis) answer."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text


@get("/health", sync_to_thread=False, include_in_schema=True, tags=["operations"], exclude_from_csrf=True)
def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@get("/ready", tags=["operations"])
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
    else:
        checks["redis"] = "not configured (jobs run in-process)"
    checks["plugins"] = f"{len(state.registry.scenarios)} scenarios"
    return Response({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)


route_handlers = [health, ready]
