"""The ``neutralpoint`` command."""

from __future__ import annotations

import asyncio
import getpass
import importlib
import os
import sys
from typing import Any

import click

from neutralpoint.settings import SettingsError, get_settings

DEMO_MODULES = ("neutralpoint.tenants.demo", "neutralpoint.credits.demo")


def _settings() -> Any:
    try:
        settings = get_settings()
    except SettingsError as exc:
        raise click.ClickException(f"bad setting: {exc}") from exc
    from neutralpoint.tenants.auth import configure_password_hashing

    configure_password_hashing(settings.password_hashing)
    return settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """NeutralPoint: venues, QR entry points, carbon calculators and credits.

    Settings come from environment variables (see the README); with none set, it runs on
    a SQLite file in ./var with jobs in-process and sandbox payments.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", default=None, type=int, help="Worker processes (default: WEB_CONCURRENCY or 1).")
@click.option("--reload", is_flag=True, help="Restart when code changes (development).")
def serve(host: str, port: int, workers: int | None, reload: bool) -> None:
    """Serve the web application (pages, API and, without Redis, background jobs)."""
    import uvicorn

    settings = _settings()
    uvicorn.run(
        "neutralpoint.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.web_concurrency,
        reload=reload,
        proxy_headers=True,
        access_log=False,
        log_config=None,
    )


@main.command()
def worker() -> None:
    """Run the arq worker that takes background jobs from Redis (needs REDIS_URL)."""
    from arq.worker import run_worker

    from neutralpoint.jobs.worker import WorkerSettings, worker_options
    from neutralpoint.logging_setup import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    run_worker(WorkerSettings, **worker_options())  # type: ignore[arg-type]


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or update the schema to the newest version (Alembic migrations).

    On PostgreSQL, run it with DATABASE_MIGRATION_URL set to a role that may create
    tables; the role in DATABASE_URL then gets data rights only (and is created if needed).
    """
    from neutralpoint.database.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_migration_url, settings.database_url, settings.database_scope_key)
    click.echo("database schema is up to date")


@main.command()
@click.option("--serve/--no-serve", "then_serve", default=False, help="Start the server afterwards.")
@click.option("--port", default=8000, show_default=True)
def demo(then_serve: bool, port: int) -> None:
    """Load demo data: a venue per built-in scenario with an entry point each, a platform
    admin, and credit projects. Safe to run twice. Refused in production: the demo's
    admin password is printed here and published in the README."""
    from neutralpoint.database.migrate import upgrade

    settings = _settings()
    if settings.environment == "production":
        raise click.ClickException(
            "the demo data is not for production: its admin and venue passwords are public "
            "(NEUTRALPOINT_ENV=production); create the platform admin with `neutralpoint create-admin`"
        )
    upgrade(settings.database_migration_url, settings.database_url, settings.database_scope_key)
    lines = asyncio.run(_seed_demo(settings))
    base = settings.base_url if port == 8000 else f"http://127.0.0.1:{port}"
    click.echo("")
    click.echo("NeutralPoint demo is ready. Open:")
    for line in lines:
        click.echo("  " + line.replace("{base}", base))
    click.echo("")
    if then_serve:
        ctx = click.get_current_context()
        ctx.invoke(serve, host="127.0.0.1", port=port, workers=None, reload=False)


async def _seed_demo(settings: Any) -> list[str]:
    from neutralpoint.database.engine import Database
    from neutralpoint.scenarios.manager import ScenarioRegistry

    db = Database(settings.database_url, settings.database_scope_key)
    registry = ScenarioRegistry.discover()
    lines: list[str] = []
    try:
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            lines.extend(await module.seed(db, registry, settings))
    finally:
        await db.dispose()
    return lines


@main.command("create-admin")
@click.option("--email", prompt=True, help="The platform admin's e-mail address.")
@click.option("--password", default=None, help="Password (asked for when omitted; or NEUTRALPOINT_ADMIN_PASSWORD).")
def create_admin(email: str, password: str | None) -> None:
    """Create a platform admin (or make an existing user one)."""
    from neutralpoint.database.engine import Database
    from neutralpoint.tenants.accounts import ensure_platform_admin

    password = password or os.environ.get("NEUTRALPOINT_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    settings = _settings()

    async def run() -> str:
        db = Database(settings.database_url, settings.database_scope_key)
        try:
            async with db.platform_session() as session:
                return await ensure_platform_admin(session, email, password)
        finally:
            await db.dispose()

    try:
        click.echo(asyncio.run(run()))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def plugins() -> None:
    """Scenario plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_list(as_json: bool) -> None:
    """Show which scenario plugins loaded, which did not, and why; exit 1 when one failed."""
    import json
    import logging

    from neutralpoint.scenarios.manager import ScenarioRegistry

    logging.getLogger("neutralpoint.plugins").setLevel(logging.ERROR)
    registry = ScenarioRegistry.discover()
    failed = sum(1 for s in registry.statuses if not s.loaded)
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in registry.statuses], indent=2, ensure_ascii=False))
        sys.exit(1 if failed else 0)
    for status in registry.statuses:
        origin = f"{status.distribution} {status.version}" if status.distribution else status.module
        if status.loaded:
            click.echo(f"loaded   {status.name:<16} {origin:<32} scenarios: {', '.join(status.scenarios)}")
        else:
            click.echo(f"FAILED   {status.name:<16} {origin:<32} {status.reason}")
    click.echo(f"\n{len(registry.scenarios)} scenarios from {len(registry.statuses) - failed} plugins; {failed} failed")
    # A deployment script or CI job must notice that a scenario is missing from the platform.
    sys.exit(1 if failed else 0)


def _attach_domain_commands() -> None:
    """Domains may add their own command groups (e.g. ``neutralpoint credits audit``)."""
    for name in ("neutralpoint.credits.cli", "neutralpoint.certificates.cli", "neutralpoint.impact.cli"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        main.add_command(module.group)
    # A command that records a retirement (``credits retire-due``) tells the holders, as the worker does.
    importlib.import_module("neutralpoint.payments.retirement_mail")


_attach_domain_commands()


if __name__ == "__main__":
    sys.exit(main())
