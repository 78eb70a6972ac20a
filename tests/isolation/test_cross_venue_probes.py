"""Every venue-scoped route, walked as venue A's owner against venue B's objects: each
attempt to read, change or delete answers 404 and changes nothing of B.

The routes come from the running app (``app.routes``), not from a list kept by hand: a
route is probed because of where it lives and which path parameters it takes. Each path
parameter must be one this suite knows how to fill with B's (or the platform's) objects;
a new route with a parameter it cannot fill fails ``test_every_route_parameter_is_known``,
so a new route cannot slip past the probes unnoticed.

- Venue routes (``/venue/{slug}…``, ``/api/v1/venues/{slug}…``): B's slug with B's ids,
  and A's slug with B's ids (the classic IDOR), every method the route has.
- Visitor routes that name a venue object (``/v/{slug}/r/{estimate_id}``,
  ``/api/v1/estimates/{estimate_id}?venue=…``, …): B's objects through A's slug.
- Platform routes (``/platform…``, ``/api/v1/platform…``, ``/api/v1/credits…``): as a
  venue owner, a 404 like any page one may not see, never a 403.
- A's own lists (``/venue``, ``/api/v1/venues``) name nothing of B.

Every answer must be a 404 (not a 403, a success, a redirect or a 500), and a snapshot of
all of B's rows, taken before and after, must be identical.

Bodies are plausible: forms carry A's CSRF token and the fields the venue pages post (and
files); JSON bodies are built from each handler's declared body type so that they decode,
which means the handler itself, not the body parser, gives the answer.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import re
import types
import typing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

import msgspec
from cross_venue_world import (
    OVERRIDDEN_FACTOR,
    PASSWORD,
    PDF,
    PNG,
    VISITOR_INPUTS,
    World,
    csrf,
)
from litestar import Litestar
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from sqlalchemy import Table, select

from neutralpoint.database.base import Base
from neutralpoint.database.engine import Database
from neutralpoint.web.cross_site import FORM_OPT

VENUE_PREFIXES = ("/venue", "/api/v1/venues")
PLATFORM_PREFIXES = ("/platform", "/api/v1/platform", "/api/v1/credits")
#: Public pages of a venue, where ``slug`` names the venue.
PUBLIC_VENUE_PREFIXES = ("/v", "/api/v1/public/venues")
#: Public pages of credit projects, where ``slug`` and ``photo_id`` name a project's things.
PUBLIC_PROJECT_PREFIXES = ("/projects", "/api/v1/public/projects")
#: Path parameters that name no venue's object: a scenario of the catalogue, an invitation's
#: secret token (the link is the credential, whoever holds it), a static file, a schema page,
#: a brand colour's stylesheet (named by the colour, shared by every venue of that colour), a
#: certificate's number, file or signed code (public by design: anyone checks a certificate by
#: its unguessable number or code, from anywhere, whichever venue issued it).
NOT_A_VENUE_OBJECT = {
    "scenario_id",
    "token",
    "file_path",
    "path",
    "stylesheet",
    "number",
    "certificate_number",
    "certificate_file",
    "certificate_code",
}
#: An anonymous visitor's id is one cookie for every venue; a route keyed by it lists what the
#: visitor did at the venue in the path, so through A's slug it must show nothing of B.
CROSS_VENUE_PARAMS = {"visitor_id"}
WRITES = {"POST", "PUT", "PATCH"}


def under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


# --- bodies --------------------------------------------------------------------------------------


def hints(world: World) -> dict[str, Any]:
    """Values a real form or API client would send, by field name: what would change B if
    a route let A through."""
    return {
        "name": "Taken over",
        "display_name": "Taken over",
        "primary_color": "#ff0000",
        "default_language": "zh-Hans",
        "city": "Beijing",
        "custom_host": "",
        "enabled_scenarios": ["hotels"],
        "scenario": "meetings",
        "code": "TAKEN1",
        "event_name": "Taken over",
        "event_starts_on": "2026-06-01",
        "event_ends_on": "2026-06-02",
        "active": False,
        "role": "owner",
        "email": f"intruder-{world.a.slug}@example.org",
        "password": PASSWORD,
        "inputs": dict(VISITOR_INPUTS),
        "language": "en",
        "shown": [],
        "default_id": None,
        "factor": OVERRIDDEN_FACTOR,
        "value": "0.1",
        "note": "Taken over",
        "reason": "Taken over",
        "reference": "TAKEN-OVER-1",
        "currency": "CNY",
        "payout_currency": "CNY",
        "cost_currency": "CNY",
        "venue_ids": [str(world.a.tenant_id)],
    }


def form_fields(world: World) -> dict[str, Any]:
    """The union of the venue pages' form fields (and a visitor's and organiser's answers)."""
    fields: dict[str, Any] = {
        "name": "Taken over",
        "display_name": "Taken over",
        "primary_color": "#ff0000",
        "default_language": "zh-Hans",
        "city": "Beijing",
        "custom_host": "",
        "enabled_scenarios": "hotels",
        "remove_logo": "on",
        # Deleting an entry point and removing a member act only once confirmed.
        "confirm": "1",
        "scenario": "meetings",
        "code": "TAKEN1",
        "event_name": "Taken over",
        "role": "owner",
        "email": f"intruder-{world.a.slug}@example.org",
        "factor": OVERRIDDEN_FACTOR,
        "value": "0.1",
        "note": "Taken over",
        # No offer ticked: B's visitors would see none of its offers.
        f"position_{world.allocation_id}": "2",
        "attendees": "7",
        "venue_kwh": "70",
        "travel_mode": "plane",
        "travel_distance_km": "900",
        "_csrf_token": csrf(world.a.client),
    }
    return fields


FILES = {
    "logo": ("logo.png", PNG, "image/png"),
    "file": ("logo.png", PNG, "image/png"),
    "evidence": ("bills.pdf", PDF, "application/pdf"),
    "photo": ("photo.png", PNG, "image/png"),
}


class _NoHint:
    pass


NO_HINT = _NoHint()


def _fits(value: Any, annotation: Any) -> bool:
    try:
        msgspec.convert(value, annotation, strict=False)
    except (msgspec.ValidationError, TypeError):
        return False
    return True


def sample(annotation: Any, hint: Any = NO_HINT) -> Any:
    """A JSON value that decodes as ``annotation`` (the hint when it fits)."""
    if not isinstance(hint, _NoHint) and _fits(hint, annotation):
        return hint
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:  # a msgspec.Meta limit: the sample values below keep within every one
        return sample(args[0], hint)
    if origin in (Union, types.UnionType):
        useful = [a for a in args if a not in (type(None), msgspec.UnsetType)]
        return sample(useful[0]) if useful else None
    if origin is Literal:
        return args[0]
    if origin in (list, set, frozenset, tuple):
        return [sample(args[0])] if args else []
    if origin is dict or annotation is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return struct_sample(annotation, {})
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return next(iter(annotation)).value
    simple: dict[Any, Any] = {
        str: "probe",
        bool: False,
        int: 1,
        float: 1.0,
        Decimal: "1",
        uuid.UUID: str(uuid.uuid4()),
        date: "2024-05-01",
        datetime: "2024-05-01T00:00:00+00:00",
        Any: "probe",
    }
    if annotation in simple:
        return simple[annotation]
    raise TypeError(f"no sample value for {annotation!r}")


def struct_sample(struct: type[msgspec.Struct], named: dict[str, Any]) -> dict[str, Any]:
    body = {f.encode_name: sample(f.type, named.get(f.name, NO_HINT)) for f in msgspec.structs.fields(struct)}
    msgspec.convert(body, struct, strict=False)
    return body


@dataclass(frozen=True)
class Body:
    """What a probe sends: nothing, a JSON document, or a form (with files)."""

    kind: Literal["none", "json", "form"]
    json: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)


def bodies(handler: HTTPRouteHandler, method: str, html: bool, world: World) -> list[Body]:
    if method not in WRITES:
        return [Body("none")]
    if html:
        return [Body("form", data=form_fields(world), files=FILES)]
    named = hints(world)
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        # The handler reads the body itself (a multipart form, or JSON it checks field by field).
        # The API refuses a form on the session cookie before any route runs (cross-site
        # requests, ``neutralpoint.web.cross_site``) unless the route takes uploads.
        if not handler.opt.get(FORM_OPT):
            return [Body("json", json=named)]
        return [Body("json", json=named), Body("form", data=form_fields(world), files=FILES)]
    annotation = data.annotation
    multipart = getattr(data.kwarg_definition, "media_type", None) == RequestEncodingType.MULTI_PART
    if multipart:
        form: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for name, kind in typing.get_type_hints(annotation).items():
            if kind is UploadFile:
                files[name] = FILES.get(name, ("upload.png", PNG, "image/png"))
            else:
                form[name] = str(sample(kind, named.get(name, NO_HINT)))
        return [Body("form", data=form, files=files)]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return [Body("json", json=struct_sample(annotation, named))]
    if dataclasses.is_dataclass(annotation):
        raise TypeError(f"no sample body for {annotation!r}")
    # A free-form JSON object (the organiser's event footprint takes ``inputs`` and ``language``).
    return [Body("json", json={**named, "inputs": {"attendees": 7, "venue_kwh": 70}})]


# --- the routes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    group: Literal["venue", "public", "platform", "listing"]
    method: str
    route: str
    url: str
    body: Body
    html: bool
    #: Routes keyed only by an anonymous visitor: the answer must hold nothing of B.
    cross_venue: bool = False

    def label(self) -> str:
        return f"{self.method} {self.url} ({self.route}, {self.body.kind} body)"


def _handlers(route: HTTPRoute) -> Iterator[tuple[str, HTTPRouteHandler]]:
    for handler in route.route_handlers:
        for method in sorted(handler.http_methods):
            if method != "OPTIONS":
                yield method, handler


def _fill(template: str, route: HTTPRoute, values: dict[str, list[str]]) -> list[str]:
    """Every URL of ``template`` with each path parameter taken from ``values``."""
    names = list(route.path_parameters)
    urls = []
    for combination in itertools.product(*(values[name] for name in names)):
        url = template
        for name, value in zip(names, combination, strict=True):
            url, replaced = re.subn(r"\{" + name + r":[^}]+\}", value, url)
            assert replaced == 1, (name, template)
        urls.append(url)
    return urls


@dataclass
class Plan:
    probes: list[Probe] = field(default_factory=list)
    #: Routes with a path parameter this suite cannot fill: give B (or the platform) such an
    #: object in ``cross_venue_world`` and name its parameter there.
    unknown: list[str] = field(default_factory=list)
    #: Public routes left out on purpose (their parameters name no venue object), for the report.
    public_only: list[str] = field(default_factory=list)


def plan(app: Litestar, world: World) -> Plan:
    """Every probe of every route of ``app``, chosen by where the route lives and what it takes."""
    result = Plan()
    a_slug, b_slug = world.a.slug, world.b.slug
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path, params = route.path, set(route.path_parameters)
        html = not path.startswith("/api/")

        def add(
            group: Literal["venue", "public", "platform", "listing"],
            values: dict[str, list[str]],
            *,
            cross_venue: bool = False,
            query: str = "",
            route: HTTPRoute = route,
            path: str = path,
            html: bool = html,
        ) -> None:
            for method, handler in _handlers(route):
                if group == "listing" and method != "GET":
                    continue
                for url in _fill(path, route, values):
                    for body in bodies(handler, method, html, world):
                        result.probes.append(Probe(group, method, path, url + query, body, html, cross_venue))

        if under(path, PLATFORM_PREFIXES):
            missing = params - set(world.platform_objects)
            if missing:
                result.unknown.append(f"{path} ({', '.join(sorted(missing))})")
                continue
            add("platform", world.platform_objects)
        elif under(path, VENUE_PREFIXES) and "slug" in params:
            objects = params - {"slug"}
            missing = objects - set(world.b_objects)
            if missing:
                result.unknown.append(f"{path} ({', '.join(sorted(missing))})")
                continue
            add("venue", {**world.b_objects, "slug": [b_slug]})
            if objects:
                add("venue", {**world.b_objects, "slug": [a_slug]})
        elif under(path, VENUE_PREFIXES):
            if params:
                result.unknown.append(f"{path} ({', '.join(sorted(params))})")
                continue
            add("listing", {})
        elif params:
            venue_slug = "slug" in params and under(path, PUBLIC_VENUE_PREFIXES)
            project_params = {"slug", "photo_id"} if under(path, PUBLIC_PROJECT_PREFIXES) else set()
            objects = params - NOT_A_VENUE_OBJECT - project_params - ({"slug"} if venue_slug else set())
            missing = objects - set(world.b_objects)
            if missing:
                result.unknown.append(f"{path} ({', '.join(sorted(missing))})")
                continue
            if not objects:
                result.public_only.append(path)
                continue
            values = {name: world.b_objects[name] for name in objects}
            if venue_slug:
                values["slug"] = [a_slug]
            add(
                "public",
                values,
                cross_venue=objects <= CROSS_VENUE_PARAMS,
                # A visitor route without the venue in its path takes it as ``?venue=``.
                query="" if venue_slug else f"?venue={a_slug}",
            )
    return result


# --- probing ---------------------------------------------------------------------------------------


async def send(world: World, probe: Probe) -> Any:
    headers = {"accept": "text/html"} if probe.html else {"accept": "application/json"}
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if probe.body.kind == "json":
        kwargs["json"] = probe.body.json
    elif probe.body.kind == "form":
        kwargs["data"] = probe.body.data
        kwargs["files"] = probe.body.files
    return await world.a.client.request(probe.method, probe.url, **kwargs)


async def run(world: World, probes: list[Probe]) -> list[str]:
    """Send every probe; the ones whose answer is wrong, with what they answered."""
    wrong = []
    for probe in probes:
        response = await send(world, probe)
        if probe.group == "listing":
            shown = [s for s in world.b_secrets if s in response.text]
            if response.status_code != 200 or shown:
                wrong.append(f"{probe.label()} -> {response.status_code}, shows {shown}")
        elif probe.cross_venue:
            shown = [s for s in world.b_secrets if s != world.b.slug and s in response.text]
            if response.status_code >= 500 or shown:
                wrong.append(f"{probe.label()} -> {response.status_code}, shows {shown}")
        elif response.status_code != 404:
            wrong.append(f"{probe.label()} -> {response.status_code} {response.text[:160]!r}")
    return wrong


def venue_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if "tenant_id" in t.c]


async def snapshot(db: Database, world: World) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of B: its venue-owned rows (``tenant_id``), platform rows that name it
    (``venue_id``), its own ``tenants`` row and its people's ``users`` rows."""
    b = world.b.tenant_id
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with db.platform_session() as session:
        for table in Base.metadata.sorted_tables:
            if "tenant_id" in table.c:
                where = table.c.tenant_id == b
            elif "venue_id" in table.c:
                where = table.c.venue_id == b
            elif table.name == "tenants":
                where = table.c.id == b
            elif table.name == "users":
                where = table.c.id.in_(world.b_user_ids)
            else:
                continue
            found = (await session.execute(select(table).where(where))).all()
            rows[table.name] = sorted((tuple(r) for r in found), key=repr)
    return rows


def _report(title: str, probes: list[Probe], wrong: list[str]) -> str:
    return f"{title}: {len(wrong)} of {len(probes)} probes answered wrongly:\n" + "\n".join(wrong)


# --- tests -----------------------------------------------------------------------------------------


async def test_every_route_parameter_is_known(app: Litestar, world: World) -> None:
    """A route whose path parameter this suite cannot fill would escape the probes: list it."""
    found = plan(app, world)
    assert not found.unknown, "routes with path parameters the cross-venue probes cannot fill:\n" + "\n".join(
        found.unknown
    )
    groups = {p.group for p in found.probes}
    assert groups == {"venue", "public", "platform", "listing"}, groups


async def test_b_owns_a_row_of_every_venue_owned_table(db: Database, world: World) -> None:
    """The probes are only as good as B's objects: B has rows in every venue-owned table."""
    rows = await snapshot(db, world)
    empty = [t.name for t in venue_tables() if not rows[t.name]]
    assert not empty, f"venue B owns nothing in {empty}; give it one in tests/isolation/conftest.py"


async def test_venue_routes_answer_404_to_another_venue_and_change_nothing(
    app: Litestar, db: Database, world: World
) -> None:
    found = plan(app, world)
    probes = [p for p in found.probes if p.group in ("venue", "listing")]
    before = await snapshot(db, world)
    wrong = await run(world, probes)
    after = await snapshot(db, world)
    print(f"\nvenue routes: {len(probes)} probes, {len({(p.method, p.route) for p in probes})} (route, method) pairs")
    assert not wrong, _report("venue routes", probes, wrong)
    assert after == before, {name: (before[name], after[name]) for name in before if before[name] != after[name]}


async def test_visitor_routes_do_not_serve_b_objects_through_a_slug(app: Litestar, db: Database, world: World) -> None:
    found = plan(app, world)
    probes = [p for p in found.probes if p.group == "public"]
    before = await snapshot(db, world)
    wrong = await run(world, probes)
    after = await snapshot(db, world)
    print(f"\nvisitor routes: {len(probes)} probes, {len({(p.method, p.route) for p in probes})} (route, method) pairs")
    print("public routes naming no venue object (not probed):", ", ".join(sorted(set(found.public_only))))
    assert not wrong, _report("visitor routes", probes, wrong)
    assert after == before


async def test_platform_routes_answer_404_to_a_venue_owner(app: Litestar, db: Database, world: World) -> None:
    found = plan(app, world)
    probes = [p for p in found.probes if p.group == "platform"]
    before = await snapshot(db, world)
    wrong = await run(world, probes)
    after = await snapshot(db, world)
    print(
        f"\nplatform routes: {len(probes)} probes, {len({(p.method, p.route) for p in probes})} (route, method) pairs"
    )
    assert not wrong, _report("platform routes", probes, wrong)
    assert after == before
