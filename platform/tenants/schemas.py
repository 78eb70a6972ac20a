"""JSON shapes of the venues API (``/api/v1``), as msgspec Structs so OpenAPI documents them.

Request bodies keep loosely typed fields (strings, optional) on purpose: the same checks
as the HTML forms then run in ``services`` and answer field-keyed errors in both languages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar.datastructures import UploadFile
from msgspec import UNSET, UnsetType

# The venue's states, which pages compare against without reaching for the ORM models.
from neutralpoint import input_rules as rules
from neutralpoint.tenants.models import TenantStatus as TenantStatus


class SignupIn(msgspec.Struct):
    name: rules.Name = ""
    slug: str = ""
    email: rules.Email = ""
    password: str = ""
    language: str = "en"


class LoginIn(msgspec.Struct):
    email: str = ""
    password: str = ""


class SecondStepIn(msgspec.Struct):
    """The 6-digit code of the authenticator app, or one of the recovery codes."""

    code: str = ""


class SecondStepOut(msgspec.Struct):
    """The password was right and the account has two-step sign-in: nobody is signed in until
    ``POST /api/v1/login/second-factor`` gets the code (within 5 minutes)."""

    second_factor_required: bool
    message: str


class TwoFactorOut(msgspec.Struct):
    """The account's two-step sign-in: on, being set up (``pending``), and whether it must be on."""

    enabled: bool
    pending: bool
    required: bool
    recovery_codes_left: int


class TwoFactorSetupOut(msgspec.Struct):
    """The new secret, for an authenticator app (``otpauth_uri`` is what the page's QR code holds);
    shown until confirmed, never after."""

    secret: str
    otpauth_uri: str


class TwoFactorEnabledOut(msgspec.Struct):
    """Two-step sign-in is on; the recovery codes are shown this once (each works once)."""

    enabled: bool
    recovery_codes: list[str]


class TwoFactorOffIn(msgspec.Struct):
    """Turning it off: the password, and a current code or a recovery code."""

    password: str = ""
    code: str = ""


class NewRecoveryCodesIn(msgspec.Struct):
    """New recovery codes: the password, and the current code from the authenticator app (not a
    recovery code)."""

    password: str = ""
    code: str = ""


class RecoveryCodesOut(msgspec.Struct):
    """The account's new recovery codes, shown this once (each works once); the old ones no
    longer work."""

    recovery_codes: list[str]


class AccountIn(msgspec.Struct):
    """What a person may change of their own account (absent: unchanged)."""

    name: str | UnsetType = UNSET
    current_password: str | UnsetType = UNSET
    new_password: str | UnsetType = UNSET


class VerifyIn(msgspec.Struct):
    token: str


class PasswordResetIn(msgspec.Struct):
    email: str = ""
    language: str = "en"


class PasswordResetRequested(msgspec.Struct):
    """The same answer whether or not an account has the address."""

    message: str


class PasswordResetConfirmIn(msgspec.Struct):
    """The ``token`` from the link in the reset e-mail, and the new password."""

    token: str = ""
    password: str = ""


class UserOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    name: str
    email_verified: bool
    is_platform_admin: bool


class VenueSummary(msgspec.Struct):
    slug: str
    name: str
    display_name: str
    status: str
    role: str
    dashboard_url: str
    #: Why the platform suspended the venue (``status`` ``suspended``); its console is closed meanwhile.
    suspended_reason: str | None = None


class MeOut(msgspec.Struct):
    user: UserOut
    venues: list[VenueSummary]


class SignupOut(msgspec.Struct):
    user: UserOut
    venue: VenueSummary
    message: str


class Location(msgspec.Struct):
    city_id: int
    city: str
    city_zh: str | None
    latitude: str
    longitude: str


class VenueOut(msgspec.Struct):
    slug: str
    name: str
    #: The name in the venue's own language (``default_language``), the other one's when it has none.
    display_name: str
    display_name_en: str | None
    display_name_zh_hans: str | None
    status: str
    contact_email: str
    primary_color: str
    default_language: str
    #: IANA time zone: every date of the venue is shown, and every period counted, in it.
    time_zone: str
    location: Location | None
    #: The venue's own host name, proven: it serves the venue's pages and is on its QR codes.
    custom_host: str | None
    enabled_scenarios: list[str]
    logo_url: str | None
    logo_content_type: str | None
    #: False for an SVG logo: posters print pictures (PNG, JPEG, WebP, kept as PNG) only.
    logo_on_posters: bool
    public_url: str
    is_demo: bool
    #: A host name the venue asked for, not yet proven (``GET /api/v1/venues/{slug}/host``).
    pending_host: str | None = None


class HostProofOut(msgspec.Struct):
    """How to prove ``host``: a TXT record ``dns_name`` holding ``dns_value``, or the page
    ``http_url`` answering ``dns_value`` as its whole body (status 200, no redirect)."""

    host: str
    dns_name: str
    dns_value: str
    http_url: str
    claimed_at: datetime


class VenueHostOut(msgspec.Struct):
    """A venue's host name: the proven one (served) and the claim waiting for its proof."""

    custom_host: str | None
    proven_at: datetime | None
    #: ``dns`` or ``http``.
    proof: str | None
    pending: HostProofOut | None
    #: How the last proof attempt went, on ``POST …/host/prove``.
    proven_now: bool = False


class HostClaimOut(msgspec.Struct):
    slug: str
    venue: str
    host: str
    #: True: proven and served; False: claimed, waiting for its proof.
    proven: bool
    #: When it was proven, or claimed.
    since: datetime | None
    proof: str | None
    #: The venue's time zone (the console shows ``since`` on its clock).
    time_zone: str = "UTC"


class HostRevokeIn(msgspec.Struct):
    """The venue and the host name to take from it (its proven host or its pending claim)."""

    slug: Annotated[str, msgspec.Meta(max_length=rules.SLUG_MAX)]
    host: Annotated[str, msgspec.Meta(max_length=rules.HOST_MAX)]


class BrandingPatch(msgspec.Struct):
    """Only the fields sent change. Names: at least one of ``display_name_en`` and
    ``display_name_zh_hans`` stays set (each is shown where the other is missing). ``city``
    takes a name in English or Chinese ("" clears the location); ``custom_host`` "" removes
    the host name; ``time_zone`` is an IANA name such as ``Asia/Shanghai``."""

    display_name_en: str | UnsetType | None = UNSET
    display_name_zh_hans: str | UnsetType | None = UNSET
    #: The name in the venue's own language (``default_language``): sets that one of the two.
    display_name: str | UnsetType = UNSET
    primary_color: str | UnsetType = UNSET
    default_language: str | UnsetType = UNSET
    time_zone: str | UnsetType = UNSET
    city: str | UnsetType = UNSET
    custom_host: str | UnsetType = UNSET
    enabled_scenarios: list[str] | UnsetType = UNSET


class EntryPointIn(msgspec.Struct):
    """``code`` ends the entry point's address: 3 to 16 letters or digits, saved in capitals,
    unique in the venue; empty for a random one. Names in English (``…_en``) and Chinese
    (``…_zh_hans``), at least one for ``name``; ``name`` and ``event_name`` alone set the
    one in the venue's own language."""

    name: str | UnsetType = UNSET
    name_en: str | UnsetType | None = UNSET
    name_zh_hans: str | UnsetType | None = UNSET
    code: str = ""
    scenario: str = ""
    event_name: str | UnsetType | None = UNSET
    event_name_en: str | UnsetType | None = UNSET
    event_name_zh_hans: str | UnsetType | None = UNSET
    event_starts_on: str | None = None
    event_ends_on: str | None = None
    presets: dict[str, str] = msgspec.field(default_factory=dict)
    active: bool = True


class EntryPointPatch(msgspec.Struct):
    """Only the fields sent change. A new ``code`` changes the address at once: QR codes and
    posters printed with the old one stop working."""

    name: str | UnsetType = UNSET
    name_en: str | UnsetType | None = UNSET
    name_zh_hans: str | UnsetType | None = UNSET
    code: str | UnsetType = UNSET
    scenario: str | UnsetType = UNSET
    event_name: str | UnsetType | None = UNSET
    event_name_en: str | UnsetType | None = UNSET
    event_name_zh_hans: str | UnsetType | None = UNSET
    event_starts_on: str | UnsetType | None = UNSET
    event_ends_on: str | UnsetType | None = UNSET
    presets: dict[str, str] | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class EntryPointOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    #: The name in the venue's own language, the other one's when it has none.
    name: str
    name_en: str | None
    name_zh_hans: str | None
    scenario: str
    event_name: str | None
    event_name_en: str | None
    event_name_zh_hans: str | None
    event_starts_on: date | None
    event_ends_on: date | None
    presets: dict[str, Any]
    active: bool
    public_url: str
    qr_svg_url: str
    qr_png_url: str
    poster_url: str
    created_at: datetime


class MemberOut(msgspec.Struct):
    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    name: str
    role: str
    created_at: datetime


class InvitationIn(msgspec.Struct):
    email: rules.Email = ""
    role: str = ""


class InvitationOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    role: str
    expires_at: datetime
    accepted: bool


class MembersOut(msgspec.Struct):
    members: list[MemberOut]
    invitations: list[InvitationOut]


class RoleIn(msgspec.Struct):
    role: str = ""


class AcceptInvitationIn(msgspec.Struct):
    """For someone without an account yet: their name and a password. A signed-in user
    whose e-mail address matches the invitation sends an empty object."""

    name: str = ""
    password: str = ""


class InvitationAccepted(msgspec.Struct):
    venue: VenueSummary
    user: UserOut


def present(struct: msgspec.Struct) -> dict[str, Any]:
    """The fields that were sent (not ``UNSET``), as a plain dict."""
    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not UNSET}


class Queued(msgspec.Struct):
    queued: bool


class InvitationInfo(msgspec.Struct):
    venue: str
    email: str
    role: str
    expires_at: datetime
    has_account: bool


@dataclass
class LogoUpload:
    """Multipart body of a logo upload."""

    file: UploadFile


class PublicEntryPoint(msgspec.Struct):
    """Names in the reader's language (``?lang=`` or Accept-Language), else the other one."""

    code: str
    name: str
    scenario: str
    event_name: str | None
    event_starts_on: date | None
    event_ends_on: date | None
    url: str


class PublicVenueOut(msgspec.Struct):
    slug: str
    #: In the reader's language: ``?lang=en`` or ``?lang=zh-Hans``, else Accept-Language, else the venue's.
    display_name: str
    lang: str
    primary_color: str
    default_language: str
    time_zone: str
    logo_url: str | None
    url: str
    entry_points: list[PublicEntryPoint]


class ConsoleVenueOut(msgspec.Struct):
    """A venue in the platform's console."""

    slug: str
    #: The name in the venue's own language, then each language's.
    display_name: str
    display_name_en: str | None
    display_name_zh_hans: str | None
    status: str
    contact_email: str
    owner_emails: list[str]
    #: The proven host that serves the venue, and a claim waiting for its proof.
    custom_host: str | None
    host_claim: str | None
    time_zone: str
    is_demo: bool
    created_at: datetime
    suspended_reason: str | None
    suspended_at: datetime | None
    console_url: str


class ConsoleVenuesOut(msgspec.Struct):
    """One page of the venues matching the filters (``q``, ``status``, ``page``)."""

    venues: list[ConsoleVenueOut]
    total: int
    page: int
    pages: int
    page_size: int


class ConsoleMemberOut(msgspec.Struct):
    email: str
    name: str
    role: str
    since: datetime


class ConsoleEntryPointOut(msgspec.Struct):
    code: str
    name: str
    scenario: str
    active: bool
    created_at: datetime


class ConsoleVenueDetailsOut(msgspec.Struct):
    """A venue, its members, entry points and host names. Its orders and estimates are
    counted at ``/api/v1/platform/venues/{slug}/activity``; host names are managed at
    ``/api/v1/platform/hosts``."""

    venue: ConsoleVenueOut
    members: list[ConsoleMemberOut]
    open_invitations: int
    entry_points: list[ConsoleEntryPointOut]
    hosts: list[HostClaimOut]
    activity_url: str
    hosts_url: str


class SuspendIn(msgspec.Struct):
    """Why the venue is suspended (required): its members read it."""

    reason: str = ""
