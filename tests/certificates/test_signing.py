"""The signed payload alone: round trip, tampering, unknown keys, malformed input."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from neutralpoint.certificates import signing

FACTS = {
    "number": "NP-7K2M-9QXD-4TZR",
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


def test_round_trip_gives_back_every_field() -> None:
    key = _key()
    facts, payload = _signed(key)
    assert signing.verify_payload(payload, {key.key_id: key.public_bytes}) == facts
    assert len(payload) < 500


def test_any_ed25519_library_checks_it_from_the_documented_bytes() -> None:
    """What docs/certificates.md tells a third party to do, step by step."""
    key = _key()
    _, payload = _signed(key)
    body_text, signature_text = payload.split(".")
    body = base64.urlsafe_b64decode(body_text + "=" * (-len(body_text) % 4))
    signature = base64.urlsafe_b64decode(signature_text + "=" * (-len(signature_text) % 4))
    lines = body.decode("utf-8").split("\n")
    assert lines[0] == "NPC1"
    assert lines[1] == key.key_id
    assert len(lines) == 13
    Ed25519PublicKey.from_public_bytes(key.public_bytes).verify(signature, body)


def test_an_altered_payload_is_refused() -> None:
    key = _key()
    _facts, payload = _signed(key)
    body_text, signature_text = payload.split(".")
    body = base64.urlsafe_b64decode(body_text + "=" * (-len(body_text) % 4))
    forged_body = body.replace(b"\n117092\n", b"\n917092\n")
    assert forged_body != body
    forged = signing.b64encode(forged_body) + "." + signature_text
    with pytest.raises(signing.InvalidPayloadError) as refused:
        signing.verify_payload(forged, {key.key_id: key.public_bytes})
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
    body = signing.body_of(facts)
    forged = signing.b64encode(body) + "." + signing.b64encode(theirs.sign(body))
    with pytest.raises(signing.InvalidPayloadError) as refused:
        signing.verify_payload(forged, {ours.key_id: ours.public_bytes})
    assert refused.value.code == signing.BAD_SIGNATURE


@pytest.mark.parametrize(
    "text",
    ["", "hello", "a.b.c", "!!!.???", "QUJD.QUJD", "x" * 5000, signing.b64encode(b"NPC1\nonly two") + ".AAAA"],
)
def test_malformed_payloads_are_refused_as_unreadable(text: str) -> None:
    with pytest.raises(signing.InvalidPayloadError) as refused:
        signing.verify_payload(text, {})
    assert refused.value.code == signing.MALFORMED


def test_the_verify_address_from_the_qr_code_is_accepted() -> None:
    key = _key()
    facts, payload = _signed(key)
    url = f"https://np.example/certificates/verify?p={payload}"
    assert signing.verify_payload(url, {key.key_id: key.public_bytes}) == facts


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
