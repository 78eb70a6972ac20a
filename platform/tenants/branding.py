"""How a venue presents itself: names (English and Chinese), time zone, city, colours, language, host name, logo and the
scenarios it enables. Raises ``FormErrors`` naming each bad field before writing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import input_rules as rules
from neutralpoint.geography import City, load_cities
from neutralpoint.languages import LANGUAGES
from neutralpoint.refusals import Collector, FieldError, problem
from neutralpoint.settings import Settings
from neutralpoint.tenants import host_claims
from neutralpoint.tenants import validation as check
from neutralpoint.tenants.logos import Logo
from neutralpoint.tenants.models import (
    Tenant,
)

if TYPE_CHECKING:
    # The venues domain does not import the scenarios domain: the registry is handed in.
    from neutralpoint.scenarios.manager import LoadedScenario, ScenarioRegistry

SCENARIOS_NONE = problem("scenarios_none", "Enable at least one scenario.", "请至少启用一个场景。")


# --- branding ---------------------------------------------------------------------------------


def city_label(tenant: Tenant, lang: str = "en") -> str:
    if tenant.city_id is None:
        return ""
    city = load_cities().by_id(tenant.city_id)
    return city.label(lang) if city else ""


def _unknown_city(value: str) -> FieldError:
    suggestions = load_cities().suggest(value, 3)
    hint_en = (" Did you mean " + ", ".join(c.label("en") for c in suggestions) + "?") if suggestions else ""
    hint_zh = ("您是否要找：" + "、".join(c.label("zh-Hans") for c in suggestions) + "？") if suggestions else ""
    return FieldError("unknown_city", {"value": value, "suggestions": {"en": hint_en, "zh-Hans": hint_zh}})


def time_zone_names() -> list[str]:
    """The IANA time zones a venue may choose, for the branding form's list."""
    return check.time_zone_names()


def enabled_scenarios(registry: ScenarioRegistry, tenant: Tenant) -> list[LoadedScenario]:
    """The scenarios this venue offers; a venue that never chose offers all that are installed."""
    return registry.ordered(tenant.enabled_scenarios)


async def update_branding(
    session: AsyncSession,
    settings: Settings,
    registry: ScenarioRegistry,
    tenant: Tenant,
    raw: Mapping[str, Any],
) -> None:
    """Change the fields present in ``raw`` (the HTML form sends all; the API only some)."""
    errors = Collector()
    changes: dict[str, Any] = {}
    if "primary_color" in raw:
        changes["primary_color"] = check.colour(errors, raw)
    if "default_language" in raw:
        changes["default_language"] = check.choice(errors, raw, "default_language", LANGUAGES)
    own_language = changes.get("default_language") or tenant.default_language
    changes |= check.names(
        errors,
        raw,
        "display_name",
        rules.NAME_MAX,
        own_language=own_language if own_language in LANGUAGES else tenant.default_language,
        current={"display_name_en": tenant.display_name_en, "display_name_zh_hans": tenant.display_name_zh_hans},
        required=True,
    )
    if "time_zone" in raw:
        changes["time_zone"] = check.time_zone(errors, raw)
    city: City | None = None
    if "city" in raw:
        typed = rules.text_value(raw, "city")
        if typed:
            city = load_cities().find(typed)
            if city is None:
                errors.add("city", _unknown_city(typed))
        changes["city"] = city
    if "custom_host" in raw:
        # A new name is only claimed here; it serves once proven (``host_claims.prove``).
        host = check.hostname(errors, raw)
        await host_claims.check_claim(session, settings, tenant, host, errors)
        changes["custom_host"] = host
    if "enabled_scenarios" in raw:
        wanted = raw.get("enabled_scenarios") or []
        if isinstance(wanted, str):
            wanted = [wanted]
        installed = [s.id for s in registry.ordered()]
        if not isinstance(wanted, Sequence) or any(str(w) not in installed for w in wanted):
            errors.add("enabled_scenarios", rules.UNKNOWN_CHOICE)
        elif installed and not wanted:
            errors.add("enabled_scenarios", SCENARIOS_NONE)
        else:
            changes["enabled_scenarios"] = [s for s in installed if s in {str(w) for w in wanted}]
    errors.raise_if_any()

    for key in (
        "display_name_en",
        "display_name_zh_hans",
        "primary_color",
        "default_language",
        "time_zone",
        "enabled_scenarios",
    ):
        if key in changes:
            setattr(tenant, key, changes[key])
    if "custom_host" in changes:
        host_claims.apply_claim(tenant, changes["custom_host"])
    if "city" in changes:
        chosen = changes["city"]
        tenant.city_id = chosen.id if chosen else None
        tenant.latitude = f"{chosen.lat:.4f}" if chosen else None
        tenant.longitude = f"{chosen.lon:.4f}" if chosen else None
    await session.flush()


def set_logo(tenant: Tenant, logo: Logo | None) -> None:
    """Store (or, with None, remove) the logo; the version moves so caches fetch the new one."""
    tenant.logo = logo.data if logo else None
    tenant.logo_content_type = logo.content_type if logo else None
    tenant.logo_version = (tenant.logo_version or 0) + 1
