"""What a suspended venue's public pages and QR codes answer.

The platform suspends a venue from its console (``neutralpoint.tenants.console``). Its
visitors then read, in their language, that the venue is suspended, on every public page
and API of the venue; its entry points take no estimates and no payments. An unknown or
pending venue stays a plain 404, as before: only a venue that was open says why it closed.
"""

from __future__ import annotations

from neutralpoint.refusals import FormErrors, problem
from neutralpoint.tenants.models import Tenant, TenantStatus

SUSPENDED = problem(
    "venue_suspended",
    "This venue is suspended on NeutralPoint: it takes no footprints and no payments for now.",
    "此场所已在 NeutralPoint 上被暂停：暂时不接受碳足迹计算和付款。",
)


class VenueSuspendedError(FormErrors):
    """A visitor reached a suspended venue: 403 with ``venue`` → ``venue_suspended``.

    A ``FormErrors``, so that the API answers it in its one shape and the application's
    handler turns it into the bilingual page for a browser."""

    def __init__(self) -> None:
        super().__init__({"venue": SUSPENDED}, status_code=403)


def refuse_if_suspended(tenant: Tenant) -> None:
    """Raise ``VenueSuspendedError`` for a suspended venue."""
    if tenant.status == TenantStatus.SUSPENDED:
        raise VenueSuspendedError()
