"""The one answer of every JSON route that refuses input, and its OpenAPI schema.

A route refuses bad input by raising ``FormErrors`` (``neutralpoint.refusals``); ``API_ERRORS``
answers it with ``{"errors": {field: {"code", "message": {"en", "zh-Hans"}}}}`` and the
exception's status (400 unless it says otherwise). A body that never reaches the route
(malformed JSON, a value of the wrong type, an unknown key, a msgspec ``Meta`` constraint
such as a maximum length) gets the same shape, naming the field when msgspec names one and
``body`` when the request could not be read at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.constants import RESERVED_KWARGS
from litestar.exceptions import ClientException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from litestar.types import ExceptionHandlersMap

from neutralpoint.refusals import FieldError, FormErrors, problem
from neutralpoint.web.access import declared_policy

_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")
# msgspec's words for a broken ``Meta`` constraint, and the shared code that says it.
_CONSTRAINTS = (
    (re.compile(r"^Expected `str` of length <= (\d+)"), "too_long", "max_length"),
    (re.compile(r"^Expected `str` of length >= (\d+)"), "too_short", "min_length"),
    (re.compile(r"^Expected `(?:int|float|decimal)` >= (-?[\d.]+)"), "too_small", "min"),
    (re.compile(r"^Expected `(?:int|float|decimal)` <= (-?[\d.]+)"), "too_large", "max"),
)
_WRONG_FORM = {"en": "This value does not have the expected form.", "zh-Hans": "此项的格式不正确。"}
_WRONG_TYPE = re.compile(r"^Expected `([a-z]+)[^`]*`, got `([a-z]+)`")
# JSON's kinds of value as msgspec names them, in words.
_KINDS = {
    "str": {"en": "text", "zh-Hans": "文本"},
    "int": {"en": "a whole number", "zh-Hans": "整数"},
    "float": {"en": "a number", "zh-Hans": "数字"},
    "decimal": {"en": "a number", "zh-Hans": "数字"},
    "bool": {"en": "true or false", "zh-Hans": "true 或 false"},
    "object": {"en": "an object", "zh-Hans": "对象"},
    "array": {"en": "a list", "zh-Hans": "列表"},
    "null": {"en": "null", "zh-Hans": "null"},
    "uuid": {"en": "a UUID", "zh-Hans": "UUID"},
    "datetime": {"en": "a date and time", "zh-Hans": "日期和时间"},
    "date": {"en": "a date", "zh-Hans": "日期"},
}


class MessageOut(msgspec.Struct):
    """One message in every language of the platform."""

    en: str
    zh_hans: str = msgspec.field(name="zh-Hans")


class FieldErrorOut(msgspec.Struct):
    """One field's problem: ``code`` is stable for clients to test, ``message`` is for people."""

    code: str
    message: MessageOut


class ErrorsOut(msgspec.Struct):
    """400 (or 404/409 when a field names something missing or in the wrong state): what is
    wrong with which field, in every language; nothing was written."""

    errors: dict[str, FieldErrorOut]

    @classmethod
    def of(cls, exc: FormErrors) -> ErrorsOut:
        return cls(
            errors={
                name: FieldErrorOut(code=err.code, message=MessageOut(err.message("en"), err.message("zh-Hans")))
                for name, err in exc.errors.items()
            }
        )


#: The documented 400 of a route that takes input.
BAD_INPUT = {400: ResponseSpec(data_container=ErrorsOut, description="Bad input, by field; nothing written")}


def refusal_response(exc: FormErrors, headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    """``FormErrors`` as the API answers it; returned by a route whose own writes must still
    commit (a failed sign-in counts), raised otherwise."""
    return Response({"errors": exc.as_dict()}, status_code=exc.status_code, headers=headers)


def refused_response(_: Request[Any, Any, Any], exc: FormErrors) -> Response[dict[str, Any]]:
    """The exception handler for ``FormErrors`` (see ``API_ERRORS``)."""
    return refusal_response(exc)


def constraint_error(message: str) -> FieldError:
    """A msgspec validation message about one value, as the shared code that says it."""
    for pattern, code, param in _CONSTRAINTS:
        found = pattern.match(message)
        if found:
            return FieldError(code, {param: found.group(1), "unit": ""})
    if message.startswith("Expected `str` matching regex"):
        return FieldError("invalid_format", text=_WRONG_FORM)
    wrong = _WRONG_TYPE.match(message)
    if wrong and wrong.group(1) in _KINDS and wrong.group(2) in _KINDS:
        return problem(
            "wrong_type",
            "Send {expected} here, not {got}.",
            "此项应为{expected}，而不是{got}。",
            expected=_KINDS[wrong.group(1)],
            got=_KINDS[wrong.group(2)],
        )
    unreadable = {"en": f"{message}.", "zh-Hans": f"无法读取此项（{message}）。"}
    return FieldError("invalid", text=unreadable)


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
        missing = _MISSING_FIELD.search(message)
        if unknown:
            errors.setdefault(unknown.group(1), FieldError("unknown_field"))
        elif missing:
            errors.setdefault(missing.group(1), FieldError("required"))
        elif key and key != "data":
            errors.setdefault(key, constraint_error(message))
    if not errors:
        detail = exc.detail if exc.detail and not exc.detail.startswith("Validation failed") else "not a JSON object"
        if extra and isinstance(extra[0], dict) and extra[0].get("message"):
            detail = str(extra[0]["message"])
        errors["body"] = FieldError(
            "unreadable",
            text={"en": f"The request could not be read: {detail}.", "zh-Hans": f"无法读取请求内容（{detail}）。"},
        )
    return refusal_response(FormErrors(errors))


#: The exception handlers of a JSON route: refusals, and bodies that cannot be read, in one shape.
API_ERRORS: ExceptionHandlersMap = {
    FormErrors: refused_response,
    ClientException: unreadable_body_response,
    ValidationException: unreadable_body_response,
}


class HTTPErrorOut(msgspec.Struct):
    """An error that is not about the body's fields: 401, 403, 404, 429 and the like."""

    status_code: int
    detail: str


NOT_SIGNED_IN = ResponseSpec(
    data_container=HTTPErrorOut, description="Not signed in, or the session has ended: sign in first"
)
#: A path that names nothing (``{status_code, detail}``), or a field of the request naming
#: something that does not exist (``errors``, like a 400).
NOT_FOUND = ResponseSpec(
    data_container=HTTPErrorOut | ErrorsOut,
    description="No such resource, or not one the signed-in account may see (the two answer alike)",
)
#: Every state-changing API call on a session cookie (``web.cross_site``).
CROSS_SITE_REFUSED = ResponseSpec(
    data_container=ErrorsOut,
    description=(
        "A call riding on the session cookie from another site (error on ``origin``), or not sent as JSON "
        "(error on ``content_type``); nothing written"
    ),
)
#: For the routes whose own rules may answer it (a state the request does not fit).
CONFLICT = ResponseSpec(data_container=ErrorsOut, description="Not possible in the current state, by field")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def takes_input(handler: HTTPRouteHandler, path_parameters: Iterable[str]) -> bool:
    """Whether a request to ``handler`` carries anything it validates (path, query or body),
    so that it may answer 400; as Litestar decides when it documents its own 400."""
    named = set(handler.parsed_fn_signature.parameters) - {"body"}
    provided = RESERVED_KWARGS | set(handler.resolve_dependencies())
    return "data" in named or bool(set(path_parameters)) or bool(named - provided)


def document_error_responses(app: Litestar) -> None:
    """Document every error answer of every operation of the OpenAPI schema, from here alone.

    - 400 where the operation takes input, in the ``errors`` shape (``ErrorsOut``), which the
      application answers in JSON for every unreadable or refused request
      (``web.errors.client_error_response``);
    - 401 where the route's access policy is not public;
    - 403 on every state-changing ``/api/`` call (cross-site and content-type refusals),
      and what the access policy adds (``AccessPolicy.documented_refusals``);
    - 404 where the path has parameters or the policy hides another venue's resources.

    Done once over the finished route table instead of on every handler. 409 (``CONFLICT``) is
    declared by the routes whose rules give it, 429 by ``web.rate_limits.document_rate_limits``
    and the sign-in routes; a handler's own entry for a code wins.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        api = route.path.startswith("/api/")
        for handler in route.route_handlers:
            if not handler.include_in_schema or handler.http_methods == {"OPTIONS"}:
                continue
            policy = declared_policy(handler)
            guarded = policy is not None and not policy.public
            extra: dict[int, ResponseSpec] = {}
            if takes_input(handler, route.path_parameters):
                extra[400] = BAD_INPUT[400]
            if guarded:
                extra[401] = NOT_SIGNED_IN
            if api and not handler.http_methods <= _SAFE_METHODS:
                extra[403] = CROSS_SITE_REFUSED
            if guarded or route.path_parameters:
                extra[404] = NOT_FOUND
            if guarded and policy is not None:
                for status, spec in policy.documented_refusals(handler).items():
                    extra[status] = _either(extra[status], spec) if status in extra else spec
            handler.responses = {**extra, **(handler.responses or {})}


def _either(first: ResponseSpec, second: ResponseSpec) -> ResponseSpec:
    """One documented answer for two reasons of the same status and shape."""
    return ResponseSpec(
        data_container=first.data_container,
        description=f"{first.description}; or: {second.description}",
        examples=[*(first.examples or []), *(second.examples or [])] or None,
    )
