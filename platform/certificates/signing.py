"""The signed payload of a certificate, and the keys that sign and check it.

This module needs no database, so ``neutralpoint certificates verify`` uses it offline.
The byte format is specified in ``docs/certificates.md``; change it only with a new tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from neutralpoint.refusals import FieldError, problem

#: The first line of every signed body; a different format gets a different tag.
FORMAT_TAG = "NPC1"
FIELDS = (
    "format",
    "key_id",
    "number",
    "issued_at",
    "holder",
    "venue",
    "entry_point",
    "grams",
    "project",
    "project_registry_id",
    "pieces",
    "factor_set_version",
    "ledger",
)
#: A payload longer than this is refused before decoding (a QR code holds under 3 kB).
MAX_PAYLOAD_CHARS = 4000


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public_key: bytes) -> str:
    """The first 8 bytes of SHA-256 of the raw 32-byte public key, in hex."""
    return hashlib.sha256(public_key).digest()[:8].hex()


@dataclass(frozen=True)
class SigningKey:
    """The private key certificates are signed with now."""

    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return key_id(self.public_bytes)

    @classmethod
    def from_text(cls, text: str) -> SigningKey:
        """The setting's form: the 32-byte private seed in base64url."""
        try:
            seed = b64decode(text.strip())
        except (ValueError, binascii.Error):
            raise ValueError("must be a 32-byte Ed25519 private key in base64url") from None
        if len(seed) != 32:
            raise ValueError("must be a 32-byte Ed25519 private key in base64url")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @staticmethod
    def new_text() -> str:
        return b64encode(secrets.token_bytes(32))

    def sign(self, body: bytes) -> bytes:
        return self.private.sign(body)


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    public_key: bytes

    def as_json(self) -> dict[str, str]:
        return {"kid": self.key_id, "alg": "Ed25519", "public_key": b64encode(self.public_key)}


@dataclass(frozen=True)
class SignedFacts:
    """What a payload says, field by field (strings, as signed)."""

    key_id: str
    number: str
    issued_at: str
    holder: str
    venue: str
    entry_point: str
    grams: int
    project: str
    project_registry_id: str
    pieces: tuple[tuple[str, int, int], ...]
    """(serial, first gram, end gram) of each serial piece."""
    factor_set_version: str
    ledger: str
    """``<chain id>:<position>:<hash>`` of the sale's entry in the ledger, or empty."""


def _clean(value: str) -> str:
    return " ".join(value.split())


def body_of(facts: SignedFacts) -> bytes:
    pieces = ";".join(f"{_clean(serial)}:{start}-{end}" for serial, start, end in facts.pieces)
    lines = [
        FORMAT_TAG,
        facts.key_id,
        facts.number,
        facts.issued_at,
        _clean(facts.holder),
        _clean(facts.venue),
        _clean(facts.entry_point),
        str(facts.grams),
        _clean(facts.project),
        _clean(facts.project_registry_id),
        pieces,
        _clean(facts.factor_set_version),
        _clean(facts.ledger),
    ]
    return "\n".join(lines).encode("utf-8")


def sign_payload(facts: SignedFacts, key: SigningKey) -> str:
    """``base64url(body) "." base64url(signature)``, both without padding."""
    if facts.key_id != key.key_id:
        raise ValueError("the facts name another key")
    body = body_of(facts)
    return f"{b64encode(body)}.{b64encode(key.sign(body))}"


class InvalidPayloadError(Exception):
    """Why a payload is not a valid certificate; ``reason`` says it in every language, ``code`` is stable."""

    def __init__(self, code: str, reason: FieldError) -> None:
        super().__init__(reason.message("en"))
        self.code = code
        self.reason = reason


MALFORMED = "malformed"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"


def _malformed() -> InvalidPayloadError:
    return InvalidPayloadError(
        MALFORMED,
        problem(MALFORMED, "This is not a certificate code: it could not be read.", "这不是证书代码：无法读取。"),
    )


def payload_from_text(text: str) -> str:
    """A payload pasted as is, or the verify address the QR code holds (``…/certificates/verify?p=<payload>``)."""
    text = text.strip()
    if "p=" in text and ("?" in text or text.startswith("p=")):
        from urllib.parse import parse_qs, urlsplit

        query = urlsplit(text).query if "?" in text else text
        values = parse_qs(query).get("p")
        if values:
            return values[0].strip()
    return text


def parse_facts(body: bytes) -> SignedFacts:
    try:
        lines = body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise _malformed() from None
    if len(lines) != len(FIELDS) or lines[0] != FORMAT_TAG:
        raise _malformed()
    pieces: list[tuple[str, int, int]] = []
    try:
        for part in filter(None, lines[10].split(";")):
            serial, _, grams = part.rpartition(":")
            start, _, end = grams.partition("-")
            pieces.append((serial, int(start), int(end)))
        grams_total = int(lines[7])
    except ValueError:
        raise _malformed() from None
    return SignedFacts(
        key_id=lines[1],
        number=lines[2],
        issued_at=lines[3],
        holder=lines[4],
        venue=lines[5],
        entry_point=lines[6],
        grams=grams_total,
        project=lines[8],
        project_registry_id=lines[9],
        pieces=tuple(pieces),
        factor_set_version=lines[11],
        ledger=lines[12],
    )


def verify_payload(payload: str, keys: dict[str, bytes]) -> SignedFacts:
    """The payload's facts when one of ``keys`` (key id -> raw public key) signed it;
    otherwise ``InvalidPayloadError`` saying why."""
    payload = payload_from_text(payload)
    if len(payload) > MAX_PAYLOAD_CHARS or payload.count(".") != 1:
        raise _malformed()
    body_text, signature_text = payload.split(".")
    try:
        body, signature = b64decode(body_text), b64decode(signature_text)
    except (ValueError, binascii.Error):
        raise _malformed() from None
    facts = parse_facts(body)
    public = keys.get(facts.key_id)
    if public is None:
        raise InvalidPayloadError(
            UNKNOWN_KEY,
            problem(
                UNKNOWN_KEY,
                "It was signed with a key that is not ours (key id {key_id}).",
                "它是用一个不属于我们的密钥签名的（密钥编号 {key_id}）。",
                key_id=facts.key_id[:32],
            ),
        )
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, body)
    except (InvalidSignature, ValueError):
        raise InvalidPayloadError(
            BAD_SIGNATURE,
            problem(
                BAD_SIGNATURE,
                "The signature does not match: the code was altered or forged.",
                "签名不符：该代码已被篡改或伪造。",
            ),
        ) from None
    return facts


def keys_from_json(document: object) -> dict[str, bytes]:
    """The published key list (``/.well-known/neutralpoint/certificate-keys.json``)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a certificate key list: expected an object with a 'keys' list")
    keys: dict[str, bytes] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("alg") != "Ed25519":
            continue
        try:
            raw = b64decode(str(entry["public_key"]))
        except (KeyError, ValueError, binascii.Error):
            continue
        if len(raw) == 32 and key_id(raw) == entry.get("kid"):
            keys[key_id(raw)] = raw
    return keys
