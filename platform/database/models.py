"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from __future__ import annotations

import importlib

DOMAINS = ("tenants", "scenarios", "credits", "payments", "certificates", "impact")


def import_all_models() -> None:
    for domain in DOMAINS:
        try:
            importlib.import_module(f"neutralpoint.{domain}.models")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"neutralpoint.{domain}", f"neutralpoint.{domain}.models"):
                raise
