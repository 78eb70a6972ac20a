"""How the application answers an HTTP error, for the app and any layer that maps an
exception to the same answer (the platform pages answer "please sign in" as a 404)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException

from neutralpoint.refusals import FormErrors
from neutralpoint.web.api_errors import refusal_response, unreadable_body_response
from neutralpoint.web.i18n import choose_language, gettext_functions
from neutralpoint.web.templating import render


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """A browser gets the error page; the API, the schema and health checks get JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/schema", "/health", "/ready")):
        return False
    return "text/html" in request.headers.get("accept", "text/html")


def http_error_response(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """The application's answer to an HTTP error: JSON, or the error page in the reader's language."""
    if not wants_html(request):
        body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.detail}
        if isinstance(exc, ValidationException) and exc.extra:
            body["extra"] = exc.extra
        return Response(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))
    lang = choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )
    titles = {404: "Not found", 403: "Not allowed", 400: "Bad request", 401: "Please sign in"}
    _ = gettext_functions(lang)["plain_gettext"]
    title = _(titles.get(exc.status_code, "Something went wrong"))
    message = _("We could not find that page.") if exc.status_code == 404 else str(exc.detail)
    return render(
        request,
        "error.html",
        lang=lang,
        status_code=exc.status_code,
        title=title,
        message=message,
        back_url=start_page_for(request.url.path),
    )


def client_error_response(request: Request[Any, Any, Any], exc: ClientException) -> Response[Any]:
    """A 4xx: answered in JSON (the API, or a client that does not ask for HTML), a 400 (a
    body that cannot be read, a value of the wrong type) has the one ``errors`` shape that
    OpenAPI documents on every operation; anything else as ``http_error_response``."""
    if not wants_html(request):
        return unreadable_body_response(request, exc)
    return http_error_response(request, exc)


def refusal_page_response(request: Request[Any, Any, Any], exc: FormErrors) -> Response[Any]:
    """A refusal no route answered itself (a suspended venue's page, for one): the API's
    ``{"errors": …}`` for a client, the error page with each message in the reader's
    language for a browser."""
    if not wants_html(request):
        return refusal_response(exc)
    lang = choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )
    _ = gettext_functions(lang)["plain_gettext"]
    return render(
        request,
        "error.html",
        lang=lang,
        status_code=exc.status_code,
        title=_("Not available"),
        message=" ".join(exc.messages(lang).values()),
        back_url="/",
    )


def start_page_for(path: str) -> str:
    """Where "Back to the start" leads: a visitor with an outdated QR code goes to the
    venue's own page (``/v/<slug>``), which lists its current entry points."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "v" and parts[2] and parts[3]:
        return f"/v/{parts[2]}"
    return "/"
