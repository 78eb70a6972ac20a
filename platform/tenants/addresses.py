"""The addresses a venue is reached at: its pages, its entry points' QR codes, its logo,
and the links mailed to its people."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants.logos import PNG
from neutralpoint.tenants.models import (
    EntryPoint,
    Tenant,
    User,
)

# --- addresses ----------------------------------------------------------------------------


def entry_point_url(settings: Settings, tenant: Tenant, entry: EntryPoint) -> str:
    """What the QR code encodes: the venue's own host when it has one."""
    if tenant.custom_host:
        return f"https://{tenant.custom_host}/{entry.code}"
    return f"{settings.base_url}/v/{tenant.slug}/{entry.code}"


def venue_url(settings: Settings, tenant: Tenant) -> str:
    if tenant.custom_host:
        return f"https://{tenant.custom_host}/"
    return f"{settings.base_url}/v/{tenant.slug}/"


def logo_path(tenant: Tenant) -> str | None:
    """Versioned, so the logo can be cached for a year and still change at once."""
    if not tenant.logo_content_type:
        return None
    return f"/v/{tenant.slug}/logo?v={tenant.logo_version}"


def logo_on_posters(tenant: Tenant) -> bool:
    """Whether posters print the venue's logo: pictures only, since reportlab draws no SVG
    (an SVG logo shows on pages but not on posters, and the branding page says so)."""
    return tenant.logo_content_type == PNG


def verification_link(settings: Settings, user: User) -> str:
    return f"{settings.base_url}/verify?token={tokens.verification_token(settings.secret_key, user.id, user.email)}"


def login_link(settings: Settings) -> str:
    return f"{settings.base_url}/login"


def password_forgot_link(settings: Settings) -> str:
    return f"{settings.base_url}/password/forgot"


def password_reset_link(settings: Settings, user: User, now: datetime | None = None) -> str:
    token = tokens.password_reset_token(settings.secret_key, user.id, user.email, user.password_hash, now)
    return f"{settings.base_url}/password/reset?token={token}"


def platform_host(settings: Settings) -> str:
    return (urlsplit(settings.base_url).hostname or "").lower()
