"""The mail outbox: messages are written in the same transaction as what they announce,
then a job sends them.

Writing first and sending later means a rolled-back sign-up never mails a link, and a
mail server that is down only delays mail. With ``SMTP_HOST`` set, the job hands each
message to the server (``smtplib`` in a thread, STARTTLS as configured) and records the
attempt and any error; without it, as in development, it writes a structured log line
with the message's links and marks the message delivered by ``log``, keeping it in the
database.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.settings import Settings
from neutralpoint.tenants.models import OutboxMessage, Role

log = structlog.get_logger("neutralpoint.mail")

MAX_ATTEMPTS = 8
BATCH_SIZE = 50
SMTP_TIMEOUT_SECONDS = 20
LINK_PATTERN = re.compile(r"https?://\S+")

ROLE_NAMES: dict[Role, dict[str, str]] = {
    Role.OWNER: {"en": "owner", "zh-Hans": "所有者"},
    Role.MANAGER: {"en": "manager", "zh-Hans": "管理员"},
    Role.STAFF: {"en": "staff", "zh-Hans": "员工"},
}


def _bilingual(parts: dict[str, str], lang: str) -> str:
    """Both languages in one message, the reader's first: we do not know which they read."""
    order = [lang] + [other for other in parts if other != lang]
    return "\n\n——\n\n".join(parts[code] for code in order if code in parts)


def verification_message(email: str, venue_name: str, link: str, lang: str) -> OutboxMessage:
    body = _bilingual(
        {
            "en": (
                f"Hello,\n\nPlease confirm your e-mail address to activate {venue_name} on NeutralPoint:\n\n"
                f"{link}\n\nThe link works for 3 days. If you did not sign up, you can ignore this message."
            ),
            "zh-Hans": (
                f"您好，\n\n请点击以下链接确认您的电子邮箱，以激活 NeutralPoint 上的「{venue_name}」：\n\n"
                f"{link}\n\n链接 3 天内有效。如果您没有注册，请忽略此邮件。"
            ),
        },
        lang,
    )
    subject = "Confirm your e-mail address · 确认您的电子邮箱 — NeutralPoint"
    return OutboxMessage(recipient=email, subject=subject, body_text=body, kind="verify_email")


def signup_attempt_message(email: str, login: str, reset: str, lang: str) -> OutboxMessage:
    """To an address that has an account, when someone signs up with it again: sign-up
    answers as for a new address, so the holder learns it here and nobody else does."""
    body = _bilingual(
        {
            "en": (
                "Hello,\n\nSomeone tried to sign up for NeutralPoint with your e-mail address, which "
                f"already has an account. If it was you, sign in:\n\n{login}\n\n"
                f"or, if you forgot your password, choose a new one:\n\n{reset}\n\n"
                "Once signed in, you can add a venue from your account. If it was not you, you can "
                "ignore this message: nothing was changed."
            ),
            "zh-Hans": (
                "您好，\n\n有人使用您的电子邮箱注册 NeutralPoint，但该邮箱已有账户。如果是您本人，请登录：\n\n"
                f"{login}\n\n如果忘记了密码，请设置新密码：\n\n{reset}\n\n"
                "登录后可在账户中添加场所。如果这不是您本人的操作，请忽略此邮件，您的账户没有任何改变。"
            ),
        },
        lang,
    )
    subject = "You already have an account · 您已有账户 — NeutralPoint"
    return OutboxMessage(recipient=email, subject=subject, body_text=body, kind="signup_attempt")


def password_reset_message(email: str, link: str, lang: str) -> OutboxMessage:
    body = _bilingual(
        {
            "en": (
                "Hello,\n\nSomeone asked to reset the password of your NeutralPoint account. "
                f"Choose a new password here:\n\n{link}\n\nThe link works for 1 hour and only once. "
                "If you did not ask for it, you can ignore this message: your password stays as it is."
            ),
            "zh-Hans": (
                "您好，\n\n有人申请重置您的 NeutralPoint 账户密码。请点击以下链接设置新密码：\n\n"
                f"{link}\n\n链接 1 小时内有效，且只能使用一次。如果这不是您本人的操作，请忽略此邮件，您的密码不会改变。"
            ),
        },
        lang,
    )
    subject = "Reset your password · 重置您的密码 — NeutralPoint"
    return OutboxMessage(recipient=email, subject=subject, body_text=body, kind="password_reset")


def invitation_message(email: str, venue_name: str, inviter: str, role: Role, link: str, lang: str) -> OutboxMessage:
    body = _bilingual(
        {
            "en": (
                f"Hello,\n\n{inviter} invited you to help run {venue_name} on NeutralPoint "
                f"as {ROLE_NAMES[role]['en']}.\n\nAccept the invitation here:\n\n{link}\n\n"
                "The link works for 7 days."
            ),
            "zh-Hans": (
                f"您好，\n\n{inviter} 邀请您以{ROLE_NAMES[role]['zh-Hans']}身份"
                f"参与管理 NeutralPoint 上的「{venue_name}」。\n\n"
                f"请点击以下链接接受邀请：\n\n{link}\n\n链接 7 天内有效。"
            ),
        },
        lang,
    )
    subject = f"Invitation to {venue_name} · 加入「{venue_name}」的邀请 — NeutralPoint"
    return OutboxMessage(recipient=email, subject=subject[:200], body_text=body, kind="invitation")


def compose(settings: Settings, message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(idstring=message.id.hex, domain=domain)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _send_by_smtp(settings: Settings, emails: Sequence[EmailMessage]) -> list[str | None]:
    """One connection for the batch; the error text for each message that failed, else None."""
    assert settings.smtp_host is not None
    results: list[str | None] = []
    smtp_class = smtplib.SMTP_SSL if settings.smtp_port == 465 and not settings.smtp_starttls else smtplib.SMTP
    try:
        with smtp_class(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as server:
            server.ehlo()
            if settings.smtp_starttls and smtp_class is smtplib.SMTP:
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if settings.smtp_username:
                server.login(settings.smtp_username, settings.smtp_password or "")
            for email in emails:
                try:
                    server.send_message(email)
                    results.append(None)
                except smtplib.SMTPException as exc:
                    results.append(f"{type(exc).__name__}: {exc}")
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
        results.extend([error] * (len(emails) - len(results)))
    return results


async def deliver_pending(session: AsyncSession, settings: Settings) -> dict[str, int]:
    """Send (or, without SMTP, log) one batch of unsent messages; counts by outcome.

    Rows are locked with ``SKIP LOCKED`` on PostgreSQL, so two workers never send the same
    message twice; SQLite has a single writer anyway.
    """
    rows = (
        (
            await session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
                .order_by(OutboxMessage.created_at)
                .limit(BATCH_SIZE)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    counts = {"sent": 0, "logged": 0, "failed": 0}
    if not rows:
        return counts
    now = datetime.now(UTC)
    if not settings.smtp_host:
        for message in rows:
            log.info(
                "mail not sent (no SMTP_HOST); kept in the outbox",
                recipient=message.recipient,
                subject=message.subject,
                kind=message.kind,
                links=links_in(message),
            )
            message.attempts += 1
            message.sent_at = now
            message.delivery = "log"
            counts["logged"] += 1
        return counts
    emails = [compose(settings, message) for message in rows]
    results = await asyncio.to_thread(_send_by_smtp, settings, emails)
    for message, error in zip(rows, results, strict=True):
        message.attempts += 1
        if error is None:
            message.sent_at = datetime.now(UTC)
            message.delivery = "smtp"
            message.last_error = None
            counts["sent"] += 1
        else:
            message.last_error = error[:2000]
            counts["failed"] += 1
            log.warning("mail not sent", recipient=message.recipient, attempt=message.attempts, error=error)
    return counts


def links_in(message: OutboxMessage) -> list[str]:
    return list(dict.fromkeys(LINK_PATTERN.findall(message.body_text)))


__all__ = [
    "compose",
    "deliver_pending",
    "invitation_message",
    "links_in",
    "password_reset_message",
    "signup_attempt_message",
    "verification_message",
]
