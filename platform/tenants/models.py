"""Venues (tenants), the people who run them, their branding and their entry points."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    case,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neutralpoint.database.base import Base, TenantScoped, new_id, utcnow
from neutralpoint.languages import DEFAULT_LANGUAGE
from neutralpoint.tenants.audit import Audited

#: Where a venue is when it has not said otherwise: most venues on the platform are in China.
DEFAULT_TIME_ZONE = "Asia/Shanghai"


def in_language(en: str | None, zh_hans: str | None, lang: str) -> str | None:
    """A name as a reader of ``lang`` reads it: theirs when the venue gave it, else the other one."""
    first, second = (zh_hans, en) if lang == "zh-Hans" else (en, zh_hans)
    return first or second or None


class TenantStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Role(enum.StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    STAFF = "staff"


class Tenant(Audited, Base):
    """A venue. The root of isolation: every venue-owned row points here."""

    __tablename__ = "tenants"
    __audit_entity__ = "venue"
    __audit_venue__ = "id"
    __audit_secret__ = frozenset({"host_claim_token"})
    __table_args__ = (
        CheckConstraint(
            "display_name_en IS NOT NULL OR display_name_zh_hans IS NOT NULL", name="display_name_in_a_language"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    #: The name the venue signed up with (kept as given, for the platform's records).
    name: Mapped[str] = mapped_column(String(120))
    #: The name visitors read, in English and in Chinese; at least one, each standing in for the other.
    display_name_en: Mapped[str | None] = mapped_column(String(120), nullable=True)
    display_name_zh_hans: Mapped[str | None] = mapped_column(String(120), nullable=True)
    contact_email: Mapped[str] = mapped_column(String(254))
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=TenantStatus.PENDING,
    )
    primary_color: Mapped[str] = mapped_column(String(7), default="#0f766e")
    default_language: Mapped[str] = mapped_column(String(10), default="en")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    logo_content_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    logo_version: Mapped[int] = mapped_column(Integer, default=0)
    #: The venue's own host name, proven to be the venue's (``host_claims``): the only one served.
    custom_host: Mapped[str | None] = mapped_column(String(253), unique=True, nullable=True)
    #: When and how ``custom_host`` was proven (``dns`` or ``http``).
    host_proven_at: Mapped[datetime | None] = mapped_column(nullable=True)
    host_proof: Mapped[str | None] = mapped_column(String(8), nullable=True)
    #: A host name the venue asked for and has not proven yet, and the token that proves it.
    #: Several venues may claim one name; the first to prove it gets it.
    host_claim: Mapped[str | None] = mapped_column(String(253), nullable=True)
    host_claim_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    host_claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    city_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latitude: Mapped[str | None] = mapped_column(String(16), nullable=True)
    longitude: Mapped[str | None] = mapped_column(String(16), nullable=True)
    enabled_scenarios: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why and since when the platform suspended the venue (its members read the reason).
    suspended_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    suspended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: The IANA time zone every date of the venue is shown in and every period counted in.
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __init__(self, display_name: str | None = None, **fields: Any) -> None:
        # ``display_name`` names the venue in its own language, which must be known first.
        super().__init__(**fields)
        if display_name is not None:
            self.display_name = display_name

    def display_name_in(self, lang: str) -> str:
        """The venue's name for a reader of ``lang`` (the other language's when it has none)."""
        return in_language(self.display_name_en, self.display_name_zh_hans, lang) or self.slug

    @hybrid_property
    def display_name(self) -> str:
        """The name in the venue's own language: for lists and records read by no one language."""
        return self.display_name_in(self.default_language or DEFAULT_LANGUAGE)

    @display_name.inplace.setter
    def _display_name_setter(self, value: str) -> None:
        if (self.default_language or DEFAULT_LANGUAGE) == "zh-Hans":
            self.display_name_zh_hans = value
        else:
            self.display_name_en = value

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls) -> ColumnElement[str]:
        return case(
            (cls.default_language == "zh-Hans", func.coalesce(cls.display_name_zh_hans, cls.display_name_en)),
            else_=func.coalesce(cls.display_name_en, cls.display_name_zh_hans),
        )

    @property
    def location(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return float(self.latitude), float(self.longitude)


class User(Audited, Base):
    """A person who signs in to run one or more venues (or the platform)."""

    __tablename__ = "users"
    __audit_entity__ = "user"
    __audit_venue__ = None
    __audit_secret__ = frozenset({"password_hash", "totp_secret"})
    #: Moves at every code accepted at sign-in: the sign-in throttle's business, not a change.
    __audit_skip__ = frozenset({"totp_last_step"})

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    email_verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Raised by a password change or reset and by "sign out everywhere": a signed-in
    #: session made under an older value ends at its next request.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The TOTP secret of the two-step sign-in, encrypted with a key derived from SECRET_KEY
    #: (``neutralpoint.tenants.second_factor``); set while being turned on, and while on.
    totp_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: When the two-step sign-in was turned on (a code confirmed the secret); None: off.
    totp_enabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: The time step of the last code accepted: that code, and earlier ones, are refused.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def second_factor_on(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None


class RecoveryCode(Base):
    """One of the codes that stand in once for a TOTP code (a lost phone); only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(TenantScoped, Audited, Base):
    __tablename__ = "memberships"
    __audit_entity__ = "membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Invitation(TenantScoped, Audited, Base):
    __tablename__ = "invitations"
    __audit_entity__ = "invitation"
    __audit_secret__ = frozenset({"token_hash"})

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntryPoint(TenantScoped, Audited, Base):
    """One QR code of a venue and the page it opens: an event, a hotel lobby, a restaurant, a ticket gate."""

    __tablename__ = "entry_points"
    __audit_entity__ = "entry_point"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("name_en IS NOT NULL OR name_zh_hans IS NOT NULL", name="name_in_a_language"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(16))
    #: Its name (a door, a hall, a gate) in English and in Chinese; at least one.
    name_en: Mapped[str | None] = mapped_column(String(120), nullable=True)
    name_zh_hans: Mapped[str | None] = mapped_column(String(120), nullable=True)
    scenario: Mapped[str] = mapped_column(String(40))
    #: The event held there, if any, in English and in Chinese.
    event_name_en: Mapped[str | None] = mapped_column(String(160), nullable=True)
    event_name_zh_hans: Mapped[str | None] = mapped_column(String(160), nullable=True)
    event_starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    event_ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    presets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def name_in(self, lang: str) -> str:
        return in_language(self.name_en, self.name_zh_hans, lang) or self.code

    def event_name_in(self, lang: str) -> str | None:
        return in_language(self.event_name_en, self.event_name_zh_hans, lang)

    @hybrid_property
    def name(self) -> str:
        """Either name, English first: for sorting and records read by no one language."""
        return self.name_in(DEFAULT_LANGUAGE)

    @name.inplace.setter
    def _name_setter(self, value: str) -> None:
        self.name_en = value

    @name.inplace.expression
    @classmethod
    def _name_expression(cls) -> ColumnElement[str]:
        return func.coalesce(cls.name_en, cls.name_zh_hans)

    @hybrid_property
    def event_name(self) -> str | None:
        return self.event_name_in(DEFAULT_LANGUAGE)

    @event_name.inplace.setter
    def _event_name_setter(self, value: str | None) -> None:
        # No event: neither language keeps a name.
        self.event_name_en = value
        if value is None:
            self.event_name_zh_hans = None

    @event_name.inplace.expression
    @classmethod
    def _event_name_expression(cls) -> ColumnElement[str | None]:
        return func.coalesce(cls.event_name_en, cls.event_name_zh_hans)


class OutboxMessage(Base):
    """An e-mail waiting to be sent (or, in development, only logged and kept)."""

    __tablename__ = "mail_outbox"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    # How it left: "smtp" (handed to the mail server) or "log" (no SMTP_HOST: written to
    # the log in development and kept here, so the link can still be found).
    delivery: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignInFailure(Base):
    """A failed sign-in, kept for a while to slow down guessing (``neutralpoint.tenants.authentication``).

    Keyed by the SHA-256 of the lower-cased address, not the address itself, and whether or
    not an account exists for it, and by the SHA-256 of the client's network address. Not
    venue-owned: sign-in comes before any venue.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_email_key_failed_at", "email_key", "failed_at"),
        Index("ix_sign_in_failures_client_key_failed_at", "client_key", "failed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email_key: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str] = mapped_column(String(64), default="", server_default="")
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A signed-in browser's server-side session, when there is no Redis to keep it.

    The browser's cookie holds only a random id; this row is keyed by that id's SHA-256,
    so that a copy of the table opens no session. Not venue-owned: signing in comes
    before any venue.
    """

    __tablename__ = "web_sessions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(index=True)
