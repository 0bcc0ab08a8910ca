"""Retry: plan again and apply only what did not apply in an earlier deployment.

The items a deployment recorded as failed, or skipped because something they depend on
failed, become an ``--only`` selection (their exact keys, glob characters escaped), and a
fresh plan of that selection is applied — from the declared state as it is *now*, so a
fixed YAML file is what gets written. Items that have since reached their declared state
simply plan to no change.
"""

from __future__ import annotations

import dataclasses
import glob

from reconciler.apply.deployment import Deployment
from reconciler.apply.history import History
from reconciler.apply.run import ApplyRequest
from reconciler.errors import ConfigError
from reconciler.plan.selection import Rule, Selection


def not_applied(deployment: Deployment) -> list[tuple[str, str]]:
    """``(kind, key)`` of the items that did not apply (blocked deletes excepted)."""
    return [
        (item.kind, item.key)
        for item in deployment.items
        if item.outcome == "failed"
        or (item.outcome == "skipped" and not item.message.startswith("blocked:"))
    ]


def retry_selection(deployment: Deployment) -> Selection:
    """A selection of exactly the items of ``deployment`` that did not apply."""
    rules = tuple(dict.fromkeys(Rule(kind, glob.escape(key)) for kind, key in not_applied(
        deployment)))
    return Selection(only=rules)


def find_deployment(
    request: ApplyRequest, deployment_id: str | None, history: History
) -> Deployment:
    """The deployment to retry: ``deployment_id``, else the environment's latest, in
    ``history`` (fetched by the caller: :func:`~reconciler.apply.history.fetched_history`)."""
    if deployment_id is None:
        # A verify record or a broken lock wrote nothing, so it has nothing to retry.
        return history.latest(request.environment, operations=("apply", "retry", "rollback"))
    deployment = history.get(deployment_id)
    if deployment.environment != request.environment:
        raise ConfigError(
            f"deployment {deployment.id} was to {deployment.environment}, not"
            f" {request.environment}",
            hint=f"stagingpro retry {deployment.environment} {deployment.id}",
        )
    return deployment


def retry_request(request: ApplyRequest, deployment: Deployment) -> ApplyRequest | None:
    """The apply request that retries ``deployment``; ``None`` when all of it applied.

    Raises :class:`ConfigError` for a deployment that recorded no results (still running,
    or interrupted): which of its items were written is not known, so there is no list
    of failures to retry — applying again re-plans against the store instead.
    """
    if deployment.unfinished:
        raise ConfigError(
            f"deployment {deployment.id} to {deployment.environment} recorded no results:"
            " it is still running, or it was interrupted before it could record them",
            hint=f"apply again (stagingpro apply {deployment.environment}): the new plan"
            " re-reads the store, so it finishes exactly what was left undone",
        )
    if not not_applied(deployment):
        return None
    return dataclasses.replace(
        request,
        selection=retry_selection(deployment),
        operation="retry",
        origin=deployment.id,
    )
