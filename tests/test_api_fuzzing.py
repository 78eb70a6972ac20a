"""Every operation of the OpenAPI schema, fuzzed by schemathesis: no 5xx, every answer documented.

The application is a fresh one over a database of this test alone (``own_database_urls``)
with the demo data in it, called in-process (ASGI) through the schema it serves at
``/schema/openapi.json``. Each operation gets a bounded number of generated requests, valid
and invalid ones, part of them aimed at the demo's real rows (its venue, entry point,
projects, lots and offers) and the rest at random addresses; the venue operations carry the
demo owner's session cookie and the platform's carry the demo admin's, so that the guarded
operations answer with data and not only 401. Checks: no server error, the status code is
documented, and the body matches the schema documented for that status.

Generation is derandomized (Hypothesis draws the same requests on every run), so a failure
on one database can be replayed; the database is the run's only other input.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from neutralpoint.app import create_app
from neutralpoint.credits import demo as credits_demo
from neutralpoint.credits.models import Allocation, Lot, Project, ProjectOwner
from neutralpoint.database.engine import Database
from neutralpoint.scenarios.manager import ScenarioRegistry
from neutralpoint.settings import Settings
from neutralpoint.tenants import demo as venues_demo
from neutralpoint.tenants.models import EntryPoint, Membership, Tenant
from tests.conftest import TEST_SECRET_KEY

#: Generated requests per operation and kind (valid, invalid): ~1,400 requests in all.
EXAMPLES = 5
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
#: Operations that end or replace the caller's session go without a cookie: with the shared
#: one, a sign-out halfway would leave every later operation answering 401.
ANONYMOUS = (
    "/api/v1/logout",
    "/api/v1/account/sign-out-everywhere",
    "/api/v1/login",
    "/api/v1/signup",
    "/api/v1/verify",
    "/api/v1/account/password-reset/confirm",
    "/api/v1/invitations/{token}/accept",
)
#: The platform admin's operations; the others are called as the demo venue's owner.
PLATFORM = ("/api/v1/platform/", "/api/v1/credits/")
#: Operations that must have answered 2xx at least once: the cookies and the real rows work.
REACHED = (
    "GET /api/v1/me",
    "GET /api/v1/venues/{slug}",
    "GET /api/v1/venues/{slug}/entry-points/{entry_id}",
    "GET /api/v1/credits/lots/{lot_id}",
    "GET /api/v1/platform/venues/{slug}",
    "GET /api/v1/estimates/{estimate_id}",
    "GET /api/v1/public/venues/{slug}/orders/{reference}",
    "GET /api/v1/venues/{slug}/orders/{reference}",
)


@dataclass
class Target:
    """The application under test, the rows the demo made, and who signs in."""

    app: Litestar
    #: Path parameter values naming real rows, for the owner's and the admin's operations.
    owner_rows: dict[str, str]
    admin_rows: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)


def _settings(database_urls: dict[str, str], data_dir: Path) -> Settings:
    return Settings.from_env(
        {
            "NEUTRALPOINT_ENV": "test",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database_urls["app"],
            "DATABASE_MIGRATION_URL": database_urls["owner"],
            # The secret the run's migrations derived the database's scope key from.
            "SECRET_KEY": TEST_SECRET_KEY,
            # The host schemathesis's in-process client sends.
            "BASE_URL": f"http://{asgi.HOST}",
            "LOG_LEVEL": "ERROR",
            "CERTIFICATES_DRAWN_AT_ISSUE": "off",
        }
    )


async def _seed(settings: Settings, registry: ScenarioRegistry) -> tuple[dict[str, str], dict[str, str]]:
    """The demo data, and the ids of its rows that path parameters name."""
    db = Database(settings.database_url, settings.database_scope_key)
    try:
        await venues_demo.seed(db, registry, settings)
        await credits_demo.seed(db, registry, settings)
        owned, other = venues_demo.DEMO_VENUES[0], venues_demo.DEMO_VENUES[1]
        async with db.platform_session() as session:
            tenant = (await session.execute(select(Tenant).where(Tenant.slug == owned.slug))).scalar_one()
            entry = (
                (await session.execute(select(EntryPoint).where(EntryPoint.tenant_id == tenant.id))).scalars().first()
            )
            member = (
                (await session.execute(select(Membership).where(Membership.tenant_id == tenant.id))).scalars().first()
            )
            project = (await session.execute(select(Project).order_by(Project.slug))).scalars().first()
            owner = (await session.execute(select(ProjectOwner).order_by(ProjectOwner.name))).scalars().first()
            lot = (await session.execute(select(Lot).order_by(Lot.created_at))).scalars().first()
            allocation = (await session.execute(select(Allocation).order_by(Allocation.created_at))).scalars().first()
    finally:
        await db.dispose()
    for row in (entry, member, project, owner, lot, allocation):
        assert row is not None
    assert entry is not None
    assert member is not None
    owner_rows = {
        "slug": owned.slug,
        "code": owned.code,
        "entry_id": str(entry.id),
        "entry_point_id": str(entry.id),
        "member_id": str(member.id),
        "scenario_id": owned.scenario,
    }
    # The console's suspensions and approvals fall on another venue than the owner's.
    admin_rows = {
        "slug": other.slug,
        "project_id": str(project.id),
        "owner_id": str(owner.id),
        "lot_id": str(lot.id),
        "allocation_id": str(allocation.id),
        "by": "project",
    }
    return owner_rows, admin_rows


def _sign_in(schema: Any, email: str, password: str) -> str:
    case = schema["/api/v1/login"]["POST"].Case(
        body={"email": email, "password": password}, media_type="application/json"
    )
    answer = case.call()
    assert answer.status_code == 200, answer.text
    cookie = answer.headers.get("set-cookie", [""])
    text = cookie[0] if isinstance(cookie, list) else str(cookie)
    value = text.split("np_session=", 1)[1].split(";", 1)[0]
    assert value
    return value


#: A conference attendee's answers at the demo summit's door (the meetings scenario).
ATTENDEE = {"travel_mode": "rail_high_speed", "travel_distance_km": 300, "hotel_nights": 1, "meals_vegan": 1}


def _visitor_rows(schema: Any, target: Target) -> dict[str, str]:
    """A visitor's estimate and an order for it, through the API, for the operations that name them."""
    rows = target.owner_rows
    made = (
        schema["/api/v1/public/venues/{slug}/entry-points/{code}/estimates"]["POST"]
        .Case(
            path_parameters={"slug": rows["slug"], "code": rows["code"]},
            body={"inputs": ATTENDEE},
            media_type="application/json",
        )
        .call()
    )
    assert made.status_code == 201, made.text
    estimate = made.json()
    ordered = (
        schema["/api/v1/public/venues/{slug}/orders"]["POST"]
        .Case(
            path_parameters={"slug": rows["slug"]},
            body={
                "allocation_id": target.admin_rows["allocation_id"],
                "basis": "estimate",
                "estimate_id": estimate["id"],
            },
            media_type="application/json",
        )
        .call()
    )
    assert ordered.status_code == 201, ordered.text
    return {
        "estimate_id": str(estimate["id"]),
        "visitor_id": str(estimate["visitor_id"]),
        "reference": str(ordered.json()["reference"]),
    }


@pytest.fixture
def target(own_database_urls: dict[str, str], tmp_path: Path, registry: ScenarioRegistry) -> Iterator[Target]:
    settings = _settings(own_database_urls, tmp_path)
    owner_rows, admin_rows = asyncio.run(_seed(settings, registry))
    app = create_app(settings, registry)
    try:
        yield Target(app, owner_rows, admin_rows)
    finally:
        # The client started the app (its lifespan) in a thread of its own: end it there.
        asgi.shutdown_lifespans()


def test_every_operation_answers_as_documented(target: Target) -> None:
    started = time.monotonic()
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", target.app)
    owner = _sign_in(schema, venues_demo.DEMO_VENUES[0].owner_email, venues_demo.VENUE_PASSWORD)
    admin = _sign_in(schema, venues_demo.ADMIN_EMAIL, venues_demo.ADMIN_PASSWORD)
    target.owner_rows.update(_visitor_rows(schema, target))
    failures: list[str] = []
    succeeded: set[str] = set()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        platform = operation.path.startswith(PLATFORM)
        cookie = None if operation.path in ANONYMOUS else admin if platform else owner
        rows = target.admin_rows if platform else target.owner_rows
        known = {p.name: rows[p.name] for p in operation.path_parameters if p.name in rows}
        # The estimate is looked up within its venue, named in the query.
        query = {p.name: rows["slug"] for p in operation.query if p.name == "venue" and known}
        strategy = operation.as_strategy() | operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)
        if known:
            strategy |= operation.as_strategy(path_parameters=known, query=query or None)
        try:
            _fuzz(strategy, {"Cookie": f"np_session={cookie}"} if cookie else {}, succeeded)
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label}:\n{exc}")
    assert not failures, f"{len(failures)} of {operations} operations:\n\n" + "\n\n".join(failures)
    assert set(REACHED) <= succeeded, sorted(set(REACHED) - succeeded)
    # Still signed in: the operations above ran as the owner to the end.
    me = schema["/api/v1/me"]["GET"].Case().call(headers={"Cookie": f"np_session={owner}"})
    assert me.status_code == 200
    print(f"{operations} operations fuzzed, {len(succeeded)} answered 2xx, in {time.monotonic() - started:.1f} s")


def _fuzz(strategy: Any, headers: dict[str, str], succeeded: set[str]) -> None:
    """Call one operation with ``EXAMPLES`` requests of each kind; raise what the checks find."""

    @settings(
        max_examples=EXAMPLES * 2,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case: schemathesis.Case) -> None:
        answer = case.call_and_validate(headers=headers, checks=CHECKS)
        if answer.status_code < 300:
            succeeded.add(case.operation.label)

    call()
