"""An event's public neutrality page and its JSON twin; the page's script polls the twin.

The content security policy allows scripts from our own origin only, so the page's live
figures come from ``/impact/static/event.js``: every ``POLL_SECONDS`` it reads the JSON twin
and rewrites the figures in place. Without JavaScript the page is the same, as of its load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.static_files import create_static_files_router
from sqlalchemy.ext.asyncio import AsyncSession

import neutralpoint.impact as impact_package
from neutralpoint.impact import neutrality
from neutralpoint.impact.controllers import entry_or_404, entry_title, remember_language, visitor_language
from neutralpoint.impact.schemas import EventCertificateOut, NeutralityOut, ProjectShareOut
from neutralpoint.scenarios import entries
from neutralpoint.tenants.access import PUBLIC
from neutralpoint.web.access import public_opt
from neutralpoint.web.formatting import format_grams
from neutralpoint.web.i18n import gettext_functions
from neutralpoint.web.templating import render

POLL_SECONDS = 15
STATIC = Path(next(iter(impact_package.__path__))) / "static"


def rule(lang: str) -> str:
    """The footprint's rule as the page states it."""
    gettext = gettext_functions(lang)["plain_gettext"]
    return str(
        gettext(
            "The footprint is the organiser's latest whole-event estimate, which includes the attendees' own "
            "estimates. Without one, it is the sum of the attendees' own estimates: each visitor counts once, "
            "with their latest estimate, and an estimate above %(factor)s times the median is left out as a "
            "probable typing slip (once at least %(count)s visitors have one). Until %(minimum)s visitors have an "
            "estimate, their sum is not the event's footprint and no percentage is shown: one attendee's own "
            "estimate would otherwise make the event 100 %% neutralized by their own order.",
            factor=neutrality.OUTLIER_FACTOR,
            count=neutrality.OUTLIER_MIN_COUNT,
            minimum=neutrality.MIN_ATTENDEE_ESTIMATES,
        )
    )


def not_enough(figures: neutrality.Neutrality, lang: str) -> str:
    """Why the page shows no percentage yet (empty when it shows one, or nobody computed)."""
    if figures.footprint_basis != neutrality.TOO_FEW_ESTIMATES:
        return ""
    gettext = gettext_functions(lang)["plain_gettext"]
    return str(
        gettext(
            "Not enough data yet: a percentage is shown once %(minimum)s attendees have computed their footprint "
            "(%(count)s so far), or once the organiser has estimated the whole event.",
            minimum=neutrality.MIN_ATTENDEE_ESTIMATES,
            count=figures.attendee_estimates,
        )
    )


def statement(entry: entries.OpenEntryPoint, figures: neutrality.Neutrality, lang: str) -> str:
    gettext = gettext_functions(lang)["plain_gettext"]
    return str(
        gettext(
            "%(event)s at %(venue)s is carbon neutral: %(neutralized)s CO₂e neutralized with serial-numbered "
            "credits, for a footprint of %(footprint)s.",
            event=entry_title(entry, lang),
            venue=entry.tenant.display_name_in(lang),
            neutralized=format_grams(figures.neutralized_grams, lang),
            footprint=format_grams(figures.footprint_grams, lang),
        )
    )


def neutrality_out(entry: entries.OpenEntryPoint, figures: neutrality.Neutrality) -> NeutralityOut:
    certificate = None
    if figures.certificate is not None:
        certificate = EventCertificateOut(
            organiser_certificates=figures.certificate.organiser_numbers,
            attendee_certificates=figures.certificate.attendee_certificates,
            statement={lang: statement(entry, figures, lang) for lang in ("en", "zh-Hans")},
        )
    return NeutralityOut(
        event={lang: entry_title(entry, lang) for lang in ("en", "zh-Hans")},
        venue=entry.tenant.display_name,
        footprint_grams=figures.footprint_grams,
        footprint_basis=figures.footprint_basis,
        organiser_estimate_grams=figures.organiser_estimate_grams,
        attendee_estimates=figures.attendee_estimates,
        attendee_estimates_grams=figures.attendee_estimates_grams,
        outliers_left_out=figures.outliers,
        neutralized_grams=figures.neutralized_grams,
        attendees_grams=figures.attendees_grams,
        organiser_grams=figures.organiser_grams,
        percent=figures.percent,
        neutral=figures.neutral,
        enough_data=figures.footprint_basis != neutrality.TOO_FEW_ESTIMATES,
        min_attendee_estimates=neutrality.MIN_ATTENDEE_ESTIMATES,
        not_enough={lang: not_enough(figures, lang) for lang in ("en", "zh-Hans")},
        participants=figures.participants,
        projects=[ProjectShareOut(p.slug, p.name, p.grams, f"/projects/{p.slug}") for p in figures.projects],
        certificate=certificate,
        rule={lang: rule(lang) for lang in ("en", "zh-Hans")},
        computed_at=figures.computed_at.isoformat(),
        poll_seconds=POLL_SECONDS,
    )


@get("/v/{slug:str}/event/{code:str}", include_in_schema=False, access=PUBLIC)
async def event_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    code: FromPath[str],
) -> Response[Any]:
    """The event's footprint, what its attendees and organiser neutralized, and the share."""
    entry = await entry_or_404(db_session, slug, code)
    lang, explicit = visitor_language(request, entry.tenant)
    figures = await neutrality.neutrality(db_session, entry.entry_point)
    response = render(
        request,
        "impact/event.html",
        lang=lang,
        headers={"Cache-Control": "no-store"},
        brand=entry.tenant,
        title=entry_title(entry, lang),
        entry=entry,
        figures=figures,
        rule=rule(lang),
        not_enough=not_enough(figures, lang),
        statement=statement(entry, figures, lang) if figures.neutral else "",
        api_url=f"/api/v1/public/venues/{slug}/entry-points/{entry.code}/neutrality",
        board_url=f"/v/{slug}/leaderboard/{entry.code}",
        calculator_url=f"/v/{slug}/{entry.code}",
        poll_seconds=POLL_SECONDS,
    )
    return remember_language(response, lang, explicit)


@get(
    "/api/v1/public/venues/{slug:str}/entry-points/{code:str}/neutrality",
    tags=["impact"],
    access=PUBLIC,
    summary="An event's footprint, the grams neutralized by its attendees and organiser, and the share",
)
async def event_api(
    db_session: NamedDependency[AsyncSession], slug: FromPath[str], code: FromPath[str]
) -> Response[NeutralityOut]:
    """What the event page shows, computed now; the page polls it every ``poll_seconds``."""
    entry = await entry_or_404(db_session, slug, code)
    figures = await neutrality.neutrality(db_session, entry.entry_point)
    return Response(neutrality_out(entry, figures), headers={"Cache-Control": "no-store"})


def static_router() -> Any:
    """The impact pages' own scripts (same origin, as the content security policy wants)."""
    return create_static_files_router(
        path="/impact/static",
        directories=[STATIC],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600, public=True),
        opt=public_opt(),
    )


route_handlers = [event_page, event_api, static_router()]
