"""Posted forms of the platform-admin pages, read into the credits services' arguments.

People type amounts in major units (``60.00`` yuan), quantities in tonnes (``12.5``),
shares in percent or basis points and dates as ``YYYY-MM-DD``; the services take integer
minor units, grams and basis points. Reading never rounds: an amount with more decimals
than its currency has, or a quantity finer than a gram, is refused with a message for
that field, the one way every domain refuses input (``neutralpoint.refusals``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision
from litestar.datastructures import FormMultiDict, UploadFile

from neutralpoint import input_rules as rules
from neutralpoint.credits.pricing import BASIS_POINTS, check_currency
from neutralpoint.credits.schemas import GRAMS_PER_TONNE, EvidenceFile
from neutralpoint.numbers import DecimalCommaError, parse_decimal
from neutralpoint.refusals import Collector, FieldError, FormErrors, problem

MAX_UPLOAD_BYTES = 9 * 1024 * 1024
"""Below the web server's 10 MB request limit, so the form and its file fit in one request."""


def text(form: FormMultiDict, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _number(raw: str, field: str, problems: Collector, not_a_number: FieldError) -> Decimal | None:
    """``raw`` read by the one rule of every form (``neutralpoint.numbers``), or a message for ``field``."""
    try:
        return parse_decimal(raw)
    except DecimalCommaError:
        problems.add(field, FieldError("decimal_comma"))
    except ValueError:
        problems.add(field, not_a_number)
    return None


def whole_number(raw: str, field: str, problems: Collector, *, required: bool = True) -> int | None:
    """A count or a year: "1,5" is not a whole number whichever way it is read."""
    if not raw:
        if required:
            problems.add(field, rules.REQUIRED)
        return None
    try:
        number: Decimal | None = parse_decimal(raw)
    except ValueError:
        number = None
    if number is None or number != number.to_integral_value():
        problems.add(field, FieldError("not_an_integer"))
        return None
    return int(number)


def amount_minor(raw: str, currency: str, field: str, problems: Collector) -> int | None:
    """``60`` or ``60.00`` yuan → 6000; refused when finer than the currency's minor unit."""
    if not raw:
        problems.add(field, rules.REQUIRED)
        return None
    number = _number(
        raw, field, problems, problem("not_a_number", "Enter an amount such as 60.00.", "请输入金额，例如 60.00。")
    )
    if number is None:
        return None
    try:
        code = check_currency(currency)
    except FormErrors:
        return None
    digits = int(get_currency_precision(code))
    minor = number.scaleb(digits)
    if minor != minor.to_integral_value():
        problems.add(
            field,
            problem(
                "too_many_decimals",
                "This amount has more decimals than the currency allows.",
                "该金额的小数位数超过了币种允许的位数。",
            ),
        )
        return None
    return int(minor)


def currency(raw: str, field: str, problems: Collector) -> str:
    try:
        return check_currency(raw, field)
    except FormErrors as exc:
        problems.add(field, exc.errors[field])
        return raw.strip().upper()


def tonnes_to_grams(raw: str, field: str, problems: Collector) -> int | None:
    """``12.5`` t → 12,500,000 g; at most six decimals (one gram)."""
    if not raw:
        problems.add(field, rules.REQUIRED)
        return None
    number = _number(
        raw,
        field,
        problems,
        problem("not_a_number", "Enter tonnes, such as 12 or 0.5.", "请输入吨数，例如 12 或 0.5。"),
    )
    if number is None:
        return None
    grams = number * GRAMS_PER_TONNE
    if grams != grams.to_integral_value():
        problems.add(
            field, problem("too_many_decimals", "Use at most six decimals (one gram).", "最多六位小数（一克）。")
        )
        return None
    return int(grams)


def share_bp(raw: str, unit: str, field: str, problems: Collector) -> int | None:
    """A share in percent (``12.5``) or basis points (``1250``), as basis points."""
    if not raw:
        problems.add(field, rules.REQUIRED)
        return None
    number = _number(raw, field, problems, FieldError("not_a_number", {"unit": ""}))
    if number is None:
        return None
    bp = number * 100 if unit == "percent" else number
    if bp != bp.to_integral_value():
        problems.add(
            field,
            problem("too_many_decimals", "Use at most two decimals in percent.", "百分比最多两位小数。")
            if unit == "percent"
            else problem("not_an_integer", "Basis points are whole numbers.", "基点必须是整数。"),
        )
        return None
    if not 0 <= bp <= BASIS_POINTS:
        problems.add(
            field, problem("out_of_range", "A share is between 0 and 100 percent.", "份额必须在 0 到 100% 之间。")
        )
        return None
    return int(bp)


def day(raw: str, field: str, problems: Collector, *, required: bool = True) -> date | None:
    if not raw:
        if required:
            problems.add(field, rules.REQUIRED)
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.add(field, rules.DATE_INVALID)
        return None


def moment(raw: str, field: str, problems: Collector) -> datetime | None:
    """``YYYY-MM-DD`` (midnight) or ``YYYY-MM-DDTHH:MM``, in UTC; empty is None."""
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        problems.add(
            field,
            problem(
                "date_invalid",
                "Enter a date as YYYY-MM-DD, or a date and time as YYYY-MM-DDTHH:MM.",
                "请按 YYYY-MM-DD 输入日期，或按 YYYY-MM-DDTHH:MM 输入日期和时间。",
            ),
        )
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def identifier(raw: str, field: str, problems: Collector, message: FieldError) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        problems.add(field, message)
        return None


async def upload(form: FormMultiDict, name: str, problems: Collector) -> EvidenceFile | None:
    """The uploaded file of field ``name``, or None when none was chosen."""
    value = form.get(name)
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    content = await value.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        problems.add(name, problem("file_too_large", "The file is larger than 9 MB.", "文件大于 9 MB。"))
        return None
    if not content:
        problems.add(name, problem("file_empty", "The file is empty.", "文件为空。"))
        return None
    return EvidenceFile(content=content, content_type=value.content_type or "", filename=value.filename)


def field_errors(exc: FormErrors, renames: Mapping[str, str]) -> dict[str, FieldError]:
    """The service's errors under the form's own field names."""
    return field_errors_of(exc.errors, renames)


def with_service_problems(
    problems: Collector, service_errors: Mapping[str, FieldError], renames: Mapping[str, str]
) -> dict[str, FieldError]:
    """The form's own messages, and the service's for every field the form did not flag."""
    merged = field_errors_of(service_errors, renames)
    merged.update(problems.errors)
    return merged


def field_errors_of(errors: Mapping[str, FieldError], renames: Mapping[str, str]) -> dict[str, FieldError]:
    return {renames.get(field, field): message for field, message in errors.items()}


# --- the forms, one reader each ---------------------------------------------------------------

OWNER_FIELDS = ("name", "contact_name", "contact_email", "payout_details", "payout_currency")


def owner_values(form: FormMultiDict) -> dict[str, Any]:
    return {name: text(form, name) for name in OWNER_FIELDS}


PROJECT_TEXT_FIELDS = (
    "slug",
    "registry_code",
    "registry_project_id",
    "registry_url",
    "project_type",
    "methodology",
    "country",
    "region",
    "region_zh_hans",
    "latitude",
    "longitude",
    "retirement_jurisdiction",
    "retirement_beneficiary",
    "status",
)
PROJECT_RENAMES = {"name": "name_en", "description": "description_en"}


def project_form(form: FormMultiDict) -> dict[str, Any]:
    """What the form shows again: every field as typed."""
    shown: dict[str, Any] = {name: text(form, name) for name in PROJECT_TEXT_FIELDS}
    for name in ("name_en", "name_zh", "description_en", "description_zh", "owner_id"):
        shown[name] = text(form, name)
    shown["sdgs"] = [v for v in form.getall("sdgs", []) if isinstance(v, str)]
    return shown


def project_values(shown: Mapping[str, Any], problems: Collector) -> dict[str, Any]:
    """The service's keyword arguments for a project."""
    values: dict[str, Any] = {name: shown[name] for name in PROJECT_TEXT_FIELDS}
    values["name"] = {"en": shown["name_en"], "zh-Hans": shown["name_zh"]}
    values["description"] = {"en": shown["description_en"], "zh-Hans": shown["description_zh"]}
    values["owner_id"] = identifier(
        shown["owner_id"], "owner_id", problems, problem("required", "Choose the project owner.", "请选择项目业主。")
    )
    values["latitude"] = shown["latitude"] or None
    values["longitude"] = shown["longitude"] or None
    values["sdgs"] = list(shown["sdgs"])
    if not values["retirement_beneficiary"]:
        values.pop("retirement_beneficiary")
    return values


LOT_FIELDS = (
    "vintage_year",
    "serial_first",
    "serial_last",
    "quantity_tonnes",
    "unit_cost",
    "cost_currency",
    "acquired_on",
    "notes",
)
LOT_RENAMES = {"unit_cost_minor": "unit_cost"}


def lot_values(shown: Mapping[str, str], problems: Collector) -> dict[str, Any]:
    cost_currency = currency(shown["cost_currency"], "cost_currency", problems)
    return {
        "vintage_year": whole_number(shown["vintage_year"], "vintage_year", problems),
        "serial_first": shown["serial_first"],
        "serial_last": shown["serial_last"] or None,
        "quantity_tonnes": whole_number(shown["quantity_tonnes"], "quantity_tonnes", problems),
        "unit_cost_minor": amount_minor(shown["unit_cost"], cost_currency, "unit_cost", problems),
        "cost_currency": cost_currency,
        "acquired_on": day(shown["acquired_on"], "acquired_on", problems),
        "notes": shown["notes"],
    }


ALLOCATION_FIELDS = (
    "offered_tonnes",
    "price_per_tonne",
    "currency",
    "split_unit",
    "owner_share",
    "platform_share",
    "venue_share",
    "audience",
    "valid_from",
    "valid_until",
)
ALLOCATION_RENAMES = {
    "grams": "offered_tonnes",
    "price_per_tonne_minor": "price_per_tonne",
    "owner_bp": "owner_share",
    "platform_bp": "platform_share",
    "venue_bp": "venue_share",
    "venue_ids": "venues",
    "all_venues": "venues",
}


def allocation_form(form: FormMultiDict) -> dict[str, Any]:
    shown: dict[str, Any] = {name: text(form, name) for name in ALLOCATION_FIELDS}
    shown["venues"] = [v for v in form.getall("venues", []) if isinstance(v, str)]
    return shown


def allocation_values(shown: Mapping[str, Any], problems: Collector) -> dict[str, Any]:
    code = currency(shown["currency"], "currency", problems)
    unit = "bp" if shown["split_unit"] == "bp" else "percent"
    shares = [share_bp(shown[f"{who}_share"], unit, f"{who}_share", problems) for who in ("owner", "platform", "venue")]
    if all(s is not None for s in shares) and sum(s for s in shares if s is not None) != BASIS_POINTS:
        problems.add(
            "owner_share",
            problem(
                "shares_total",
                "The owner's, platform's and venue's shares must add up to 100%.",
                "业主、平台和场所的份额合计必须为 100%。",
            ),
        )
    venue_ids = []
    for raw in shown["venues"]:
        found = identifier(
            raw, "venues", problems, problem("unknown_choice", "Choose venues from the list.", "请从列表中选择场所。")
        )
        if found is not None:
            venue_ids.append(found)
    all_venues = shown["audience"] == "all"
    if shown["audience"] not in ("all", "chosen"):
        problems.add(
            "venues",
            problem(
                "venues_conflict",
                "Offer it to all venues or to the venues chosen below.",
                "请提供给所有场所或下面选定的场所。",
            ),
        )
    price = amount_minor(shown["price_per_tonne"], code, "price_per_tonne", problems)
    if price is not None and price <= 0:
        problems.add(
            "price_per_tonne",
            problem("too_small", "The price per tonne must be more than zero.", "每吨价格必须大于零。"),
        )
    grams = tonnes_to_grams(shown["offered_tonnes"], "offered_tonnes", problems)
    if grams is not None and grams <= 0:
        problems.add(
            "offered_tonnes",
            problem("too_small", "The grams offered must be more than zero.", "提供的克数必须大于零。"),
        )
    return {
        "grams": grams,
        "price_per_tonne_minor": price,
        "currency": code,
        "owner_bp": shares[0],
        "platform_bp": shares[1],
        "venue_bp": shares[2],
        "all_venues": all_venues,
        "venue_ids": [] if all_venues else venue_ids,
        "valid_from": moment(shown["valid_from"], "valid_from", problems),
        "valid_until": moment(shown["valid_until"], "valid_until", problems),
    }


CORRECTION_FIELDS = (
    "field",
    "serial_first",
    "serial_last",
    "vintage_year",
    "unit_cost",
    "cost_currency",
    "acquired_on",
    "notes",
    "reason",
)


async def correction_value(form: FormMultiDict, shown: Mapping[str, str], problems: Collector) -> Any:
    """The new value of the one thing a correction changes, in the shape ``correct_lot`` takes."""
    field = shown["field"]
    if field == "serial_range":
        return (shown["serial_first"], shown["serial_last"])
    if field == "vintage_year":
        return whole_number(shown["vintage_year"], "value", problems)
    if field == "unit_cost":
        code = currency(shown["cost_currency"], "value", problems)
        return (amount_minor(shown["unit_cost"], code, "value", problems), code)
    if field == "acquired_on":
        return day(shown["acquired_on"], "value", problems)
    if field == "notes":
        return shown["notes"]
    if field == "evidence":
        file = await upload(form, "evidence", problems)
        if file is None and "evidence" not in problems.errors:
            problems.add("value", problem("required", "Upload the evidence file.", "请上传证明文件。"))
        return file
    problems.add("field", problem("unknown_choice", "Choose what to correct.", "请选择要更正的内容。"))
    return None
