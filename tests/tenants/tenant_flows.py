"""Venue flows for the tests: sign up through the pages, read the outbox, sign in.

Everything goes through the real app and database; the only stand-in is a tiny SMTP sink
(an outside service) for the mail-delivery test.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from neutralpoint.database.engine import Database
from neutralpoint.tenants.models import OutboxMessage

PASSWORD = "correct horse battery"
BASE = "http://testserver.local"


@asynccontextmanager
async def second_browser(client: AsyncTestClient[Litestar]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """Another browser (its own cookies) on the app ``client`` runs, in the same event loop.

    Entering a second test client would start the app again in a loop of its own, and
    pooled PostgreSQL connections cannot move between event loops.
    """
    other: AsyncTestClient[Litestar] = AsyncTestClient(app=client.app, base_url=BASE)
    other.blocking_portal = client.blocking_portal
    yield other


def csrf(client: Any) -> str:
    return str(client.cookies.get("np_csrf", ""))


async def post_form(client: Any, path: str, data: dict[str, Any], files: Any = None) -> Any:
    """POST a page's form the way a browser does: after a GET that set the CSRF cookie."""
    if not client.cookies.get("np_csrf"):
        await client.get("/login")
    return await client.post(path, data={**data, "_csrf_token": csrf(client)}, files=files, follow_redirects=False)


async def outbox(db: Database, email: str, kind: str | None = None) -> list[OutboxMessage]:
    async with db.platform_session() as session:
        query = select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.created_at)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await session.execute(query)).scalars())


async def last_link(db: Database, email: str, kind: str, pattern: str) -> str:
    messages = await outbox(db, email, kind)
    assert messages, f"no {kind} mail for {email}"
    links = re.findall(pattern, messages[-1].body_text)
    assert links, messages[-1].body_text
    return str(links[0])


@dataclass
class SignedUp:
    slug: str
    email: str
    password: str = PASSWORD


async def sign_up(client: Any, slug: str, email: str, name: str = "Green Hall", password: str = PASSWORD) -> SignedUp:
    response = await post_form(client, "/signup", {"name": name, "slug": slug, "email": email, "password": password})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/venue/{slug}/?welcome=1"
    return SignedUp(slug=slug, email=email, password=password)


async def verify(client: Any, db: Database, email: str) -> None:
    link = await last_link(db, email, "verify_email", r"https?://\S+/verify\?token=\S+")
    response = await client.get(link.replace(BASE, ""))
    assert response.status_code == 200, response.text


async def log_in(client: Any, email: str, password: str = PASSWORD) -> None:
    response = await post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text


@dataclass
class SmtpSink:
    """A minimal SMTP server on localhost that keeps what it receives."""

    port: int = 0
    messages: list[bytes] = field(default_factory=list)
    _server: socket.socket | None = None

    def start(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    def _serve(self) -> None:
        assert self._server is not None
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        conn.sendall(b"220 sink ESMTP\r\n")
        while True:
            line = reader.readline()
            if not line:
                break
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                conn.sendall(b"250 sink\r\n")
            elif command.startswith(b"DATA"):
                conn.sendall(b"354 go ahead\r\n")
                data = b""
                while True:
                    chunk = reader.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk
                self.messages.append(data)
                conn.sendall(b"250 kept\r\n")
            elif command.startswith(b"QUIT"):
                conn.sendall(b"221 bye\r\n")
                break
            else:
                conn.sendall(b"250 ok\r\n")
        conn.close()


async def invite_and_join(owner: Any, member: Any, db: Database, slug: str, email: str, role: str) -> None:
    """The owner invites ``email`` as ``role``; ``member`` (a browser) accepts with a new account."""
    response = await post_form(owner, f"/venue/{slug}/members/invite", {"email": email, "role": role})
    assert response.status_code == 303, response.text
    link = await last_link(db, email, "invitation", r"https?://\S+/invitations/\S+")
    path = link.replace(BASE, "")
    page = await member.get(path)
    assert page.status_code == 200, page.text
    joined = await post_form(member, path, {"name": f"{role.title()} Person", "password": PASSWORD})
    assert joined.status_code == 303, joined.text
    assert joined.headers["location"] == f"/venue/{slug}/?joined=1"
