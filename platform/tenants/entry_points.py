"""A venue's entry points: the QR codes at its doors, each opening one scenario's form,
with answers the venue gives in advance. Expects a session scoped to the venue."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.refusals import Collector, FieldError, FormErrors, problem
from neutralpoint.tenants import tokens
from neutralpoint.tenants import validation as check
from neutralpoint.tenants.branding import enabled_scenarios
from neutralpoint.tenants.models import (
    EntryPoint,
    Tenant,
)

if TYPE_CHECKING:
    # The venues domain does not import the scenarios domain: the registry is handed in.
    from neutralpoint.scenarios.forms import Field
    from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry

# --- entry points ------------------------------------------------------------------------------


def preset_fields(scenario: LoadedScenario | None) -> list[Field]:
    """The questions a venue may answer in advance for its visitors: the choice fields."""
    if scenario is None:
        return []
    return [f for f in scenario.form.fields if f.kind == "choice"]


def _presets(errors: Collector, registry: ScenarioRegistry, scenario_id: str, raw_presets: Any) -> dict[str, str]:
    if raw_presets is None:
        return {}
    if not isinstance(raw_presets, Mapping):
        errors.add("presets", rules.UNKNOWN_CHOICE)
        return {}
    fields = {f.name: f for f in preset_fields(registry.get(scenario_id))}
    clean: dict[str, str] = {}
    for name, value in raw_presets.items():
        text = str(value or "").strip()
        if not text:
            continue
        found = fields.get(str(name))
        if found is None:
            errors.add(f"presets.{name}", FieldError("unknown_field"))
        elif found.choice(text) is None:
            errors.add(f"presets.{name}", rules.UNKNOWN_CHOICE)
        else:
            clean[str(name)] = text
    return clean


async def _code_taken(session: AsyncSession, code: str, other_than: EntryPoint | None = None) -> bool:
    """Whether another entry point of the scoped venue has ``code`` (in any case)."""
    query = select(EntryPoint.id).where(func.upper(EntryPoint.code) == code.upper())
    if other_than is not None:
        query = query.where(EntryPoint.id != other_than.id)
    return (await session.execute(query.limit(1))).first() is not None


def scenario_not_enabled(name: Mapping[str, str]) -> FieldError:
    """The scenario is installed, but this venue has not turned it on: say where to."""
    return problem(
        "scenario_not_enabled",
        f"This venue does not offer “{name['en']}” yet: tick it under Branding → Scenarios offered "
        "(enabled_scenarios in the API) first.",
        f"本场馆尚未提供“{name['zh-Hans']}”：请先在“品牌 → 提供的场景”中勾选（API 中为 enabled_scenarios）。",
    )


async def _entry_values(
    session: AsyncSession,
    registry: ScenarioRegistry,
    tenant: Tenant,
    raw: Mapping[str, Any],
    current: EntryPoint | None,
) -> dict[str, Any]:
    """The checked values of ``raw``; a ``code`` only when one was given (a new entry point
    without one gets a random code)."""
    errors = Collector()
    values: dict[str, Any] = {}
    creating = current is None
    if creating or "name" in raw:
        values["name"] = check.required_text(errors, raw, "name", rules.NAME_MAX)
    if "code" in raw and not (creating and not rules.text_value(raw, "code")):
        code = check.entry_code(errors, raw)
        unchanged = current is not None and code == current.code
        if "code" not in errors.errors and not unchanged and await _code_taken(session, code, current):
            errors.add("code", check.ENTRY_CODE_TAKEN)
        values["code"] = code
    if creating or "scenario" in raw:
        allowed = [s.id for s in enabled_scenarios(registry, tenant)]
        values["scenario"] = check.choice(errors, raw, "scenario", allowed)
        installed = registry.get(values["scenario"])
        if installed is not None and errors.errors.get("scenario") is rules.UNKNOWN_CHOICE:
            errors.errors["scenario"] = scenario_not_enabled(installed.info.name)
    scenario_id = values.get("scenario", current.scenario if current else "")
    event_name = current.event_name if current else None
    if creating or "event_name" in raw:
        event_name = values["event_name"] = check.optional_text(errors, raw, "event_name", 160)
    starts = current.event_starts_on if current else None
    ends = current.event_ends_on if current else None
    if creating or "event_starts_on" in raw:
        starts = values["event_starts_on"] = check.optional_date(errors, raw, "event_starts_on")
    if creating or "event_ends_on" in raw:
        ends = values["event_ends_on"] = check.optional_date(errors, raw, "event_ends_on")
    if starts and ends and ends < starts:
        errors.add("event_ends_on", check.DATES_REVERSED)
    # Dates belong to an event: without its name, pages and posters would show bare dates.
    if (starts or ends) and not event_name and "event_name" not in errors.errors:
        errors.add("event_name", check.EVENT_NAME_NEEDED)
    scenario_changed = current is not None and scenario_id != current.scenario
    if creating or "presets" in raw:
        values["presets"] = _presets(errors, registry, scenario_id, raw.get("presets"))
    elif scenario_changed:
        values["presets"] = {}
    if creating or "active" in raw:
        values["active"] = rules.flag(raw, "active", True)
    errors.raise_if_any()
    return values


async def entry_points(session: AsyncSession) -> list[EntryPoint]:
    return list((await session.execute(select(EntryPoint).order_by(EntryPoint.created_at))).scalars())


async def entry_point(session: AsyncSession, entry_id: uuid.UUID) -> EntryPoint | None:
    return (await session.execute(select(EntryPoint).where(EntryPoint.id == entry_id))).scalar_one_or_none()


async def create_entry_point(
    session: AsyncSession, registry: ScenarioRegistry, tenant: Tenant, raw: Mapping[str, Any]
) -> EntryPoint:
    """A new entry point with the code given in ``raw``, or else a fresh random one."""
    values = await _entry_values(session, registry, tenant, raw, None)
    chosen: str | None = values.pop("code", None)
    for _attempt in range(12):
        candidate = chosen or tokens.new_entry_point_code()
        if not chosen and (check.entry_code_reserved(candidate) or await _code_taken(session, candidate)):
            continue
        entry = EntryPoint(code=candidate, tenant_id=tenant.id, **values)
        try:
            async with session.begin_nested():
                session.add(entry)
                await session.flush()
        except IntegrityError:
            if chosen:
                # Someone took the code between our check and our insert.
                raise FormErrors({"code": check.ENTRY_CODE_TAKEN}) from None
            continue
        return entry
    raise RuntimeError("no free entry point code found")


async def update_entry_point(
    session: AsyncSession, registry: ScenarioRegistry, tenant: Tenant, entry: EntryPoint, raw: Mapping[str, Any]
) -> None:
    """Change the fields present in ``raw``. A new code takes effect at once: the old address,
    and so every QR code printed with it, stops working."""
    for key, value in (await _entry_values(session, registry, tenant, raw, entry)).items():
        setattr(entry, key, value)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise FormErrors({"code": check.ENTRY_CODE_TAKEN}) from None


async def delete_entry_point(session: AsyncSession, entry: EntryPoint) -> None:
    await session.delete(entry)
    await session.flush()
