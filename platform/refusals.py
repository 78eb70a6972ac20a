"""The one way the platform refuses input: every domain, every page and every API route.

A refusal names each bad field with a ``FieldError``: a short stable ``code`` an API client
may test, and the message in English and Simplified Chinese. Checks gather them in a
``Collector`` (one problem per field, the first one found) and raise one ``FormErrors``
carrying all of them before anything is written. A JSON route answers that exception with
``{"errors": {field: {"code", "message": {"en", "zh-Hans"}}}}`` (``neutralpoint.web.api_errors``);
a page shows ``messages(lang)`` beside each field.

A message gets its two languages where it is written: either the platform's message for a
shared code (``FieldError("required")``, ``FieldError("too_long", {"max_length": 80})``, in
``MESSAGES`` below) or both texts side by side (``problem(code, en, zh)``). Plugins write
theirs the same way, through ``neutralpoint.plugin_api``. ``docs/refusing-input.md`` says why
refusals do not go through the gettext catalogues that translate the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neutralpoint.languages import LANGUAGES, Text, text_for

__all__ = [
    "MESSAGES",
    "MESSAGES_WITHOUT_UNIT",
    "Collector",
    "FieldError",
    "FieldValidationError",
    "FormErrors",
    "problem",
    "refuse",
]

T = TypeVar("T")

#: The platform's message for each shared code; ``{name}`` is filled from the error's params.
MESSAGES: dict[str, dict[str, str]] = {
    "required": {"en": "This field is required.", "zh-Hans": "此项为必填项。"},
    "not_a_number": {"en": "Enter a number in {unit}.", "zh-Hans": "请输入以{unit}为单位的数字。"},
    "not_an_integer": {"en": "Enter a whole number.", "zh-Hans": "请输入整数。"},
    "decimal_comma": {
        "en": "Write decimals with a point, for example 1.5.",
        "zh-Hans": "小数请用小数点，例如 1.5。",
    },
    "too_small": {"en": "Must be at least {min} {unit}.", "zh-Hans": "不能小于 {min} {unit}。"},
    "too_large": {"en": "Must be at most {max} {unit}.", "zh-Hans": "不能大于 {max} {unit}。"},
    "too_many_decimals": {
        "en": "Use at most {decimals} decimal places.",
        "zh-Hans": "最多保留 {decimals} 位小数。",
    },
    "unknown_choice": {"en": "Choose one of the options.", "zh-Hans": "请从选项中选择。"},
    "too_long": {"en": "Use at most {max_length} characters.", "zh-Hans": "最多 {max_length} 个字符。"},
    "too_short": {"en": "Use at least {min_length} characters.", "zh-Hans": "至少需要 {min_length} 个字符。"},
    "unknown_city": {
        "en": "We do not know the city “{value}”.{suggestions}",
        "zh-Hans": "找不到城市“{value}”。{suggestions}",
    },
    "not_a_boolean": {"en": "Answer yes or no.", "zh-Hans": "请选择是或否。"},
    "unknown_field": {"en": "This form has no such field.", "zh-Hans": "表单中没有此项。"},
    "invalid": {"en": "{detail}", "zh-Hans": "{detail}"},
}
#: The same messages for a number without a unit in that language (no "at least 0 .").
MESSAGES_WITHOUT_UNIT: dict[str, dict[str, str]] = {
    "not_a_number": {"en": "Enter a number.", "zh-Hans": "请输入数字。"},
    "too_small": {"en": "Must be at least {min}.", "zh-Hans": "不能小于 {min}。"},
    "too_large": {"en": "Must be at most {max}.", "zh-Hans": "不能大于 {max}。"},
}


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, renderable in every language.

    ``code`` is a short stable name an API client may test; ``text`` is the message in
    ``en`` and ``zh-Hans``. Without ``text``, the platform's message for ``code`` is used
    (``required``, ``not_a_number``, ``too_small``, ``too_large``, ``unknown_choice``, …),
    filled in from ``params``; with both, ``{name}`` in the text is filled in from ``params``
    (a value that is itself a ``{"en", "zh-Hans"}`` text is taken in the same language).
    A calculation refuses answers that do not fit together by raising ``FormErrors`` with
    one ``FieldError`` per field to correct::

        raise FormErrors({
            "bread_kg": FieldError("empty_bag", text={
                "en": "A paper bag with no bread in it: enter the bread you bought.",
                "zh-Hans": "纸袋里没有面包：请填写您购买的面包重量。",
            }),
        })
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    text: Text | None = None

    def message(self, lang: str) -> str:
        """The message in ``lang`` (English when the text lacks it)."""
        params = {k: text_for(v, lang) if isinstance(v, Mapping) else v for k, v in self.params.items()}
        if self.text:
            template = text_for(self.text, lang)
            return template.format_map(_Default(params)) if params else template
        messages = MESSAGES_WITHOUT_UNIT if "unit" in params and not params["unit"] else MESSAGES
        template = text_for(messages.get(self.code) or MESSAGES.get(self.code, MESSAGES["invalid"]), lang)
        return template.format_map(_Default(params))

    def as_dict(self) -> dict[str, Any]:
        """The API's shape of one problem: ``{"code", "message": {"en", "zh-Hans"}}``."""
        return {"code": self.code, "message": {lang: self.message(lang) for lang in LANGUAGES}}


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def problem(code: str, en: str, zh: str, /, **params: Any) -> FieldError:
    """A field error with its message written out in both languages (``{name}`` from ``params``)."""
    return FieldError(code, params, text={"en": en, "zh-Hans": zh})


class FormErrors(ValueError):  # noqa: N818 (public plugin API name)
    """Input was refused; ``errors`` maps each field name to its problem. Nothing was written.

    ``status_code`` is how an API route answers: 400 for bad input, 404 or 409 when a field
    names something missing or in the wrong state.
    """

    def __init__(self, errors: Mapping[str, FieldError], *, status_code: int = 400) -> None:
        self.errors = dict(errors)
        self.status_code = status_code
        super().__init__("; ".join(f"{name}: {err.message('en')}" for name, err in self.errors.items()))

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """``{field: {"code", "message": {"en", "zh-Hans"}}}``, the ``errors`` of the API's answer."""
        return {name: err.as_dict() for name, err in self.errors.items()}

    def messages(self, lang: str) -> dict[str, str]:
        """Each field's message in ``lang``: what a page shows beside the field."""
        return {name: err.message(lang) for name, err in self.errors.items()}


class FieldValidationError(ValueError):
    """One value broke one rule; whoever knows the field's name turns it into ``FormErrors``."""

    def __init__(self, error: FieldError) -> None:
        self.error = error
        super().__init__(error.message("en"))


class Collector:
    """Gathers one problem per field, so that a form shows every problem at once, and
    ``raise_if_any`` stops before anything is written."""

    def __init__(self) -> None:
        self.errors: dict[str, FieldError] = {}

    def add(self, name: str, error: FieldError) -> None:
        """Keep ``error`` unless the field already has one (the first problem is the one to fix)."""
        self.errors.setdefault(name, error)

    def field(self, name: str, rule: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | None:
        """``rule(*args, **kwargs)``, or ``None`` with its ``FieldValidationError`` kept for ``name``."""
        try:
            return rule(*args, **kwargs)
        except FieldValidationError as exc:
            self.add(name, exc.error)
            return None

    def check(self, check: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | None:
        """``check(*args, **kwargs)``, or ``None`` with every problem of its ``FormErrors`` kept."""
        try:
            return check(*args, **kwargs)
        except FormErrors as exc:
            for name, error in exc.errors.items():
                self.add(name, error)
            return None

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __contains__(self, name: object) -> bool:
        return name in self.errors

    def raise_if_any(self, *, status_code: int = 400) -> None:
        if self.errors:
            raise FormErrors(self.errors, status_code=status_code)


def refuse(name: str, error: FieldError, *, status_code: int = 400) -> FormErrors:
    """``FormErrors`` for one field, to ``raise``: ``raise refuse("grams", problem(...))``."""
    return FormErrors({name: error}, status_code=status_code)


def checked(name: str, rule: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``rule(*args, **kwargs)``, or ``FormErrors`` naming ``name`` with the rule's problem."""
    try:
        return rule(*args, **kwargs)
    except FieldValidationError as exc:
        raise FormErrors({name: exc.error}) from None
