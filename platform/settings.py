"""Settings read from the environment, validated once at start-up.

Every setting has an environment variable of the same name; the README lists them all.
A bad value stops the process with a message that names the variable, rather than
failing later in a request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal, cast
from urllib.parse import urlsplit

from neutralpoint.fastpath import FastPath, FastPathSettingError

ENVIRONMENTS = ("development", "test", "production")
PAYMENT_PROVIDERS = ("sandbox", "stripe")
LOG_FORMATS = ("console", "json")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise SettingsError(f"{name} must be {bound}, got {value}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _choice(env: dict[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _url(env: dict[str, str], name: str, default: str | None, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name) or default
    if value is None:
        return None
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        raise SettingsError(f"{name} must start with one of {', '.join(s + '://' for s in schemes)}, got {value!r}")
    return value


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id's cost parameters: what makes a stolen hash slow to guess, and a sign-in slow.

    A stored hash carries the parameters it was made with, so changing them never locks
    anybody out: old hashes still verify and are made again at the next sign-in.
    """

    time_cost: int
    memory_kib: int
    parallelism: int


# argon2-cffi's own default (RFC 9106's second recommendation, "low memory"): about 0.5 s a hash
# on a small server, which is the point.
PRODUCTION_PASSWORD_HASHING = PasswordHashing(time_cost=3, memory_kib=64 * 1024, parallelism=4)
# The smallest parameters argon2 accepts, for NEUTRALPOINT_ENV=test only: the test suite hashes
# thousands of passwords and checks the production parameters once.
TEST_PASSWORD_HASHING = PasswordHashing(time_cost=1, memory_kib=8, parallelism=1)
# Production refuses anything weaker than OWASP's minimum for argon2id (19 MiB, 2 passes).
MINIMUM_PRODUCTION_MEMORY_KIB = 19 * 1024
MINIMUM_PRODUCTION_TIME_COST = 2


def _password_hashing(env: dict[str, str], environment: str) -> PasswordHashing:
    default = TEST_PASSWORD_HASHING if environment == "test" else PRODUCTION_PASSWORD_HASHING
    parallelism = _int(env, "PASSWORD_HASH_PARALLELISM", default.parallelism, 1, 255)
    hashing = PasswordHashing(
        time_cost=_int(env, "PASSWORD_HASH_TIME_COST", default.time_cost, 1, 100),
        memory_kib=_int(env, "PASSWORD_HASH_MEMORY_KIB", default.memory_kib, 8 * parallelism, 4 * 1024 * 1024),
        parallelism=parallelism,
    )
    if environment == "production" and (
        hashing.memory_kib < MINIMUM_PRODUCTION_MEMORY_KIB or hashing.time_cost < MINIMUM_PRODUCTION_TIME_COST
    ):
        raise SettingsError(
            "PASSWORD_HASH_MEMORY_KIB and PASSWORD_HASH_TIME_COST must be at least "
            f"{MINIMUM_PRODUCTION_MEMORY_KIB} and {MINIMUM_PRODUCTION_TIME_COST} when NEUTRALPOINT_ENV=production, "
            f"got {hashing.memory_kib} and {hashing.time_cost}"
        )
    return hashing


#: The time windows a rate limit may count in (those of Litestar's rate-limit middleware).
RateLimitUnit = Literal["second", "minute", "hour", "day"]
RATE_LIMIT_UNITS: tuple[RateLimitUnit, ...] = ("second", "minute", "hour", "day")


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` requests of one group from one client in a window of one ``unit``."""

    count: int
    unit: RateLimitUnit

    def describe(self) -> str:
        """The setting's value that gives this limit."""
        return f"{self.count}/{self.unit}"


#: The groups of public routes counted together per client (a route declares its group in its
#: ``opt``, ``neutralpoint.web.rate_limits``), with their limits in production and development.
#: One address may be a whole conference's Wi-Fi, so the visitors' own groups leave room for a
#: crowd; the groups that send e-mail or create accounts are tighter.
RATE_LIMIT_DEFAULTS: Mapping[str, RateLimit] = MappingProxyType(
    {
        # A visitor's calculator answers: the form and its JSON twin, the fast path's included.
        "estimates": RateLimit(300, "minute"),
        # New venues and accounts.
        "sign_up": RateLimit(10, "hour"),
        # "Send the verification link again".
        "verification_mail": RateLimit(5, "hour"),
        # Asking for a reset link, and choosing the new password with it.
        "password_reset": RateLimit(20, "hour"),
        # Sending invitations, and accepting them.
        "invitations": RateLimit(50, "hour"),
        # Looking a certificate up by number or QR payload, page and API.
        "certificate_checks": RateLimit(60, "minute"),
        # A visitor's history: asking for the mailed link, using it, joining a venue host's history.
        "footprint_links": RateLimit(30, "hour"),
        # Orders of credits, from the result page and the API (each holds credits for a while).
        "orders": RateLimit(60, "hour"),
    }
)


def _rate_limits(env: dict[str, str], environment: str) -> Mapping[str, RateLimit]:
    """``RATE_LIMIT_<GROUP>``: ``<count>/<unit>`` or ``off``. The test environment starts with
    every group off (the suite's clients share one address), and its tests turn on the ones
    they check."""
    limits: dict[str, RateLimit] = {}
    for group, default in RATE_LIMIT_DEFAULTS.items():
        name = f"RATE_LIMIT_{group.upper()}"
        raw = (env.get(name) or "").strip().lower()
        if not raw:
            if environment != "test":
                limits[group] = default
            continue
        if raw in {"off", "0", "none"}:
            continue
        count, _, unit = raw.partition("/")
        if not count.strip().isdigit() or int(count) < 1 or unit.strip() not in RATE_LIMIT_UNITS:
            raise SettingsError(
                f"{name} must be off or <count>/<unit> with a unit of {', '.join(RATE_LIMIT_UNITS)}"
                f" (for example {default.describe()}), got {env[name]!r}"
            )
        limits[group] = RateLimit(int(count), cast("RateLimitUnit", unit.strip()))
    return MappingProxyType(limits)


def normalize_database_url(url: str) -> str:
    """Accept the plain URLs people copy from a hosting panel and pick the async driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def scope_key_from_secret(secret_key: str) -> bytes:
    """The key that signs database scopes, derived from a secret: ``neutralpoint db upgrade``
    stores it in the database (``app.scope_keys``), the web process signs with it."""
    return hmac.new(secret_key.encode(), b"neutralpoint database scope", hashlib.sha256).digest()


@dataclass(frozen=True)
class Settings:
    environment: str
    data_dir: Path
    database_url: str
    database_migration_url: str
    redis_url: str | None
    secret_key: str
    base_url: str
    log_level: str
    log_format: str
    payment_provider: str
    stripe_secret_key: str | None
    stripe_publishable_key: str | None
    stripe_webhook_secret: str | None
    stripe_api_base: str | None
    stripe_webhook_tolerance: int
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    reservation_minutes: int
    refund_window_days: int
    logo_max_bytes: int
    web_concurrency: int
    password_hashing: PasswordHashing
    #: The pieces of the fast path in use (``NEUTRALPOINT_FAST_PATH``; see ``neutralpoint.fastpath``).
    fast_path: FastPath = field(default_factory=FastPath)
    #: The PostgreSQL connections one web process keeps, all of them open (``DATABASE_POOL_SIZE``);
    #: ``None``: 10 kept open and up to 20 more at a peak.
    database_pool_size: int | None = None
    #: Seconds arq lets a background job run (``JOB_TIMEOUT_SECONDS``). arq's timeout is
    #: final and a job killed with its worker runs again only this plus 10 s later, so it
    #: is short; a fulfilment gives up at three quarters of it and asks for a retry.
    job_timeout_seconds: int = 60
    #: The Ed25519 private key certificates are signed with (``CERTIFICATE_SIGNING_KEY``, 32
    #: bytes in base64url); outside production one is generated into ``DATA_DIR``.
    certificate_signing_key: str = ""
    #: A signed-in session ends after this many minutes without a request (``SESSION_IDLE_MINUTES``).
    session_idle_minutes: int = 12 * 60
    #: ... and this many hours after signing in, however busy (``SESSION_MAX_HOURS``).
    session_max_hours: int = 7 * 24
    #: The DNS servers a venue's host name is proven with (``HOST_PROOF_NAMESERVERS``, address
    #: and port each); empty: the system's resolver.
    host_proof_nameservers: tuple[tuple[str, int], ...] = ()
    #: The port the proof page of a venue's host is fetched from over HTTP (``HOST_PROOF_HTTP_PORT``).
    host_proof_http_port: int = 80
    #: Draw a certificate's PDF and share images as soon as it is issued
    #: (``CERTIFICATES_DRAWN_AT_ISSUE``); off, they are drawn when first asked for.
    certificates_drawn_at_issue: bool = True
    #: The rate limit of each group of public routes that has one (``RATE_LIMIT_<GROUP>``;
    #: ``RATE_LIMIT_DEFAULTS``); a group left out is not limited.
    rate_limits: Mapping[str, RateLimit] = field(default_factory=lambda: MappingProxyType({}))
    #: The secret the database scopes are signed from (``DATABASE_SCOPE_KEY``, 32 characters
    #: or more); empty: ``SECRET_KEY``. See docs/tenant-isolation.md.
    database_scope_secret: str = ""

    @property
    def database_scope_key(self) -> bytes:
        """Signs the venue scopes the web role enters on PostgreSQL (``app.enter_scope``)."""
        return scope_key_from_secret(self.database_scope_secret or self.secret_key)

    @property
    def payments_test_mode(self) -> bool:
        """Payments are taken in test mode only: the sandbox, or Stripe with its test keys.

        Then no money is taken at all, and the public figures (leaderboards, event pages,
        badges) count the test-mode certificates, marked "test mode", so that a demo still
        shows the loop working; with live payments they count live certificates alone.
        """
        if self.payment_provider != "stripe":
            return True
        return (self.stripe_secret_key or "").startswith(("sk_test_", "rk_test_"))

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        environment = _choice(env, "NEUTRALPOINT_ENV", "development", ENVIRONMENTS)
        data_dir = Path(env.get("DATA_DIR") or "var").resolve()

        default_db = f"sqlite+aiosqlite:///{data_dir / 'neutralpoint.db'}"
        database_url = normalize_database_url(
            _url(
                env,
                "DATABASE_URL",
                default_db,
                ("sqlite", "sqlite+aiosqlite", "postgres", "postgresql", "postgresql+asyncpg"),
            )
            or default_db
        )
        migration_url = normalize_database_url(
            _url(
                env,
                "DATABASE_MIGRATION_URL",
                database_url,
                ("sqlite", "sqlite+aiosqlite", "postgres", "postgresql", "postgresql+asyncpg"),
            )
            or database_url
        )
        if database_url.split(":", 1)[0].split("+")[0] != migration_url.split(":", 1)[0].split("+")[0]:
            raise SettingsError("DATABASE_MIGRATION_URL must point at the same kind of database as DATABASE_URL")

        secret_key = env.get("SECRET_KEY") or ""
        if not secret_key:
            if environment == "production":
                raise SettingsError("SECRET_KEY is required when NEUTRALPOINT_ENV=production")
            secret_key = _development_secret(data_dir)
        if len(secret_key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters long")
        scope_secret = env.get("DATABASE_SCOPE_KEY") or ""
        if scope_secret and len(scope_secret) < 32:
            raise SettingsError("DATABASE_SCOPE_KEY must be at least 32 characters long")

        signing_key = env.get("CERTIFICATE_SIGNING_KEY") or ""
        if signing_key:
            if not _is_signing_key(signing_key):
                raise SettingsError("CERTIFICATE_SIGNING_KEY must be a 32-byte Ed25519 private key in base64url")
        elif environment == "production":
            raise SettingsError("CERTIFICATE_SIGNING_KEY is required when NEUTRALPOINT_ENV=production")
        else:
            signing_key = _development_signing_key(data_dir)

        base_url = (_url(env, "BASE_URL", "http://127.0.0.1:8000", ("http", "https")) or "").rstrip("/")
        if environment == "production" and not _served_securely(base_url):
            raise SettingsError(
                "BASE_URL must start with https:// when NEUTRALPOINT_ENV=production "
                f"(cookies are sent only over HTTPS), got {base_url!r}"
            )

        provider = _choice(env, "PAYMENT_PROVIDER", "sandbox", PAYMENT_PROVIDERS)
        stripe_secret = env.get("STRIPE_SECRET_KEY") or None
        if provider == "stripe" and not stripe_secret:
            raise SettingsError("STRIPE_SECRET_KEY is required when PAYMENT_PROVIDER=stripe")

        return cls(
            environment=environment,
            data_dir=data_dir,
            database_url=database_url,
            database_migration_url=migration_url,
            redis_url=_url(env, "REDIS_URL", None, ("redis", "rediss", "unix")),
            secret_key=secret_key,
            base_url=base_url,
            log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            log_format=_choice(env, "LOG_FORMAT", "console" if environment != "production" else "json", LOG_FORMATS),
            payment_provider=provider,
            stripe_secret_key=stripe_secret,
            stripe_publishable_key=env.get("STRIPE_PUBLISHABLE_KEY") or None,
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=_url(env, "STRIPE_API_BASE", None, ("http", "https")),
            stripe_webhook_tolerance=_int(env, "STRIPE_WEBHOOK_TOLERANCE", 300, 1, 3600),
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=_int(env, "SMTP_PORT", 587, 1, 65535),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=_bool(env, "SMTP_STARTTLS", True),
            mail_from=env.get("MAIL_FROM") or "NeutralPoint <no-reply@localhost>",
            reservation_minutes=_int(env, "RESERVATION_MINUTES", 30, 1, 24 * 60),
            refund_window_days=_int(env, "REFUND_WINDOW_DAYS", 30, 0, 365),
            logo_max_bytes=_int(env, "LOGO_MAX_BYTES", 512 * 1024, 1024, 10 * 1024 * 1024),
            web_concurrency=_int(env, "WEB_CONCURRENCY", 1, 1, 64),
            password_hashing=_password_hashing(env, environment),
            fast_path=_fast_path(env),
            database_pool_size=_int(env, "DATABASE_POOL_SIZE", 0, 1, 1000) if env.get("DATABASE_POOL_SIZE") else None,
            certificate_signing_key=signing_key,
            session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 12 * 60, 5, 90 * 24 * 60),
            session_max_hours=_int(env, "SESSION_MAX_HOURS", 7 * 24, 1, 90 * 24),
            job_timeout_seconds=_int(env, "JOB_TIMEOUT_SECONDS", 60, 2, 3600),
            host_proof_nameservers=_nameservers(env, "HOST_PROOF_NAMESERVERS"),
            host_proof_http_port=_int(env, "HOST_PROOF_HTTP_PORT", 80, 1, 65535),
            certificates_drawn_at_issue=_bool(env, "CERTIFICATES_DRAWN_AT_ISSUE", True),
            rate_limits=_rate_limits(env, environment),
            database_scope_secret=scope_secret,
        )


#: Hosts a browser treats as secure over plain HTTP: a production server tried on one machine.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _served_securely(base_url: str) -> bool:
    """HTTPS, or a loopback address that never leaves the machine (no QR code can print it)."""
    parts = urlsplit(base_url)
    return parts.scheme == "https" or (parts.hostname or "") in LOOPBACK_HOSTS


def _nameservers(env: dict[str, str], name: str) -> tuple[tuple[str, int], ...]:
    """``10.0.0.2, 10.0.0.3:5353, [2001:db8::1]:53``: IP addresses, each with an optional port."""
    servers: list[tuple[str, int]] = []
    for item in (env.get(name) or "").split(","):
        entry = item.strip()
        if not entry:
            continue
        address, port = entry, "53"
        if entry.startswith("["):
            address, _, rest = entry[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else "53" if not rest else ""
        elif entry.count(":") == 1:
            address, port = entry.split(":")
        try:
            ipaddress.ip_address(address)
            number = int(port)
        except ValueError:
            raise SettingsError(f"{name} must list IP addresses, each with an optional :port, got {entry!r}") from None
        if not 1 <= number <= 65535:
            raise SettingsError(f"{name} ports must be between 1 and 65535, got {entry!r}")
        servers.append((address, number))
    return tuple(servers)


def _fast_path(env: dict[str, str]) -> FastPath:
    try:
        return FastPath.parse(env.get("NEUTRALPOINT_FAST_PATH"))
    except FastPathSettingError as exc:
        raise SettingsError(str(exc)) from None


def _development_secret(data_dir: Path) -> str:
    """Keep one random key per data folder so sessions survive a restart in development."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def _is_signing_key(text: str) -> bool:
    stripped = text.strip()
    if not stripped or not set(stripped) <= set(string.ascii_letters + string.digits + "-_"):
        return False
    try:
        return len(base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))) == 32
    except ValueError:
        return False


def _development_signing_key(data_dir: Path) -> str:
    """One generated certificate key per data folder outside production, kept like the secret key."""
    path = data_dir / "certificate_signing_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
        path.write_text(key)
        path.chmod(0o600)
        return key


@cache
def get_settings() -> Settings:
    return Settings.from_env()
