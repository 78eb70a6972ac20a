"""The mail outbox job: logged and kept without SMTP, delivered with it, errors recorded."""

from __future__ import annotations

import dataclasses
from email import message_from_bytes, policy
from typing import Any

from litestar import Litestar
from sqlalchemy import select
from tenant_flows import SmtpSink

from neutralpoint.database.engine import Database
from neutralpoint.jobs.queue import tasks
from neutralpoint.settings import Settings
from neutralpoint.tenants.mail import verification_message
from neutralpoint.tenants.models import OutboxMessage


async def _queue(db: Database, email: str) -> OutboxMessage:
    async with db.platform_session() as session:
        message = verification_message(email, "Harbour Hall", "http://testserver.local/verify?token=abc", "en")
        session.add(message)
    return message


async def _reload(db: Database, message: OutboxMessage) -> OutboxMessage:
    async with db.platform_session() as session:
        return (await session.execute(select(OutboxMessage).where(OutboxMessage.id == message.id))).scalar_one()


async def test_without_smtp_messages_are_logged_and_kept(
    app: Litestar, db: Database, settings: Settings, unique: str
) -> None:
    await app.state.jobs.drain()
    message = await _queue(db, f"dev-{unique}@example.org")
    assert settings.smtp_host is None
    await tasks()["send_outbox"]({"db": db, "settings": settings})
    stored = await _reload(db, message)
    assert stored.sent_at is not None
    assert (stored.delivery, stored.attempts, stored.last_error) == ("log", 1, None)


async def test_with_smtp_messages_are_delivered(
    app: Litestar, db: Database, settings: Settings, smtp_sink: SmtpSink, unique: str
) -> None:
    await app.state.jobs.drain()
    email = f"smtp-{unique}@example.org"
    message = await _queue(db, email)
    smtp = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_sink.port, smtp_starttls=False)
    counts: Any = await tasks()["send_outbox"]({"db": db, "settings": smtp})
    assert counts["sent"] >= 1
    stored = await _reload(db, message)
    assert (stored.delivery, stored.attempts, stored.last_error) == ("smtp", 1, None)
    parsed = [message_from_bytes(raw, policy=policy.default) for raw in smtp_sink.messages]
    mine = [m for m in parsed if m["To"] == email]
    assert len(mine) == 1
    body = mine[0].get_content()
    assert "http://testserver.local/verify?token=abc" in body
    assert "请点击以下链接确认您的电子邮箱" in body


async def test_smtp_failure_is_recorded_and_retried_later(
    app: Litestar, db: Database, settings: Settings, unique: str
) -> None:
    await app.state.jobs.drain()
    message = await _queue(db, f"down-{unique}@example.org")
    # A port nobody listens on: connection refused.
    down = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=1, smtp_starttls=False)
    await tasks()["send_outbox"]({"db": db, "settings": down})
    stored = await _reload(db, message)
    assert stored.sent_at is None
    assert stored.attempts == 1
    assert stored.last_error is not None
    assert "Connection" in stored.last_error
    await tasks()["send_outbox"]({"db": db, "settings": settings})
    assert (await _reload(db, message)).delivery == "log"
