"""The signed payload alone: round trip, tampering, unknown keys, malformed input."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from neutralpoint.certificates import signing

FACTS = {
    "number": "NPC-7K2M-9QXD-4TZR",
    "issued_at": "2026-12-07T03:01:02Z",
    "holder": "李伟",
    "venue": "青城山景区",
    "entry_point": "Summit 2026",
    "grams": 117_092,
    "project": "Longquan forest",
    "project_registry_id": "CDCER CDCER-0001",
    "pieces": (("CN-CDCER-0001-000001", 0, 117_092),),
    "factor_set_version": "2026.1",
    "ledger": "3d0f64c4-8a0e-4b1e-9c55-2f7f4a0d1c11:42:" + "ab" * 32,
}


def _signed(key: signing.SigningKey) -> tuple[signing.SignedFacts, str]:
    facts = signing.SignedFacts(key_id=key.key_id, **FACTS)  # type: ignore[arg-type]
    return facts, signing.sign_payload(facts, key)


def _key() -> signing.SigningKey:
    return signing.SigningKey.from_text(signing.SigningKey.new_text())


def _unb32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def test_round_trip_gives_back_every_field() -> None:
    key = _key()
    facts, payload = _signed(key)
    assert signing.verify_payload(payload, {key.key_id: key.public_bytes}) == facts
    assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    # The first certificates' text format still verifies.
    text = signing.sign_text_payload(facts, key)
    assert signing.verify_payload(text, {key.key_id: key.public_bytes}) == facts


clean = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30).map(lambda t: " ".join(t.split()))


@settings(max_examples=60, deadline=None)
@given(
    holder=clean,
    venue=clean,
    serial=clean,
    grams=st.integers(0, 2**63 - 1),
    start=st.integers(0, 10**6),
    seconds=st.integers(0, 2**32 - 1),
    position=st.integers(0, 2**40),
)
def test_any_facts_survive_the_compact_body(
    holder: str, venue: str, serial: str, grams: int, start: int, seconds: int, position: int
) -> None:
    key = _key()
    issued = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    facts = signing.SignedFacts(
        **{
            **FACTS,
            "key_id": key.key_id,
            "holder": holder,
            "venue": venue,
            "grams": grams,
            "issued_at": issued,
            "pieces": ((serial, start, start + 7),),
            "ledger": f"3d0f64c4-8a0e-4b1e-9c55-2f7f4a0d1c11:{position}:" + "cd" * 32,
        }
    )
    payload = signing.sign_payload(facts, key)
    assert signing.verify_payload(payload, {key.key_id: key.public_bytes}) == facts


def test_any_ed25519_library_checks_it_from_the_documented_bytes() -> None:
    """What docs/certificates.md tells a third party to do, step by step."""
    key = _key()
    _, payload = _signed(key)
    raw = _unb32(payload)
    body, signature = raw[:-64], raw[-64:]
    assert body[:4] == b"NPC2"
    assert body[4:12].hex() == key.key_id
    Ed25519PublicKey.from_public_bytes(key.public_bytes).verify(signature, body)
    # The number: 60 bits, five to a character of Crockford's base32.
    value = int.from_bytes(body[12:20], "big")
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    chars = "".join(alphabet[(value >> (5 * (11 - i))) & 31] for i in range(12))
    prefix = {0: "NP", 1: "NPC"}[value >> 60]
    assert f"{prefix}-{chars[:4]}-{chars[4:8]}-{chars[8:]}" == FACTS["number"]
    # A number of the first certificates (NP-): its top four bits are zero.
    old = signing.SignedFacts(key_id=key.key_id, **{**FACTS, "number": "NP-7K2M-9QXD-4TZR"})  # type: ignore[arg-type]
    old_body = _unb32(signing.sign_payload(old, key))[:-64]
    assert int.from_bytes(old_body[12:20], "big") >> 60 == 0
    assert signing.verify_payload(signing.sign_payload(old, key), {key.key_id: key.public_bytes}) == old
    # The first certificates' text body, as documented too.
    text = signing.sign_text_payload(signing.SignedFacts(key_id=key.key_id, **FACTS), key)  # type: ignore[arg-type]
    body_text, _signature_text = text.split(".")
    lines = base64.urlsafe_b64decode(body_text + "=" * (-len(body_text) % 4)).decode("utf-8").split("\n")
    assert lines[0] == "NPC1"
    assert lines[1] == key.key_id
    assert len(lines) == 13


def test_the_compact_code_makes_a_smaller_qr_code() -> None:
    """The QR code holds the whole signed certificate: NPC2 in alphanumeric mode needs a far
    smaller symbol than the text format in byte mode."""
    key = _key()
    facts, compact = _signed(key)
    text = signing.sign_text_payload(facts, key)
    compact_qr = segno.make_qr(signing.qr_address("https://np.example", compact), error="m", boost_error=False)
    text_qr = segno.make_qr(signing.qr_address("https://np.example", text), error="m", boost_error=False)
    assert signing.qr_address("https://np.example", compact) == f"HTTPS://NP.EXAMPLE/C/{compact}"
    assert compact_qr.mode == "alphanumeric"
    assert text_qr.mode == "byte"
    body_text, signature_text = text.split(".")
    text_bytes = len(signing.b64decode(body_text)) + len(signing.b64decode(signature_text))
    assert len(signing.b32decode(compact)) < 0.75 * text_bytes
    assert compact_qr.version <= text_qr.version - 4, (compact_qr.version, text_qr.version)
    # A base address with a path keeps its case (only scheme and host may change case).
    assert signing.qr_address("https://np.example/green", compact) == f"https://np.example/green/C/{compact}"


def test_an_altered_payload_is_refused() -> None:
    key = _key()
    _facts, payload = _signed(key)
    raw = _unb32(payload)
    body, signature = raw[:-64], raw[-64:]
    forged_body = body.replace("李伟".encode(), "李四".encode())
    assert forged_body != body
    with pytest.raises(signing.InvalidPayloadError) as refused:
        signing.verify_payload(signing.b32encode(forged_body + signature), {key.key_id: key.public_bytes})
    assert refused.value.code == signing.BAD_SIGNATURE


def test_a_payload_signed_by_another_key_is_refused() -> None:
    ours, theirs = _key(), _key()
    _, payload = _signed(theirs)
    with pytest.raises(signing.InvalidPayloadError) as refused:
        signing.verify_payload(payload, {ours.key_id: ours.public_bytes})
    assert refused.value.code == signing.UNKNOWN_KEY
    assert theirs.key_id in refused.value.reason.message("en")
    # A forger who puts our key id on their own signature gets a signature mismatch.
    facts = signing.SignedFacts(key_id=ours.key_id, **FACTS)  # type: ignore[arg-type]
    body = signing.compact_body_of(facts)
    forged = signing.b32encode(body + theirs.sign(body))
    with pytest.raises(signing.InvalidPayloadError) as refused:
        signing.verify_payload(forged, {ours.key_id: ours.public_bytes})
    assert refused.value.code == signing.BAD_SIGNATURE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "a.b.c",
        "!!!.???",
        "QUJD.QUJD",
        "x" * 5000,
        signing.b64encode(b"NPC1\nonly two") + ".AAAA",
        signing.b32encode(b"NPC2" + bytes(200)),
        signing.b32encode(b"NPC3" + bytes(200)),
        signing.b32encode(b"NPC2" + b"\xff" * 100),
        "HTTPS://NP.EXAMPLE/C/",
        "https://np.example/C/0189",
    ],
)
def test_malformed_payloads_are_refused_as_unreadable(text: str) -> None:
    with pytest.raises(signing.InvalidPayloadError) as refused:
        signing.verify_payload(text, {})
    assert refused.value.code == signing.MALFORMED


def test_the_verify_address_from_the_qr_code_is_accepted() -> None:
    key = _key()
    facts, payload = _signed(key)
    keys = {key.key_id: key.public_bytes}
    for url in (
        signing.qr_address("https://np.example", payload),
        f"https://np.example/certificates/verify?p={payload}",
        payload.lower(),
        f"  {payload[:40]}\n{payload[40:]} ",
    ):
        assert signing.verify_payload(url, keys) == facts


def test_published_key_list_round_trip_ignores_mismatched_ids() -> None:
    key = _key()
    good = signing.PublicKey(key.key_id, key.public_bytes).as_json()
    wrong = {**signing.PublicKey(_key().key_id, key.public_bytes).as_json()}
    assert signing.keys_from_json({"keys": [good, wrong]}) == {key.key_id: key.public_bytes}
    with pytest.raises(ValueError, match="keys"):
        signing.keys_from_json([1, 2])


def test_a_bad_signing_key_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="32-byte"):
        signing.SigningKey.from_text("too-short")
