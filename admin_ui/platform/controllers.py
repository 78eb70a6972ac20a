"""The platform admins' pages for the credit supply, under ``/platform``.

Project owners, projects (with photos), lots (with evidence, status, partly sold tonnes,
assigned pieces, append-only corrections), allocations to venues, registry retirements,
reports with CSV downloads, and the audit of the books: one controller per entity or
job, each in its own module. Every page calls the credits services and has a JSON twin
under ``/api/v1/credits``. A form with bad input comes back with each message beside its
field (status 400) and nothing written; a good one answers 303 to the next page. Anyone
who is not a platform admin gets a 404 (``PlatformController``).
"""

from __future__ import annotations

from typing import Any

from neutralpoint_admin.platform.allocations import AllocationPages
from neutralpoint_admin.platform.lots import LotPages
from neutralpoint_admin.platform.owners import OwnerPages
from neutralpoint_admin.platform.projects import ProjectPages
from neutralpoint_admin.platform.reports import ReportPages
from neutralpoint_admin.platform.retirements import RetirementPages

route_handlers: list[Any] = [ReportPages, OwnerPages, ProjectPages, LotPages, AllocationPages, RetirementPages]
