"""Registry adapters: the built-in manual one, and discovery of others through pluggy.

The manual adapter submits nothing: the request waits for a platform admin to retire
the tonnes at the registry and enter the registry's retirement reference and evidence
(``neutralpoint.credits.retirement.record_retirement_reference``).
"""

from __future__ import annotations

import enum
import importlib.metadata
import inspect
import logging
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import pluggy

from neutralpoint.credits import hookspecs

log = logging.getLogger("neutralpoint.credits")


@dataclass(frozen=True)
class RetirementSubmission:
    """What a registry needs to retire a batch of tonnes on the platform's behalf."""

    request_id: uuid.UUID
    registry_code: str
    registry_project_id: str
    project_name: str
    beneficiary: str
    serials: tuple[str, ...]

    @property
    def tonnes(self) -> int:
        return len(self.serials)


class SubmissionStatus(enum.StrEnum):
    RETIRED = "retired"
    AWAITING_REFERENCE = "awaiting_reference"
    FAILED = "failed"


@dataclass(frozen=True)
class SubmissionResult:
    status: SubmissionStatus
    reference: str | None = None
    registry_url: str | None = None
    error: str | None = None


class RegistryAdapter(Protocol):
    name: str
    registries: frozenset[str] | None

    def submit(self, submission: RetirementSubmission) -> Any: ...


class ManualAdapter:
    """A person retires the tonnes at the registry and records the reference afterwards."""

    name = "manual"
    registries: frozenset[str] | None = None

    def submit(self, submission: RetirementSubmission) -> SubmissionResult:
        return SubmissionResult(status=SubmissionStatus.AWAITING_REFERENCE)


@hookspecs.hookimpl
def neutralpoint_registry_adapters() -> list[Any]:
    return [ManualAdapter()]


class AdapterRegistry:
    """Adapters by name; a registry's own adapter wins over the manual fallback."""

    def __init__(self, plugins: Iterable[tuple[str, object]] = ()) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.pm.register(sys.modules[__name__], name="neutralpoint.credits.manual")
        for name, plugin in plugins:
            self.pm.register(plugin, name=name)
        self.adapters: dict[str, RegistryAdapter] = {}
        for found in self.pm.hook.neutralpoint_registry_adapters():
            for adapter in found or []:
                named = isinstance(getattr(adapter, "name", None), str)
                if not named or not callable(getattr(adapter, "submit", None)):
                    log.warning("registry adapter %r skipped: it needs a name and a submit()", adapter)
                    continue
                if adapter.name in self.adapters:
                    log.warning("registry adapter %s registered twice; keeping the first", adapter.name)
                    continue
                self.adapters[adapter.name] = adapter

    @classmethod
    def discover(cls) -> AdapterRegistry:
        plugins: list[tuple[str, object]] = []
        for ep in importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP):
            try:
                plugins.append((ep.name, ep.load()))
            except Exception:
                log.exception("registry adapter plugin %s failed to import; skipped", ep.name)
        return cls(plugins)

    def for_registry(self, registry_code: str) -> RegistryAdapter:
        for adapter in self.adapters.values():
            handles = getattr(adapter, "registries", None)
            if handles is not None and registry_code in handles:
                return adapter
        return self.adapters[ManualAdapter.name]


@cache
def default_adapters() -> AdapterRegistry:
    return AdapterRegistry.discover()


async def submit(adapter: RegistryAdapter, submission: RetirementSubmission) -> SubmissionResult:
    """Call ``adapter.submit`` (plain or async); an exception becomes a failed result."""
    try:
        result = adapter.submit(submission)
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:
        log.exception("registry adapter %s failed for request %s", adapter.name, submission.request_id)
        return SubmissionResult(status=SubmissionStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    if not isinstance(result, SubmissionResult):
        return SubmissionResult(status=SubmissionStatus.FAILED, error=f"adapter {adapter.name} returned {result!r}")
    if result.status == SubmissionStatus.RETIRED and not (result.reference or "").strip():
        return SubmissionResult(status=SubmissionStatus.FAILED, error="retired without a registry reference")
    return result
