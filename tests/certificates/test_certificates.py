"""Issuing once per fulfilled order, voiding on refund, rotating keys, the verify page, its
API and the offline command, through the real payments path (sandbox provider)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from shop_world import GRAMS, World
from sqlalchemy import func, select

from neutralpoint.app import create_app
from neutralpoint.certificates import services, signing
from neutralpoint.certificates.cli import group as certificates_cli
from neutralpoint.certificates.models import Certificate
from neutralpoint.credits.models import LedgerEntry
from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import JobQueue, tasks
from neutralpoint.payments import fulfilment
from neutralpoint.payments import services as payments
from neutralpoint.payments.providers import SandboxProvider
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import Tenant

KEYS = "/.well-known/neutralpoint/certificate-keys.json"
VERIFY_API = "/api/v1/public/certificates/verify"


async def _paid_order(world: World, shop: Any, **body: Any) -> str:
    order = (await world.order(shop, await world.footprint(shop), **body)).json()
    paid = await world.sandbox_pay(shop, order["reference"])
    assert paid.status_code == 200, paid.text
    return str(order["reference"])


async def _certificate(db: Database, reference: str) -> Certificate:
    async with db.platform_session() as session:
        found = await session.scalar(select(Certificate).where(Certificate.order_reference == reference))
    assert found is not None
    return found


async def test_fulfilment_issues_exactly_one_certificate_however_often_it_runs(
    world: World, db: Database, settings: Settings, jobs: JobQueue
) -> None:
    shop = await world.shop()
    reference = await _paid_order(world, shop, buyer_name="Li  Wei")
    fulfil = tasks()["fulfil_order"]
    ctx = {"db": db, "settings": settings, "payment_provider": SandboxProvider(db)}
    outcomes = await asyncio.gather(*(fulfil(ctx, reference) for _ in range(5)))
    await jobs.drain()
    assert set(outcomes) <= {fulfilment.FULFILLED, fulfilment.ALREADY}
    assert await fulfilment.fulfil(db, SandboxProvider(db), settings, reference) == fulfilment.ALREADY
    async with db.platform_session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.order_reference == reference)
        )
    assert count == 1
    certificate = await _certificate(db, reference)
    assert services.NUMBER_PATTERN.match(certificate.number)
    assert certificate.holder == "Li Wei"
    assert not certificate.holder_is_anonymous
    assert certificate.grams == GRAMS
    assert certificate.venue_id == shop.venue_id
    assert certificate.entry_point == "Summit"
    assert certificate.factor_set_version
    assert certificate.ledger_chain is not None
    assert certificate.ledger_position is not None
    assert len(certificate.ledger_hash) == 64
    async with db.platform_session() as session:
        entry = await session.scalar(
            select(LedgerEntry).where(
                LedgerEntry.chain_id == certificate.ledger_chain, LedgerEntry.seq == certificate.ledger_position
            )
        )
    assert entry is not None
    assert entry.kind == "sell"
    assert entry.hash == certificate.ledger_hash
    assert entry.order_ref == reference
    assert sum(p["gram_to"] - p["gram_from"] for p in certificate.pieces) == GRAMS
    order = await world.get(shop, reference)
    assert order["certificate_number"] == certificate.number
    assert order["certificate_url"].endswith(f"/certificates/verify?number={certificate.number}")


def test_numbers_are_random_and_forgiving_to_type() -> None:
    numbers = [services.new_number() for _ in range(2000)]
    assert len(set(numbers)) == len(numbers)
    assert all(services.NUMBER_PATTERN.match(n) for n in numbers)
    # Every position takes every character: nothing to count on from one number to the next.
    assert all(len({n[i] for n in numbers}) == 32 for i in (4, 9, 17))
    # New numbers are not shaped like order references (NP-XXXX-XXXX-XXXX).
    assert all(n.startswith("NPC-") for n in numbers)
    assert services.normalize_number("npc 7k2m 9qxd 4tzr") == "NPC-7K2M-9QXD-4TZR"
    assert services.normalize_number("np 7k2m 9qxd 4tzr") == "NP-7K2M-9QXD-4TZR"
    assert services.normalize_number("NP7K2M9QXD4TZR") == "NP-7K2M-9QXD-4TZR"
    assert services.normalize_number("np-1lio-0000-0000") == "NP-1110-0000-0000"
    # Without a prefix it may be either: the newest first.
    assert services.candidate_numbers("7k2m9qxd4tzr") == ["NPC-7K2M-9QXD-4TZR", "NP-7K2M-9QXD-4TZR"]
    assert services.candidate_numbers("NPC-7K2M") == []


async def test_a_first_certificate_numbered_np_still_resolves_and_verifies(
    world: World, db: Database, settings: Settings, jobs: JobQueue, tmp_path: Path
) -> None:
    """Certificates issued before the NPC- prefix carry NP- numbers inside their signed payloads."""
    shop = await world.shop()
    reference = await _paid_order(world, shop, buyer_name="Li Wei")
    await jobs.drain()
    certificate = await _certificate(db, reference)
    assert certificate.number.startswith("NPC-")
    old_number = "NP-" + certificate.number.removeprefix("NPC-")
    key = services.signing_key(settings)
    facts = signing.verify_payload(certificate.payload, {key.key_id: key.public_bytes})
    old_payload = signing.sign_payload(dataclasses.replace(facts, number=old_number), key)
    # The prefix lives in the number's top four bits: zero for NP-, as the first payloads hold.
    assert signing.b32decode(old_payload)[12] >> 4 == 0
    assert signing.b32decode(certificate.payload)[12] >> 4 == 1
    async with db.platform_session() as session:
        stored = await session.get(Certificate, certificate.id)
        assert stored is not None
        stored.number, stored.payload = old_number, old_payload

    for asked in ({"number": old_number}, {"number": old_number.replace("-", "").lower()}, {"p": old_payload}):
        verdict = (await world.client.get(VERIFY_API, params=asked)).json()
        assert (verdict["valid"], verdict["reason_code"]) == (True, "valid"), asked
        assert verdict["certificate"]["number"] == old_number
    page = await world.client.get(f"/certificates/{old_number}", params={"lang": "en"})
    assert page.status_code == 200
    assert old_number in page.text
    # Typed without its prefix, the number finds it too.
    bare = await world.client.get(
        f"/certificates/{old_number.removeprefix('NP-')}", params={"lang": "en"}, follow_redirects=False
    )
    assert bare.status_code == 301
    assert bare.headers["location"].startswith(f"/certificates/{old_number}")
    keys_file = tmp_path / "keys.json"
    keys_file.write_text((await world.client.get(KEYS)).text)
    answer = CliRunner().invoke(certificates_cli, ["verify", old_payload, "--keys", str(keys_file)])
    assert answer.exit_code == 0, answer.output
    assert old_number in answer.output


async def test_the_verify_api_checks_by_number_and_by_payload(world: World, db: Database, jobs: JobQueue) -> None:
    shop = await world.shop()
    reference = await _paid_order(world, shop)
    await jobs.drain()
    certificate = await _certificate(db, reference)
    assert certificate.holder_is_anonymous
    by_number = (await world.client.get(VERIFY_API, params={"number": certificate.number.lower()})).json()
    assert by_number["valid"] is True
    assert by_number["signature_valid"] is True
    body = by_number["certificate"]
    assert body["number"] == certificate.number
    assert body["status"] == "valid"
    assert body["retirement_status"] == "pending"
    assert body["grams"] == GRAMS
    assert body["pieces"]
    assert all(p["retirement_status"] == "pending" for p in body["pieces"])
    assert body["project_url"].endswith(f"/projects/{body['project_url'].rsplit('/', 1)[-1]}")
    by_payload = (await world.client.get(VERIFY_API, params={"p": certificate.payload})).json()
    assert by_payload["valid"] is True
    assert by_payload["certificate"]["number"] == certificate.number


async def test_bad_input_is_not_valid_with_a_reason_in_both_languages(
    world: World, db: Database, jobs: JobQueue
) -> None:
    shop = await world.shop()
    reference = await _paid_order(world, shop)
    await jobs.drain()
    certificate = await _certificate(db, reference)
    raw = signing.b32decode(certificate.payload)
    body, signature = raw[:-64], raw[-64:]
    assert b"Anonymous" in body
    altered = body.replace(b"Anonymous", b"Anonymoux")
    stranger = signing.SigningKey.from_text(signing.SigningKey.new_text())
    stranger_body = body[:4] + bytes.fromhex(stranger.key_id) + body[12:]
    cases = {
        "malformed": {"p": "not-a-certificate"},
        "bad_signature": {"p": signing.b32encode(altered + signature)},
        "unknown_key": {"p": signing.b32encode(stranger_body + stranger.sign(stranger_body))},
        "cut_short": {"p": certificate.payload[:-20]},
        "not_base32": {"p": certificate.payload[:-1] + "1"},
        "unknown_number": {"number": "NPC-0000-0000-0000"},
        "bad_number": {"number": "<script>"},
        "nothing_to_check": {"number": " "},
    }
    for code, params in cases.items():
        answer = await world.client.get(VERIFY_API, params=params)
        assert answer.status_code == 200, (code, answer.text)
        verdict = answer.json()
        assert verdict["valid"] is False, code
        assert verdict["reason_code"] == {"cut_short": "malformed", "not_base32": "malformed"}.get(code, code)
        assert verdict["reason"]["en"], verdict
        assert verdict["reason"]["zh-Hans"] != verdict["reason"]["en"], verdict
        if code == "nothing_to_check":
            continue
        page = await world.client.get("/certificates/verify", params={**params, "lang": "zh-Hans"})
        assert page.status_code == 200, (code, page.text)
        assert "这不是一张有效的证书" in page.text
        assert verdict["reason"]["zh-Hans"] in page.text


async def test_a_refund_voids_the_certificate(world: World, db: Database, settings: Settings, jobs: JobQueue) -> None:
    shop = await world.shop()
    reference = await _paid_order(world, shop, buyer_name="Zhang San")
    await jobs.drain()
    certificate = await _certificate(db, reference)
    await payments.refund_order(db, SandboxProvider(db), settings, reference, actor="test")
    verdict = (await world.client.get(VERIFY_API, params={"p": certificate.payload})).json()
    assert verdict["valid"] is False
    assert verdict["signature_valid"] is True
    assert verdict["reason_code"] == "void"
    assert verdict["certificate"]["status"] == "void"
    assert verdict["certificate"]["voided_at"]
    page = await world.client.get("/certificates/verify", params={"number": certificate.number, "lang": "en"})
    assert "voided" in page.text
    assert "Zhang San" in page.text


async def test_rotating_the_key_keeps_old_certificates_verifiable(
    world: World, db: Database, settings: Settings, registry: ScenarioRegistry, jobs: JobQueue, tmp_path: Path
) -> None:
    shop = await world.shop()
    old_reference = await _paid_order(world, shop)
    await jobs.drain()
    old = await _certificate(db, old_reference)
    # The operator sets a new CERTIFICATE_SIGNING_KEY and restarts: a second application.
    rotated = dataclasses.replace(settings, certificate_signing_key=signing.SigningKey.new_text())
    new_key = services.signing_key(rotated)
    assert new_key.key_id != old.key_id
    restarted = create_app(rotated, registry)
    async with AsyncTestClient(app=restarted, base_url="http://testserver.local") as client:
        new_reference = await _paid_order(World(db, client), shop)
        await restarted.state.jobs.drain()
        published_now = (await client.get(KEYS)).json()
    new = await _certificate(db, new_reference)
    assert new.key_id == new_key.key_id
    assert {old.key_id, new.key_id} <= {k["kid"] for k in published_now["keys"]}
    async with db.platform_session() as session:
        published = {k.key_id for k in await services.published_keys(session, rotated)}
        assert {old.key_id, new.key_id} <= published
        for certificate in (old, new):
            verdict = await services.verify(session, rotated, payload=certificate.payload)
            assert verdict.valid, verdict.reason
        keys_document = {"keys": [k.as_json() for k in await services.published_keys(session, rotated)]}
    # The command checks both offline, against the saved key list.
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(keys_document))
    runner = CliRunner()
    for certificate in (old, new):
        result = runner.invoke(certificates_cli, ["verify", certificate.payload, "--keys", str(keys_file)])
        assert result.exit_code == 0, result.output
        assert certificate.number in result.output
        assert "VALID SIGNATURE" in result.output


async def test_the_command_verifies_offline_against_the_published_keys(
    world: World, db: Database, jobs: JobQueue, tmp_path: Path
) -> None:
    shop = await world.shop()
    reference = await _paid_order(world, shop, buyer_name="王芳")
    await jobs.drain()
    certificate = await _certificate(db, reference)
    published = await world.client.get(KEYS)
    assert published.status_code == 200
    assert published.json()["format"] == "NPC2"
    assert certificate.key_id in {k["kid"] for k in published.json()["keys"]}
    keys_file = tmp_path / "certificate-keys.json"
    keys_file.write_text(published.text)
    runner = CliRunner()
    for url in (
        f"HTTPS://NP.EXAMPLE/C/{certificate.payload}",
        f"https://np.example/certificates/verify?p={certificate.payload}",
        certificate.payload.lower(),
    ):
        result = runner.invoke(certificates_cli, ["verify", url, "--keys", str(keys_file), "--json"])
        assert result.exit_code == 0, result.output
        facts = json.loads(result.output)["facts"]
        assert facts["holder"] == "王芳"
        assert facts["grams"] == GRAMS
        assert facts["number"] == certificate.number
    raw = signing.b32decode(certificate.payload)
    altered = signing.b32encode(raw[:-64].replace("王芳".encode(), "王五".encode()) + raw[-64:])
    refused = runner.invoke(certificates_cli, ["verify", altered, "--keys", str(keys_file)])
    assert refused.exit_code == 1
    assert "NOT VALID" in refused.output
    assert "altered or forged" in refused.output
    assert "签名不符" in refused.output


async def test_the_verify_page_and_the_order_page_link(world: World, db: Database, jobs: JobQueue) -> None:
    shop = await world.shop()
    reference = await _paid_order(world, shop, buyer_name="Li Wei")
    await jobs.drain()
    certificate = await _certificate(db, reference)
    order_page = await world.client.get(f"/v/{shop.slug}/orders/{reference}", params={"lang": "en"})
    assert f"/certificates/verify?number={certificate.number}" in order_page.text
    page = await world.client.get("/certificates/verify", params={"p": certificate.payload, "lang": "en"})
    assert page.status_code == 200
    assert "This certificate is valid" in page.text
    assert certificate.number in page.text
    assert "Li Wei" in page.text
    assert all(p["serial"] in page.text for p in certificate.pieces)
    chinese = await world.client.get("/certificates/verify", params={"number": certificate.number, "lang": "zh-Hans"})
    assert "此证书有效" in chinese.text
    assert "待注销" in chinese.text
    empty = await world.client.get("/certificates/verify")
    assert empty.status_code == 200
    assert 'name="number"' in empty.text


async def test_the_verify_page_names_the_venue_as_now_beside_what_was_signed(
    world: World, db: Database, jobs: JobQueue
) -> None:
    shop = await world.shop()
    reference = await _paid_order(world, shop, buyer_name="Li Wei")
    await jobs.drain()
    certificate = await _certificate(db, reference)
    signed = certificate.venue_name
    page = await world.client.get("/certificates/verify", params={"number": certificate.number, "lang": "en"})
    assert 'id="venue-signed"' not in page.text  # the same name: said once
    async with db.platform_session() as session:
        venue = await session.get(Tenant, shop.venue_id)
        assert venue is not None
        venue.display_name_en, venue.display_name_zh_hans = "Chengdu Summit", "成都峰会"
    for lang, now, said in (
        ("en", "Chengdu Summit", f"as signed: {signed}"),
        ("zh-Hans", "成都峰会", f"签名时为：{signed}"),
    ):
        page = await world.client.get("/certificates/verify", params={"number": certificate.number, "lang": lang})
        assert f'<span id="venue-now">{now}</span>' in page.text, lang
        assert said in page.text, lang
