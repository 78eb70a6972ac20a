"""A venue's own host name serves its pages only once proven: by a DNS TXT record, asked of a
DNS server of the test's own (``HOST_PROOF_NAMESERVERS``), or by a page fetched from a web
server of the test's own (``HOST_PROOF_HTTP_PORT``). Platform admins see and revoke claims."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from tenant_flows import BASE, log_in, post_form, second_browser, sign_up, verify

from neutralpoint.app import create_app
from neutralpoint.database.engine import Database
from neutralpoint.refusals import Collector
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import host_claims, host_proof
from neutralpoint.tenants.accounts import ensure_platform_admin
from neutralpoint.tenants.models import Tenant


@dataclass
class DnsServer:
    """A UDP DNS server answering from ``records`` ((name, type) → texts), NXDOMAIN otherwise."""

    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    port: int = 0
    _socket: socket.socket | None = None

    def start(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()

    def _serve(self) -> None:
        assert self._socket is not None
        while True:
            try:
                wire, peer = self._socket.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text(omit_final_dot=True).lower()
            kind = dns.rdatatype.to_text(question.rdtype)
            values = self.records.get((name, kind))
            if values:
                response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", kind, values))
            elif not any(known == name for known, _ in self.records):
                response.set_rcode(dns.rcode.NXDOMAIN)
            self._socket.sendto(response.to_wire(), peer)


class WebServer:
    """An HTTP server answering ``pages`` (host, path) → body, 404 otherwise; it records what it was asked."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str], bytes] = {}
        self.asked: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                server.asked.append((host, self.path))
                body = server.pages.get((host, self.path))
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]

    def start(self) -> None:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def dns_server() -> Iterator[DnsServer]:
    server = DnsServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def web_server() -> Iterator[WebServer]:
    server = WebServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(settings: Settings, registry: ScenarioRegistry, dns_server: DnsServer, web_server: WebServer) -> Litestar:
    """The application asking the test's DNS server, and fetching proof pages from the test's web server."""
    proving = replace(
        settings, host_proof_nameservers=(("127.0.0.1", dns_server.port),), host_proof_http_port=web_server.port
    )
    return create_app(proving, registry)


@pytest.fixture
async def venue(client: Any, db: Database, unique: str) -> str:
    slug = f"hall-{unique}"
    await sign_up(client, slug, f"owner-{unique}@example.org", name="Harbour Hotel")
    await verify(client, db, f"owner-{unique}@example.org")
    return slug


@pytest.fixture
async def other_client(client: AsyncTestClient[Litestar]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with second_browser(client) as second:
        yield second


async def _claim(client: Any, slug: str, host: str) -> Any:
    return await client.patch(f"/api/v1/venues/{slug}", json={"custom_host": host})


async def test_a_claimed_host_serves_only_once_proven_by_dns(
    client: Any, other_client: Any, venue: str, unique: str, dns_server: DnsServer
) -> None:
    host = f"co2-{unique}.harbour.example"
    claimed = await _claim(client, venue, host)
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["custom_host"], claimed.json()["pending_host"]) == (None, host)
    assert claimed.json()["public_url"] == f"{BASE}/v/{venue}/"

    # Claimed is not proven: the host serves nothing of the venue.
    assert "Harbour Hotel" not in (await other_client.get("/", headers={"host": host})).text

    steps = (await client.get(f"/api/v1/venues/{venue}/host")).json()["pending"]
    assert steps["dns_name"] == f"_neutralpoint.{host}"
    assert steps["dns_value"].startswith("np-verify=")
    assert steps["http_url"] == f"http://{host}/.well-known/neutralpoint-verify/{steps['dns_value'][10:]}"

    refused = await client.post(f"/api/v1/venues/{venue}/host/prove")
    assert refused.status_code == 409
    problem = refused.json()["errors"]["custom_host"]
    assert problem["code"] == "host_not_proven"
    assert steps["dns_name"] in problem["message"]["en"]
    assert steps["dns_name"] in problem["message"]["zh-Hans"]

    # A record with another value proves nothing; the venue's own value does.
    dns_server.records[(steps["dns_name"], "TXT")] = ['"np-verify=somebody-else"']
    assert (await client.post(f"/api/v1/venues/{venue}/host/prove")).status_code == 409
    dns_server.records[(steps["dns_name"], "TXT")] = ['"v=spf1 -all"', f'"{steps["dns_value"]}"']
    proven = await client.post(f"/api/v1/venues/{venue}/host/prove")
    assert proven.status_code == 200, proven.text
    assert (proven.json()["custom_host"], proven.json()["proof"], proven.json()["pending"]) == (host, "dns", None)

    home = await other_client.get("/", headers={"host": host})
    assert home.status_code == 200
    assert "Harbour Hotel" in home.text
    assert (await client.get(f"/api/v1/venues/{venue}")).json()["public_url"] == f"https://{host}/"

    # The host serves the venue's public pages only: the rest goes to the platform's host.
    for path in (
        "/login",
        "/signup",
        "/account",
        f"/venue/{venue}",
        "/platform",
        "/certificates/verify",
        "/v/other-venue/",
        "/api/v1/public/venues/other-venue",
    ):
        moved = await other_client.get(f"{path}?lang=zh-Hans", headers={"host": host}, follow_redirects=False)
        assert (moved.status_code, moved.headers.get("location")) == (307, f"{BASE}{path}?lang=zh-Hans"), path
    posted = await other_client.post("/login", headers={"host": host}, data={"email": "x"}, follow_redirects=False)
    assert (posted.status_code, posted.headers["location"]) == (307, f"{BASE}/login")
    for path in (f"/v/{venue}/", f"/api/v1/public/venues/{venue}", "/static/app.css", "/health"):
        assert (await other_client.get(path, headers={"host": host})).status_code == 200, path

    # Another venue cannot claim a proven name.
    rival = f"rival-{unique}"
    await sign_up(other_client, rival, f"rival-{unique}@example.org")
    taken = await _claim(other_client, rival, host)
    assert (taken.status_code, taken.json()["errors"]["custom_host"]["code"]) == (400, "host_taken")


async def test_http_proof_and_first_prover_wins(
    client: Any, other_client: Any, venue: str, unique: str, web_server: WebServer, dns_server: DnsServer
) -> None:
    host = f"www-{unique}.harbour.example"
    dns_server.records[(host, "A")] = ["127.0.0.1"]
    rival = f"rival-{unique}"
    await sign_up(other_client, rival, f"rival-{unique}@example.org")
    assert (await _claim(client, venue, host)).status_code == 200
    assert (await _claim(other_client, rival, host)).status_code == 200, "a name only claimed may be claimed again"
    mine = (await client.get(f"/api/v1/venues/{venue}/host")).json()["pending"]
    theirs = (await other_client.get(f"/api/v1/venues/{rival}/host")).json()["pending"]
    assert mine["dns_value"] != theirs["dns_value"]

    path = mine["http_url"].removeprefix(f"http://{host}")
    web_server.pages[(host, path)] = b"not the value\n"
    assert (await client.post(f"/api/v1/venues/{venue}/host/prove")).status_code == 409
    assert (host, path) in web_server.asked
    web_server.pages[(host, path)] = mine["dns_value"].encode() + b"\n"
    proven = await client.post(f"/api/v1/venues/{venue}/host/prove")
    assert (proven.status_code, proven.json()["proof"]) == (200, "http")

    # The rival proves its own token too late: the name is taken.
    rival_path = theirs["http_url"].removeprefix(f"http://{host}")
    web_server.pages[(host, rival_path)] = theirs["dns_value"].encode()
    late = await other_client.post(f"/api/v1/venues/{rival}/host/prove")
    assert (late.status_code, late.json()["errors"]["custom_host"]["code"]) == (409, "host_taken")


async def test_the_branding_page_shows_the_proof_and_checks_it(
    client: Any, venue: str, unique: str, dns_server: DnsServer
) -> None:
    host = f"page-{unique}.harbour.example"
    form = {
        "display_name_en": "Harbour Hotel",
        "primary_color": "#0f766e",
        "default_language": "en",
        "city": "",
        "custom_host": host,
        "enabled_scenarios": ["dummy"],
    }
    assert (await post_form(client, f"/venue/{venue}/branding", form)).status_code == 303
    page = await client.get(f"/venue/{venue}/branding")
    steps = (await client.get(f"/api/v1/venues/{venue}/host")).json()["pending"]
    assert steps["dns_name"] in page.text
    assert steps["dns_value"] in page.text
    zh = await client.get(f"/venue/{venue}/branding?lang=zh-Hans")
    assert "DNS TXT 记录" in zh.text

    failed = await post_form(client, f"/venue/{venue}/branding/host", {})
    assert failed.status_code == 400
    assert 'id="custom_host-error"' in failed.text

    dns_server.records[(steps["dns_name"], "TXT")] = [f'"{steps["dns_value"]}"']
    proven = await post_form(client, f"/venue/{venue}/branding/host", {})
    assert (proven.status_code, proven.headers["location"]) == (303, f"/venue/{venue}/branding?host=proven#host")
    shown = await client.get(f"/venue/{venue}/branding?host=proven&lang=en")
    assert f"{host} now serves your pages" in shown.text

    # Claiming another name keeps the proven one serving until the new one is proven.
    assert (await post_form(client, f"/venue/{venue}/branding", form | {"custom_host": f"n-{host}"})).status_code == 303
    state = (await client.get(f"/api/v1/venues/{venue}/host")).json()
    assert (state["custom_host"], state["pending"]["host"]) == (host, f"n-{host}")
    # Clearing the field gives both up.
    assert (await post_form(client, f"/venue/{venue}/branding", form | {"custom_host": ""})).status_code == 303
    state = (await client.get(f"/api/v1/venues/{venue}/host")).json()
    assert (state["custom_host"], state["pending"]) == (None, None)


@pytest.mark.parametrize(
    ("host", "code"),
    [
        ("testserver.local", "host_is_platform"),
        ("venue.testserver.local", "host_near_platform"),
        ("bad\n.example.org", "host_invalid"),
        ("caf\u00e9.example.org", "host_invalid"),
        ("a" * 64 + ".example.org", "host_label_too_long"),
        (("a" * 60 + ".") * 4 + "example.org", "host_too_long"),
    ],
)
async def test_names_that_cannot_be_claimed(client: Any, venue: str, host: str, code: str) -> None:
    refused = await _claim(client, venue, host)
    assert refused.status_code == 400, refused.text
    problem = refused.json()["errors"]["custom_host"]
    assert problem["code"] == code
    assert problem["message"]["en"]
    assert problem["message"]["zh-Hans"] != problem["message"]["en"]


@pytest.mark.parametrize(
    ("host", "code"),
    [
        ("co2.platform.example", "host_is_platform"),
        ("platform.example", "host_near_platform"),
        ("a.co2.platform.example", "host_near_platform"),
        ("www.platform.example", None),
        ("co2.platform.example.org", None),
    ],
)
async def test_the_platform_host_its_parents_and_subdomains_are_refused(
    settings: Settings, db: Database, host: str, code: str | None
) -> None:
    on_a_domain = replace(settings, base_url="https://co2.platform.example")
    errors = Collector()
    async with db.platform_session() as session:
        await host_claims.check_claim(session, on_a_domain, Tenant(slug="hall"), host, errors)
    found = errors.errors.get("custom_host")
    assert (found.code if found else None) == code


async def test_production_fetches_no_proof_page_from_a_private_address(
    settings: Settings, dns_server: DnsServer, web_server: WebServer, unique: str
) -> None:
    host = f"inside-{unique}.harbour.example"
    dns_server.records[(host, "A")] = ["127.0.0.1"]
    web_server.pages[(host, host_proof.proof_path("tok"))] = host_proof.proof_value("tok").encode()
    looking = replace(
        settings, host_proof_nameservers=(("127.0.0.1", dns_server.port),), host_proof_http_port=web_server.port
    )
    assert await host_proof.http_proves(looking, host, "tok")
    web_server.asked.clear()
    assert not await host_proof.http_proves(replace(looking, environment="production"), host, "tok")
    assert web_server.asked == []


async def test_platform_admins_see_and_revoke_claims(
    client: Any, other_client: Any, db: Database, venue: str, unique: str, dns_server: DnsServer
) -> None:
    live, pending = f"live-{unique}.harbour.example", f"next-{unique}.harbour.example"
    await _claim(client, venue, live)
    steps = (await client.get(f"/api/v1/venues/{venue}/host")).json()["pending"]
    dns_server.records[(steps["dns_name"], "TXT")] = [f'"{steps["dns_value"]}"']
    assert (await client.post(f"/api/v1/venues/{venue}/host/prove")).status_code == 200
    await _claim(client, venue, pending)

    admin_email = f"admin-{unique}@example.org"
    async with db.platform_session() as session:
        await ensure_platform_admin(session, admin_email, "a long admin password")
    # A venue owner is no platform admin: the list and the revocation are not theirs.
    assert (await client.get("/api/v1/platform/hosts")).status_code in (403, 404)
    await log_in(other_client, admin_email, "a long admin password")

    listed = {(c["slug"], c["host"]): c for c in (await other_client.get("/api/v1/platform/hosts")).json()}
    assert listed[(venue, live)]["proven"] is True
    assert listed[(venue, live)]["proof"] == "dns"
    assert listed[(venue, pending)]["proven"] is False
    page = await other_client.get("/platform/hosts?lang=zh-Hans")
    assert page.status_code == 200
    assert live in page.text
    assert pending in page.text

    assert "Harbour Hotel" in (await other_client.get("/", headers={"host": live})).text
    revoked = await post_form(other_client, "/platform/hosts/revoke", {"slug": venue, "host": live})
    assert (revoked.status_code, revoked.headers["location"]) == (303, f"/platform/hosts?revoked={live}")
    assert "Harbour Hotel" not in (await other_client.get("/", headers={"host": live})).text
    state = (await client.get(f"/api/v1/venues/{venue}/host")).json()
    assert (state["custom_host"], state["pending"]["host"]) == (None, pending)

    api = await other_client.post("/api/v1/platform/hosts/revoke", json={"slug": venue, "host": pending})
    assert (api.status_code, api.json()["host"], api.json()["proven"]) == (200, pending, False)
    again = await other_client.post("/api/v1/platform/hosts/revoke", json={"slug": venue, "host": pending})
    assert (again.status_code, again.json()["errors"]["host"]["code"]) == (404, "host_unknown")


async def _proven(client: Any, slug: str, host: str, dns_server: DnsServer) -> None:
    assert (await _claim(client, slug, host)).status_code == 200
    steps = (await client.get(f"/api/v1/venues/{slug}/host")).json()["pending"]
    dns_server.records[(steps["dns_name"], "TXT")] = [f'"{steps["dns_value"]}"']
    assert (await client.post(f"/api/v1/venues/{slug}/host/prove")).status_code == 200


async def test_a_proven_host_serves_the_venue_page_and_codes(
    client: Any, other_client: Any, venue: str, unique: str, dns_server: DnsServer
) -> None:
    host = f"codes-{unique}.harbour.example"
    created = await post_form(
        client, f"/venue/{venue}/entry-points/new", {"name": "Lobby", "scenario": "dummy", "active": "1"}
    )
    assert created.status_code == 303
    await _proven(client, venue, host, dns_server)

    home = await other_client.get("/", headers={"host": host})
    match = re.search(r'href="/([A-Z0-9]{6})"', home.text)
    assert match, "entry links use the short form on the venue's own host"
    code = match.group(1)
    # /<code> on the venue's host is exactly /v/<slug>/<code> on the platform's.
    on_host = await other_client.get(f"/{code}", headers={"host": host}, follow_redirects=False)
    direct = await other_client.get(f"/v/{venue}/{code}", follow_redirects=False)
    assert on_host.status_code == direct.status_code != 404
    assert (await other_client.get("/health", headers={"host": f"{host}:443"})).json() == {"status": "ok"}
    # The QR code now carries the venue's own address.
    api = await client.get(f"/api/v1/venues/{venue}/entry-points")
    assert api.json()[0]["public_url"] == f"https://{host}/{code}"

    # A host nobody claimed is not rewritten; a host given up stops working at once.
    platform_home = await other_client.get("/")
    unclaimed = await other_client.get("/", headers={"host": f"nobody-{unique}.example"})
    assert (unclaimed.status_code, "Harbour Hotel" in unclaimed.text) == (platform_home.status_code, False)
    assert (await _claim(client, venue, "")).status_code == 200
    given_up = await other_client.get("/", headers={"host": host})
    assert (given_up.status_code, "Harbour Hotel" in given_up.text) == (platform_home.status_code, False)
