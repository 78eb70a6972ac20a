"""Secrets that travel in links: e-mail verification, password resets, invitations, and
entry-point codes.

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


def new_invitation_token() -> tuple[str, str]:
    """``(token for the link, hash to store)``."""
    token = secrets.token_urlsafe(32)
    return token, invitation_hash(token)


def invitation_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_entry_point_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
