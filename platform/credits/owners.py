"""Project owners: who is paid for a project's credits, and how (platform-admin services)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.credits import pricing
from neutralpoint.credits.errors import CreditsInputError
from neutralpoint.credits.field_checks import Problems, checked_text
from neutralpoint.credits.models import (
    ProjectOwner,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- project owners -----------------------------------------------------------------------

_OWNER_FIELDS = ("name", "contact_name", "contact_email", "payout_details", "payout_currency", "is_demo")


def _owner_values(values: Mapping[str, Any], problems: Problems, *, creating: bool) -> dict[str, Any]:
    unknown = sorted(set(values) - set(_OWNER_FIELDS))
    if unknown:
        raise CreditsInputError(unknown[0], "A project owner has no such field.")
    out: dict[str, Any] = {}
    if "name" in values or creating:
        out["name"] = problems.run(checked_text, values.get("name"), "name", required=True)
    if "contact_name" in values:
        out["contact_name"] = problems.run(checked_text, values["contact_name"], "contact_name", max_length=120)
    if "contact_email" in values:
        email = problems.run(checked_text, values["contact_email"], "contact_email", max_length=254)
        if email and not _EMAIL.match(email):
            problems.add("contact_email", "Enter an e-mail address such as name@example.org.")
        out["contact_email"] = email
    if "payout_details" in values:
        out["payout_details"] = problems.run(checked_text, values["payout_details"], "payout_details", max_length=4000)
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
    problems = Problems()
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
    problems = Problems()
    cleaned = _owner_values(values, problems, creating=False)
    problems.raise_any()
    for name, value in cleaned.items():
        setattr(owner, name, value)
    await session.flush()
    return owner


async def list_project_owners(session: AsyncSession) -> list[ProjectOwner]:
    return list((await session.execute(select(ProjectOwner).order_by(ProjectOwner.name))).scalars())
