"""Leaderboards in public: the platform's, a venue's and an entry point's (an event's), each
page with its JSON twin; a certificate's standings ("#37 of 1,204 at Summit"); and the
holder's choice of how to appear, made from their order (its reference is their secret).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from litestar import Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.certificates.models import Certificate
from neutralpoint.database.base import utcnow
from neutralpoint.impact import services, standings
from neutralpoint.impact.models import Visibility
from neutralpoint.impact.schemas import (
    BoardOut,
    ListingIn,
    ListingOut,
    PeriodOut,
    RowOut,
    StandingOut,
    StandingsOut,
)
from neutralpoint.impact.services import Period, Standing
from neutralpoint.refusals import FieldError, FormErrors
from neutralpoint.scenarios import entries, submissions
from neutralpoint.settings import Settings
from neutralpoint.tenants.access import PUBLIC
from neutralpoint.tenants.models import Tenant
from neutralpoint.web.formatting import in_time_zone, zone_label
from neutralpoint.web.i18n import choose_language, gettext_functions, normalize_language
from neutralpoint.web.templating import render

PLATFORM_TITLE = {"en": "NeutralPoint", "zh-Hans": "NeutralPoint"}
LANG_COOKIE_SECONDS = 365 * 24 * 3600
KindParam = Annotated[
    str | None, QueryParameter(name="period", description="all (default), year or month", max_length=10)
]
KeyParam = Annotated[
    str | None, QueryParameter(name="key", description="The year (2026) or month (2026-12); this one by default")
]


def _not_found() -> NotFoundException:
    return NotFoundException("Not found")


def visitor_language(request: Request[Any, Any, Any], tenant: Tenant | None) -> tuple[str, bool]:
    visitor = submissions.VisitorRequest(
        slug="",
        code="",
        cookies=request.cookies,
        query_lang=request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
    )
    return visitor.language(tenant)


def remember_language(response: Response[Any], lang: str, explicit: bool) -> Response[Any]:
    if explicit:
        response.set_cookie(
            submissions.LANG_COOKIE, lang, max_age=LANG_COOKIE_SECONDS, path="/", samesite="lax", httponly=True
        )
    return response


def period_out(chosen: Period) -> PeriodOut:
    return PeriodOut(chosen.kind, chosen.key, chosen.time_zone)


def board_out(scope: str, title: dict[str, str], top: services.Top, page_url: str) -> BoardOut:
    return BoardOut(
        scope=scope,
        title=title,
        period=period_out(top.period),
        certificates=top.entries,
        grams=top.grams,
        rows=[
            RowOut(r.rank, r.grams, r.name, r.venue_name, r.entry_point, r.issued_at.isoformat(), r.test_mode)
            for r in top.rows
        ],
        page_url=page_url,
        test_mode=top.test_mode,
    )


def board_url(standing: Standing) -> str:
    query = "" if standing.period.kind == "all" else f"?period={standing.period.kind}&key={standing.period.key}"
    if standing.scope == "entry_point":
        return f"/v/{standing.venue_slug}/leaderboard/{standing.entry_code}{query}"
    if standing.scope == "venue":
        return f"/v/{standing.venue_slug}/leaderboard{query}"
    return f"/leaderboard{query}"


def sentence(standings_found: list[Standing], lang: str) -> str:
    """ "#37 of 1,204 at Summit": the certificate's all-time place at its entry point, else its venue."""
    first = next((s for s in standings_found if s.period.kind == "all"), None)
    if first is None:
        return ""
    gettext = gettext_functions(lang)["plain_gettext"]
    rank, of = f"{first.rank:,}", f"{first.of:,}"
    if first.scope == "platform":
        return str(gettext("#%(rank)s of %(of)s on NeutralPoint", rank=rank, of=of))
    return str(gettext("#%(rank)s of %(of)s at %(place)s", rank=rank, of=of, place=first.label))


def _titles(title: Callable[[str], str]) -> dict[str, str]:
    """A board's title in each language (a venue's or an event's name, the other's where one is missing)."""
    return {lang: title(lang) for lang in ("en", "zh-Hans")}


async def _venue(db_session: AsyncSession, slug: str) -> Tenant:
    tenant = await entries.find_venue(db_session, slug)
    if tenant is None:
        raise _not_found()
    return tenant


async def entry_or_404(db_session: AsyncSession, slug: str, code: str) -> entries.OpenEntryPoint:
    entry = await entries.find_open_entry_point(db_session, slug, code)
    if entry is None:
        raise _not_found()
    return entry


def entry_title(entry: entries.OpenEntryPoint, lang: str | None = None) -> str:
    """The event's name (else the entry point's) for a reader of ``lang`` (the venue's language by default)."""
    reader = lang or entry.tenant.default_language
    return entry.entry_point.event_name_in(reader) or entry.entry_point.name_in(reader)


async def _board_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    lang: str,
    explicit: bool,
    brand: Tenant | None,
    scope: str,
    board: str,
    title: str,
    base_url: str,
    api_url: str,
    kind: str | None,
    key: str | None,
    time_zone: str | None = None,
) -> Response[Any]:
    problem = ""
    status_code = 200
    try:
        chosen = services.period(kind, key, time_zone=time_zone)
    except FormErrors as exc:
        problem = next(iter(exc.errors.values())).message(lang)
        status_code = 400
        chosen = services.period("all", time_zone=time_zone)
    top = await services.top(db_session, board, chosen)
    response = render(
        request,
        "impact/leaderboard.html",
        lang=lang,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
        brand=brand,
        scope=scope,
        title=title,
        top=top,
        period=chosen,
        base_url=base_url,
        api_url=api_url,
        problem=problem,
        show_venue=scope == "platform",
        zone_offset=zone_label(in_time_zone(utcnow(), chosen.time_zone)),
    )
    return remember_language(response, lang, explicit)


@get("/leaderboard", include_in_schema=False, access=PUBLIC)
async def platform_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    kind: KindParam = None,
    key: KeyParam = None,
) -> Response[Any]:
    """Every venue's visitors, by grams neutralized in the period."""
    lang = choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )
    explicit = normalize_language(request.query_params.get("lang")) is not None
    return await _board_page(
        request,
        db_session,
        lang=lang,
        explicit=explicit,
        brand=None,
        scope="platform",
        board=standings.platform_board(settings.payments_test_mode),
        title="NeutralPoint",
        base_url="/leaderboard",
        api_url="/api/v1/public/leaderboard",
        kind=kind,
        key=key,
    )


@get("/v/{slug:str}/leaderboard", include_in_schema=False, access=PUBLIC)
async def venue_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    slug: FromPath[str],
    kind: KindParam = None,
    key: KeyParam = None,
) -> Response[Any]:
    """The venue's visitors, by grams neutralized in the period."""
    tenant = await _venue(db_session, slug)
    lang, explicit = visitor_language(request, tenant)
    return await _board_page(
        request,
        db_session,
        lang=lang,
        explicit=explicit,
        brand=tenant,
        scope="venue",
        board=standings.venue_board(tenant.id, settings.payments_test_mode),
        title=tenant.display_name_in(lang),
        base_url=f"/v/{slug}/leaderboard",
        api_url=f"/api/v1/public/venues/{slug}/leaderboard",
        kind=kind,
        key=key,
        time_zone=tenant.time_zone,
    )


@get("/v/{slug:str}/leaderboard/{code:str}", include_in_schema=False, access=PUBLIC)
async def entry_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    slug: FromPath[str],
    code: FromPath[str],
) -> Response[Any]:
    """An entry point's (an event's) visitors, by grams neutralized, all time."""
    entry = await entry_or_404(db_session, slug, code)
    lang, explicit = visitor_language(request, entry.tenant)
    return await _board_page(
        request,
        db_session,
        lang=lang,
        explicit=explicit,
        brand=entry.tenant,
        scope="entry_point",
        board=standings.entry_board(entry.entry_point.id, settings.payments_test_mode),
        title=entry_title(entry, lang),
        base_url=f"/v/{slug}/leaderboard/{entry.code}",
        api_url=f"/api/v1/public/venues/{slug}/entry-points/{entry.code}/leaderboard",
        kind="all",
        key=None,
        time_zone=entry.tenant.time_zone,
    )


@get(
    "/api/v1/public/leaderboard",
    tags=["impact"],
    access=PUBLIC,
    summary="The platform's leaderboard: the top 100 certificates by grams in a period",
)
async def platform_api(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    kind: KindParam = None,
    key: KeyParam = None,
) -> BoardOut:
    """Hidden certificates keep their rank but have no row; ``certificates`` counts them all.
    A deployment that takes test payments only answers its test board (``test_mode``)."""
    chosen = services.period(kind, key)
    top = await services.top(db_session, standings.platform_board(settings.payments_test_mode), chosen)
    return board_out("platform", PLATFORM_TITLE, top, "/leaderboard")


@get(
    "/api/v1/public/venues/{slug:str}/leaderboard",
    tags=["impact"],
    access=PUBLIC,
    summary="A venue's leaderboard: the top 100 certificates by grams in a period",
)
async def venue_api(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    slug: FromPath[str],
    kind: KindParam = None,
    key: KeyParam = None,
) -> BoardOut:
    tenant = await _venue(db_session, slug)
    chosen = services.period(kind, key, time_zone=tenant.time_zone)
    top = await services.top(db_session, standings.venue_board(tenant.id, settings.payments_test_mode), chosen)
    return board_out("venue", _titles(tenant.display_name_in), top, f"/v/{slug}/leaderboard")


@get(
    "/api/v1/public/venues/{slug:str}/entry-points/{code:str}/leaderboard",
    tags=["impact"],
    access=PUBLIC,
    summary="An entry point's (an event's) leaderboard: the top 100 certificates by grams",
)
async def entry_api(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    slug: FromPath[str],
    code: FromPath[str],
) -> BoardOut:
    entry = await entry_or_404(db_session, slug, code)
    top = await services.top(
        db_session,
        standings.entry_board(entry.entry_point.id, settings.payments_test_mode),
        services.period("all", time_zone=entry.tenant.time_zone),
    )
    titles = _titles(lambda lang: entry_title(entry, lang))
    return board_out("entry_point", titles, top, f"/v/{slug}/leaderboard/{entry.code}")


def standings_out(certificate: Certificate, found: list[Standing]) -> StandingsOut:
    return StandingsOut(
        number=certificate.number,
        grams=certificate.grams,
        standings=[
            StandingOut(s.scope, s.label, period_out(s.period), s.rank, s.of, board_url(s), s.test_mode) for s in found
        ],
        sentence={lang: sentence(found, lang) for lang in ("en", "zh-Hans")},
        test_mode=certificate.test_mode,
    )


@get(
    "/api/v1/public/certificates/{number:str}/standings",
    tags=["impact"],
    access=PUBLIC,
    summary="Where a certificate stands on its entry point's, its venue's and the platform's boards",
)
async def certificate_standings_api(db_session: NamedDependency[AsyncSession], number: FromPath[str]) -> StandingsOut:
    """Ranks count every valid certificate; equal grams share a rank."""
    certificate = await services.certificate_by_number(db_session, number[:40])
    if certificate is None:
        raise _not_found()
    return standings_out(certificate, await services.standings_of(db_session, certificate))


@get("/leaderboard/certificates/{number:str}", include_in_schema=False, access=PUBLIC)
async def certificate_standings_page(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], number: FromPath[str]
) -> Response[Any]:
    """The certificate's places, each linking to its board."""
    certificate = await services.certificate_by_number(db_session, number[:40])
    if certificate is None:
        raise _not_found()
    lang = choose_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )
    found = await services.standings_of(db_session, certificate, lang)
    response = render(
        request,
        "impact/standings.html",
        lang=lang,
        headers={"Cache-Control": "no-store"},
        certificate=certificate,
        found=found,
        sentence=sentence(found, lang),
        board_url=board_url,
    )
    return remember_language(response, lang, normalize_language(request.query_params.get("lang")) is not None)


# --- the holder's choice -----------------------------------------------------------------------


async def _order_certificate(db_session: AsyncSession, slug: str, reference: str) -> tuple[Tenant, Certificate]:
    tenant = await _venue(db_session, slug)
    certificate = await services.certificate_of_order(db_session, tenant.id, reference[:40])
    if certificate is None:
        raise _not_found()
    return tenant, certificate


async def _listing_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    tenant: Tenant,
    certificate: Certificate,
    lang: str,
    *,
    chosen: services.ListingChoice,
    errors: Mapping[str, FieldError] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    found = await services.standings_of(db_session, certificate, lang)
    return render(
        request,
        "impact/listing.html",
        lang=lang,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
        brand=tenant,
        certificate=certificate,
        chosen=chosen,
        refused=errors or {},
        saved=saved,
        sentence=sentence(found, lang),
        action=f"/v/{tenant.slug}/orders/{certificate.order_reference}/listing",
        order_url=f"/v/{tenant.slug}/orders/{certificate.order_reference}",
        standings_url=f"/leaderboard/certificates/{certificate.number}",
    )


@get("/v/{slug:str}/orders/{reference:str}/listing", include_in_schema=False, access=PUBLIC)
async def listing_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    reference: FromPath[str],
) -> Response[Any]:
    """Whether and under which name the order's certificate appears on the leaderboards."""
    tenant, certificate = await _order_certificate(db_session, slug, reference)
    lang, explicit = visitor_language(request, tenant)
    chosen = await services.listing_of(db_session, certificate.id)
    response = await _listing_page(
        request, db_session, tenant, certificate, lang, chosen=chosen, saved=request.query_params.get("saved") == "1"
    )
    return remember_language(response, lang, explicit)


@post("/v/{slug:str}/orders/{reference:str}/listing", include_in_schema=False, status_code=303, access=PUBLIC)
async def listing_form(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    reference: FromPath[str],
) -> Response[Any]:
    tenant, certificate = await _order_certificate(db_session, slug, reference)
    lang, _ = visitor_language(request, tenant)
    form = await request.form()
    visibility, public_name = str(form.get("visibility") or ""), str(form.get("public_name") or "")
    try:
        choice = services.check_listing(visibility, public_name)
    except FormErrors as exc:
        kept = services.ListingChoice(
            Visibility(visibility) if visibility in {v.value for v in Visibility} else Visibility.ANONYMOUS,
            public_name[:80],
        )
        return await _listing_page(
            request,
            db_session,
            tenant,
            certificate,
            lang,
            chosen=kept,
            errors=exc.errors,
            status_code=400,
        )
    await services.set_listing(db_session, certificate.id, choice)
    return Redirect(path=f"/v/{slug}/orders/{certificate.order_reference}/listing?saved=1", status_code=303)


@get(
    "/api/v1/public/venues/{slug:str}/orders/{reference:str}/listing",
    tags=["impact"],
    access=PUBLIC,
    summary="How the order's certificate appears on the leaderboards",
)
async def listing_api(
    db_session: NamedDependency[AsyncSession], slug: FromPath[str], reference: FromPath[str]
) -> ListingOut:
    """404 until the order is fulfilled (it has no certificate before)."""
    _, certificate = await _order_certificate(db_session, slug, reference)
    chosen = await services.listing_of(db_session, certificate.id)
    return ListingOut(certificate.number, chosen.visibility.value, chosen.public_name)


@put(
    "/api/v1/public/venues/{slug:str}/orders/{reference:str}/listing",
    tags=["impact"],
    access=PUBLIC,
    summary="Choose whether and under which name the order's certificate appears on the leaderboards",
)
async def set_listing_api(
    db_session: NamedDependency[AsyncSession],
    slug: FromPath[str],
    reference: FromPath[str],
    data: JSONBody[ListingIn],
) -> ListingOut:
    """``named`` shows ``public_name`` (1-40 characters); ``anonymous`` (the default) shows
    the grams alone; ``hidden`` leaves the pages but keeps the certificate in every count."""
    _, certificate = await _order_certificate(db_session, slug, reference)
    choice = services.check_listing(data.visibility, data.public_name)
    await services.set_listing(db_session, certificate.id, choice)
    return ListingOut(certificate.number, choice.visibility.value, choice.public_name)


route_handlers = [
    platform_page,
    venue_page,
    entry_page,
    platform_api,
    venue_api,
    entry_api,
    certificate_standings_api,
    certificate_standings_page,
    listing_page,
    listing_form,
    listing_api,
    set_listing_api,
]
