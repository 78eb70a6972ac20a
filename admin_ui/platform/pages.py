"""Rendering and access for the platform-admin pages.

A visitor who is not signed in is sent to the sign-in page and back, as every console page
does (``/platform/orders`` and the factor pages alike); a signed-in person who is not a
platform admin gets a 404 (their policy is ``PLATFORM_ADMIN``). The forms' and the credits
services' refusals are shown beside their fields in the admin's language
(``render(refused=…)``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from litestar import Controller, Request, Response
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.response import Redirect, Template

from neutralpoint.credits.inspection import StoredFile
from neutralpoint.refusals import FieldError
from neutralpoint.tenants.access import PLATFORM_ADMIN
from neutralpoint.web.i18n import choose_language, normalize_language
from neutralpoint.web.templating import render
from neutralpoint_admin.venue.pages import to_login

LANG_COOKIE_SECONDS = 365 * 24 * 3600


#: ``exception_handlers`` of the platform pages (their access policy is ``PLATFORM_ADMIN``):
#: "please sign in" is the sign-in page, with the way back.
SIGN_IN_FIRST = {NotAuthorizedException: to_login}

T = TypeVar("T")


class PlatformController(Controller):
    """Base of the platform pages' controllers: under ``/platform``, for platform admins only."""

    path = "/platform"
    include_in_schema = False
    opt = {"access": PLATFORM_ADMIN}  # noqa: RUF012
    exception_handlers = SIGN_IN_FIRST  # type: ignore[assignment]


async def or_404(found: Awaitable[T | None]) -> T:
    """The record a service found, or a 404."""
    record = await found
    if record is None:
        raise NotFoundException()
    return record


def file_response(stored: StoredFile | None) -> Response[bytes]:
    """A stored file as a download that no browser renders in place."""
    if stored is None:
        raise NotFoundException()
    safe_name = (stored.filename or "evidence").replace('"', "").replace("\r", "").replace("\n", "")
    return Response(
        stored.content,
        media_type=stored.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def page_language(request: Request[Any, Any, Any]) -> str:
    return choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )


def platform_page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    section: str,
    status_code: int = 200,
    errors: Mapping[str, FieldError] | None = None,
    **context: Any,
) -> Template:
    """A platform page in the admin's language, with each form error translated beside its field."""
    lang = page_language(request)
    response = render(
        request,
        template,
        lang=lang,
        status_code=400 if errors and status_code == 200 else status_code,
        headers={"Cache-Control": "no-store"},
        section=section,
        refused=errors or {},
        **context,
    )
    chosen = normalize_language(request.query_params.get("lang"))
    if chosen:
        response.set_cookie("lang", chosen, max_age=LANG_COOKIE_SECONDS, samesite="lax")
    return response


def see_other(path: str) -> Redirect:
    """303 after a POST, so reloading the next page does not post again."""
    return Redirect(path=path, status_code=303)
