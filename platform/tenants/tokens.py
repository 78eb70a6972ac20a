"""Secrets that travel in links and cookies: e-mail verification, password resets,
invitations, sign-in links, the anonymous visitor's id, and entry-point codes.

A verification link is signed rather than stored: HMAC-SHA256 with the secret key over
the user's id, their e-mail address and an expiry, so it stops working when it expires
or when the address changes. A password-reset link is signed the same way (with a
purpose of its own) and also covers the current password hash, so it works once: the new
password's hash (argon2, freshly salted) no longer matches it. An invitation's token is
random and only its SHA-256 is stored, so a copy of the database cannot be used to accept
invitations.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta

VERIFY_TTL = timedelta(days=3)
RESET_TTL = timedelta(hours=1)
INVITATION_TTL = timedelta(days=7)
#: How long a link from a venue's own host to the platform's joins the two hosts' visitors.
HOST_JOIN_TTL = timedelta(minutes=15)
# Upper-case letters and digits without the look-alikes 0/O, 1/I/L: codes are read off
# posters and typed by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def _mac(secret_key: str, purpose: str, *parts: str) -> bytes:
    key = hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest()
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signed(secret_key: str, purpose: str, user_id: uuid.UUID, expires: int, parts: tuple[str, ...]) -> bytes:
    return _mac(secret_key, purpose, user_id.hex, *parts, str(expires))


def _signed_token(
    secret_key: str, purpose: str, user_id: uuid.UUID, ttl: timedelta, parts: tuple[str, ...], now: datetime | None
) -> str:
    """``<user id>.<expiry>.<HMAC over the purpose, user id, parts and expiry>``."""
    expires = int(((now or datetime.now(UTC)) + ttl).timestamp())
    return f"{user_id.hex}.{expires}.{_b64(_signed(secret_key, purpose, user_id, expires, parts))}"


def _signed_token_valid(
    secret_key: str, purpose: str, token: str, user_id: uuid.UUID, parts: tuple[str, ...], now: datetime | None
) -> bool:
    try:
        user_hex, expires_text, mac_text = token.split(".")
        expires = int(expires_text)
        mac = _unb64(mac_text)
    except ValueError:
        return False
    if user_hex != user_id.hex or expires < int((now or datetime.now(UTC)).timestamp()):
        return False
    return hmac.compare_digest(mac, _signed(secret_key, purpose, user_id, expires, parts))


def verification_token(secret_key: str, user_id: uuid.UUID, email: str, now: datetime | None = None) -> str:
    return _signed_token(secret_key, "verify-email", user_id, VERIFY_TTL, (email.lower(),), now)


def verification_user_id(token: str) -> uuid.UUID | None:
    """The user a token claims to be for (checked by ``verification_valid`` afterwards)."""
    try:
        return uuid.UUID(hex=token.split(".", 1)[0])
    except (ValueError, IndexError):
        return None


def verification_valid(
    secret_key: str, token: str, user_id: uuid.UUID, email: str, now: datetime | None = None
) -> bool:
    return _signed_token_valid(secret_key, "verify-email", token, user_id, (email.lower(),), now)


def password_reset_token(
    secret_key: str, user_id: uuid.UUID, email: str, password_hash: str, now: datetime | None = None
) -> str:
    """A link token for ``RESET_TTL`` that stops working once the password hash changes."""
    parts = (email.lower(), _fingerprint(password_hash))
    return _signed_token(secret_key, "reset-password", user_id, RESET_TTL, parts, now)


def password_reset_valid(
    secret_key: str, token: str, user_id: uuid.UUID, email: str, password_hash: str, now: datetime | None = None
) -> bool:
    parts = (email.lower(), _fingerprint(password_hash))
    return _signed_token_valid(secret_key, "reset-password", token, user_id, parts, now)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()


def new_link_token() -> tuple[str, str]:
    """``(token for the link, hash to store)``: a random secret of which only the SHA-256 is kept."""
    token = secrets.token_urlsafe(32)
    return token, link_token_hash(token)


def link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def visitor_token(secret_key: str, visitor_id: uuid.UUID) -> str:
    """``<visitor id>.<HMAC>``: the anonymous visitor's cookie value (no expiry: the cookie has one)."""
    return f"{visitor_id.hex}.{_b64(_mac(secret_key, 'visitor', visitor_id.hex)[:18])}"


def visitor_of_token(secret_key: str, token: str | None) -> uuid.UUID | None:
    """The visitor a cookie value names, when its signature checks; None for anything else."""
    if not token or len(token) > 80:
        return None
    try:
        visitor_hex, mac_text = token.split(".")
        visitor_id = uuid.UUID(hex=visitor_hex)
        mac = _unb64(mac_text)
    except ValueError:
        return None
    if visitor_id.hex != visitor_hex or not hmac.compare_digest(
        mac, _mac(secret_key, "visitor", visitor_id.hex)[:18]
    ):
        return None
    return visitor_id


def host_join_token(secret_key: str, visitor_id: uuid.UUID, now: datetime | None = None) -> str:
    """A short-lived link token naming the visitor a venue's own host knows, so that the
    platform's host can join it to its own visitor (the two hosts' cookies differ)."""
    return _signed_token(secret_key, "host-join", visitor_id, HOST_JOIN_TTL, (), now)


def host_join_visitor(secret_key: str, token: str, now: datetime | None = None) -> uuid.UUID | None:
    """The visitor a join token names, while it is valid."""
    visitor_id = verification_user_id(token) if token and len(token) <= 200 else None
    if visitor_id is None or not _signed_token_valid(secret_key, "host-join", token, visitor_id, (), now):
        return None
    return visitor_id


def new_entry_point_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
