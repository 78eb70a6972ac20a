"""How far an event is from carbon neutral: its footprint against the grams neutralized.

**The footprint** is the organiser's latest whole-event estimate when there is one (it
already holds the attendees' own estimates, see ``neutralpoint.scenarios.event_footprint``).
Without it, the page adds up the attendees' own estimates at the entry point, by this rule:
each visitor counts once, with their latest estimate; when at least ``OUTLIER_MIN_COUNT``
visitors have one, an estimate above ``OUTLIER_FACTOR`` times their median is left out
(a typing slip such as 35,000 km for 350 would otherwise set the whole event's footprint)
and the page says how many were. That sum is a lower bound: only those who computed count.
It becomes the footprint only once at least ``MIN_ATTENDEE_ESTIMATES`` visitors have an
estimate: before that, one attendee's own estimate would be the whole event's footprint
and their own order would make it "100 % neutralized", so the page says "not enough data
yet" and shows no percentage.

**Neutralized** is the grams of the valid certificates of the entry point's orders, the
attendees' apart from the organiser's whole-event orders. The event is carbon neutral,
and the page shows its event certificate, once neutralized reaches the footprint.
"""

from __future__ import annotations

import dataclasses
import statistics
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.certificates.models import Certificate, CertificateStatus
from neutralpoint.credits.models import Project
from neutralpoint.database.base import utcnow
from neutralpoint.payments.models import Order, OrderBasis
from neutralpoint.scenarios.event_footprint import ORGANISER
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.models import EntryPoint

OUTLIER_FACTOR = 10
OUTLIER_MIN_COUNT = 5
#: Attendees' estimates needed before their sum is the event's footprint (without an
#: organiser's estimate): the same count from which an outlier can be told at all.
MIN_ATTENDEE_ESTIMATES = OUTLIER_MIN_COUNT
ORGANISER_ESTIMATE = "organiser_estimate"
ATTENDEE_ESTIMATES = "attendee_estimates"
TOO_FEW_ESTIMATES = "too_few_estimates"
NO_FOOTPRINT = "none"


@dataclass(frozen=True)
class ProjectShare:
    slug: str
    name: dict[str, str]
    grams: int


@dataclass(frozen=True)
class EventCertificate:
    """What the event holds at 100 %: the organiser's certificates and the attendees' count."""

    organiser_numbers: list[str]
    attendee_certificates: int


@dataclass(frozen=True)
class Neutrality:
    footprint_grams: int
    footprint_basis: str
    """``organiser_estimate``, ``attendee_estimates``, ``too_few_estimates`` (fewer than
    ``MIN_ATTENDEE_ESTIMATES`` attendees have one: no footprint, no percentage yet) or
    ``none`` (nobody has computed yet)."""
    organiser_estimate_grams: int | None
    organiser_estimate_at: datetime | None
    attendee_estimates: int
    """Visitors with an estimate at the entry point (their latest each)."""
    attendee_estimates_grams: int
    """The sum of those estimates, outliers left out."""
    outliers: int
    attendees_grams: int
    organiser_grams: int
    participants: int
    """Attendees' certificates (each a neutralization at the entry point)."""
    projects: list[ProjectShare] = field(default_factory=list)
    certificate: EventCertificate | None = None
    computed_at: datetime = field(default_factory=utcnow)

    @property
    def neutralized_grams(self) -> int:
        return self.attendees_grams + self.organiser_grams

    @property
    def percent(self) -> int | None:
        """Whole percent, rounded down (99.6 % is not yet neutral); may pass 100."""
        if self.footprint_grams <= 0:
            return None
        return self.neutralized_grams * 100 // self.footprint_grams

    @property
    def neutral(self) -> bool:
        return self.footprint_grams > 0 and self.neutralized_grams >= self.footprint_grams


def counted_estimates(grams_by_visitor: list[int]) -> tuple[list[int], int]:
    """The attendees' estimates that count, and how many were left out as outliers."""
    if len(grams_by_visitor) < OUTLIER_MIN_COUNT:
        return list(grams_by_visitor), 0
    limit = statistics.median(grams_by_visitor) * OUTLIER_FACTOR
    kept = [g for g in grams_by_visitor if g <= limit]
    return kept, len(grams_by_visitor) - len(kept)


async def neutrality(session: AsyncSession, entry_point: EntryPoint) -> Neutrality:
    """The event's figures now (the session is scoped to the entry point's venue)."""
    organiser = (
        await session.execute(
            select(Estimate.total_grams, Estimate.created_at)
            .where(Estimate.entry_point_id == entry_point.id, Estimate.kind == ORGANISER)
            .order_by(Estimate.created_at.desc())
            .limit(1)
        )
    ).first()
    latest: dict[uuid.UUID, tuple[datetime, int]] = {}
    for visitor_id, grams, created_at in await session.execute(
        select(Estimate.visitor_id, Estimate.total_grams, Estimate.created_at).where(
            Estimate.entry_point_id == entry_point.id, Estimate.kind != ORGANISER
        )
    ):
        if visitor_id is None:  # only an organiser's footprint has none
            continue
        seen = latest.get(visitor_id)
        if seen is None or created_at > seen[0]:
            latest[visitor_id] = (created_at, int(grams))
    kept, outliers = counted_estimates([grams for _, grams in latest.values()])
    attendee_sum = sum(kept)
    if organiser is not None:
        footprint, basis = int(organiser[0]), ORGANISER_ESTIMATE
    elif len(latest) >= MIN_ATTENDEE_ESTIMATES:
        footprint, basis = attendee_sum, ATTENDEE_ESTIMATES
    elif latest:
        footprint, basis = 0, TOO_FEW_ESTIMATES
    else:
        footprint, basis = 0, NO_FOOTPRINT

    is_organiser = Order.basis == OrderBasis.EVENT
    of_event = (
        select(Certificate.number, Certificate.grams, Certificate.project_id, is_organiser.label("organiser"))
        .join(Order, Order.id == Certificate.order_id)
        .where(
            Order.entry_point_code == entry_point.code,
            Certificate.venue_id == entry_point.tenant_id,
            Certificate.status == CertificateStatus.VALID,
        )
        .subquery()
    )
    attendees_grams = organiser_grams = participants = 0
    for organiser_row, grams, count in await session.execute(
        select(of_event.c.organiser, func.sum(of_event.c.grams), func.count()).group_by(of_event.c.organiser)
    ):
        if organiser_row:
            organiser_grams = int(grams or 0)
        else:
            attendees_grams, participants = int(grams or 0), int(count)
    shares = (
        await session.execute(
            select(of_event.c.project_id, func.sum(of_event.c.grams))
            .group_by(of_event.c.project_id)
            .order_by(func.sum(of_event.c.grams).desc(), of_event.c.project_id)
        )
    ).all()
    named = {
        p.id: p for p in (await session.scalars(select(Project).where(Project.id.in_([s[0] for s in shares])))).all()
    }
    projects = [
        ProjectShare(named[project_id].slug, dict(named[project_id].name), int(grams))
        for project_id, grams in shares
        if project_id in named
    ]
    result = Neutrality(
        footprint_grams=footprint,
        footprint_basis=basis,
        organiser_estimate_grams=int(organiser[0]) if organiser else None,
        organiser_estimate_at=organiser[1] if organiser else None,
        attendee_estimates=len(latest),
        attendee_estimates_grams=attendee_sum,
        outliers=outliers,
        attendees_grams=attendees_grams,
        organiser_grams=organiser_grams,
        participants=participants,
        projects=projects,
    )
    if not result.neutral:
        return result
    numbers = (
        await session.scalars(
            select(of_event.c.number).where(of_event.c.organiser.is_(True)).order_by(of_event.c.number)
        )
    ).all()
    return dataclasses.replace(result, certificate=EventCertificate(list(numbers), participants))
