"""The packages register themselves with the web application (``neutralpoint.web.components``)."""

from __future__ import annotations

from litestar import Litestar

from neutralpoint.web.components import WEB, catalog_packages, components, template_packages


def test_every_package_registers_its_component() -> None:
    names = [c.name for c in components()]
    assert names[0] == "web"
    assert {"ops", "tenants", "scenarios", "credits", "admin"} <= set(names)
    assert components()[0] is WEB


def test_templates_and_catalogues_come_from_the_components() -> None:
    assert template_packages()[0] == "neutralpoint.web"
    assert "neutralpoint_admin" in template_packages()
    assert {"neutralpoint.tenants", "neutralpoint_admin.factors", "neutralpoint_admin.organiser"} <= set(
        catalog_packages()
    )


def _handlers_by_module(app: Litestar) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            module = getattr(handler.fn, "__module__", "")
            found.setdefault(module, set()).add(route.path)
    return found


def test_the_app_serves_every_components_routes(app: Litestar) -> None:
    """Each controllers module's package serves routes (an index module such as the
    platform pages' lists controllers defined beside it)."""
    served = _handlers_by_module(app)
    for component in components():
        for module in component.controllers:
            package = module.rsplit(".", 1)[0]
            assert [m for m in served if m == module or m.startswith(package + ".")], (component.name, module)


def test_the_admin_pages_and_their_json_twins_live_apart(app: Litestar) -> None:
    """The admin UI serves pages only; each JSON twin is served by its domain."""
    served = _handlers_by_module(app)
    admin_paths = {
        path for module, paths in served.items() if module.startswith("neutralpoint_admin") for path in paths
    }
    assert "/platform/lots/{lot_id:uuid}" in admin_paths
    assert [path for path in admin_paths if path.startswith("/api")] == []
    twins = {
        "neutralpoint.scenarios.factor_controllers": "/api/v1/platform/factor-sets",
        "neutralpoint.credits.offer_controllers": "/api/v1/venues/{slug:str}/offers",
        "neutralpoint.scenarios.event_controllers": (
            "/api/v1/venues/{slug:str}/entry-points/{entry_point_id:str}/event-footprint"
        ),
    }
    for module, path in twins.items():
        assert path in served[module]
