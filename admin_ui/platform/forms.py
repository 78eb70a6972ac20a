"""Posted forms of the platform-admin pages, read into the credits services' arguments.

People type amounts in major units (``60.00`` yuan), quantities in tonnes (``12.5``),
shares in percent or basis points and dates as ``YYYY-MM-DD``; the services take integer
minor units, grams and basis points. Reading never rounds: an amount with more decimals
than its currency has, or a quantity finer than a gram, is refused with a message for
that field. Messages are English msgids, translated when the page is rendered.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision
from litestar.datastructures import FormMultiDict, UploadFile

from neutralpoint.credits.errors import CreditsInputError, ErrorText
from neutralpoint.credits.pricing import BASIS_POINTS, check_currency
from neutralpoint.credits.schemas import GRAMS_PER_TONNE, EvidenceFile
from neutralpoint.numbers import DECIMAL_COMMA, DecimalCommaError, parse_decimal

MAX_UPLOAD_BYTES = 9 * 1024 * 1024
"""Below the web server's 10 MB request limit, so the form and its file fit in one request."""


class FormProblems:
    """One message per field, collected while reading a form."""

    def __init__(self) -> None:
        self.errors: dict[str, ErrorText] = {}

    def add(self, field: str, message: ErrorText) -> None:
        self.errors.setdefault(field, message)

    def __bool__(self) -> bool:
        return bool(self.errors)


def text(form: FormMultiDict, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _number(raw: str, field: str, problems: FormProblems, not_a_number: ErrorText) -> Decimal | None:
    """``raw`` read by the one rule of every form (``neutralpoint.numbers``), or a message for ``field``."""
    try:
        return parse_decimal(raw)
    except DecimalCommaError:
        problems.add(field, DECIMAL_COMMA)
    except ValueError:
        problems.add(field, not_a_number)
    return None


def whole_number(raw: str, field: str, problems: FormProblems, *, required: bool = True) -> int | None:
    """A count or a year: "1,5" is not a whole number whichever way it is read."""
    if not raw:
        if required:
            problems.add(field, "This is required.")
        return None
    try:
        number: Decimal | None = parse_decimal(raw)
    except ValueError:
        number = None
    if number is None or number != number.to_integral_value():
        problems.add(field, "Enter a whole number.")
        return None
    return int(number)


def amount_minor(raw: str, currency: str, field: str, problems: FormProblems) -> int | None:
    """``60`` or ``60.00`` yuan → 6000; refused when finer than the currency's minor unit."""
    if not raw:
        problems.add(field, "This is required.")
        return None
    number = _number(raw, field, problems, "Enter an amount such as 60.00.")
    if number is None:
        return None
    try:
        code = check_currency(currency)
    except CreditsInputError:
        return None
    digits = int(get_currency_precision(code))
    minor = number.scaleb(digits)
    if minor != minor.to_integral_value():
        problems.add(field, "This amount has more decimals than the currency allows.")
        return None
    return int(minor)


def currency(raw: str, field: str, problems: FormProblems) -> str:
    try:
        return check_currency(raw, field)
    except CreditsInputError as exc:
        problems.add(field, exc.message)
        return raw.strip().upper()


def tonnes_to_grams(raw: str, field: str, problems: FormProblems) -> int | None:
    """``12.5`` t → 12,500,000 g; at most six decimals (one gram)."""
    if not raw:
        problems.add(field, "This is required.")
        return None
    number = _number(raw, field, problems, "Enter tonnes, such as 12 or 0.5.")
    if number is None:
        return None
    grams = number * GRAMS_PER_TONNE
    if grams != grams.to_integral_value():
        problems.add(field, "Use at most six decimals (one gram).")
        return None
    return int(grams)


def share_bp(raw: str, unit: str, field: str, problems: FormProblems) -> int | None:
    """A share in percent (``12.5``) or basis points (``1250``), as basis points."""
    if not raw:
        problems.add(field, "This is required.")
        return None
    number = _number(raw, field, problems, "Enter a number.")
    if number is None:
        return None
    bp = number * 100 if unit == "percent" else number
    if bp != bp.to_integral_value():
        problems.add(
            field, "Use at most two decimals in percent." if unit == "percent" else "Basis points are whole numbers."
        )
        return None
    if not 0 <= bp <= BASIS_POINTS:
        problems.add(field, "A share is between 0 and 100 percent.")
        return None
    return int(bp)


def day(raw: str, field: str, problems: FormProblems, *, required: bool = True) -> date | None:
    if not raw:
        if required:
            problems.add(field, "This is required.")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.add(field, "Enter a date as YYYY-MM-DD.")
        return None


def moment(raw: str, field: str, problems: FormProblems) -> datetime | None:
    """``YYYY-MM-DD`` (midnight) or ``YYYY-MM-DDTHH:MM``, in UTC; empty is None."""
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        problems.add(field, "Enter a date as YYYY-MM-DD, or a date and time as YYYY-MM-DDTHH:MM.")
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def identifier(raw: str, field: str, problems: FormProblems, message: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        problems.add(field, message)
        return None


async def upload(form: FormMultiDict, name: str, problems: FormProblems) -> EvidenceFile | None:
    """The uploaded file of field ``name``, or None when none was chosen."""
    value = form.get(name)
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    content = await value.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        problems.add(name, "The file is larger than 9 MB.")
        return None
    if not content:
        problems.add(name, "The file is empty.")
        return None
    return EvidenceFile(content=content, content_type=value.content_type or "", filename=value.filename)


def field_errors(exc: CreditsInputError, renames: Mapping[str, str]) -> dict[str, ErrorText]:
    """The service's errors under the form's own field names."""
    errors: dict[str, ErrorText] = dict(field_errors_of(exc.errors, renames))
    return errors


def with_service_problems(
    problems: FormProblems, service_errors: Mapping[str, str], renames: Mapping[str, str]
) -> dict[str, ErrorText]:
    """The form's own messages, and the service's for every field the form did not flag."""
    merged: dict[str, ErrorText] = dict(field_errors_of(service_errors, renames))
    merged.update(problems.errors)
    return merged


def field_errors_of(errors: Mapping[str, str], renames: Mapping[str, str]) -> dict[str, str]:
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


def project_values(shown: Mapping[str, Any], problems: FormProblems) -> dict[str, Any]:
    """The service's keyword arguments for a project."""
    values: dict[str, Any] = {name: shown[name] for name in PROJECT_TEXT_FIELDS}
    values["name"] = {"en": shown["name_en"], "zh-Hans": shown["name_zh"]}
    values["description"] = {"en": shown["description_en"], "zh-Hans": shown["description_zh"]}
    values["owner_id"] = identifier(shown["owner_id"], "owner_id", problems, "Choose the project owner.")
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


def lot_values(shown: Mapping[str, str], problems: FormProblems) -> dict[str, Any]:
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


def allocation_values(shown: Mapping[str, Any], problems: FormProblems) -> dict[str, Any]:
    code = currency(shown["currency"], "currency", problems)
    unit = "bp" if shown["split_unit"] == "bp" else "percent"
    shares = [share_bp(shown[f"{who}_share"], unit, f"{who}_share", problems) for who in ("owner", "platform", "venue")]
    if all(s is not None for s in shares) and sum(s for s in shares if s is not None) != BASIS_POINTS:
        problems.add("owner_share", "The owner's, platform's and venue's shares must add up to 100%.")
    venue_ids = []
    for raw in shown["venues"]:
        found = identifier(raw, "venues", problems, "Choose venues from the list.")
        if found is not None:
            venue_ids.append(found)
    all_venues = shown["audience"] == "all"
    if shown["audience"] not in ("all", "chosen"):
        problems.add("venues", "Offer it to all venues or to the venues chosen below.")
    price = amount_minor(shown["price_per_tonne"], code, "price_per_tonne", problems)
    if price is not None and price <= 0:
        problems.add("price_per_tonne", "The price per tonne must be more than zero.")
    grams = tonnes_to_grams(shown["offered_tonnes"], "offered_tonnes", problems)
    if grams is not None and grams <= 0:
        problems.add("offered_tonnes", "The grams offered must be more than zero.")
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


async def correction_value(form: FormMultiDict, shown: Mapping[str, str], problems: FormProblems) -> Any:
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
            problems.add("value", "Upload the evidence file.")
        return file
    problems.add("field", "Choose what to correct.")
    return None
