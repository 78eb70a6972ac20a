"""Rendering helpers for the venue dashboard and account pages (server-rendered, no JavaScript)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect, Template

from neutralpoint.jobs.queue import JobQueue
from neutralpoint.refusals import FieldError
from neutralpoint.tenants import addresses
from neutralpoint.tenants.access import Role, VenueMember
from neutralpoint.web.i18n import choose_language, normalize_language
from neutralpoint.web.templating import render

LANG_COOKIE_SECONDS = 365 * 24 * 3600


def venue_context(access: VenueMember, section: str, **extra: Any) -> dict[str, Any]:
    """What ``venue/_layout.html`` needs: the venue, who is looking, and which tab is open."""
    return {
        "venue": access.tenant,
        "brand": access.tenant,
        "role": access.role,
        "user": access.user,
        "section": section,
        "can_manage": access.allows(Role.MANAGER),
        "is_owner": access.allows(Role.OWNER),
        "logo_url": addresses.logo_path(access.tenant),
        "logo_on_posters": addresses.logo_on_posters(access.tenant),
        **extra,
    }


def page_language(request: Request[Any, Any, Any], venue_default: str | None = None) -> str:
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
        venue_default,
    )


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    venue_default: str | None = None,
    errors: dict[str, FieldError] | None = None,
    **context: Any,
) -> Template:
    """A page in the visitor's language; choosing a language with ``?lang=`` is remembered."""
    lang = page_language(request, venue_default)
    response = render(
        request,
        template,
        lang=lang,
        status_code=status_code,
        refused=errors or {},
        request_path=request.url.path,
        headers={"Cache-Control": "no-store"},
        **context,
    )
    chosen = normalize_language(request.query_params.get("lang"))
    if chosen:
        response.set_cookie("lang", chosen, max_age=LANG_COOKIE_SECONDS, samesite="lax")
    return response


def see_other(path: str, **kwargs: Any) -> Redirect:
    """303 after a POST, so reloading the next page does not post again."""
    return Redirect(path=path, status_code=303, **kwargs)


def local_path(value: str | None, default: str) -> str:
    """``next=`` targets: only paths on this site, never another host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def to_login(request: Request[Any, Any, Any], _: NotAuthorizedException) -> Response[Any]:
    """Pages that need a signed-in person send others to the sign-in page and back."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = request.url.path
    return Redirect(path=f"/login?next={quote(target, safe='/')}", status_code=303)


def form_values(form: FormMultiDict, *names: str) -> dict[str, Any]:
    return {name: form.get(name, "") for name in names}


def mail_job(jobs: JobQueue) -> BackgroundTask:
    """Send the outbox once the response is out, i.e. after the transaction committed."""
    return BackgroundTask(jobs.enqueue, "send_outbox")
