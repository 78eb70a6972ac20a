"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from __future__ import annotations

import importlib

#: The core's domains that own tables. A new domain adds itself here; a missing module is
#: an error, not something to skip, so that a misspelt name cannot hide a domain's tables.
DOMAINS = ("tenants", "scenarios", "credits", "payments", "certificates", "impact")


def import_all_models() -> None:
    for domain in DOMAINS:
        importlib.import_module(f"neutralpoint.{domain}.models")
