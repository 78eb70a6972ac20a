"""A venue's certificates as JSON and CSV (the console's Certificates page is their HTML face):
``/api/v1/venues/{slug}/certificates`` and ``…/certificates.csv``, for managers and owners
(they name the buyers, as the orders do).

``entry_point`` (a code) and ``from`` / ``to`` (YYYY-MM-DD, the venue's own days, both
included) filter; ``page`` and ``per_page`` (at most 200) page the JSON; the CSV holds every
certificate the filters match. Times are on the venue's clock, with their offset. Bad input
is a 400 naming the field, in both languages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint.impact import venue_certificates
from neutralpoint.impact.report_controllers import FromParam, ToParam
from neutralpoint.impact.venue_certificates import CertificateList
from neutralpoint.tenants.access import VenueAccess, VenueMember
from neutralpoint.tenants.models import Role
from neutralpoint.web.api_errors import ErrorsOut
from neutralpoint.web.downloads import csv_download
from neutralpoint.web.formatting import in_time_zone

VENUE = "/api/v1/venues/{slug:str}"
MANAGER = VenueAccess(Role.MANAGER)
BAD_INPUT = {400: ResponseSpec(data_container=ErrorsOut, description="Bad filters or page, by field")}
EntryPointParam = Annotated[
    str | None, QueryParameter(name="entry_point", description="An entry point's code", max_length=64)
]
PageParam = Annotated[str | None, QueryParameter(description="Page, from 1", max_length=12)]
PerPageParam = Annotated[str | None, QueryParameter(description="Certificates a page, 1-200 (50)", max_length=12)]


class VenueCertificateOut(msgspec.Struct):
    number: str
    status: str
    """``valid``, or ``void`` after a refund."""
    issued_at: datetime
    """On the venue's clock, with its offset."""
    holder: str
    holder_is_anonymous: bool
    grams: int
    project: dict[str, str]
    entry_point: str
    """The entry point's code (empty for an order made elsewhere)."""
    entry_point_name: str
    """The entry point or event as the certificate states it."""
    order_reference: str
    test_mode: bool
    voided_at: datetime | None
    page_url: str


class VenueCertificatesOut(msgspec.Struct):
    venue: str
    time_zone: str
    entry_point: str
    first_day: date | None = msgspec.field(name="from")
    last_day: date | None = msgspec.field(name="to")
    page: int = 1
    per_page: int = venue_certificates.PER_PAGE
    pages: int = 1
    total: int = 0
    """Every certificate the filters match, over all pages."""
    grams: int = 0
    """Their grams CO₂e, void ones included (see ``status``)."""
    certificates: list[VenueCertificateOut] = msgspec.field(default_factory=list)


def _local(moment: datetime | None, time_zone: str) -> datetime | None:
    return in_time_zone(moment.replace(tzinfo=moment.tzinfo or UTC), time_zone) if moment else None


def certificates_out(slug: str, found: CertificateList, base_url: str) -> VenueCertificatesOut:
    zone = found.time_zone
    return VenueCertificatesOut(
        venue=slug,
        time_zone=zone,
        entry_point=found.filters.entry_point,
        first_day=found.filters.first,
        last_day=found.filters.last,
        page=found.filters.page,
        per_page=found.filters.per_page,
        pages=found.pages,
        total=found.total,
        grams=found.grams,
        certificates=[
            VenueCertificateOut(
                number=line.number,
                status=line.status,
                issued_at=_local(line.issued_at, zone) or line.issued_at,
                holder=line.holder,
                holder_is_anonymous=line.holder_is_anonymous,
                grams=line.grams,
                project=line.project,
                entry_point=line.entry_point_code,
                entry_point_name=line.entry_point,
                order_reference=line.order_reference,
                test_mode=line.test_mode,
                voided_at=_local(line.voided_at, zone),
                page_url=f"{base_url}/certificates/{line.number}",
            )
            for line in found.lines
        ],
    )


@get(
    VENUE + "/certificates",
    tags=["certificates"],
    access=MANAGER,
    responses=BAD_INPUT,
    summary="The venue's certificates, newest first, by entry point and period, a page at a time",
)
async def venue_certificates_api(
    access: NamedDependency[VenueMember],
    state: State,
    db_session: NamedDependency[AsyncSession],
    entry_point: EntryPointParam = None,
    first: FromParam = None,
    last: ToParam = None,
    page: PageParam = None,
    per_page: PerPageParam = None,
) -> VenueCertificatesOut:
    """Each certificate of the venue's orders: its number, status, holder, grams, project and
    entry point, issued on the venue's clock."""
    asked = {"entry_point": entry_point, "from": first, "to": last, "page": page, "per_page": per_page}
    found = await venue_certificates.find_certificates(db_session, access.tenant, asked)
    return certificates_out(access.tenant.slug, found, state.settings.base_url)


@get(
    VENUE + "/certificates.csv",
    tags=["certificates"],
    access=MANAGER,
    responses=BAD_INPUT,
    summary="The venue's certificates as CSV (the same filters, every page)",
)
async def venue_certificates_csv(
    access: NamedDependency[VenueMember],
    db_session: NamedDependency[AsyncSession],
    entry_point: EntryPointParam = None,
    first: FromParam = None,
    last: ToParam = None,
) -> Response[str]:
    """One row per certificate, newest first; times on the venue's clock with their offset."""
    asked = {"entry_point": entry_point, "from": first, "to": last}
    found = await venue_certificates.find_certificates(db_session, access.tenant, asked, everything=True)
    return csv_download(venue_certificates.certificates_csv(found), f"certificates-{access.tenant.slug}.csv")


route_handlers = [venue_certificates_api, venue_certificates_csv]
