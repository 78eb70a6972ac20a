"""The personal footprint's pages and their JSON twins, on the platform's host.

``/footprint`` shows this browser's estimates and certificates at every venue; "keep my
history" mails a sign-in link (``/footprint/sign-in``) that joins a device to the kept
history; ``/footprint/join`` joins a venue host's visitor to this host's; the history
downloads as JSON and CSV and can be deleted. See ``neutralpoint.impact.footprints``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.impact import footprints
from neutralpoint.impact.controllers import remember_language, visitor_language
from neutralpoint.impact.footprints import Footprint
from neutralpoint.impact.schemas import (
    DeletedOut,
    DeleteIn,
    FootprintEstimateOut,
    FootprintOrderOut,
    FootprintOut,
    KeepIn,
    KeepOut,
    SignInIn,
)
from neutralpoint.refusals import FormErrors
from neutralpoint.scenarios import submissions
from neutralpoint.settings import Settings
from neutralpoint.tenants import tokens
from neutralpoint.tenants.access import PUBLIC
from neutralpoint.web.cross_site import STARTS_SESSION_OPT
from neutralpoint.web.downloads import csv_download
from neutralpoint.web.formatting import format_when
from neutralpoint.web.i18n import gettext_functions
from neutralpoint.web.templating import render

API = "/api/v1/footprint"
PAGE = submissions.FOOTPRINT_PATH
NO_STORE = {"Cache-Control": "no-store"}
KEEP_MESSAGE = {
    "en": "If the address is right, a sign-in link is on its way to it. Open it on this device, "
    "and on each other device whose history you want to keep together.",
    "zh-Hans": "如果邮箱地址无误，登录链接已发往该邮箱。请在本设备以及每台希望合并记录的设备上打开它。",
}
TokenParam = Annotated[str | None, QueryParameter(name="token", description="The link's token")]
LangParam = Annotated[str | None, QueryParameter(name="lang", description="en or zh-Hans", max_length=16)]


def _visitor(request: Request[Any, Any, Any], settings: Settings) -> uuid.UUID | None:
    return submissions.visitor_of_cookie(request.cookies, settings.secret_key)


def _keeping_token(path: str, token: str | None) -> str:
    """The page's own address for its language links: switching language keeps the link's
    token, or the mailed sign-in link (or the venue host's join link) would be lost."""
    return f"{path}?{urlencode({'token': token})}" if token else path


def _name(names: dict[str, str], lang: str) -> str:
    return names.get(lang) or next(iter(names.values()), "")


def footprint_out(footprint: Footprint, lang: str, settings: Settings) -> FootprintOut:
    base = settings.base_url.rstrip("/")
    return FootprintOut(
        kept=footprint.kept,
        email=footprint.email,
        language=lang,
        computed_grams=footprint.computed_grams,
        neutralized_grams=footprint.neutralized_grams,
        neutralized_test_grams=footprint.neutralized_test_grams,
        estimates=[
            FootprintEstimateOut(
                id=str(e.id),
                venue=e.venue_slug,
                venue_name=e.venue_names,
                entry_point_name=e.entry_point_names,
                scenario_name=e.scenario_names,
                grams=e.grams,
                created_at=e.created_at.isoformat(),
                created_at_local=format_when(e.created_at, lang, e.time_zone),
                time_zone=e.time_zone,
                url=base + e.path,
            )
            for e in footprint.estimates
        ],
        orders=[
            FootprintOrderOut(
                reference=o.reference,
                venue=o.venue_slug,
                venue_name=o.venue_names,
                entry_point_name=o.entry_point_names,
                status=o.status,
                grams=o.grams,
                amount_minor=o.amount_minor,
                currency=o.currency,
                test_mode=o.test_mode,
                created_at=o.created_at.isoformat(),
                created_at_local=format_when(o.created_at, lang, o.time_zone),
                time_zone=o.time_zone,
                order_url=base + o.path,
                certificate_number=o.certificate_number,
                certificate_status=o.certificate_status,
                certificate_url=base + o.certificate_path if o.certificate_path else None,
                neutralized=o.neutralized,
            )
            for o in footprint.orders
        ],
        download_json=f"{base}{API}/download.json",
        download_csv=f"{base}{API}/download.csv",
    )


async def _page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    *,
    status_code: int = 200,
    refused: dict[str, Any] | None = None,
    typed_email: str = "",
) -> Response[Any]:
    lang, explicit = visitor_language(request, None)
    footprint = await footprints.read(db_session, _visitor(request, settings))
    gettext = gettext_functions(lang)["plain_gettext"]
    notices = {
        "sent": KEEP_MESSAGE[lang],
        "kept": gettext("Your history is kept: this device is joined to it."),
        "deleted": gettext("Your history was deleted. Your certificates stay valid, under an anonymous name."),
    }
    response = render(
        request,
        "impact/footprint.html",
        lang=lang,
        status_code=status_code,
        headers=NO_STORE,
        refused=refused or {},
        footprint=footprint,
        name=_name,
        format_when=format_when,
        typed_email=typed_email,
        notice=notices.get(str(request.query_params.get("done") or ""), ""),
        download_json=f"{API}/download.json",
        download_csv=f"{API}/download.csv",
        lang_switch_url=PAGE,  # also after a refused form, whose address answers POST only
    )
    return remember_language(response, lang, explicit)


# --- pages ---------------------------------------------------------------------------------------


@get(PAGE, include_in_schema=False, access=PUBLIC)
async def footprint_page(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
) -> Response[Any]:
    """Every estimate and certificate of this browser's visitor, at every venue."""
    return await _page(request, db_session, settings)


@post(PAGE + "/keep", include_in_schema=False, status_code=303, access=PUBLIC, rate_limit="footprint_links")
async def keep_form(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
) -> Response[Any]:
    lang, _ = visitor_language(request, None)
    form = await request.form()
    typed = str(form.get("email") or "")
    try:
        await footprints.request_sign_in(db_session, settings, typed, lang)
    except FormErrors as exc:
        return await _page(request, db_session, settings, status_code=400, refused=exc.errors, typed_email=typed[:254])
    return Redirect(path=f"{PAGE}?done=sent", status_code=303)


@get(PAGE + "/sign-in", include_in_schema=False, access=PUBLIC)
async def sign_in_page(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], token: TokenParam = None
) -> Response[Any]:
    """What a mailed link opens: the address it keeps the history under and a button that
    uses it (a mail program that fetches links to look at them must not use up a
    single-use link)."""
    lang, explicit = visitor_language(request, None)
    email = await footprints.link_address(db_session, token)
    response = render(
        request,
        "impact/footprint_sign_in.html",
        lang=lang,
        status_code=200 if email else 400,
        headers=NO_STORE,
        refused={} if email else {"token": footprints.LINK_INVALID},
        token=token or "",
        email=email,
        lang_switch_url=_keeping_token(PAGE + "/sign-in", token if email else None),
    )
    return remember_language(response, lang, explicit)


def _with_visitor(response: Response[Any], settings: Settings, held: uuid.UUID | None, visitor_id: uuid.UUID) -> None:
    if held != visitor_id:
        response.headers["set-cookie"] = submissions.visitor_cookie_header(settings, visitor_id)


@post(PAGE + "/sign-in", include_in_schema=False, status_code=303, access=PUBLIC, rate_limit="footprint_links")
async def sign_in_form(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
) -> Response[Any]:
    lang, _ = visitor_language(request, None)
    form = await request.form()
    token = str(form.get("token") or "")
    held = _visitor(request, settings)
    visitor_id = held or uuid.uuid4()
    try:
        await footprints.sign_in(db_session, token, visitor_id)
    except FormErrors as exc:
        return render(
            request,
            "impact/footprint_sign_in.html",
            lang=lang,
            status_code=400,
            headers=NO_STORE,
            refused=exc.errors,
            token="",
            email=None,
        )
    response: Response[Any] = Redirect(path=f"{PAGE}?done=kept", status_code=303)
    _with_visitor(response, settings, held, visitor_id)
    return response


@get(PAGE + "/join", include_in_schema=False, access=PUBLIC)
async def join_hosts_page(
    request: Request[Any, Any, Any], settings: NamedDependency[Settings], token: TokenParam = None
) -> Response[Any]:
    """From a venue's own host: a button that joins the visitor that host knows to this
    host's. A stale or altered token offers nothing and leads to the footprint."""
    if tokens.host_join_visitor(settings.secret_key, token or "") is None:
        return Redirect(path=PAGE, status_code=303)
    lang, explicit = visitor_language(request, None)
    response = render(
        request,
        "impact/footprint_join.html",
        lang=lang,
        headers=NO_STORE,
        token=token,
        lang_switch_url=_keeping_token(PAGE + "/join", token),
    )
    return remember_language(response, lang, explicit)


@post(PAGE + "/join", include_in_schema=False, status_code=303, access=PUBLIC, rate_limit="footprint_links")
async def join_hosts_form(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
) -> Response[Any]:
    """Join the venue host's visitor to this host's (one made now if this browser has none
    here), then show the footprint."""
    form = await request.form()
    there = tokens.host_join_visitor(settings.secret_key, str(form.get("token") or ""))
    held = _visitor(request, settings)
    response: Response[Any] = Redirect(path=PAGE, status_code=303)
    if there is None:
        return response
    here = held or uuid.uuid4()
    await footprints.join_hosts(db_session, here, there)
    _with_visitor(response, settings, held, here)
    return response


@post(PAGE + "/delete", include_in_schema=False, status_code=303, access=PUBLIC)
async def delete_form(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
) -> Response[Any]:
    form = await request.form()
    try:
        await footprints.delete_history(
            db_session, settings, _visitor(request, settings), str(form.get("confirm") or "") == "yes"
        )
    except FormErrors as exc:
        return await _page(request, db_session, settings, status_code=400, refused=exc.errors)
    return Redirect(path=f"{PAGE}?done=deleted", status_code=303)


# --- the JSON twins ------------------------------------------------------------------------------


def _lang(request: Request[Any, Any, Any]) -> str:
    """``?lang=``, else the ``lang`` cookie, else ``Accept-Language`` (the pages' rule)."""
    return visitor_language(request, None)[0]


@get(API, tags=["footprint"], access=PUBLIC, summary="This browser's personal footprint across venues")
async def footprint_api(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    lang: LangParam = None,
) -> Response[FootprintOut]:
    """By the signed ``np_visitor`` cookie (set by the first estimate); without one, empty.
    ``created_at_local`` is on each venue's clock, in ``lang`` (the page's language rule)."""
    del lang  # read with the cookie and Accept-Language by ``_lang``; declared for the schema
    footprint = await footprints.read(db_session, _visitor(request, settings))
    return Response(footprint_out(footprint, _lang(request), settings), headers=NO_STORE)


@get(API + "/download.json", tags=["footprint"], access=PUBLIC, summary="The whole footprint, as a JSON file")
async def download_json(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
) -> Response[FootprintOut]:
    footprint = await footprints.read(db_session, _visitor(request, settings))
    return Response(
        footprint_out(footprint, _lang(request), settings),
        media_type="application/json",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="neutralpoint-footprint.json"'},
    )


@get(API + "/download.csv", tags=["footprint"], access=PUBLIC, summary="The whole footprint, as a CSV file")
async def download_csv(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
) -> Response[str]:
    """One row per estimate and per order; names in English and Chinese; times in UTC."""
    footprint = await footprints.read(db_session, _visitor(request, settings))
    return csv_download(footprints.as_csv(footprint, settings.base_url), "neutralpoint-footprint.csv")


@post(
    API + "/keep",
    tags=["footprint"],
    status_code=202,
    access=PUBLIC,
    opt={STARTS_SESSION_OPT: True},
    rate_limit="footprint_links",
    summary="Keep my history: mail a sign-in link",
)
async def keep_api(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    data: JSONBody[KeepIn],
) -> KeepOut:
    """Mails a single-use link, valid 1 hour, at most once a minute per address; the answer
    is the same whether or not the address has a history. A malformed address is refused
    naming ``email``."""
    await footprints.request_sign_in(db_session, settings, data.email, _lang(request))
    return KeepOut(KEEP_MESSAGE)


@post(
    API + "/sign-in",
    tags=["footprint"],
    status_code=200,
    access=PUBLIC,
    opt={STARTS_SESSION_OPT: True},
    rate_limit="footprint_links",
    summary="Use a mailed sign-in link: join this device to the kept history",
)
async def sign_in_api(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    data: JSONBody[SignInIn],
) -> Response[FootprintOut]:
    """Answers the joined footprint (and sets the visitor cookie when the device had none);
    an unknown, expired or used link is refused naming ``token``."""
    held = _visitor(request, settings)
    visitor_id = held or uuid.uuid4()
    await footprints.sign_in(db_session, data.token, visitor_id)
    footprint = await footprints.read(db_session, visitor_id)
    response = Response(footprint_out(footprint, _lang(request), settings), headers=dict(NO_STORE))
    _with_visitor(response, settings, held, visitor_id)
    return response


@post(
    API + "/join",
    tags=["footprint"],
    status_code=200,
    access=PUBLIC,
    opt={STARTS_SESSION_OPT: True},
    rate_limit="footprint_links",
    summary="Join the visitor a venue's own host knows (its join token) to this browser's",
)
async def join_hosts_api(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    data: JSONBody[SignInIn],
) -> Response[FootprintOut]:
    """The token of a venue host's ``/footprint/join?token=…`` link (valid 15 minutes);
    a stale or altered one is refused naming ``token``."""
    there = tokens.host_join_visitor(settings.secret_key, data.token)
    if there is None:
        raise FormErrors({"token": footprints.JOIN_INVALID})
    held = _visitor(request, settings)
    here = held or uuid.uuid4()
    await footprints.join_hosts(db_session, here, there)
    footprint = await footprints.read(db_session, here)
    response = Response(footprint_out(footprint, _lang(request), settings), headers=dict(NO_STORE))
    _with_visitor(response, settings, held, here)
    return response


@delete(
    API,
    tags=["footprint"],
    status_code=200,
    access=PUBLIC,
    opt={STARTS_SESSION_OPT: True},
    summary="Delete my history (certificates stay valid, under an anonymous name)",
)
async def delete_api(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    data: JSONBody[DeleteIn],
) -> DeletedOut:
    """Needs ``{"confirm": true}`` (else refused naming ``confirm``)."""
    done = await footprints.delete_history(db_session, settings, _visitor(request, settings), data.confirm)
    return DeletedOut(done.estimates, done.orders, done.certificates)


route_handlers = [
    footprint_page,
    keep_form,
    sign_in_page,
    sign_in_form,
    join_hosts_page,
    join_hosts_form,
    delete_form,
    footprint_api,
    download_json,
    download_csv,
    keep_api,
    sign_in_api,
    join_hosts_api,
    delete_api,
]
