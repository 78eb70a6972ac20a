"""Factor-set snapshots: each published (scenario, version) kept once, so a stored
estimate renders and recomputes after its plugin moved on or was uninstalled."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from neutralpoint.fastpath.cache import cache_of
from neutralpoint.scenarios.factors import FactorSet
from neutralpoint.scenarios.models import FactorSetSnapshot

log = logging.getLogger("neutralpoint.scenarios")


class FactorSetConflictError(RuntimeError):
    """A plugin changed a published factor set's values without giving it a new version."""


_SEEN_KEY = "neutralpoint_snapshots_seen"


@event.listens_for(Session, "after_commit")
def _remember_committed_snapshots(session: Session) -> None:
    seen = session.info.pop(_SEEN_KEY, None)
    if seen:
        cache_of(session).keep_snapshots(seen)


@event.listens_for(Session, "after_rollback")
def _forget_uncommitted_snapshots(session: Session) -> None:
    session.info.pop(_SEEN_KEY, None)


async def ensure_snapshot(session: AsyncSession, factor_set: FactorSet) -> None:
    """Keep ``factor_set`` in ``factor_set_snapshots`` once per (scenario, version).

    A stored version whose values differ from the plugin's is refused with
    ``FactorSetConflictError``: silently storing estimates under a version whose numbers
    changed would break recomputation. Snapshots are global (not venue-owned), so the
    process remembers the ones it saw committed and skips the query next time.
    """
    fingerprint = factor_set.fingerprint
    if cache_of(session).snapshot_stored(factor_set.scenario, factor_set.version, fingerprint):
        return
    query = select(FactorSetSnapshot.fingerprint).where(
        FactorSetSnapshot.scenario == factor_set.scenario, FactorSetSnapshot.version == factor_set.version
    )
    stored = await session.scalar(query)
    if stored is None:
        await session.execute(_insert_ignoring_duplicate(session, factor_set, fingerprint))
        stored = await session.scalar(query)
    if stored != fingerprint:
        log.error(
            "factor set %s %s changed without a new version (stored %s, plugin %s); estimates refused",
            factor_set.scenario,
            factor_set.version,
            stored,
            fingerprint,
        )
        raise FactorSetConflictError(
            f"factor set {factor_set.scenario} {factor_set.version} changed without a new version"
        )
    session.sync_session.info.setdefault(_SEEN_KEY, {})[(factor_set.scenario, factor_set.version)] = fingerprint


def _insert_ignoring_duplicate(session: AsyncSession, factor_set: FactorSet, fingerprint: str) -> Any:
    values = {
        "id": uuid.uuid4(),
        "scenario": factor_set.scenario,
        "version": factor_set.version,
        "fingerprint": fingerprint,
        "content": factor_set.as_dict(),
    }
    dialect = session.bind.dialect.name if session.bind is not None else ""
    unique = ["scenario", "version"]
    if dialect == "postgresql":
        return postgresql.insert(FactorSetSnapshot).values(**values).on_conflict_do_nothing(index_elements=unique)
    return sqlite.insert(FactorSetSnapshot).values(**values).on_conflict_do_nothing(index_elements=unique)


async def load_snapshot(session: AsyncSession, scenario: str, version: str) -> FactorSet | None:
    content = await session.scalar(
        select(FactorSetSnapshot.content).where(
            FactorSetSnapshot.scenario == scenario, FactorSetSnapshot.version == version
        )
    )
    return FactorSet.from_dict(content) if content else None


def snapshot_map(factor_sets: Sequence[FactorSet]) -> dict[tuple[str, str], FactorSet]:
    return {(fs.scenario, fs.version): fs for fs in factor_sets}
