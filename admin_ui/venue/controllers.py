"""Venue pages: sign-up, sign-in, password reset, e-mail verification, invitations, the
account page, and the venue dashboard (branding, members, entry points, QR codes and posters),
one controller per job or entity, each in its own module.

Every page works without JavaScript: forms post, and the answer is either the same form
again with each problem beside its field (status 400, nothing written) or a 303 to the
next page. Writes run in a savepoint, so a form that fails validation halfway leaves no
trace. A venue the signed-in person does not belong to, or a page above their role, is a
404, as in the API: each route declares the least role it needs.
"""

from __future__ import annotations

from typing import Any

from neutralpoint_admin.venue.account import AccountPages, TwoFactorPages
from neutralpoint_admin.venue.certificates import CertificatePages
from neutralpoint_admin.venue.dashboard import DashboardPages
from neutralpoint_admin.venue.entry_points import EntryPointPages
from neutralpoint_admin.venue.impact import ImpactPages
from neutralpoint_admin.venue.members import MemberPages
from neutralpoint_admin.venue.signing_in import SignInPages

route_handlers: list[Any] = [
    SignInPages,
    AccountPages,
    TwoFactorPages,
    DashboardPages,
    MemberPages,
    EntryPointPages,
    ImpactPages,
    CertificatePages,
]
