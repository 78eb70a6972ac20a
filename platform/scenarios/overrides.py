"""A venue's own measured factor values, with a note and an evidence file.

A hotel that knows its energy per room-night from its bills should not be held to the
country average. A manager replaces one factor of a scenario the venue has enabled with a
measured value; every estimate computed at that venue afterwards uses it, and says so: the
factor's source becomes "Measured by the venue" and the factor set's ``overrides`` names it.

Recomputation stays exact: the plugin's factor-set version is kept as published (one
snapshot per version), and the overridden factors travel with the estimate as a record
(``overrides_record`` / ``apply_record``), so an old estimate recomputes with the values it
used even after the venue changed or removed its override.

Evidence is a PDF, PNG or JPEG of at most 5 MB, recognised by its content (the bytes), never
by the file name or the browser's content type.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar.datastructures import UploadFile
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, deferred, mapped_column, undefer

from neutralpoint.database.base import Base, TenantScoped, new_id, utcnow
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.scenarios.factors import Factor, FactorSet, Source
from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry
from neutralpoint.tenants.audit import Audited

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
MAX_NOTE_LENGTH = 500
MAX_VALUE = Decimal(1_000_000)
MAX_DECIMALS = 8
MEASURED_PUBLISHER = "Measured by the venue"
MEASURED_SHORT = {"en": "Measured by the venue", "zh-Hans": "场馆实测"}
RECORD_KEY = "factor_overrides"

_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


class FactorOverride(TenantScoped, Audited, Base):
    """One factor of one scenario, replaced by the venue's measured value."""

    __tablename__ = "factor_overrides"
    __audit_entity__ = "factor_override"
    __table_args__ = (UniqueConstraint("tenant_id", "scenario", "factor_key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    scenario: Mapped[str] = mapped_column(String(40))
    factor_key: Mapped[str] = mapped_column(String(120))
    #: The exact decimal, as text: no float on any database.
    value: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text)
    evidence: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    evidence_content_type: Mapped[str] = mapped_column(String(40))
    evidence_filename: Mapped[str] = mapped_column(String(200))
    evidence_size: Mapped[int] = mapped_column(Integer)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def decimal_value(self) -> Decimal:
        return Decimal(self.value)

    def source(self) -> Source:
        return Source(
            publisher=MEASURED_PUBLISHER,
            document=f"{self.note} (evidence: {self.evidence_filename}, sha256 {self.evidence_sha256[:12]}…)",
            year=self.created_at.year,
            table="Venue override",
            short_publisher=MEASURED_SHORT,
            short_title={"en": self.note, "zh-Hans": self.note},
        )


# --- evidence -------------------------------------------------------------------------------


def sniff_evidence(data: bytes) -> str | None:
    """The content type the bytes really are (PDF, PNG, JPEG), or ``None``."""
    if data.startswith(_PDF):
        return "application/pdf" if b"%%EOF" in data[-2048:] else None
    if data.startswith(_PNG) or data.startswith(_JPEG):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                kind = image.format
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return None
        return {"PNG": "image/png", "JPEG": "image/jpeg"}.get(kind or "")
    return None


# --- validation -----------------------------------------------------------------------------

_MESSAGES: dict[str, dict[str, str]] = {
    "factor": {
        "en": "Choose a factor of a scenario this venue uses.",
        "zh-Hans": "请选择本场所已启用场景中的排放因子。",
    },
    "value": {
        "en": "Enter the measured value as a number (0 to 1,000,000, at most 8 decimals) in the factor's unit.",
        "zh-Hans": "请以该因子的单位填写实测数值（0 至 1,000,000，最多 8 位小数）。",
    },
    "note": {
        "en": "Say how it was measured (at most 500 characters).",
        "zh-Hans": "请说明测量方法（最多 500 个字符）。",
    },
    "evidence_missing": {
        "en": "Attach the evidence: a PDF, PNG or JPEG.",
        "zh-Hans": "请附上证明文件：PDF、PNG 或 JPEG。",
    },
    "evidence_type": {
        "en": "The evidence must be a PDF, PNG or JPEG file.",
        "zh-Hans": "证明文件必须是 PDF、PNG 或 JPEG 格式。",
    },
    "evidence_size": {"en": "The evidence must be at most 5 MB.", "zh-Hans": "证明文件不能超过 5 MB。"},
}


async def read_evidence(upload: Any) -> tuple[bytes | None, str | None]:
    """An uploaded evidence file's bytes (one more than the limit at most, so that a file
    too large is recognised as such) and its name; ``(None, None)`` when none was sent."""
    if not isinstance(upload, UploadFile):
        return None, None
    data = await upload.read(EVIDENCE_MAX_BYTES + 1)
    return data, upload.filename


def _error(code: str) -> FieldError:
    return FieldError(code, text=_MESSAGES[code])


@dataclass(frozen=True)
class OverrideRequest:
    """A validated override, not stored yet."""

    scenario: str
    factor_key: str
    value: Decimal
    note: str
    evidence: bytes
    evidence_content_type: str
    evidence_filename: str


def overridable(registry: ScenarioRegistry, enabled: list[str] | None) -> list[LoadedScenario]:
    """The scenarios a venue may override factors of: the ones it enabled (all, when unset)."""
    return registry.ordered(enabled)


def parse_factor_choice(value: str) -> tuple[str, str] | None:
    scenario, sep, key = (value or "").partition(":")
    return (scenario, key) if sep and scenario and key else None


def validate_override(
    registry: ScenarioRegistry,
    enabled: list[str] | None,
    raw: Mapping[str, Any],
    evidence: bytes | None,
    filename: str | None,
) -> OverrideRequest:
    """Check every field at once; ``FormErrors`` names ``factor``, ``value``, ``note`` or ``evidence``."""
    errors: dict[str, FieldError] = {}
    choice = parse_factor_choice(str(raw.get("factor") or ""))
    allowed = {s.id: s for s in overridable(registry, enabled)}
    if choice is None or choice[0] not in allowed or choice[1] not in allowed[choice[0]].factors:
        errors["factor"] = _error("factor")
    value = _parse_value(raw.get("value"))
    if value is None:
        errors["value"] = _error("value")
    note = str(raw.get("note") or "").strip()
    if not note or len(note) > MAX_NOTE_LENGTH:
        errors["note"] = _error("note")
    content_type = None
    if not evidence:
        errors["evidence"] = _error("evidence_missing")
    elif len(evidence) > EVIDENCE_MAX_BYTES:
        errors["evidence"] = _error("evidence_size")
    else:
        content_type = sniff_evidence(evidence)
        if content_type is None:
            errors["evidence"] = _error("evidence_type")
    if errors:
        raise FormErrors(errors)
    if choice is None or value is None or evidence is None or content_type is None:
        raise FormErrors({"factor": _error("factor")})
    return OverrideRequest(
        scenario=choice[0],
        factor_key=choice[1],
        value=value,
        note=note,
        evidence=evidence,
        evidence_content_type=content_type,
        evidence_filename=_safe_filename(filename, content_type),
    )


def _parse_value(raw: Any) -> Decimal | None:
    text = str(raw if raw is not None else "").strip().replace(",", "")
    if not text or len(text) > 40 or "e" in text.lower():
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or number > MAX_VALUE:
        return None
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        return None
    return number


def _safe_filename(filename: str | None, content_type: str) -> str:
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[content_type]
    stem = "".join(ch for ch in (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if ch.isalnum() or ch in "-_.")
    stem = stem.rsplit(".", 1)[0][:80] or "evidence"
    return stem + extension


# --- storing and reading ----------------------------------------------------------------------


async def save_override(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID | None, request: OverrideRequest
) -> FactorOverride:
    """Store ``request``, replacing the venue's earlier override of the same factor."""
    use_tenant(session, tenant_id)
    existing = await session.scalar(
        select(FactorOverride).where(
            FactorOverride.scenario == request.scenario, FactorOverride.factor_key == request.factor_key
        )
    )
    if existing is not None:
        await session.delete(existing)
        await session.flush()
    row = FactorOverride(
        tenant_id=tenant_id,
        scenario=request.scenario,
        factor_key=request.factor_key,
        value=str(request.value),
        note=request.note,
        evidence=request.evidence,
        evidence_content_type=request.evidence_content_type,
        evidence_filename=request.evidence_filename,
        evidence_size=len(request.evidence),
        evidence_sha256=hashlib.sha256(request.evidence).hexdigest(),
        created_by=user_id,
    )
    session.add(row)
    await session.flush()
    return row


async def list_overrides(
    session: AsyncSession, tenant_id: uuid.UUID, scenario: str | None = None
) -> list[FactorOverride]:
    use_tenant(session, tenant_id)
    query = select(FactorOverride).order_by(FactorOverride.scenario, FactorOverride.factor_key)
    if scenario is not None:
        query = query.where(FactorOverride.scenario == scenario)
    return list(await session.scalars(query))


async def find_override(
    session: AsyncSession, tenant_id: uuid.UUID, override_id: str, *, with_evidence: bool = False
) -> FactorOverride | None:
    try:
        key = uuid.UUID(str(override_id))
    except ValueError:
        return None
    use_tenant(session, tenant_id)
    query = select(FactorOverride).where(FactorOverride.id == key)
    if with_evidence:
        query = query.options(undefer(FactorOverride.evidence))
    return await session.scalar(query)


async def delete_override(session: AsyncSession, tenant_id: uuid.UUID, override_id: str) -> bool:
    row = await find_override(session, tenant_id, override_id)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


def apply_overrides(factor_set: FactorSet, rows: list[FactorOverride]) -> FactorSet:
    """``factor_set`` with each row's measured value; rows for factors it lacks are skipped."""
    for row in rows:
        if row.scenario == factor_set.scenario and row.factor_key in factor_set:
            factor_set = factor_set.with_override(row.factor_key, row.decimal_value, row.note, row.source())
    return factor_set


async def effective_factor_set(session: AsyncSession, tenant_id: uuid.UUID, scenario: LoadedScenario) -> FactorSet:
    """The scenario's current factor set with the venue's overrides applied."""
    return apply_overrides(scenario.factors, await list_overrides(session, tenant_id, scenario.id))


# --- the record an estimate keeps -------------------------------------------------------------


def overrides_record(factor_set: FactorSet) -> dict[str, dict[str, Any]]:
    """The overridden factors in full (value, source, note), to store with an estimate."""
    return {key: factor_set[key].as_dict() for key in factor_set.overrides}


def apply_record(factor_set: FactorSet, record: Mapping[str, Mapping[str, Any]] | None) -> FactorSet:
    """Re-apply a stored ``overrides_record`` to the published factor set it was made from."""
    for key, data in (record or {}).items():
        if key in factor_set:
            factor = Factor.from_dict(data)
            factor_set = factor_set.with_override(key, factor.value, factor.note, factor.source)
    return factor_set
