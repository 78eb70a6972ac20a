"""Project owners: who is paid for a project's credits, and how (platform-admin services)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.credits import pricing
from neutralpoint.credits.models import (
    ProjectOwner,
)
from neutralpoint.refusals import Collector, problem, refuse

# --- project owners -----------------------------------------------------------------------

_OWNER_FIELDS = ("name", "contact_name", "contact_email", "payout_details", "payout_currency", "is_demo")


def _owner_values(values: Mapping[str, Any], problems: Collector, *, creating: bool) -> dict[str, Any]:
    unknown = sorted(set(values) - set(_OWNER_FIELDS))
    if unknown:
        raise refuse(unknown[0], problem("unknown_field", "A project owner has no such field.", "项目业主没有此字段。"))
    out: dict[str, Any] = {}
    if "name" in values or creating:
        out["name"] = problems.field("name", rules.text, values.get("name"), required=True, max_length=rules.NAME_MAX)
    if "contact_name" in values:
        out["contact_name"] = problems.field(
            "contact_name", rules.text, values["contact_name"], max_length=rules.NAME_MAX
        )
    if "contact_email" in values:
        out["contact_email"] = problems.field("contact_email", rules.email, values["contact_email"], required=False)
    if "payout_details" in values:
        out["payout_details"] = problems.field("payout_details", rules.text, values["payout_details"], max_length=4000)
    if "payout_currency" in values or creating:
        out["payout_currency"] = problems.check(
            pricing.check_currency, values.get("payout_currency", ""), "payout_currency"
        )
    if "is_demo" in values:
        out["is_demo"] = bool(values["is_demo"])
    return out


async def create_project_owner(session: AsyncSession, **values: Any) -> ProjectOwner:
    """Fields: ``name``, ``payout_currency`` (required), ``contact_name``,
    ``contact_email``, ``payout_details`` (bank or payout account, as text), ``is_demo``."""
    problems = Collector()
    cleaned = _owner_values(values, problems, creating=True)
    problems.raise_if_any()
    owner = ProjectOwner(**cleaned)
    session.add(owner)
    await session.flush()
    return owner


async def update_project_owner(session: AsyncSession, owner_id: uuid.UUID, **values: Any) -> ProjectOwner:
    owner = await session.get(ProjectOwner, owner_id)
    if owner is None:
        raise refuse("owner_id", problem("not_found", "There is no such project owner.", "没有此项目业主。"))
    problems = Collector()
    cleaned = _owner_values(values, problems, creating=False)
    problems.raise_if_any()
    for name, value in cleaned.items():
        setattr(owner, name, value)
    await session.flush()
    return owner


async def list_project_owners(session: AsyncSession) -> list[ProjectOwner]:
    return list((await session.execute(select(ProjectOwner).order_by(ProjectOwner.name))).scalars())
