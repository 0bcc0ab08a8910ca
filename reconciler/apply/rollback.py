"""Rollback: make the declared state go back to an earlier deployment or commit, and
optionally apply it at once.

1. The target is a deployment id (its commit) or any commit.
2. The declared state directory is restored to the target's content in one new commit,
   whose message lists the commits it reverts (those since the target that touched the
   directory). By default the commit goes on a new branch
   ``stagingpro/rollback-<env>-<target>`` for a pull request — the normal review path —
   or, with ``in_place``, on the current branch.
3. With ``apply`` (an emergency), under the environment's lock, themes first go back by
   **re-activating** the theme that was live before the first theme deploy since the
   target (the ``previous`` ids that deploy recorded;
   :func:`reconciler.adapters.theme.reactivate`: no upload, the variation's last
   customisations kept); then the reverted state is planned and applied
   like any apply (lock, waves, history), recorded as operation ``rollback``.

By default only the environment goes back: instead of restoring the directory every
environment shares, the commit pins it (``pinned: {commit}`` in ``stagingpro.yaml``,
:mod:`reconciler.state.pinning`), so its items are read as of the target while the others
keep following the branch — and the next merge for them does not undo the rollback.
``release`` removes the pin. With ``every_environment`` the state directory itself is
restored (every environment goes back): restoring (rather than ``git revert`` commit by
commit) cannot conflict and gives exactly the target's declared state even when later
commits touched other files.
"""

from __future__ import annotations

import dataclasses
import io
import os
from dataclasses import dataclass

import git
from ruamel.yaml import YAML

from reconciler.adapters.base import LiveContext
from reconciler.adapters.theme import reactivate
from reconciler.apply.deployment import Deployment, ItemRecord
from reconciler.apply.gitrepo import Repository, open_repository
from reconciler.apply.history import History, history_for
from reconciler.apply.run import ApplyOutcome, ApplyRequest, apply_environment, check_policy
from reconciler.config import (
    CONFIG_FILE,
    effective_environment,
    load_config,
)
from reconciler.errors import ConfigError, LiveError
from reconciler.live.client import LiveClient


@dataclass
class RollbackPlan:
    """Where a rollback goes: the target commit, the deployment it came from (if any),
    and the commits it reverts (newest first)."""

    target: str
    deployment: Deployment | None
    reverted: list[str]


@dataclass
class RollbackOutcome:
    plan: RollbackPlan
    commit: str | None
    branch: str | None
    reactivated: list[str]
    applied: ApplyOutcome | None = None


def _relative(repository: Repository, request: ApplyRequest) -> str:
    return os.path.relpath(request.state.resolve(), repository.root.resolve())


def resolve_target(
    repository: Repository, history: History, environment: str, target: str
) -> tuple[str, Deployment | None]:
    """The commit of ``target`` (a deployment id or a commit) and its deployment."""
    deployments = [d for d in history.of(environment) if d.id.startswith(target)]
    if len(deployments) == 1 and deployments[0].commit:
        return deployments[0].commit, deployments[0]
    commit = repository.ref(target)
    if commit is None:
        raise ConfigError(
            f"{target!r} is neither a deployment to {environment} nor a commit",
            hint=f"list deployments with: stagingpro history {environment}",
        )
    matching = [d for d in history.of(environment) if d.commit == commit]
    return commit, (matching[-1] if matching else None)


def plan_rollback(repository: Repository, history: History, request: ApplyRequest,
                  target: str) -> RollbackPlan:
    commit, deployment = resolve_target(repository, history, request.environment, target)
    relative = _relative(repository, request)
    listing = repository.run("rev-list", "--oneline", f"{commit}..HEAD", "--", relative)
    return RollbackPlan(commit, deployment, [line for line in listing.splitlines() if line])


def _commit_restore(
    repository: Repository, request: ApplyRequest, plan: RollbackPlan, branch: str | None
) -> str | None:
    relative = _relative(repository, request)
    if repository.dirty(request.state):
        raise ConfigError(
            f"{request.state} has uncommitted changes",
            hint="commit or stash them before rolling back",
        )
    if branch is not None:
        repository.run("checkout", "-q", "-b", branch)
    repository.run("rm", "-r", "-q", "--ignore-unmatch", "--", relative)
    repository.run("checkout", plan.target, "--", relative)
    if not repository.run("status", "--porcelain", "--", relative).strip():
        return None  # already the target's content
    reverts = "\n".join(f"  {line}" for line in plan.reverted)
    message = (
        f"Roll back {request.environment} to {plan.target[:12]}"
        + (f" (deployment {plan.deployment.id})" if plan.deployment else "")
        + f"\n\nRestores {relative} as of {plan.target}, reverting:\n{reverts}\n"
    )
    return _commit(repository, message, relative)


def _commit(repository: Repository, message: str, relative: str) -> str | None:
    """Commit ``relative`` with ``message`` (as StagingPro where git has no identity)."""
    has_identity = True
    try:
        repository.run("config", "user.email")
    except git.GitCommandError:
        has_identity = False
    repository.run("commit", "-q", "-m", message, "--", relative, identity=not has_identity)
    return repository.head()


def _commit_pin(
    repository: Repository, request: ApplyRequest, plan: RollbackPlan, branch: str | None,
    commit: str | None,
) -> str | None:
    """Pin (or with ``commit`` None, unpin) ``request.environment`` in stagingpro.yaml,
    keeping the file's comments and layout, in one commit; ``None`` when nothing changed."""
    config = request.state / CONFIG_FILE
    if repository.dirty(request.state):
        raise ConfigError(
            f"{request.state} has uncommitted changes",
            hint="commit or stash them before rolling back",
        )
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(config.read_text(encoding="utf-8"))
    environment = data["environments"][request.environment]
    if commit is None:
        if "pinned" not in environment:
            return None
        del environment["pinned"]
    else:
        reason = f"rollback to {plan.deployment.id if plan.deployment else commit[:12]}"
        environment["pinned"] = {"commit": commit, "reason": reason}
    if branch is not None:
        repository.run("checkout", "-q", "-b", branch)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    config.write_text(buffer.getvalue(), encoding="utf-8")
    load_config(config)  # the edit must still be a valid stagingpro.yaml
    relative = os.path.relpath(config.resolve(), repository.root.resolve())
    if commit is None:
        message = f"Release {request.environment} from its rollback pin"
    else:
        reverts = "\n".join(f"  {line}" for line in plan.reverted)
        message = (
            f"Roll back {request.environment} to {commit[:12]}"
            + (f" (deployment {plan.deployment.id})" if plan.deployment else "")
            + f"\n\nPins {request.environment} to the declared state of {commit}; the"
            f" other environments keep following the branch. Held back for it:\n{reverts}\n"
        )
    return _commit(repository, message, relative)


def themes_to_reactivate(history: History, plan: RollbackPlan, environment: str) -> list[
    dict[str, object]
]:
    """The ``previous`` theme of the first theme deploy after the target, per channel."""
    deployments = history.of(environment)
    if plan.deployment is not None:
        ids = [d.id for d in deployments]
        later = deployments[ids.index(plan.deployment.id) + 1:] if plan.deployment.id in ids else []
    else:
        later = [d for d in deployments if d.commit is not None and d.commit != plan.target]
    chosen: dict[object, dict[str, object]] = {}
    for deployment in later:
        for item in deployment.items:
            previous = item.ids.get("previous") if item.kind == "theme" else None
            if item.outcome != "applied" or not isinstance(previous, dict):
                continue
            channel = item.ids.get("channel_id", 1)
            if channel not in chosen and previous.get("uuid") and previous.get("variation_uuid"):
                chosen[channel] = {"channel_id": channel, **previous}
    return list(chosen.values())


def rollback(
    request: ApplyRequest,
    target: str,
    *,
    branch: str | None = "",
    apply: bool = False,
    history: History | None = None,
    every_environment: bool = False,
) -> RollbackOutcome:
    """Roll ``request.environment`` back to ``target`` (module docstring). ``branch``:
    ``""`` for the default branch name, ``None`` to commit on the current branch.
    ``history``: the deployments to find ``target`` in, fetched by the caller
    (:func:`~reconciler.apply.history.fetched_history`); default this clone's.
    ``every_environment``: restore the shared state directory (every environment goes
    back); otherwise only this environment is pinned to the target."""
    repository = open_repository(request.state, request.remote)
    if repository is None:
        raise ConfigError(
            f"{request.state} is not in a git repository: there is no history to roll back",
            hint="keep the declared state in git (git init, commit) to use rollback",
        )
    history = history or history_for(request.state, repository)
    plan = plan_rollback(repository, history, request, target)
    default = f"stagingpro/rollback-{request.environment}-{plan.target[:8]}"
    name = default if branch == "" else branch
    settings = effective_environment(load_config(request.state / CONFIG_FILE), request.environment)
    if apply:
        check_policy(settings, request)
    if every_environment:
        commit = _commit_restore(repository, request, plan, name)
    elif not plan.reverted:  # nothing touched the state since: no pin to write
        commit = None
    else:
        commit = _commit_pin(repository, request, plan, name, plan.target)
    outcome = RollbackOutcome(plan, commit, name, [])
    if not apply:
        return outcome
    themes = themes_to_reactivate(history, plan, request.environment)

    async def reactivate_themes(ctx: LiveContext) -> list[ItemRecord]:
        return [await _reactivate(ctx.client, theme) for theme in themes]

    rolled = dataclasses.replace(request, operation="rollback", origin=target)
    outcome.applied = apply_environment(rolled, prelude=reactivate_themes)
    outcome.reactivated = outcome.applied.notes
    if name and request.remote is not None and commit is not None:
        # The deployment's note is on the rollback commit: origin must have it too.
        repository.run("push", "-q", request.remote, f"HEAD:refs/heads/{name}")
    return outcome


def release(request: ApplyRequest, *, branch: str | None = "") -> str | None:
    """Remove ``request.environment``'s rollback pin in one commit (on a new branch by
    default); the commit, or ``None`` when it was not pinned."""
    repository = open_repository(request.state, request.remote)
    if repository is None:
        raise ConfigError(f"{request.state} is not in a git repository")
    head = repository.head() or ""
    name = f"stagingpro/release-{request.environment}-{head[:8]}" if branch == "" else branch
    return _commit_pin(repository, request, RollbackPlan(head, None, []), name, None)


async def _reactivate(client: LiveClient, theme: dict[str, object]) -> ItemRecord:
    """Make ``theme`` (a deploy's recorded ``previous``) live again; the record of it."""
    ids = {"uuid": theme["uuid"], "variation_uuid": theme["variation_uuid"],
           "channel_id": theme["channel_id"]}
    try:
        await reactivate(
            client, str(theme["uuid"]), str(theme["variation_uuid"]),
            channel_id=int(str(theme["channel_id"])),
        )
    except LiveError as error:
        return ItemRecord("theme", str(theme["uuid"]), "activate", "failed",
                          f"theme {theme['uuid']} could not be re-activated: {error.message}",
                          status=getattr(error, "status", None), ids=ids)
    return ItemRecord("theme", str(theme["uuid"]), "activate", "applied",
                      f"theme {theme['uuid']} re-activated on channel {theme['channel_id']}",
                      ids=ids)
