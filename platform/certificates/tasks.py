"""Certificates jobs: draw a certificate's PDF and share images and keep them."""

from __future__ import annotations

from typing import Any

from neutralpoint.certificates import renderings
from neutralpoint.jobs import task


@task
async def render_certificate(ctx: dict[str, Any], number: str, lang: str) -> int:
    return await renderings.render(ctx["db"], ctx["settings"], number, lang)
