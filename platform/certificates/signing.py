"""The signed payload of a certificate, and the keys that sign and check it.

This module needs no database, so ``neutralpoint certificates verify`` uses it offline.
The byte format is specified in ``docs/certificates.md``; change it only with a new tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from neutralpoint.refusals import FieldError, problem

#: The first line of a text body (``NPC1``, the first certificates); a different format gets a different tag.
TEXT_FORMAT_TAG = "NPC1"
#: The first bytes of a compact body (``NPC2``, what certificates are signed in now).
COMPACT_TAG = b"NPC2"
FORMAT_TAG = COMPACT_TAG.decode("ascii")
#: The path of the address a compact code is printed under: ``<BASE_URL>/C/<payload>``.
COMPACT_PATH = "/C/"
SIGNATURE_BYTES = 64
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_NUMBER = re.compile(r"^(NPC?)-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})$")
#: A number's prefix, kept in the top four bits of its eight bytes (the 12 characters take
#: 60): ``NP-`` for the first certificates, whose numbers look like order references;
#: ``NPC-`` for those issued since, so that nobody takes one for the other.
NUMBER_PREFIXES = ("NP", "NPC")
NUMBER_PREFIX = "NPC"
_BASE32 = re.compile(r"^[A-Z2-7]+$")
_ISSUED_AT = "%Y-%m-%dT%H:%M:%SZ"
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
    """The ``NPC1`` text body (13 lines): how the first certificates were signed."""
    pieces = ";".join(f"{_clean(serial)}:{start}-{end}" for serial, start, end in facts.pieces)
    lines = [
        TEXT_FORMAT_TAG,
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


def sign_text_payload(facts: SignedFacts, key: SigningKey) -> str:
    """``NPC1``: ``base64url(body) "." base64url(signature)``, both without padding."""
    if facts.key_id != key.key_id:
        raise ValueError("the facts name another key")
    body = body_of(facts)
    return f"{b64encode(body)}.{b64encode(key.sign(body))}"


# --- NPC2: the compact binary body ------------------------------------------------------------


def _varint(value: int) -> bytes:
    """Unsigned LEB128: seven bits a byte, lowest first, the high bit set on all but the last."""
    if value < 0:
        raise ValueError("a varint is never negative")
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _text_field(value: str) -> bytes:
    raw = _clean(value).encode("utf-8")
    return _varint(len(raw)) + raw


def _number_bits(number: str) -> bytes:
    match = _NUMBER.match(number)
    if match is None:
        raise ValueError(f"not a certificate number: {number!r}")
    prefix, *groups = match.groups()
    value = NUMBER_PREFIXES.index(prefix)
    for char in "".join(groups):
        value = value * 32 + NUMBER_ALPHABET.index(char)
    return value.to_bytes(8, "big")


def _number_text(raw: bytes) -> str:
    value = int.from_bytes(raw, "big")
    if value >> 60 >= len(NUMBER_PREFIXES):
        raise ValueError("an unknown certificate number prefix")
    chars = "".join(NUMBER_ALPHABET[(value >> (5 * (11 - i))) & 31] for i in range(12))
    return f"{NUMBER_PREFIXES[value >> 60]}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def compact_body_of(facts: SignedFacts) -> bytes:
    """The ``NPC2`` body, byte by byte as ``docs/certificates.md`` specifies it."""
    issued = datetime.strptime(facts.issued_at, _ISSUED_AT).replace(tzinfo=UTC)
    out = bytearray(COMPACT_TAG)
    out += bytes.fromhex(facts.key_id)
    if len(out) != 12:
        raise ValueError("a key id is 8 bytes in hex")
    out += _number_bits(facts.number)
    out += int(issued.timestamp()).to_bytes(4, "big")
    out += _varint(facts.grams)
    for text in (
        facts.holder,
        facts.venue,
        facts.entry_point,
        facts.project,
        facts.project_registry_id,
        facts.factor_set_version,
    ):
        out += _text_field(text)
    out += _varint(len(facts.pieces))
    for serial, start, end in facts.pieces:
        out += _text_field(serial) + _varint(start) + _varint(end)
    if facts.ledger:
        chain, position, entry_hash = facts.ledger.split(":")
        out += b"\x01" + uuid.UUID(chain).bytes + _varint(int(position)) + bytes.fromhex(entry_hash)
    else:
        out += b"\x00"
    return bytes(out)


class _Reader:
    """Reads a compact body front to back; any overrun is a malformed code."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise ValueError("the body ends too soon")
        part = self.data[self.at : self.at + count]
        self.at += count
        return part

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value
            if shift > 63:
                raise ValueError("a varint longer than 64 bits")

    def text(self) -> str:
        return self.take(self.varint()).decode("utf-8")


def parse_compact_facts(body: bytes) -> SignedFacts:
    reader = _Reader(body)
    try:
        if reader.take(4) != COMPACT_TAG:
            raise ValueError("not NPC2")
        key = reader.take(8).hex()
        number = _number_text(reader.take(8))
        issued_at = datetime.fromtimestamp(int.from_bytes(reader.take(4), "big"), UTC).strftime(_ISSUED_AT)
        grams = reader.varint()
        holder, venue, entry_point, project, registry_id, factor_set = (reader.text() for _ in range(6))
        pieces = []
        for _ in range(reader.varint()):
            serial = reader.text()
            pieces.append((serial, reader.varint(), reader.varint()))
        flag = reader.take(1)
        if flag == b"\x01":
            chain = uuid.UUID(bytes=reader.take(16))
            position = reader.varint()
            ledger = f"{chain}:{position}:{reader.take(32).hex()}"
        elif flag == b"\x00":
            ledger = ""
        else:
            raise ValueError("unknown ledger flag")
        if reader.at != len(body):
            raise ValueError("bytes after the last field")
    except (ValueError, UnicodeDecodeError, OverflowError):
        raise _malformed() from None
    return SignedFacts(
        key_id=key,
        number=number,
        issued_at=issued_at,
        holder=holder,
        venue=venue,
        entry_point=entry_point,
        grams=grams,
        project=project,
        project_registry_id=registry_id,
        pieces=tuple(pieces),
        factor_set_version=factor_set,
        ledger=ledger,
    )


def b32encode(raw: bytes) -> str:
    return base64.b32encode(raw).rstrip(b"=").decode("ascii")


def b32decode(text: str) -> bytes:
    if not _BASE32.match(text):
        raise ValueError("not base32")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def sign_payload(facts: SignedFacts, key: SigningKey) -> str:
    """``NPC2``: ``base32(body ‖ signature)``, upper case, without padding, so that the QR
    code holds it in alphanumeric mode (5.5 bits a character instead of 8)."""
    if facts.key_id != key.key_id:
        raise ValueError("the facts name another key")
    body = compact_body_of(facts)
    return b32encode(body + key.sign(body))


def qr_address(base_url: str, payload: str) -> str:
    """What a certificate's QR code holds: the address that checks ``payload``.

    A compact code goes under ``/C/`` and, when the base address has no path, the whole
    address is in upper case (scheme and host are read in any case), so every character is
    one of the QR code's alphanumeric set and the symbol stays small.
    """
    if "." in payload:
        return f"{base_url}/certificates/verify?p={payload}"
    split = urlsplit(base_url)
    base = f"{split.scheme}://{split.netloc}".upper() if split.path in ("", "/") else base_url.rstrip("/")
    return f"{base}{COMPACT_PATH}{payload}"


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
    """A payload pasted as is, or the address a QR code holds (``…/C/<payload>``, or
    ``…/certificates/verify?p=<payload>`` for the first certificates)."""
    text = "".join(text.split())
    if "p=" in text and ("?" in text or text.startswith("p=")):
        query = urlsplit(text).query if "?" in text else text
        values = parse_qs(query).get("p")
        if values:
            text = values[0].strip()
    elif "://" in text:
        path = urlsplit(text).path
        if path[:3].upper() == COMPACT_PATH:
            text = path[3:]
    # A compact code is base32: read in any case, as a person may type it.
    return text if "." in text else text.upper()


def parse_facts(body: bytes) -> SignedFacts:
    try:
        lines = body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise _malformed() from None
    if len(lines) != len(FIELDS) or lines[0] != TEXT_FORMAT_TAG:
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
    if len(payload) > MAX_PAYLOAD_CHARS or payload.count(".") > 1:
        raise _malformed()
    if "." in payload:
        body_text, signature_text = payload.split(".")
        try:
            body, signature = b64decode(body_text), b64decode(signature_text)
        except (ValueError, binascii.Error):
            raise _malformed() from None
        facts = parse_facts(body)
    else:
        try:
            raw = b32decode(payload)
        except (ValueError, binascii.Error):
            raise _malformed() from None
        if len(raw) <= SIGNATURE_BYTES + 24:
            raise _malformed()
        body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
        facts = parse_compact_facts(body)
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
