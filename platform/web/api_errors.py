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
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.exceptions import ClientException, ValidationException
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
NOT_FOUND = ResponseSpec(
    data_container=HTTPErrorOut,
    description="No such resource, or not one the signed-in account may see (the two answer alike)",
)


def document_access_errors(app: Litestar) -> None:
    """Add 401 and 404 to each API operation's documented answers where they can occur, and
    what else its access policy may answer (``AccessPolicy.documented_refusals``).

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
            if guarded and policy is not None:
                extra.update(policy.documented_refusals(handler))
            if extra:
                handler.responses = {**extra, **(handler.responses or {})}
