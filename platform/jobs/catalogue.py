"""Imports each domain's ``tasks`` module so its ``@task`` functions register."""

from __future__ import annotations

import importlib

#: The core's domains with background jobs; a missing module is an error, not skipped.
TASK_DOMAINS = ("tenants", "credits", "payments", "certificates")

for _domain in TASK_DOMAINS:
    importlib.import_module(f"neutralpoint.{_domain}.tasks")
