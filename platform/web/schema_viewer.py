"""The API reference under ``/schema``, drawn by Swagger UI from files the platform serves.

Litestar's viewers load their scripts from a CDN (Scalar at ``@latest``), which is often
blocked in China and changes under us. Swagger UI comes pinned from PyPI
(``swagger-ui-bundle-v2``) and is served under ``/schema/assets``; the page's only other
script, ``/static/schema-viewer.js``, reads the schema's address from the page, so the
page needs no inline script and keeps the platform's content security policy.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

from neutralpoint.web.access import public_opt

ASSETS_PATH = "/schema/assets"


class SchemaViewer(OpenAPIRenderPlugin):
    """Swagger UI at ``/schema`` (and ``/schema/swagger``), with no inline script."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/swagger"], favicon='<link rel="icon" href="/favicon.ico">')

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema["info"]["title"]))
        spec_url = escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{self.favicon}
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec_url}"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="/static/schema-viewer.js"></script>
</body>
</html>
""".encode()


def schema_assets_router() -> Router:
    """Swagger UI's files, kept a day by browsers (they change only with the package)."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[Path(swagger_ui_path)],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
        opt=public_opt(),
    )
