"""Hook specification for registry adapters: how a batch of due tonnes reaches a registry.

A plugin module (or object) registered under the ``neutralpoint.registry_adapters``
entry-point group implements ``neutralpoint_registry_adapters`` with
``neutralpoint.credits.hookspecs.hookimpl``. The core registers its own ``manual``
adapter through the same hook.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "neutralpoint"
ENTRY_POINT_GROUP = "neutralpoint.registry_adapters"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def neutralpoint_registry_adapters() -> list[Any]:
    """Return the registry adapters this plugin provides.

    An adapter is an object with ``name`` (a short stable id stored with each retirement
    request), ``registries`` (a set of registry codes it handles, such as ``{"VCS"}``, or
    ``None`` for any) and ``submit(submission)``, plain or ``async``, which receives a
    ``neutralpoint.credits.registry_adapters.RetirementSubmission`` (project, registry ids,
    beneficiary wording, serials) and returns a ``SubmissionResult``: ``retired`` with the
    registry's reference, ``awaiting_reference`` when a person finishes it at the
    registry, or ``failed`` with an error (the tonnes return to the queue). ``submit``
    runs outside any transaction, and may be called again for a request whose answer
    was never recorded (the batching process died): never retire twice for one
    ``request_id`` (registries usually accept it as an idempotency key).
    """
