"""``neutralpoint certificates verify``: check a certificate's code with no server of ours.

The keys come from a file (saved once from the well-known address) or from that address;
with a file, nothing leaves the machine.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import click

from neutralpoint.certificates import reading, signing
from neutralpoint.languages import LANGUAGES

KEYS_PATH = "/.well-known/neutralpoint/certificate-keys.json"


def _load_keys(source: str) -> dict[str, bytes]:
    if source.startswith(("http://", "https://")):
        url = source if source.endswith(".json") else source.rstrip("/") + KEYS_PATH
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (the scheme is checked above)
                document = json.loads(answer.read())
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"could not read the keys at {url}: {exc}") from exc
    else:
        try:
            document = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"could not read the keys file {source}: {exc}") from exc
    try:
        keys = signing.keys_from_json(document)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not keys:
        raise click.ClickException(f"{source} holds no Ed25519 key")
    return keys


@click.group("certificates")
def group() -> None:
    """Certificates: verify a signed certificate code offline."""


def _reasons(refused: signing.InvalidPayloadError) -> dict[str, str]:
    """The reason in English and Chinese (the command is read by people of either)."""
    return {lang: refused.reason.message(lang) for lang in LANGUAGES}


def _file_bytes(argument: str) -> bytes | None:
    """The file named ``argument``, or ``None`` when it names none (then it is the code itself)."""
    try:
        path = Path(argument)
        return path.read_bytes() if path.is_file() else None
    except (OSError, ValueError):  # a code is longer than a file name may be
        return None


@group.command("verify")
@click.argument("payload")
@click.option(
    "--keys",
    "keys_source",
    required=True,
    help="The published keys: a JSON file saved from /.well-known/neutralpoint/certificate-keys.json, or a URL.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict and the signed facts as JSON.")
def verify_command(payload: str, keys_source: str, as_json: bool) -> None:
    """Check PAYLOAD: the QR code's text (the code itself or the address holding it), or a
    file: a certificate's PDF (its QR code, checked against the code in its metadata) or a
    picture of its QR code (PNG or JPEG).

    Exit code 0 when one of the keys signed it, 1 with the reason when not. Whether the
    certificate was voided later (a refund) only the verify page can say.
    """
    keys = _load_keys(keys_source)
    source = "text"
    try:
        data = _file_bytes(payload)
        if data is not None:
            found = reading.find_payload(data)
            payload, source = found.payload, found.source
        facts = signing.verify_payload(payload, keys)
    except signing.InvalidPayloadError as refused:
        reasons = _reasons(refused)
        if as_json:
            click.echo(json.dumps({"valid": False, "reason_code": refused.code, "reason": reasons}, ensure_ascii=False))
        else:
            click.echo(f"NOT VALID: {reasons['en']}")
            click.echo(f"无效：{reasons['zh-Hans']}")
        sys.exit(1)
    pieces = [{"serial": s, "gram_from": a, "gram_to": b} for s, a, b in facts.pieces]
    if as_json:
        document = {"valid": True, "source": source, "facts": {**facts.__dict__, "pieces": pieces}}
        click.echo(json.dumps(document, ensure_ascii=False))
        return
    click.echo(f"VALID SIGNATURE (key {facts.key_id})")
    for label, value in (
        ("Number", facts.number),
        ("Issued", facts.issued_at),
        ("Holder", facts.holder),
        ("Venue", facts.venue),
        ("Entry point", facts.entry_point),
        ("Grams CO2e", str(facts.grams)),
        ("Project", f"{facts.project} ({facts.project_registry_id})"),
        ("Factor set", facts.factor_set_version),
        ("Ledger", facts.ledger),
    ):
        click.echo(f"{label + ':':13} {value}")
    for serial, start, end in facts.pieces:
        click.echo(f"  {serial}  grams {start}-{end}")
