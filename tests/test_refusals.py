"""One way to refuse input: the shape of a refusal, and nothing in the code that refuses another way.

Each domain's own tests refuse a bad field through its pages and its API
(tests/tenants/test_venue_refusals.py, tests/credits_ui/test_supply_refusals.py,
tests/payments/test_order_refusals.py, and the scenarios' and certificates' own tests); these tests read the source, so
that a second exception carrying field errors, a second collector, a refusal written in
one language or an answer built by hand fails here before anyone copies it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from neutralpoint import input_rules as rules
from neutralpoint import plugin_api, refusals
from neutralpoint.refusals import Collector, FieldError, FieldValidationError, FormErrors, checked, problem

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    path
    for folder in ("platform", "admin_ui", "plugins", "examples")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts and ".venv" not in path.parts
)
REFUSALS = ROOT / "platform/refusals.py"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CJK = re.compile(r"[\u3400-\u9fff]")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _is_exception(node: ast.ClassDef) -> bool:
    names = [base.id if isinstance(base, ast.Name) else getattr(base, "attr", "") for base in node.bases]
    return any(name.endswith(("Error", "Exception", "Errors")) for name in names)


def test_every_source_is_read() -> None:
    assert REFUSALS in SOURCES
    assert ROOT / "admin_ui/platform/forms.py" in SOURCES
    assert len(SOURCES) > 200


def test_no_other_exception_carries_field_errors() -> None:
    """``FormErrors`` is the only exception that names fields: no domain keeps its own."""
    found = []
    for path in SOURCES:
        if path == REFUSALS:
            continue
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.ClassDef) or not _is_exception(node):
                continue
            for item in ast.walk(node):
                named = isinstance(item, ast.arg) and item.arg in ("errors", "field", "fields")
                kept = (
                    isinstance(item, ast.Attribute)
                    and isinstance(item.value, ast.Name)
                    and item.value.id == "self"
                    and item.attr in ("errors", "error", "field", "fields")
                    and isinstance(item.ctx, ast.Store)
                )
                if named or kept:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
                    break
    assert not found, found


def test_no_other_collector_or_answer_of_its_own() -> None:
    """One collector (``refusals.Collector``) and one API answer (``web.api_errors``)."""
    found = []
    answers = ROOT / "platform/web/api_errors.py"
    for path in SOURCES:
        tree = _tree(path)
        for node in ast.walk(tree):
            if path != REFUSALS and isinstance(node, ast.ClassDef):
                methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
                if "add" in methods and methods & {"raise_if_any", "raise_any", "errors"}:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} collects problems: {node.name}")
            if path != answers and isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                if "errors" in keys and not _inside_example(tree, node):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} builds an errors answer by hand")
    assert not found, found


def _inside_example(tree: ast.Module, target: ast.Dict) -> bool:
    """An OpenAPI ``Example(value=...)`` shows the answer; it does not make one."""
    for node in ast.walk(tree):
        example = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Example"
        if example and any(sub is target for sub in ast.walk(node)):
            return True
    return False


TEMPLATES = sorted(
    path
    for folder in ("platform", "admin_ui", "plugins", "examples")
    for path in (ROOT / folder).rglob("*.html")
    if ".venv" not in path.parts
)
SHARED_MACROS = ROOT / "platform/web/templates/refusals.html"
#: A refusal's message written into an element by hand (``errors``, ``error_text(…)``, a field view's ``error``).
MESSAGE_BY_HAND = re.compile(r'class="error"[^>]*>\s*\{\{\s*(errors\b|error_text\(|(f|field)\.error\b)')
#: An input pointed at a refusal's message by hand instead of with ``refusals.invalid``.
LINK_BY_HAND = re.compile(r'aria-describedby="[^"]*(-error\b|\be-\{\{)')


def test_every_page_shows_field_errors_with_the_shared_macros() -> None:
    """Each message beside its field comes from ``refusals.html`` (``field_error``, ``invalid``):
    one id scheme, one ``aria-describedby``, the visitor's form as every other."""
    assert SHARED_MACROS in TEMPLATES
    assert ROOT / "platform/scenarios/templates/scenarios/_fields.html" in TEMPLATES
    found = []
    for path in TEMPLATES:
        if path == SHARED_MACROS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if MESSAGE_BY_HAND.search(line) or LINK_BY_HAND.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert not found, found


def test_the_template_check_sees_markup_written_by_hand() -> None:
    for by_hand in (
        '{% if f.error %}<p class="error" id="e-{{ f.name }}">{{ f.error }}</p>{% endif %}',
        '<p class="error">{{ errors.public_name }}</p>',
        '<p class="error" role="alert" id="host-error">{{ error_text("host") }}</p>',
        '<input{% if f.error %} aria-describedby="e-{{ f.name }}"{% endif %}>',
        '<select{% if error_text("period") %} aria-invalid="true" aria-describedby="period-error"{% endif %}>',
    ):
        assert MESSAGE_BY_HAND.search(by_hand) or LINK_BY_HAND.search(by_hand), by_hand
    for shared in (
        '{{ refusals.field_error(f.name) }}',
        '<input{{ refusals.invalid(f.name, help_id) }}>',
        '<span class="error">{{ retirement.error }}</span>',
        '<p class="error" id="payment-message" role="alert"></p>',
    ):
        assert not MESSAGE_BY_HAND.search(shared), shared
        assert not LINK_BY_HAND.search(shared), shared


def _problem_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in SOURCES:
        tree = _tree(path)
        imported = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "neutralpoint.refusals"
            and any(alias.name == "problem" for alias in node.names)
            for node in ast.walk(tree)
        )
        if not imported and path != REFUSALS:
            continue  # another ``problem`` (the credit audit's findings), not a refusal
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "problem":
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


def _written(node: ast.expr) -> str | None:
    """A text written in the code: a string, or an f-string of constants (its values as ``?``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "?" for v in node.values)
    return None


def test_every_refusal_is_written_in_both_languages_with_the_same_values() -> None:
    calls = _problem_calls()
    assert len(calls) > 100
    wrong = []
    for where, call in calls:
        code, *texts = call.args[:3]
        written = [_written(t) for t in texts]
        if len(written) != 2 or None in written:
            wrong.append(f"{where}: the English and the Chinese are not written out")
            continue
        en, zh = (str(t) for t in written)
        # The code is written out (``svg_{part}`` for one of a few), or a constant that names it (``VOID``).
        literal = re.fullmatch(r"[a-z][a-z_?]*", _written(code) or "")
        if not literal and not (isinstance(code, ast.Name) and code.id.isupper()):
            wrong.append(f"{where}: the code is not a stable snake_case name")
        if not en.strip() or not CJK.search(zh):
            wrong.append(f"{where}: {en!r} lacks its Chinese")
        given = {k.arg for k in call.keywords}
        if set(PLACEHOLDER.findall(en)) != set(PLACEHOLDER.findall(zh)) or (
            given and set(PLACEHOLDER.findall(en)) - given
        ):
            wrong.append(f"{where}: {en!r} and {zh!r} do not use the same values")
    assert not wrong, wrong


def test_no_refusal_goes_through_a_catalogue() -> None:
    """Refusals carry their two languages; gettext is for the pages' own text."""
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for name in ("CreditsInputError", "OrderError", "translate_message", "ErrorText", "class Message("):
            if name in text:
                found.append(f"{path.relative_to(ROOT)}: {name}")
    assert not found, found


def test_plugins_get_the_platform_objects() -> None:
    assert plugin_api.FieldError is refusals.FieldError
    assert plugin_api.FormErrors is refusals.FormErrors


def test_a_refusal_answers_in_both_languages() -> None:
    refused = FormErrors(
        {
            "email": rules.EMAIL_INVALID,
            "name": rules.too_long(120),
            "grams": problem("too_large", "At most {grams} g.", "最多 {grams} 克。", grams=5),
        }
    )
    assert refused.status_code == 400
    assert refused.as_dict() == {
        "email": {
            "code": "email_invalid",
            "message": {
                "en": "Enter an e-mail address such as name@example.org.",
                "zh-Hans": "请输入有效的电子邮箱地址，例如 name@example.org。",
            },
        },
        "name": {
            "code": "too_long",
            "message": {"en": "Use at most 120 characters.", "zh-Hans": "最多 120 个字符。"},
        },
        "grams": {"code": "too_large", "message": {"en": "At most 5 g.", "zh-Hans": "最多 5 克。"}},
    }
    assert refused.messages("zh-Hans")["grams"] == "最多 5 克。"


def test_the_collector_keeps_the_first_problem_of_each_field_and_raises_all() -> None:
    problems = Collector()
    assert problems.field("email", rules.email, "not an address") is None
    assert problems.field("email", rules.email, "") is None
    assert problems.field("slug", rules.slug, "Good-Slug") == "good-slug"
    problems.check(checked, "url", rules.url, "ftp://example.org")
    assert set(problems.errors) == {"email", "url"}
    assert problems.errors["email"].code == "email_invalid"
    with pytest.raises(FormErrors) as caught:
        problems.raise_if_any(status_code=409)
    assert caught.value.status_code == 409
    assert caught.value.errors["url"] is rules.URL_INVALID


@pytest.mark.parametrize(
    ("rule", "value", "code"),
    [
        (rules.email, "a@b", "email_invalid"),
        (rules.email, "x" * 250 + "@example.org", "too_long"),
        (rules.slug, "ab", "slug_format"),
        (rules.slug, "a" * (rules.SLUG_MAX + 1), "slug_format"),
        (rules.url, "example.org", "url_invalid"),
        (rules.colour, "teal", "colour_invalid"),
        (rules.hostname, "http://co2.example.com/", "host_invalid"),
        (rules.optional_date, "31/12/2026", "date_invalid"),
    ],
)
def test_each_shared_rule_refuses_with_its_code(rule: object, value: str, code: str) -> None:
    with pytest.raises(FieldValidationError) as caught:
        rule(value)  # type: ignore[operator]
    assert caught.value.error.code == code
    assert all(caught.value.error.message(lang) for lang in ("en", "zh-Hans"))


def test_a_rule_accepts_what_it_should() -> None:
    assert rules.email(" Name@Example.ORG ") == "name@example.org"
    assert rules.slug("a" * rules.SLUG_MAX) == "a" * rules.SLUG_MAX
    assert rules.texts({"en": " Forest ", "zh-Hans": "森林"}, required=True, max_length=10) == {
        "en": "Forest",
        "zh-Hans": "森林",
    }
    assert rules.whole_number(3, minimum=1, maximum=3) == 3


def test_a_bilingual_value_is_taken_in_the_reader_s_language() -> None:
    error = FieldError("too_long", {"max_length": 9}, text={"en": "{max_length} max", "zh-Hans": "最多 {max_length}"})
    assert error.message("zh-Hans") == "最多 9"
    language = rules.texts
    with pytest.raises(FieldValidationError) as caught:
        language({"en": "x" * 11}, required=True, max_length=10)
    assert caught.value.error.message("zh-Hans") == "最多 10 个字符（英文）。"
