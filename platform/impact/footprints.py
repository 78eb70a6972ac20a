"""A visitor's personal footprint: their estimates and certificates at every venue.

**Who the visitor is.** A browser is an anonymous visitor: the id in its signed, HttpOnly,
SameSite=Lax ``np_visitor`` cookie (set when it first computes, ``neutralpoint.scenarios.
submissions``); estimates and orders keep that id. A cookie belongs to one host, so a venue's
own host name and the platform's host know the same browser under two ids: the personal
footprint lives on the platform's host, and a venue host's pages link to it with a
short-lived signed token that joins the two (``join_hosts``) once the visitor confirms it
with a button (a form with its CSRF token: a link another site makes a browser open joins
nothing, so nobody can slip their own visitor into someone's history to read it).

**A history** is a set of visitor ids (``FootprintVisitor`` rows of one ``FootprintHistory``);
a visitor in none is a history of one. "Keep my history" mails a sign-in link to an address;
opening it on a device joins that device's visitor to the address's history, so that every
device joined sees the estimates and orders of all of them (each once: they are read by
visitor id). The link is random, single-use and expires; only its SHA-256 is stored (the
invitation links' machinery, ``neutralpoint.tenants.tokens``). Asking answers the same
whether or not the address has a history, and mails at most once a minute per address
(``neutralpoint.tenants.accounts.mailed_recently``). Only the device that opens the link
joins: asking for a link never joins the asking device, so a stranger who types someone's
address gains nothing.

**Deleting** a history unlinks its estimates (each visitor id is replaced by a fresh random
one, so a venue's counts per visitor stay as they were), takes the orders' visitor, name and
e-mail address off (and their receipts out of the mail outbox), re-labels their certificates
with the anonymous holder (signed again; the payload signed before still verifies,
``neutralpoint.certificates.services.take_holder_name_off``), takes a certificate listed by
name off the leaderboards, and forgets the address and the sign-in links. Certificates stay
valid.

These reads and writes cross venues on purpose (``scopes_disabled``): a visitor's estimates
are venue-owned rows, found by the visitor's own ids only.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.certificates import services as certificates
from neutralpoint.certificates.models import Certificate
from neutralpoint.database.base import utcnow
from neutralpoint.database.tenancy import scopes_disabled
from neutralpoint.impact.models import FootprintHistory, FootprintSignInLink, FootprintVisitor, Listing, Visibility
from neutralpoint.payments.models import Order, OrderStatus
from neutralpoint.refusals import Collector, FormErrors, problem
from neutralpoint.scenarios.models import Estimate
from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants.accounts import mailed_recently
from neutralpoint.tenants.models import EntryPoint, OutboxMessage, Tenant

SIGN_IN_TTL = timedelta(hours=1)
MAIL_KIND = "footprint_sign_in"
#: The buyer's receipt (``neutralpoint.payments.receipts``): its subject names the order.
RECEIPT_KIND = "receipt"
#: The most estimates, and orders, one footprint reads.
HISTORY_LIMIT = 2000
#: Orders shown: those paid or on their way to be (a draft, failed, expired or cancelled
#: order neutralized nothing and certifies nothing).
SHOWN_ORDERS = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.REFUNDED)
LANGS = ("en", "zh-Hans")

LINK_INVALID = problem(
    "link_invalid",
    "This sign-in link does not work: it has expired, it was already used, or it was copied "
    "incompletely. Ask for a new one.",
    "该登录链接无效：可能已过期、已被使用，或复制不完整。请重新申请。",
)
JOIN_INVALID = problem(
    "link_invalid",
    "This link from a venue's page has expired or was altered: open your footprint from that page again.",
    "来自场所页面的此链接已过期或被改动：请从该页面重新打开您的碳足迹。",
)
CONFIRM_DELETE = problem("required", "Tick the box to confirm the deletion.", "请勾选此框以确认删除。")


@dataclass(frozen=True)
class EstimateLine:
    id: uuid.UUID
    venue_slug: str
    venue_names: dict[str, str]
    entry_point_names: dict[str, str]
    scenario_names: dict[str, str]
    grams: int
    created_at: datetime
    time_zone: str

    @property
    def path(self) -> str:
        return f"/v/{self.venue_slug}/r/{self.id}"


@dataclass(frozen=True)
class OrderLine:
    reference: str
    venue_slug: str
    venue_names: dict[str, str]
    entry_point_names: dict[str, str]
    status: str
    grams: int
    amount_minor: int
    currency: str
    test_mode: bool
    created_at: datetime
    time_zone: str
    certificate_number: str | None
    certificate_status: str | None

    @property
    def path(self) -> str:
        return f"/v/{self.venue_slug}/orders/{self.reference}"

    @property
    def certificate_path(self) -> str | None:
        return f"/certificates/{self.certificate_number}" if self.certificate_number else None

    @property
    def neutralized(self) -> bool:
        """Counted as neutralized: fulfilled, its certificate valid (a refund voids it)."""
        return self.status == OrderStatus.FULFILLED.value and self.certificate_status != "void"


@dataclass(frozen=True)
class Footprint:
    """A visitor's whole footprint, newest first, with what it adds up to."""

    visitor_ids: tuple[uuid.UUID, ...]
    email: str | None
    estimates: list[EstimateLine] = field(default_factory=list)
    orders: list[OrderLine] = field(default_factory=list)

    @property
    def computed_grams(self) -> int:
        return sum(e.grams for e in self.estimates)

    @property
    def neutralized_grams(self) -> int:
        """What live payments neutralized: a test-mode (sandbox) payment took no money and
        neutralizes nothing, so it is counted apart (``neutralized_test_grams``)."""
        return sum(o.grams for o in self.orders if o.neutralized and not o.test_mode)

    @property
    def neutralized_test_grams(self) -> int:
        """The grams of test-mode orders that would be neutralized, shown marked "test mode"."""
        return sum(o.grams for o in self.orders if o.neutralized and o.test_mode)

    @property
    def kept(self) -> bool:
        return self.email is not None


@dataclass(frozen=True)
class Deleted:
    estimates: int
    orders: int
    certificates: int


# --- who -----------------------------------------------------------------------------------------


async def _membership(session: AsyncSession, visitor_id: uuid.UUID) -> FootprintVisitor | None:
    found: FootprintVisitor | None = await session.scalar(
        select(FootprintVisitor)
        .where(FootprintVisitor.visitor_id == visitor_id)
        .execution_options(populate_existing=True)  # a join moves rows with one UPDATE
    )
    return found


async def visitors_of(session: AsyncSession, visitor_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    """Every visitor id joined with this one (itself first), or itself alone."""
    member = await _membership(session, visitor_id)
    if member is None:
        return (visitor_id,)
    others = await session.scalars(
        select(FootprintVisitor.visitor_id)
        .where(FootprintVisitor.history_id == member.history_id, FootprintVisitor.visitor_id != visitor_id)
        .order_by(FootprintVisitor.joined_at)
    )
    return (visitor_id, *others)


async def history_of(session: AsyncSession, visitor_id: uuid.UUID) -> FootprintHistory | None:
    member = await _membership(session, visitor_id)
    return await session.get(FootprintHistory, member.history_id) if member is not None else None


async def _history_for(session: AsyncSession, visitor_id: uuid.UUID) -> FootprintHistory:
    """The visitor's history, a new one of their own when they had none."""
    found = await history_of(session, visitor_id)
    if found is not None:
        return found
    history = FootprintHistory()
    session.add(history)
    await session.flush()
    session.add(FootprintVisitor(visitor_id=visitor_id, history_id=history.id))
    await session.flush()
    return history


async def join(session: AsyncSession, kept: FootprintHistory, visitor_id: uuid.UUID) -> FootprintHistory:
    """Join the visitor, and every visitor joined with them, into ``kept``."""
    member = await _membership(session, visitor_id)
    if member is None:
        session.add(FootprintVisitor(visitor_id=visitor_id, history_id=kept.id))
        await session.flush()
        return kept
    if member.history_id == kept.id:
        return kept
    other = await session.get(FootprintHistory, member.history_id)
    await session.execute(
        update(FootprintVisitor)
        .where(FootprintVisitor.history_id == member.history_id)
        .values(history_id=kept.id)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    if other is not None:
        if other.email and not kept.email:
            kept.email, kept.kept_at = other.email, other.kept_at
            other.email = None
            await session.flush()
        await session.delete(other)
    await session.flush()
    return kept


async def join_hosts(session: AsyncSession, here: uuid.UUID, there: uuid.UUID) -> None:
    """The same browser on two hosts (the platform's, ``here``, and a venue's, ``there``):
    one history from then on."""
    if here == there:
        return
    history = await _history_for(session, here)
    there_history = await history_of(session, there)
    if there_history is not None and there_history.email and not history.email:
        history, here, there = there_history, there, here  # keep the kept one (and its address)
    await join(session, history, there)


# --- what ----------------------------------------------------------------------------------------


def _names(tenant: Tenant | None) -> dict[str, str]:
    return {lang: tenant.display_name_in(lang) for lang in LANGS} if tenant else {}


def _point_names(point: EntryPoint | None) -> dict[str, str]:
    if point is None:
        return {}
    return {lang: point.event_name_in(lang) or point.name_in(lang) for lang in LANGS}


async def read(session: AsyncSession, visitor_id: uuid.UUID | None) -> Footprint:
    """The footprint of this browser's visitor and every one joined with it."""
    if visitor_id is None:
        return Footprint((), None)
    with scopes_disabled(session):
        ids = await visitors_of(session, visitor_id)
        history = await history_of(session, visitor_id)
        estimate_rows = (
            await session.execute(
                select(Estimate, Tenant, EntryPoint)
                .join(Tenant, Tenant.id == Estimate.tenant_id)
                .outerjoin(EntryPoint, EntryPoint.id == Estimate.entry_point_id)
                .where(Estimate.visitor_id.in_(ids), Estimate.kind == "visitor")
                .order_by(Estimate.created_at.desc(), Estimate.id.desc())
                .limit(HISTORY_LIMIT)
            )
        ).all()
        order_rows = (
            await session.execute(
                select(Order, Tenant, EntryPoint, Certificate.number, Certificate.status)
                .join(Tenant, Tenant.id == Order.tenant_id)
                .outerjoin(
                    EntryPoint, (EntryPoint.tenant_id == Order.tenant_id) & (EntryPoint.code == Order.entry_point_code)
                )
                .outerjoin(Certificate, Certificate.order_id == Order.id)
                .where(Order.visitor_id.in_(ids), Order.status.in_(SHOWN_ORDERS))
                .order_by(Order.created_at.desc(), Order.id.desc())
                .limit(HISTORY_LIMIT)
            )
        ).all()
    estimates = [
        EstimateLine(
            id=e.id,
            venue_slug=t.slug,
            venue_names=_names(t),
            entry_point_names=_point_names(p),
            scenario_names=dict(e.scenario_name),
            grams=e.total_grams,
            created_at=e.created_at,
            time_zone=t.time_zone,
        )
        for e, t, p in estimate_rows
    ]
    orders = [
        OrderLine(
            reference=o.reference,
            venue_slug=t.slug,
            venue_names=_names(t),
            entry_point_names=_point_names(p),
            status=o.status.value,
            grams=o.grams,
            amount_minor=o.amount_minor,
            currency=o.currency,
            test_mode=o.test_mode,
            created_at=o.created_at,
            time_zone=t.time_zone,
            certificate_number=number,
            certificate_status=status.value if status is not None else None,
        )
        for o, t, p, number, status in order_rows
    ]
    return Footprint(ids, history.email if history else None, estimates, orders)


CSV_COLUMNS = (
    "kind",
    "created_at_utc",
    "venue",
    "venue_zh_hans",
    "entry_point",
    "entry_point_zh_hans",
    "what",
    "grams_co2e",
    "status",
    "amount_minor",
    "currency",
    "order_reference",
    "certificate_number",
    "address",
    "test_mode",
)


def as_csv(footprint: Footprint, base_url: str) -> str:
    """One row per estimate and per order, in both languages' names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    base = base_url.rstrip("/")
    for e in footprint.estimates:
        writer.writerow(
            [
                "estimate",
                e.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                e.venue_names.get("en", ""),
                e.venue_names.get("zh-Hans", ""),
                e.entry_point_names.get("en", ""),
                e.entry_point_names.get("zh-Hans", ""),
                e.scenario_names.get("en") or next(iter(e.scenario_names.values()), ""),
                e.grams,
                "",
                "",
                "",
                "",
                "",
                base + e.path,
                "",
            ]
        )
    for o in footprint.orders:
        writer.writerow(
            [
                "order",
                o.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                o.venue_names.get("en", ""),
                o.venue_names.get("zh-Hans", ""),
                o.entry_point_names.get("en", ""),
                o.entry_point_names.get("zh-Hans", ""),
                "neutralization",
                o.grams,
                o.status,
                o.amount_minor,
                o.currency,
                o.reference,
                o.certificate_number or "",
                base + (o.certificate_path or o.path),
                "yes" if o.test_mode else "no",
            ]
        )
    return out.getvalue()


# --- keeping it by e-mail ------------------------------------------------------------------------


def sign_in_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/footprint/sign-in?token={token}"


def sign_in_message(email: str, link: str, lang: str) -> OutboxMessage:
    """Both languages, the reader's first, as every message of the platform."""
    en = (
        "Hello,\n\nSomeone asked to keep a NeutralPoint footprint history under this address. "
        f"Open this link on each phone or computer whose history you want to keep together:\n\n{link}\n\n"
        "The link works for 1 hour and only once (ask for a new one for the next device). "
        "If you did not ask for it, ignore this message: nothing is kept."
    )
    zh = (
        "您好，\n\n有人申请以此邮箱保存 NeutralPoint 碳足迹记录。请在每台希望合并记录的手机或电脑上打开以下链接：\n\n"
        f"{link}\n\n链接 1 小时内有效，且只能使用一次（其他设备请重新申请）。"
        "如果这不是您本人的操作，请忽略此邮件，不会保存任何内容。"
    )
    first, second = (zh, en) if lang == "zh-Hans" else (en, zh)
    subject = (
        "保存您的碳足迹记录 · Keep your footprint history — NeutralPoint"
        if lang == "zh-Hans"
        else "Keep your footprint history · 保存您的碳足迹记录 — NeutralPoint"
    )
    return OutboxMessage(recipient=email, subject=subject, body_text=f"{first}\n\n——\n\n{second}", kind=MAIL_KIND)


def checked_email(raw: object) -> str:
    """The address, cleaned and lower-cased, or ``FormErrors`` naming ``email``."""
    errors = Collector()
    email = errors.field("email", rules.email, raw)
    errors.raise_if_any()
    assert email is not None
    return email.strip().lower()


async def request_sign_in(
    session: AsyncSession, settings: Settings, raw_email: object, lang: str, now: datetime | None = None
) -> bool:
    """Mail a sign-in link to the address (at most once a minute per address). Returns
    whether one was queued; callers answer the same either way."""
    email = checked_email(raw_email)
    if await mailed_recently(session, email, MAIL_KIND):
        return False
    token, token_hash = tokens.new_link_token()
    session.add(FootprintSignInLink(token_hash=token_hash, email=email, expires_at=(now or utcnow()) + SIGN_IN_TTL))
    session.add(sign_in_message(email, sign_in_link(settings, token), lang))
    await session.flush()
    return True


async def link_address(session: AsyncSession, token: str | None, now: datetime | None = None) -> str | None:
    """The address a sign-in link would join this device to, while it would work: the page
    names it before it offers the button, so nobody joins a stranger's history unawares."""
    if not token or len(token) > 200:
        return None
    found: str | None = await session.scalar(
        select(FootprintSignInLink.email).where(
            FootprintSignInLink.token_hash == tokens.link_token_hash(token),
            FootprintSignInLink.used_at.is_(None),
            FootprintSignInLink.expires_at > (now or utcnow()),
        )
    )
    return found


async def sign_in(
    session: AsyncSession, token: str | None, visitor_id: uuid.UUID, now: datetime | None = None
) -> FootprintHistory:
    """Use a sign-in link: join this device's visitor (and whatever it was joined with) to the
    address's history, made now if the address had none. ``FormErrors`` naming ``token`` for a
    link that is unknown, expired or used; using it is one conditional update, so two uses of
    one link cannot both succeed."""
    moment = now or utcnow()
    if not token or len(token) > 200:
        raise FormErrors({"token": LINK_INVALID})
    email = (
        await session.execute(
            update(FootprintSignInLink)
            .where(
                FootprintSignInLink.token_hash == tokens.link_token_hash(token),
                FootprintSignInLink.used_at.is_(None),
                FootprintSignInLink.expires_at > moment,
            )
            .values(used_at=moment)
            .returning(FootprintSignInLink.email)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if email is None:
        raise FormErrors({"token": LINK_INVALID})
    kept = await session.scalar(select(FootprintHistory).where(FootprintHistory.email == email))
    if kept is None:
        current = await history_of(session, visitor_id)
        if current is not None and current.email is None:
            kept = current  # a history joined across hosts, now kept under this address
        else:
            kept = FootprintHistory()
            session.add(kept)
        kept.email = email
        kept.kept_at = moment
        await session.flush()
    return await join(session, kept, visitor_id)


# --- deleting ------------------------------------------------------------------------------------


async def delete_history(
    session: AsyncSession, settings: Settings, visitor_id: uuid.UUID | None, confirmed: bool
) -> Deleted:
    """Unlink everything personal of this browser's footprint (see the module's words);
    ``FormErrors`` naming ``confirm`` unless ``confirmed``."""
    if not confirmed:
        raise FormErrors({"confirm": CONFIRM_DELETE})
    if visitor_id is None:
        return Deleted(0, 0, 0)
    with scopes_disabled(session):
        ids = await visitors_of(session, visitor_id)
        history = await history_of(session, visitor_id)
        unlinked = 0
        for old in ids:
            result = await session.execute(
                update(Estimate)
                .where(Estimate.visitor_id == old)
                .values(visitor_id=uuid.uuid4())
                .execution_options(synchronize_session=False)
            )
            unlinked += int(getattr(result, "rowcount", 0) or 0)
        order_ids = list(await session.scalars(select(Order.id).where(Order.visitor_id.in_(ids))))
        await _forget_orders(session, order_ids)
        relabelled = await certificates.take_holder_name_off(session, settings, order_ids)
        await _leave_boards(session, order_ids)
        if history is not None:
            if history.email:
                await session.execute(delete(FootprintSignInLink).where(FootprintSignInLink.email == history.email))
                mailed = (OutboxMessage.recipient == history.email) & (OutboxMessage.kind == MAIL_KIND)
                await session.execute(delete(OutboxMessage).where(mailed))
            await session.execute(delete(FootprintVisitor).where(FootprintVisitor.history_id == history.id))
            await session.delete(history)
        await session.flush()
    return Deleted(unlinked, len(order_ids), relabelled)


async def _forget_orders(session: AsyncSession, order_ids: Iterable[uuid.UUID]) -> None:
    """The orders forget who bought them, and their receipts leave the mail outbox."""
    wanted = list(order_ids)
    if not wanted:
        return
    mailed = await session.execute(
        select(Order.buyer_email, Order.reference).where(Order.id.in_(wanted), Order.buyer_email != "")
    )
    for email, reference in mailed:
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.recipient == email,
                OutboxMessage.kind == RECEIPT_KIND,
                OutboxMessage.subject.contains(reference, autoescape=True),
            )
        )
    await session.execute(
        update(Order)
        .where(Order.id.in_(wanted))
        .values(visitor_id=None, buyer_name="", buyer_email="", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def _leave_boards(session: AsyncSession, order_ids: list[uuid.UUID]) -> None:
    """A certificate listed by name leaves the boards (it still counts, as a hidden one does)."""
    if not order_ids:
        return
    listed = select(Certificate.id).where(Certificate.order_id.in_(order_ids))
    await session.execute(
        update(Listing)
        .where(Listing.certificate_id.in_(listed), Listing.visibility == Visibility.NAMED)
        .values(visibility=Visibility.HIDDEN, public_name="", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
