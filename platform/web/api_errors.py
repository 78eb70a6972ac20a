"""The 400 answer of every JSON route when the body itself cannot be read.

Routes refuse bad answers with ``{"errors": {field: {"code", "message": {"en", "zh-Hans"}}}}``.
A body that never reaches them (malformed JSON, a number out of range, a value of the wrong
type, an unknown key) gets the same shape, naming the field when msgspec names one and
``body`` when the request could not be read at all.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.exceptions import ClientException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from neutralpoint.scenarios.forms import FieldError, FormErrors
from neutralpoint.web.access import declared_policy

_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")


def unreadable_body_response(_: Request[Any, Any, Any], exc: ClientException) -> Response[Any]:
    """Register for ``ValidationException``, or for ``ClientException`` on a route whose
    malformed JSON should answer in this shape too; another status passes through as the
    application's own JSON error."""
    if exc.status_code != 400:
        return Response(
            {"status_code": exc.status_code, "detail": exc.detail},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
    errors: dict[str, FieldError] = {}
    extra = exc.extra if isinstance(exc, ValidationException) and isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message") or exc.detail)
        key = str(item.get("key") or "")
        unknown = _UNKNOWN_FIELD.search(message)
        if unknown:
            errors.setdefault(unknown.group(1), FieldError("unknown_field"))
        elif key and key != "data":
            unreadable = {"en": f"{message}.", "zh-Hans": f"无法读取此项（{message}）。"}
            errors.setdefault(key, FieldError("invalid", text=unreadable))
    if not errors:
        detail = exc.detail if exc.detail and not exc.detail.startswith("Validation failed") else "not a JSON object"
        if extra and isinstance(extra[0], dict) and extra[0].get("message"):
            detail = str(extra[0]["message"])
        errors["body"] = FieldError(
            "unreadable",
            text={"en": f"The request could not be read: {detail}.", "zh-Hans": f"无法读取请求内容（{detail}）。"},
        )
    return Response({"errors": FormErrors(errors).as_dict()}, status_code=400)


class HTTPErrorOut(msgspec.Struct):
    """An error that is not about the body's fields: 401, 403, 404, 429 and the like."""

    status_code: int
    detail: str


NOT_SIGNED_IN = ResponseSpec(
    data_container=HTTPErrorOut, description="Not signed in, or the session has ended: sign in first"
)
NOT_FOUND = ResponseSpec(
    data_container=HTTPErrorOut,
    description="No such resource, or not one the signed-in account may see (the two answer alike)",
)


def document_access_errors(app: Litestar) -> None:
    """Add 401 and 404 to each API operation's documented answers where they can occur.

    401 comes from a route's access policy when it is not public; 404 from a path
    parameter naming something unknown, and from a policy hiding another venue's
    resources. Done once over the finished route table instead of on every handler;
    a handler's own entry for the code wins.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema or handler.http_methods == {"OPTIONS"}:
                continue
            policy = declared_policy(handler)
            guarded = policy is not None and not policy.public
            extra: dict[int, ResponseSpec] = {}
            if guarded:
                extra[401] = NOT_SIGNED_IN
            if guarded or "{" in route.path:
                extra[404] = NOT_FOUND
            if extra:
                handler.responses = {**extra, **(handler.responses or {})}
