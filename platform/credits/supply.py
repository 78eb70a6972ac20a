"""What the platform holds and offers: project owners, projects, lots, allocations, and
which offers each venue shows. Platform-admin services, except ``choose_offers`` and
``offers_for_venue`` (a venue's own choices).

Every function validates all its input first and raises ``CreditsInputError`` naming
each bad field before anything is written. Changes to grams append ledger entries.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import ledger, pricing, reasons, serials, stock, vocabulary
from neutralpoint.credits.errors import CreditsInputError, Message
from neutralpoint.credits.models import (
    GRAMS_PER_TONNE,
    Allocation,
    AllocationStatus,
    AllocationVenue,
    LedgerKind,
    Lot,
    Piece,
    Project,
    ProjectOwner,
    ProjectPhoto,
    ProjectStatus,
    Tonne,
    TonneStatus,
    VenueOffer,
)
from neutralpoint.credits.retirement import partial_tonnes
from neutralpoint.credits.schemas import EvidenceFile, LotStatus, OfferView
from neutralpoint.credits.selling import check_actor
from neutralpoint.database.base import utcnow
from neutralpoint.tenants.models import Tenant

DEFAULT_BENEFICIARY = "Visitors of NeutralPoint venues"
LANGUAGES = ("en", "zh-Hans")
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_PHOTO_BYTES = 5 * 1024 * 1024
LATEST_UTC_OFFSET = timedelta(hours=14)
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78})[a-z0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


UNIT_COST = Message("The unit cost")
GRAMS_OFFERED = Message("The grams offered")


class _Problems:
    """Collects one message per field, so a form shows every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def run(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except CreditsInputError as exc:
            for field, message in exc.errors.items():
                self.add(field, message)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise CreditsInputError.many(self.errors)


def _now(now: datetime | None) -> datetime:
    return utcnow() if now is None else now


def _text(value: Any, field: str, *, required: bool = False, max_length: int = 200) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise CreditsInputError(field, "This is required.")
    if len(text) > max_length:
        raise CreditsInputError(field, Message("Use at most %(max)s characters.", max=max_length))
    return text


def _whole(value: Any, field: str, *, minimum: int, maximum: int | None = None, what: Message) -> int:
    if type(value) is not int:
        raise CreditsInputError(field, Message("%(what)s must be a whole number.", what=what))
    if value < minimum:
        raise CreditsInputError(
            field,
            Message("%(what)s must be at least %(minimum)s.", what=what, minimum=minimum)
            if minimum != 1
            else Message("%(what)s must be more than zero.", what=what),
        )
    if maximum is not None and value > maximum:
        raise CreditsInputError(field, Message("%(what)s must be at most %(maximum)s.", what=what, maximum=maximum))
    return value


def _texts(value: Any, field: str, *, required: bool, max_length: int) -> dict[str, str]:
    """Text in English (required when ``required``) and Simplified Chinese."""
    if value is None:
        value = {}
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, Mapping):
        raise CreditsInputError(field, "Give the text in English and Chinese.")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise CreditsInputError(
            field, Message("Only en and zh-Hans are supported, not %(languages)s.", languages=", ".join(unknown))
        )
    cleaned = {lang: str(value.get(lang) or "").strip() for lang in LANGUAGES}
    if required and not cleaned["en"]:
        raise CreditsInputError(field, "Give at least the English text.")
    for lang, text in cleaned.items():
        if len(text) > max_length:
            raise CreditsInputError(
                field,
                Message(
                    "Use at most %(max)s characters (%(language)s).",
                    max=max_length,
                    language=Message("English") if lang == "en" else Message("Chinese"),
                ),
            )
    return {lang: text for lang, text in cleaned.items() if text}


def _url(value: Any, field: str) -> str:
    text = _text(value, field, max_length=500)
    if text and not re.match(r"^https?://[^\s/]+\.[^\s]+$", text):
        raise CreditsInputError(field, "Enter a web address starting with https://.")
    return text


def _evidence(value: EvidenceFile | None, field: str, max_bytes: int = MAX_EVIDENCE_BYTES) -> EvidenceFile | None:
    if value is None:
        return None
    if not value.content:
        raise CreditsInputError(field, "The file is empty.")
    if len(value.content) > max_bytes:
        raise CreditsInputError(
            field, Message("The file is larger than %(megabytes)s MB.", megabytes=max_bytes // (1024 * 1024))
        )
    content_type = (value.content_type or "").strip().lower()
    if "/" not in content_type or len(content_type) > 100:
        raise CreditsInputError(field, "The file has no usable content type.")
    filename = (value.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "evidence"
    return EvidenceFile(content=value.content, content_type=content_type, filename=filename)


# --- project owners -----------------------------------------------------------------------

_OWNER_FIELDS = ("name", "contact_name", "contact_email", "payout_details", "payout_currency", "is_demo")


def _owner_values(values: Mapping[str, Any], problems: _Problems, *, creating: bool) -> dict[str, Any]:
    unknown = sorted(set(values) - set(_OWNER_FIELDS))
    if unknown:
        raise CreditsInputError(unknown[0], "A project owner has no such field.")
    out: dict[str, Any] = {}
    if "name" in values or creating:
        out["name"] = problems.run(_text, values.get("name"), "name", required=True)
    if "contact_name" in values:
        out["contact_name"] = problems.run(_text, values["contact_name"], "contact_name", max_length=120)
    if "contact_email" in values:
        email = problems.run(_text, values["contact_email"], "contact_email", max_length=254)
        if email and not _EMAIL.match(email):
            problems.add("contact_email", "Enter an e-mail address such as name@example.org.")
        out["contact_email"] = email
    if "payout_details" in values:
        out["payout_details"] = problems.run(_text, values["payout_details"], "payout_details", max_length=4000)
    if "payout_currency" in values or creating:
        out["payout_currency"] = problems.run(
            pricing.check_currency, values.get("payout_currency", ""), "payout_currency"
        )
    if "is_demo" in values:
        out["is_demo"] = bool(values["is_demo"])
    return out


async def create_project_owner(session: AsyncSession, **values: Any) -> ProjectOwner:
    """Fields: ``name``, ``payout_currency`` (required), ``contact_name``,
    ``contact_email``, ``payout_details`` (bank or payout account, as text), ``is_demo``."""
    problems = _Problems()
    cleaned = _owner_values(values, problems, creating=True)
    problems.raise_any()
    owner = ProjectOwner(**cleaned)
    session.add(owner)
    await session.flush()
    return owner


async def update_project_owner(session: AsyncSession, owner_id: uuid.UUID, **values: Any) -> ProjectOwner:
    owner = await session.get(ProjectOwner, owner_id)
    if owner is None:
        raise CreditsInputError("owner_id", "There is no such project owner.")
    problems = _Problems()
    cleaned = _owner_values(values, problems, creating=False)
    problems.raise_any()
    for name, value in cleaned.items():
        setattr(owner, name, value)
    await session.flush()
    return owner


async def list_project_owners(session: AsyncSession) -> list[ProjectOwner]:
    return list((await session.execute(select(ProjectOwner).order_by(ProjectOwner.name))).scalars())


# --- projects -----------------------------------------------------------------------------

_PROJECT_FIELDS = (
    "owner_id",
    "slug",
    "name",
    "description",
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
    "sdgs",
    "status",
    "is_demo",
)


async def _project_values(
    session: AsyncSession, values: Mapping[str, Any], problems: _Problems, *, current: Project | None
) -> dict[str, Any]:
    unknown = sorted(set(values) - set(_PROJECT_FIELDS))
    if unknown:
        raise CreditsInputError(unknown[0], "A project has no such field.")
    creating = current is None
    out: dict[str, Any] = {}

    def wanted(name: str) -> bool:
        return name in values or (creating and name in _REQUIRED_PROJECT_FIELDS)

    if wanted("owner_id"):
        owner_id = values.get("owner_id")
        if not isinstance(owner_id, uuid.UUID) or await session.get(ProjectOwner, owner_id) is None:
            problems.add("owner_id", "Choose the project owner.")
        out["owner_id"] = owner_id
    if wanted("slug"):
        slug = str(values.get("slug") or "").strip().lower()
        if not _SLUG.match(slug):
            problems.add("slug", "Use 3 to 80 lower-case letters, digits and dashes, such as sichuan-forest-2021.")
        else:
            taken = (await session.execute(select(Project.id).where(Project.slug == slug))).scalar_one_or_none()
            if taken is not None and (current is None or taken != current.id):
                problems.add("slug", "Another project already uses this address.")
        out["slug"] = slug
    if wanted("name"):
        out["name"] = problems.run(_texts, values.get("name"), "name", required=True, max_length=200)
    if "description" in values or creating:
        out["description"] = problems.run(
            _texts, values.get("description"), "description", required=False, max_length=10000
        )
    if wanted("registry_code"):
        out["registry_code"] = problems.run(vocabulary.check_registry_code, values.get("registry_code", ""))
    if wanted("registry_project_id"):
        out["registry_project_id"] = problems.run(
            _text, values.get("registry_project_id"), "registry_project_id", required=True, max_length=80
        )
    if "registry_url" in values:
        out["registry_url"] = problems.run(_url, values["registry_url"], "registry_url")
    if wanted("project_type"):
        out["project_type"] = problems.run(vocabulary.check_project_type, values.get("project_type", ""))
    if "methodology" in values:
        out["methodology"] = problems.run(_text, values["methodology"], "methodology")
    if wanted("country"):
        out["country"] = problems.run(vocabulary.check_country, values.get("country", ""))
    if "region" in values:
        out["region"] = problems.run(_text, values["region"], "region", max_length=120)
    if "latitude" in values:
        out["latitude"] = problems.run(vocabulary.check_coordinate, values["latitude"], "latitude", 90)
    if "longitude" in values:
        out["longitude"] = problems.run(vocabulary.check_coordinate, values["longitude"], "longitude", 180)
    if "retirement_jurisdiction" in values:
        out["retirement_jurisdiction"] = problems.run(
            _text, values["retirement_jurisdiction"], "retirement_jurisdiction", max_length=120
        )
    if "retirement_beneficiary" in values or creating:
        wording = problems.run(
            _text,
            values.get("retirement_beneficiary", DEFAULT_BENEFICIARY),
            "retirement_beneficiary",
            required=True,
            max_length=300,
        )
        out["retirement_beneficiary"] = wording
    if "sdgs" in values:
        out["sdgs"] = problems.run(vocabulary.check_sdgs, values["sdgs"])
    if "status" in values or creating:
        raw = values.get("status", ProjectStatus.ACTIVE)
        try:
            out["status"] = ProjectStatus(raw)
        except ValueError:
            problems.add("status", "Choose draft, active or archived.")
    if "is_demo" in values:
        out["is_demo"] = bool(values["is_demo"])
    registry = out.get("registry_code") or (current.registry_code if current else None)
    registry_id = out.get("registry_project_id") or (current.registry_project_id if current else None)
    if registry and registry_id and ("registry_code" in out or "registry_project_id" in out):
        clash = (
            await session.execute(
                select(Project.id).where(Project.registry_code == registry, Project.registry_project_id == registry_id)
            )
        ).scalar_one_or_none()
        if clash is not None and (current is None or clash != current.id):
            problems.add(
                "registry_project_id",
                Message("Another project already has %(registry)s id %(id)s.", registry=registry, id=registry_id),
            )
    return out


_REQUIRED_PROJECT_FIELDS = (
    "owner_id",
    "slug",
    "name",
    "registry_code",
    "registry_project_id",
    "project_type",
    "country",
)


async def create_project(session: AsyncSession, *, now: datetime | None = None, **values: Any) -> Project:
    """Required: ``owner_id``, ``slug``, ``name`` ({"en", "zh-Hans"}), ``registry_code``,
    ``registry_project_id``, ``project_type``, ``country``. Optional: ``description``,
    ``registry_url``, ``methodology``, ``region``, ``latitude``/``longitude`` (decimal
    text), ``retirement_jurisdiction``, ``retirement_beneficiary``, ``sdgs``, ``status``
    (default active), ``is_demo``."""
    problems = _Problems()
    cleaned = await _project_values(session, values, problems, current=None)
    problems.raise_any()
    moment = _now(now)
    project = Project(**cleaned, created_at=moment, updated_at=moment)
    session.add(project)
    await session.flush()
    return project


async def project_problems(session: AsyncSession, project_id: uuid.UUID | None = None, **values: Any) -> dict[str, str]:
    """What ``create_project`` (or ``update_project`` of ``project_id``) would refuse in
    ``values``, field by field, without writing anything. A form that already found
    problems of its own shows these beside them, so one submission names every bad field."""
    current = None
    if project_id is not None:
        current = await session.get(Project, project_id)
        if current is None:
            return {"project_id": "There is no such project."}
    problems = _Problems()
    try:
        await _project_values(session, values, problems, current=current)
    except CreditsInputError as exc:
        return dict(exc.errors)
    return problems.errors


async def update_project(
    session: AsyncSession, project_id: uuid.UUID, *, now: datetime | None = None, **values: Any
) -> Project:
    project = await session.get(Project, project_id)
    if project is None:
        raise CreditsInputError("project_id", "There is no such project.")
    problems = _Problems()
    cleaned = await _project_values(session, values, problems, current=project)
    problems.raise_any()
    for name, value in cleaned.items():
        setattr(project, name, value)
    project.updated_at = _now(now)
    await session.flush()
    return project


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    return await session.get(Project, project_id)


async def get_project_by_slug(session: AsyncSession, slug: str) -> Project | None:
    return (await session.execute(select(Project).where(Project.slug == slug))).scalar_one_or_none()


async def list_projects(session: AsyncSession, *, status: ProjectStatus | None = None) -> list[Project]:
    query = select(Project).order_by(Project.created_at)
    if status is not None:
        query = query.where(Project.status == status)
    return list((await session.execute(query)).scalars())


async def add_project_photo(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    content: bytes,
    content_type: str,
    caption: Mapping[str, str] | None = None,
) -> ProjectPhoto:
    problems = _Problems()
    if await session.get(Project, project_id) is None:
        problems.add("project_id", "There is no such project.")
    if content_type not in PHOTO_TYPES:
        problems.add("photo", "Upload a JPEG, PNG or WebP picture.")
    elif not content or len(content) > MAX_PHOTO_BYTES:
        problems.add("photo", "A picture has at most 5 MB.")
    cleaned_caption = problems.run(_texts, caption, "caption", required=False, max_length=300)
    problems.raise_any()
    position = (
        await session.execute(
            select(func.count()).select_from(ProjectPhoto).where(ProjectPhoto.project_id == project_id)
        )
    ).scalar_one()
    photo = ProjectPhoto(
        project_id=project_id,
        content=content,
        content_type=content_type,
        caption=cleaned_caption or {},
        position=position,
    )
    session.add(photo)
    await session.flush()
    return photo


async def remove_project_photo(session: AsyncSession, photo_id: uuid.UUID) -> None:
    await session.execute(delete(ProjectPhoto).where(ProjectPhoto.id == photo_id))


# --- lots ---------------------------------------------------------------------------------


def _serial_problems(problems: _Problems, first: Any, last: Any, quantity: Any) -> serials.SerialRange | None:
    quantity_ok = problems.run(
        _whole, quantity, "quantity_tonnes", minimum=1, maximum=1_000_000_000, what=Message("The quantity in tonnes")
    )
    found: serials.SerialRange | None = problems.run(
        serials.parse_serial_range, str(first or ""), None if last is None else str(last)
    )
    if found is not None and quantity_ok is not None:
        problems.run(serials.check_quantity, found, quantity_ok)
    return found


async def _overlapping_lot(
    session: AsyncSession, found: serials.SerialRange, *, except_lot: uuid.UUID | None = None
) -> Lot | None:
    """Another lot whose serials share some tonne with ``found`` (any project: a serial is unique)."""
    candidates = (
        await session.execute(
            select(Lot).where(
                Lot.serial_prefix == found.prefix,
                Lot.serial_suffix == found.suffix,
                Lot.serial_block_notation == found.block_notation,
                Lot.serial_first_number <= found.last_number,
                Lot.serial_last_number >= found.first_number,
            )
        )
    ).scalars()
    return next((lot for lot in candidates if lot.id != except_lot), None)


def _vintage(value: Any, field: str = "vintage_year") -> int:
    return _whole(value, field, minimum=1990, maximum=utcnow().year + 1, what=Message("The vintage year"))


def _latest_today(moment: datetime) -> date:
    """Today's date where it is latest (UTC+14): a date after it is in the future everywhere,
    so an admin east of UTC is never refused the day they bought a lot."""
    return (moment.astimezone(UTC) + LATEST_UTC_OFFSET).date()


def _not_in_future(value: date, field: str, moment: datetime) -> date:
    if value > _latest_today(moment):
        raise CreditsInputError(field, "The acquisition date cannot be in the future.")
    return value


def _acquired_on(value: Any, moment: datetime) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise CreditsInputError("acquired_on", "Enter the date the platform acquired the lot.")
    return _not_in_future(value, "acquired_on", moment)


@dataclass(frozen=True)
class _CheckedLot:
    project: Project | None
    found: serials.SerialRange | None
    currency: str | None
    evidence: EvidenceFile | None
    notes: str | None


async def _check_lot(
    session: AsyncSession,
    problems: _Problems,
    *,
    project_id: uuid.UUID | None,
    vintage_year: int | None,
    serial_first: str,
    serial_last: str | None,
    quantity_tonnes: int | None,
    unit_cost_minor: int | None,
    cost_currency: str,
    acquired_on: date | None,
    evidence: EvidenceFile | None,
    notes: str,
    moment: datetime,
    lock: bool,
) -> _CheckedLot:
    """Every check of a new lot; the overlap with other lots under the books lock when ``lock``."""
    project = await session.get(Project, project_id) if isinstance(project_id, uuid.UUID) else None
    if project is None:
        problems.add("project_id", "Choose the project this lot belongs to.")
    problems.run(_vintage, vintage_year)
    found = _serial_problems(problems, serial_first, serial_last, quantity_tonnes)
    problems.run(_whole, unit_cost_minor, "unit_cost_minor", minimum=0, what=UNIT_COST)
    currency = problems.run(pricing.check_currency, cost_currency, "cost_currency")
    problems.run(_acquired_on, acquired_on, moment)
    cleaned_evidence = problems.run(_evidence, evidence, "evidence")
    cleaned_notes = problems.run(_text, notes, "notes", max_length=5000)
    if lock:
        await ledger.lock_books(session)
    if found is not None and "serial_first" not in problems.errors:
        clash = await _overlapping_lot(session, found)
        if clash is not None:
            problems.add(
                "serial_first",
                Message(
                    "These serials overlap lot %(first)s – %(last)s (vintage %(vintage)s).",
                    first=clash.serial_first,
                    last=clash.serial_last,
                    vintage=clash.vintage_year,
                ),
            )
    return _CheckedLot(project, found, currency, cleaned_evidence, cleaned_notes)


async def lot_problems(
    session: AsyncSession,
    *,
    project_id: uuid.UUID | None,
    vintage_year: int | None,
    serial_first: str,
    serial_last: str | None,
    quantity_tonnes: int | None,
    unit_cost_minor: int | None,
    cost_currency: str,
    acquired_on: date | None,
    evidence: EvidenceFile | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> dict[str, str]:
    """What ``create_lot`` would refuse in these values, field by field, without writing
    anything; a value a form could not read is None. A form that already found problems of
    its own shows these beside them, so one submission names every bad field."""
    problems = _Problems()
    await _check_lot(
        session,
        problems,
        project_id=project_id,
        vintage_year=vintage_year,
        serial_first=serial_first,
        serial_last=serial_last,
        quantity_tonnes=quantity_tonnes,
        unit_cost_minor=unit_cost_minor,
        cost_currency=cost_currency,
        acquired_on=acquired_on,
        evidence=evidence,
        notes=notes,
        moment=_now(now),
        lock=False,
    )
    return problems.errors


async def create_lot(
    session: AsyncSession,
    *,
    project_id: uuid.UUID,
    vintage_year: int,
    serial_first: str,
    serial_last: str | None,
    quantity_tonnes: int,
    unit_cost_minor: int,
    cost_currency: str,
    acquired_on: date,
    actor: str,
    evidence: EvidenceFile | None = None,
    notes: str = "",
    is_demo: bool = False,
    now: datetime | None = None,
) -> Lot:
    """Record a lot the platform bought. The serial range must parse, hold exactly
    ``quantity_tonnes`` tonnes and overlap no other lot; ``acquired_on`` is not in the future."""
    moment = _now(now)
    problems = _Problems()
    actor = problems.run(check_actor, actor) or ""
    checked = await _check_lot(
        session,
        problems,
        project_id=project_id,
        vintage_year=vintage_year,
        serial_first=serial_first,
        serial_last=serial_last,
        quantity_tonnes=quantity_tonnes,
        unit_cost_minor=unit_cost_minor,
        cost_currency=cost_currency,
        acquired_on=acquired_on,
        evidence=evidence,
        notes=notes,
        moment=moment,
        lock=True,
    )
    problems.raise_any()
    project, found, currency, cleaned_evidence = checked.project, checked.found, checked.currency, checked.evidence
    assert found is not None
    assert project is not None
    lot = Lot(
        project_id=project.id,
        vintage_year=vintage_year,
        serial_first=serial_first.strip(),
        serial_last=(serial_last or "").strip() or serial_first.strip(),
        serial_prefix=found.prefix,
        serial_suffix=found.suffix,
        serial_width=found.width,
        serial_block_notation=found.block_notation,
        serial_first_number=found.first_number,
        serial_last_number=found.last_number,
        quantity_tonnes=quantity_tonnes,
        unit_cost_minor=unit_cost_minor,
        cost_currency=currency,
        acquired_on=acquired_on,
        evidence=cleaned_evidence.content if cleaned_evidence else None,
        evidence_content_type=cleaned_evidence.content_type if cleaned_evidence else None,
        evidence_filename=cleaned_evidence.filename if cleaned_evidence else None,
        notes=checked.notes or "",
        is_demo=is_demo,
        created_at=moment,
    )
    session.add(lot)
    await session.flush()
    await ledger.append(
        session,
        LedgerKind.ACQUIRE,
        actor=actor,
        now=moment,
        lot_id=lot.id,
        grams=lot.quantity_grams,
        amount_minor=unit_cost_minor * quantity_tonnes,
        currency=currency,
        reason=reasons.LOT_ACQUIRED,
        details={
            "project_id": str(project.id),
            "vintage_year": vintage_year,
            "serial_first": lot.serial_first,
            "serial_last": lot.serial_last,
            "quantity_tonnes": quantity_tonnes,
            "unit_cost_minor": unit_cost_minor,
        },
    )
    return lot


LOT_CORRECTABLE = ("serial_range", "vintage_year", "unit_cost", "acquired_on", "notes", "evidence")


async def correct_lot(
    session: AsyncSession,
    lot_id: uuid.UUID,
    *,
    field: str,
    value: Any,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> Lot:
    """Change one thing about a lot through an append-only correction entry.

    The only way to change a lot once grams of it were sold (before that it is the same,
    with its own reason). ``field`` is one of ``LOT_CORRECTABLE``:

    - ``serial_range``: ``(serial_first, serial_last)``; the quantity follows the count. Refused
      when it would drop grams already allocated or assigned, overlap another lot, or
      renumber tonnes already sent for retirement; assigned pieces and due tonnes are
      renumbered (a platform session is needed to reach every venue's pieces).
    - ``vintage_year``; ``unit_cost``: ``(unit_cost_minor, cost_currency)``;
      ``acquired_on`` (not in the future); ``notes``; ``evidence``: an ``EvidenceFile``.
    """
    moment = _now(now)
    problems = _Problems()
    actor = problems.run(check_actor, actor) or ""
    why = problems.run(_text, reason, "reason", required=True, max_length=2000)
    if field not in LOT_CORRECTABLE:
        problems.add(
            "field", Message("A lot correction changes one of: %(fields)s.", fields=", ".join(LOT_CORRECTABLE))
        )
    problems.raise_any()
    await ledger.lock_books(session)
    lot = await stock.fresh_lot(session, lot_id)
    details: dict[str, Any] = {"field": field}
    grams_delta = 0
    changes: dict[str, Any] = {}
    renumber: serials.SerialRange | None = None
    if field == "serial_range":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise CreditsInputError("value", "Give the first and the last serial.")
        first, last = (str(v or "").strip() for v in value)
        found = serials.parse_serial_range(first, last or None)
        new_grams = found.count * GRAMS_PER_TONNE
        if new_grams < max(lot.allocated_grams, lot.fill_cursor, lot.reserved_grams + lot.sold_grams):
            raise CreditsInputError(
                "value", "The corrected range is smaller than what is already allocated or sold from this lot."
            )
        clash = await _overlapping_lot(session, found, except_lot=lot.id)
        if clash is not None:
            raise CreditsInputError(
                "value",
                Message(
                    "These serials overlap lot %(first)s – %(last)s.", first=clash.serial_first, last=clash.serial_last
                ),
            )
        old = stock.serial_range_of(lot)
        used_tonnes = -(-lot.fill_cursor // GRAMS_PER_TONNE)
        renumbered = any(old.serial(i) != found.serial(i) for i in range(min(used_tonnes, old.count, found.count)))
        if renumbered:
            sent = (
                await session.execute(
                    select(func.count())
                    .select_from(Tonne)
                    .where(Tonne.lot_id == lot.id, Tonne.status.in_([TonneStatus.RETIRING, TonneStatus.RETIRED]))
                )
            ).scalar_one()
            if sent:
                raise CreditsInputError("value", "Tonnes of this lot were sent for retirement under their serials.")
            renumber = found
        changes = {
            "serial_first": first,
            "serial_last": last or first,
            "serial_prefix": found.prefix,
            "serial_suffix": found.suffix,
            "serial_width": found.width,
            "serial_block_notation": found.block_notation,
            "serial_first_number": found.first_number,
            "serial_last_number": found.last_number,
            "quantity_tonnes": found.count,
        }
        grams_delta = new_grams - lot.quantity_grams
        details.update(old=[lot.serial_first, lot.serial_last], new=[first, last or first])
    elif field == "vintage_year":
        changes = {"vintage_year": _vintage(value, "value")}
        details.update(old=lot.vintage_year, new=changes["vintage_year"])
    elif field == "unit_cost":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise CreditsInputError("value", "Give the unit cost in minor units and its currency.")
        cost = _whole(value[0], "value", minimum=0, what=UNIT_COST)
        currency = pricing.check_currency(value[1], "value")
        changes = {"unit_cost_minor": cost, "cost_currency": currency}
        details.update(old=[lot.unit_cost_minor, lot.cost_currency], new=[cost, currency])
    elif field == "acquired_on":
        if not isinstance(value, date) or isinstance(value, datetime):
            raise CreditsInputError("value", "Enter a date.")
        changes = {"acquired_on": _not_in_future(value, "value", moment)}
        details.update(old=lot.acquired_on.isoformat(), new=value.isoformat())
    elif field == "notes":
        changes = {"notes": _text(value, "value", max_length=5000)}
        details.update(new=changes["notes"])
    elif field == "evidence":
        if not isinstance(value, EvidenceFile):
            raise CreditsInputError("value", "Upload the evidence file.")
        file = _evidence(value, "value")
        assert file is not None
        changes = {
            "evidence": file.content,
            "evidence_content_type": file.content_type,
            "evidence_filename": file.filename,
        }
        details.update(new=file.filename, bytes=len(file.content))
    await session.execute(
        update(Lot).where(Lot.id == lot.id).values(**changes).execution_options(synchronize_session=False)
    )
    if renumber is not None:
        await _renumber(session, lot.id, renumber)
    await ledger.append(
        session,
        LedgerKind.CORRECTION,
        actor=actor,
        now=moment,
        lot_id=lot.id,
        grams=grams_delta,
        reason=why,
        details=details,
    )
    return await stock.fresh_lot(session, lot.id)


async def _renumber(session: AsyncSession, lot_id: uuid.UUID, found: serials.SerialRange) -> None:
    pieces = (await session.execute(select(Piece).where(Piece.lot_id == lot_id))).scalars()
    for piece in pieces:
        piece.serial = found.serial(piece.tonne_index)
    tonnes = (await session.execute(select(Tonne).where(Tonne.lot_id == lot_id))).scalars()
    for tonne in tonnes:
        tonne.serial = found.serial(tonne.tonne_index)
    await session.flush()


async def list_lots(session: AsyncSession, project_id: uuid.UUID | None = None) -> list[Lot]:
    query = select(Lot).order_by(Lot.created_at)
    if project_id is not None:
        query = query.where(Lot.project_id == project_id)
    return list((await session.execute(query)).scalars())


async def lot_status(session: AsyncSession, lot_id: uuid.UUID) -> LotStatus:
    lot = await stock.fresh_lot(session, lot_id)
    rows = await session.execute(
        select(Tonne.status, func.count()).where(Tonne.lot_id == lot.id).group_by(Tonne.status)
    )
    counts: dict[TonneStatus, int] = dict(rows.tuples().all())
    return LotStatus(
        lot_id=lot.id,
        project_id=lot.project_id,
        quantity_grams=lot.quantity_grams,
        allocated_grams=lot.allocated_grams,
        reserved_grams=lot.reserved_grams,
        sold_grams=lot.sold_grams,
        available_grams=lot.available_grams,
        retired_grams=lot.retired_grams,
        due_grams=counts.get(TonneStatus.DUE, 0) * GRAMS_PER_TONNE,
        retiring_grams=counts.get(TonneStatus.RETIRING, 0) * GRAMS_PER_TONNE,
        partial_tonnes=len(await partial_tonnes(session, lot.id)),
        locked=lot.locked,
    )


# --- allocations --------------------------------------------------------------------------


async def _venue_ids(session: AsyncSession, venue_ids: Sequence[uuid.UUID], problems: _Problems) -> list[uuid.UUID]:
    ids = list(dict.fromkeys(venue_ids))
    if not all(isinstance(i, uuid.UUID) for i in ids):
        problems.add("venue_ids", "Choose venues from the list.")
        return []
    found = set((await session.execute(select(Tenant.id).where(Tenant.id.in_(ids)))).scalars()) if ids else set()
    if len(found) != len(ids):
        problems.add("venue_ids", "One of the chosen venues does not exist.")
    return ids


@dataclass(frozen=True)
class _CheckedAllocation:
    lot: Lot | None
    venue_ids: list[uuid.UUID]
    currency: str | None
    start: datetime


async def _check_allocation(
    session: AsyncSession,
    problems: _Problems,
    *,
    lot_id: uuid.UUID | None,
    grams: int | None,
    price_per_tonne_minor: int | None,
    currency: str,
    owner_bp: int | None,
    platform_bp: int | None,
    venue_bp: int | None,
    venue_ids: Sequence[uuid.UUID],
    all_venues: bool,
    valid_from: datetime | None,
    valid_until: datetime | None,
    moment: datetime,
    lock: bool,
) -> _CheckedAllocation:
    """Every check of a new offer; the lot's free grams under the books lock when ``lock``."""
    problems.run(_whole, grams, "grams", minimum=1, what=GRAMS_OFFERED)
    problems.run(_whole, price_per_tonne_minor, "price_per_tonne_minor", minimum=1, what=pricing.PRICE_PER_TONNE)
    code = problems.run(pricing.check_currency, currency)
    problems.run(pricing.check_split, owner_bp, platform_bp, venue_bp)
    ids = await _venue_ids(session, venue_ids, problems)
    if all_venues and ids:
        problems.add("venue_ids", "Offer it either to all venues or to chosen ones, not both.")
    if not all_venues and not ids and "venue_ids" not in problems.errors:
        problems.add("venue_ids", "Choose at least one venue, or offer it to all venues.")
    start = valid_from or moment
    if valid_until is not None and valid_until <= start:
        problems.add("valid_until", "The offer must end after it starts.")
    if lock:
        await ledger.lock_books(session)
    lot = (
        (
            await session.execute(select(Lot).where(Lot.id == lot_id).execution_options(populate_existing=True))
        ).scalar_one_or_none()
        if isinstance(lot_id, uuid.UUID)
        else None
    )
    if lot is None:
        problems.add("lot_id", "Choose the lot to offer.")
    elif type(grams) is int and grams > lot.unallocated_grams:
        problems.add("grams", Message("Only %(grams)s g of this lot are not offered yet.", grams=lot.unallocated_grams))
    return _CheckedAllocation(lot, ids, code, start)


async def allocation_problems(
    session: AsyncSession,
    *,
    lot_id: uuid.UUID | None,
    grams: int | None,
    price_per_tonne_minor: int | None,
    currency: str,
    owner_bp: int | None,
    platform_bp: int | None,
    venue_bp: int | None,
    venue_ids: Sequence[uuid.UUID] = (),
    all_venues: bool = False,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """What ``create_allocation`` would refuse in these values, field by field, without
    writing anything; a value a form could not read is None."""
    problems = _Problems()
    await _check_allocation(
        session,
        problems,
        lot_id=lot_id,
        grams=grams,
        price_per_tonne_minor=price_per_tonne_minor,
        currency=currency,
        owner_bp=owner_bp,
        platform_bp=platform_bp,
        venue_bp=venue_bp,
        venue_ids=venue_ids,
        all_venues=all_venues,
        valid_from=valid_from,
        valid_until=valid_until,
        moment=_now(now),
        lock=False,
    )
    return problems.errors


async def create_allocation(
    session: AsyncSession,
    *,
    lot_id: uuid.UUID,
    grams: int,
    price_per_tonne_minor: int,
    currency: str,
    owner_bp: int,
    platform_bp: int,
    venue_bp: int,
    actor: str,
    venue_ids: Sequence[uuid.UUID] = (),
    all_venues: bool = False,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    is_demo: bool = False,
    now: datetime | None = None,
) -> Allocation:
    """Offer ``grams`` of a lot to ``venue_ids`` (or to every venue with ``all_venues``),
    at a price per tonne in a currency, between ``valid_from`` (default now) and
    ``valid_until`` (open-ended when None). The split is in basis points of each sale."""
    moment = _now(now)
    problems = _Problems()
    actor = problems.run(check_actor, actor) or ""
    checked = await _check_allocation(
        session,
        problems,
        lot_id=lot_id,
        grams=grams,
        price_per_tonne_minor=price_per_tonne_minor,
        currency=currency,
        owner_bp=owner_bp,
        platform_bp=platform_bp,
        venue_bp=venue_bp,
        venue_ids=venue_ids,
        all_venues=all_venues,
        valid_from=valid_from,
        valid_until=valid_until,
        moment=moment,
        lock=True,
    )
    lot, ids, code, start = checked.lot, checked.venue_ids, checked.currency, checked.start
    problems.raise_any()
    assert lot is not None
    await stock.shift(
        session,
        Lot,
        lot.id,
        guard=[Lot.quantity_tonnes * GRAMS_PER_TONNE - Lot.allocated_grams >= grams],
        allocated_grams=grams,
    )
    allocation = Allocation(
        lot_id=lot.id,
        project_id=lot.project_id,
        grams_offered=grams,
        all_venues=all_venues,
        price_per_tonne_minor=price_per_tonne_minor,
        currency=code,
        valid_from=start,
        valid_until=valid_until,
        owner_bp=owner_bp,
        platform_bp=platform_bp,
        venue_bp=venue_bp,
        status=AllocationStatus.ACTIVE,
        is_demo=is_demo,
        created_by=actor,
        created_at=moment,
    )
    session.add(allocation)
    await session.flush()
    for venue in ids:
        session.add(AllocationVenue(allocation_id=allocation.id, venue_id=venue))
    await session.flush()
    await ledger.append(
        session,
        LedgerKind.ALLOCATE,
        actor=actor,
        now=moment,
        lot_id=lot.id,
        allocation_id=allocation.id,
        grams=grams,
        currency=code,
        reason=reasons.OFFERED,
        details={
            "price_per_tonne_minor": price_per_tonne_minor,
            "split_bp": [owner_bp, platform_bp, venue_bp],
            "all_venues": all_venues,
            "venues": sorted(str(i) for i in ids),
            "valid_from": start.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return allocation


_ALLOCATION_FIELDS = (
    "grams",
    "price_per_tonne_minor",
    "currency",
    "split_bp",
    "venue_ids",
    "all_venues",
    "valid_from",
    "valid_until",
)


async def update_allocation(
    session: AsyncSession,
    allocation_id: uuid.UUID,
    *,
    actor: str,
    reason: str = reasons.OFFER_CHANGED,
    now: datetime | None = None,
    **values: Any,
) -> Allocation:
    """Change an offer: ``grams`` (not below what is reserved and sold, not above what the
    lot has free), ``price_per_tonne_minor``/``currency`` (for new reservations only),
    ``split_bp`` (owner, platform, venue; for new sales), the venues, the dates."""
    moment = _now(now)
    problems = _Problems()
    actor = problems.run(check_actor, actor) or ""
    unknown = sorted(set(values) - set(_ALLOCATION_FIELDS))
    if unknown:
        raise CreditsInputError(unknown[0], "An offer has no such field.")
    await ledger.lock_books(session)
    current = (await stock.fresh_allocations(session, [allocation_id])).get(allocation_id)
    if current is None:
        raise CreditsInputError("allocation_id", "There is no such offer.")
    if current.status != AllocationStatus.ACTIVE:
        raise CreditsInputError("allocation_id", "This offer was withdrawn.")
    lot = await stock.fresh_lot(session, current.lot_id)
    changes: dict[str, Any] = {}
    delta = 0
    if "grams" in values:
        grams = problems.run(_whole, values["grams"], "grams", minimum=1, what=GRAMS_OFFERED)
        if grams is not None:
            delta = grams - current.grams_offered
            if grams < current.reserved_grams + current.sold_grams:
                problems.add(
                    "grams",
                    Message(
                        "%(grams)s g of it are already reserved or sold.",
                        grams=current.reserved_grams + current.sold_grams,
                    ),
                )
            elif delta > lot.unallocated_grams:
                problems.add(
                    "grams",
                    Message("Only %(grams)s g more of this lot are free to offer.", grams=lot.unallocated_grams),
                )
            changes["grams_offered"] = grams
    if "price_per_tonne_minor" in values:
        changes["price_per_tonne_minor"] = problems.run(
            _whole, values["price_per_tonne_minor"], "price_per_tonne_minor", minimum=1, what=pricing.PRICE_PER_TONNE
        )
    if "currency" in values:
        changes["currency"] = problems.run(pricing.check_currency, values["currency"])
    if "split_bp" in values:
        split = values["split_bp"]
        if not isinstance(split, (tuple, list)) or len(split) != 3:
            problems.add("owner_bp", "Give the owner, platform and venue shares.")
        else:
            problems.run(pricing.check_split, *split)
            changes.update(owner_bp=split[0], platform_bp=split[1], venue_bp=split[2])
    new_venues: list[uuid.UUID] | None = None
    if "venue_ids" in values or "all_venues" in values:
        all_venues = bool(values.get("all_venues", current.all_venues))
        new_venues = await _venue_ids(session, values.get("venue_ids", ()), problems)
        if all_venues and new_venues:
            problems.add("venue_ids", "Offer it either to all venues or to chosen ones, not both.")
        if not all_venues and not new_venues and "venue_ids" not in problems.errors:
            problems.add("venue_ids", "Choose at least one venue, or offer it to all venues.")
        changes["all_venues"] = all_venues
    if "valid_from" in values:
        changes["valid_from"] = values["valid_from"]
    if "valid_until" in values:
        changes["valid_until"] = values["valid_until"]
    start = changes.get("valid_from", current.valid_from)
    end = changes.get("valid_until", current.valid_until)
    if not isinstance(start, datetime) or start.tzinfo is None:
        problems.add("valid_from", "Enter when the offer starts.")
    elif end is not None and end <= start:
        problems.add("valid_until", "The offer must end after it starts.")
    problems.raise_any()
    if delta:
        await stock.shift(
            session,
            Lot,
            lot.id,
            guard=[Lot.quantity_tonnes * GRAMS_PER_TONNE - Lot.allocated_grams >= delta],
            allocated_grams=delta,
        )
    simple = {k: v for k, v in changes.items() if k != "grams_offered"}
    if delta:
        await stock.shift(
            session,
            Allocation,
            current.id,
            guard=[Allocation.grams_offered + delta >= Allocation.reserved_grams + Allocation.sold_grams],
            grams_offered=delta,
        )
    if simple:
        await session.execute(
            update(Allocation)
            .where(Allocation.id == current.id)
            .values(**simple)
            .execution_options(synchronize_session=False)
        )
    if new_venues is not None:
        await session.execute(delete(AllocationVenue).where(AllocationVenue.allocation_id == current.id))
        for venue in new_venues:
            session.add(AllocationVenue(allocation_id=current.id, venue_id=venue))
        await session.flush()
    await ledger.append(
        session,
        LedgerKind.ALLOCATE,
        actor=actor,
        now=moment,
        lot_id=lot.id,
        allocation_id=current.id,
        grams=delta,
        reason=reason,
        details={k: stock.iso(v) for k, v in changes.items()}
        | ({"venues": sorted(str(v) for v in new_venues)} if new_venues is not None else {}),
    )
    return (await stock.fresh_allocations(session, [current.id]))[current.id]


async def withdraw_allocation(
    session: AsyncSession, allocation_id: uuid.UUID, *, actor: str, reason: str, now: datetime | None = None
) -> Allocation:
    """Stop offering an allocation: its free grams go back to the lot at once; grams
    still reserved can be paid for, and go back to the lot if they are not."""
    moment = _now(now)
    actor = check_actor(actor)
    why = _text(reason, "reason", required=True, max_length=2000)
    await ledger.lock_books(session)
    current = (await stock.fresh_allocations(session, [allocation_id])).get(allocation_id)
    if current is None:
        raise CreditsInputError("allocation_id", "There is no such offer.")
    if current.status == AllocationStatus.WITHDRAWN:
        return current
    free = current.available_grams
    await session.execute(
        update(Allocation)
        .where(Allocation.id == current.id)
        .values(status=AllocationStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    if free:
        await stock.shift(
            session, Allocation, current.id, guard=[stock.allocation_free_guard(free)], grams_offered=-free
        )
        await stock.shift(session, Lot, current.lot_id, guard=[Lot.allocated_grams >= free], allocated_grams=-free)
    await ledger.append(
        session,
        LedgerKind.ALLOCATE,
        actor=actor,
        now=moment,
        lot_id=current.lot_id,
        allocation_id=current.id,
        grams=-free,
        reason=why,
        details={"withdrawn": True},
    )
    return (await stock.fresh_allocations(session, [current.id]))[current.id]


async def list_allocations(session: AsyncSession, lot_id: uuid.UUID | None = None) -> list[Allocation]:
    query = select(Allocation).order_by(Allocation.created_at)
    if lot_id is not None:
        query = query.where(Allocation.lot_id == lot_id)
    return list((await session.execute(query)).scalars())


async def allocation_venue_ids(session: AsyncSession, allocation_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        (
            await session.execute(
                select(AllocationVenue.venue_id).where(AllocationVenue.allocation_id == allocation_id)
            )
        ).scalars()
    )


# --- a venue's offers ---------------------------------------------------------------------


async def offers_for_venue(
    session: AsyncSession, tenant_id: uuid.UUID, *, now: datetime | None = None, include_hidden: bool = False
) -> list[OfferView]:
    """The venue's offers in its order, with grams free now (expired reservations count as
    free). Read only. The first visible offer is the default unless the venue chose one."""
    moment = _now(now)
    entries = await stock.venue_allocations(session, tenant_id, moment, include_hidden=include_hidden)
    if not entries:
        return []
    expired_by_allocation, expired_by_lot = await stock.expired_held_grams(session, moment)
    lots = {
        lot.id: lot
        for lot in (
            await session.execute(select(Lot).where(Lot.id.in_({e.allocation.lot_id for e in entries})))
        ).scalars()
    }
    projects = {
        p.id: p
        for p in (
            await session.execute(select(Project).where(Project.id.in_({e.allocation.project_id for e in entries})))
        ).scalars()
    }
    lot_free = {lot_id: lot.available_grams + expired_by_lot.get(lot_id, 0) for lot_id, lot in lots.items()}

    def offer_free(allocation: Allocation) -> int:
        return allocation.available_grams + expired_by_allocation.get(allocation.id, 0)

    def chain_free(chain: Sequence[Allocation]) -> int:
        left = dict(lot_free)
        total = 0
        for allocation in chain:
            take = min(offer_free(allocation), left[allocation.lot_id])
            left[allocation.lot_id] -= take
            total += take
        return total

    visible = [e for e in entries if e.visible]
    chosen_default = next((e.allocation.id for e in visible if e.choice is not None and e.choice.is_default), None)
    default_id = chosen_default or (visible[0].allocation.id if visible else None)
    views = []
    for entry in entries:
        allocation = entry.allocation
        project = projects[allocation.project_id]
        others = [
            e.allocation
            for e in visible
            if e.allocation.project_id == allocation.project_id
            and e.allocation.currency == allocation.currency
            and e.allocation.id != allocation.id
        ]
        views.append(
            OfferView(
                allocation_id=allocation.id,
                project_id=project.id,
                project_slug=project.slug,
                project_name=dict(project.name),
                registry_code=project.registry_code,
                project_type=project.project_type,
                lot_id=allocation.lot_id,
                vintage_year=lots[allocation.lot_id].vintage_year,
                price_per_tonne_minor=allocation.price_per_tonne_minor,
                currency=allocation.currency,
                available_grams=chain_free([allocation]),
                project_available_grams=chain_free([allocation, *others]),
                position=entry.position,
                visible=entry.visible,
                is_default=allocation.id == default_id,
                valid_until=allocation.valid_until,
            )
        )
    return views


async def choose_offers(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    shown: Sequence[uuid.UUID],
    default_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> list[OfferView]:
    """A venue shows ``shown`` in this order (the others are hidden) with ``default_id``
    preselected. Only allocations offered to the venue can be chosen."""
    moment = _now(now)
    entries = await stock.venue_allocations(session, tenant_id, moment, include_hidden=True)
    offered = {e.allocation.id for e in entries}
    order = list(dict.fromkeys(shown))
    if any(a not in offered for a in order):
        raise CreditsInputError("shown", "One of the chosen offers is not available to this venue.")
    if default_id is not None and default_id not in order:
        raise CreditsInputError("default_id", "The default must be one of the offers shown.")
    existing = {
        row.allocation_id: row
        for row in (await session.execute(select(VenueOffer).where(VenueOffer.tenant_id == tenant_id))).scalars()
    }
    for allocation_id in offered:
        row = existing.get(allocation_id)
        if row is None:
            row = VenueOffer(tenant_id=tenant_id, allocation_id=allocation_id)
            session.add(row)
        row.visible = allocation_id in order
        row.position = order.index(allocation_id) if allocation_id in order else len(order)
        row.is_default = allocation_id == default_id
    await session.flush()
    return await offers_for_venue(session, tenant_id, now=moment, include_hidden=True)
