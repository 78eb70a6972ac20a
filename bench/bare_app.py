"""The baseline for the QR burst: one Litestar JSON route, no middleware, no database.

Served by uvicorn with the same options as ``neutralpoint serve`` (see ``neutralpoint.cli``),
so the ratio between the two measures what the platform itself costs per request.

    .venv/bin/python bench/bare_app.py --port 8001 --workers 2
"""

from __future__ import annotations

import argparse

import uvicorn
from litestar import Litestar, get


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[bare])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bare_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        access_log=False,
        log_config=None,
    )


if __name__ == "__main__":
    main()
