"""What the impact API answers: leaderboards, a certificate's standings, the listing choice,
an event's neutrality."""

from __future__ import annotations

import msgspec


class PeriodOut(msgspec.Struct):
    kind: str
    """``all``, ``year`` or ``month``."""
    key: str
    """``all``, ``2026`` or ``2026-12``."""
    time_zone: str = "Asia/Shanghai"
    """The clock years and months begin on (at midnight): a venue's and an entry point's
    board count on the venue's time zone, the platform's board on Asia/Shanghai."""


class RowOut(msgspec.Struct):
    rank: int
    """Equal grams share a rank; hidden certificates keep theirs, so a rank may be skipped."""
    grams: int
    name: str | None
    """The name the holder chose to show; ``null`` for an anonymous entry."""
    venue: str
    entry_point: str
    issued_at: str
    test_mode: bool = False
    """Paid in test mode: no money was taken, it neutralizes nothing."""


class BoardOut(msgspec.Struct):
    scope: str
    """``platform``, ``venue`` or ``entry_point``."""
    title: dict[str, str]
    period: PeriodOut
    certificates: int
    """Every valid certificate on the board in the period, listed or not."""
    grams: int
    rows: list[RowOut]
    page_url: str
    test_mode: bool = False
    """The test board: the figures count test-mode certificates only (the deployment takes
    test payments alone); a live deployment's boards count live certificates only."""


class StandingOut(msgspec.Struct):
    scope: str
    label: str
    period: PeriodOut
    rank: int
    of: int
    board_url: str
    test_mode: bool = False
    """A test board (the certificate was paid in test mode)."""


class StandingsOut(msgspec.Struct):
    number: str
    grams: int
    standings: list[StandingOut]
    """Entry point first, then venue, then platform; empty for a void or an organiser's certificate."""
    sentence: dict[str, str]
    """"#37 of 1,204 at <event>" in ``en`` and ``zh-Hans`` (empty when not on a board)."""
    test_mode: bool = False
    """Paid in test mode: its ranks are on the test boards, among test-mode certificates."""


class ListingIn(msgspec.Struct, forbid_unknown_fields=True):
    visibility: str
    """``named`` (with ``public_name``), ``anonymous`` (the default) or ``hidden``."""
    public_name: str = ""


class ListingOut(msgspec.Struct):
    certificate_number: str
    visibility: str
    public_name: str


class ProjectShareOut(msgspec.Struct):
    slug: str
    name: dict[str, str]
    grams: int
    url: str


class EventCertificateOut(msgspec.Struct):
    organiser_certificates: list[str]
    attendee_certificates: int
    statement: dict[str, str]


class NeutralityOut(msgspec.Struct):
    event: dict[str, str]
    venue: str
    footprint_grams: int
    footprint_basis: str
    """``organiser_estimate`` (the organiser's whole-event estimate), ``attendee_estimates``
    (the attendees' own, one per visitor, outliers left out), ``too_few_estimates`` (fewer
    than ``min_attendee_estimates`` attendees have one: no footprint and no percentage yet)
    or ``none``."""
    organiser_estimate_grams: int | None
    attendee_estimates: int
    attendee_estimates_grams: int
    outliers_left_out: int
    neutralized_grams: int
    attendees_grams: int
    organiser_grams: int
    percent: int | None
    """Whole percent neutralized, rounded down; may pass 100."""
    neutral: bool
    enough_data: bool
    """False while too few attendees' estimates (and no organiser's) make a footprint."""
    min_attendee_estimates: int
    """How many attendees' estimates make a footprint without the organiser's."""
    not_enough: dict[str, str]
    """Why no percentage is shown yet, in ``en`` and ``zh-Hans`` (empty strings otherwise)."""
    participants: int
    projects: list[ProjectShareOut]
    certificate: EventCertificateOut | None
    rule: dict[str, str]
    computed_at: str
    poll_seconds: int
    test_mode: bool = False
    """The neutralized grams count test-mode certificates only (the deployment takes test
    payments alone); a live deployment counts live certificates only."""


# --- the personal footprint ----------------------------------------------------------------------


class FootprintEstimateOut(msgspec.Struct):
    id: str
    venue: str
    """The venue's slug."""
    venue_name: dict[str, str]
    """In ``en`` and ``zh-Hans`` (each falling back to the other)."""
    entry_point_name: dict[str, str]
    """Empty when the entry point was deleted since."""
    scenario_name: dict[str, str]
    grams: int
    """Grams CO₂e computed."""
    created_at: str
    """UTC, ISO 8601."""
    created_at_local: str
    """As the venue's pages show it, on the venue's clock (in the answer's language)."""
    time_zone: str
    url: str


class FootprintOrderOut(msgspec.Struct):
    reference: str
    venue: str
    venue_name: dict[str, str]
    entry_point_name: dict[str, str]
    status: str
    """``awaiting_payment``, ``paid``, ``fulfilled`` or ``refunded``."""
    grams: int
    amount_minor: int
    currency: str
    test_mode: bool
    created_at: str
    created_at_local: str
    time_zone: str
    order_url: str
    certificate_number: str | None
    certificate_status: str | None
    """``valid`` or ``void``; ``null`` until the order is fulfilled."""
    certificate_url: str | None
    neutralized: bool
    """Counted in ``neutralized_grams``: fulfilled and its certificate valid."""


class FootprintOut(msgspec.Struct):
    """This browser's personal footprint across venues (the ``np_visitor`` cookie's visitor
    and every visitor joined with it), newest first."""

    kept: bool
    """Whether it is kept under an e-mail address (shown as ``email``)."""
    email: str | None
    language: str
    computed_grams: int
    neutralized_grams: int
    """Neutralized by live payments."""
    neutralized_test_grams: int
    """Of orders paid in test mode (the sandbox, or Stripe's test keys): no money was taken
    and nothing is neutralized; each such order says ``test_mode``."""
    estimates: list[FootprintEstimateOut]
    orders: list[FootprintOrderOut]
    download_json: str
    download_csv: str


class KeepIn(msgspec.Struct):
    email: str


class KeepOut(msgspec.Struct):
    """The same answer whether or not the address had a history, or was mailed a minute ago."""

    message: dict[str, str]


class SignInIn(msgspec.Struct):
    token: str


class DeleteIn(msgspec.Struct):
    confirm: bool = False
    """Must be ``true``."""


class DeletedOut(msgspec.Struct):
    estimates_unlinked: int
    orders_forgotten: int
    certificates_relabelled: int
