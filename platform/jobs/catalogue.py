"""Imports each domain's ``tasks`` module so its ``@task`` functions register."""

from __future__ import annotations

import importlib

for _domain in ("tenants", "credits", "payments", "certificates", "impact"):
    try:
        importlib.import_module(f"neutralpoint.{_domain}.tasks")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"neutralpoint.{_domain}.tasks", f"neutralpoint.{_domain}"):
            raise
