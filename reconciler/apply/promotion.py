"""Promotion order: an environment takes a change only after the environments it comes
after (``after:`` in ``stagingpro.yaml``) have applied it — Kargo's stages, kept in the
deployment history rather than in a server.

*Environment P has applied commit C* when P's history holds a deployment that ended
``succeeded`` or ``no-changes`` at C, at a commit that contains C (C is its ancestor), or
at a commit whose declared state (the state directory's tree) is C's. With
``verified: true`` that deployment must also have a ``verified`` record: the result of
P's ``verify`` command, run after the apply (:func:`verify_deployment`).

An environment that others come after records its applies even when there was nothing
to change (``no-changes``), so that "staging is in step with C" is known for a change
that only touches production's overlay.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import git

from reconciler.apply.deployment import Deployment, new_id, now_iso
from reconciler.apply.gitrepo import Repository
from reconciler.apply.history import History
from reconciler.config import (
    EffectiveEnvironment,
    Prerequisite,
    ProjectConfig,
    credential_variables,
)
from reconciler.errors import PolicyError

APPLIED = ("succeeded", "no-changes")
VERIFY_TIMEOUT_S = 600
OUTPUT_KEPT = 2_000
"""Characters of the verify command's output kept in the record."""


def check_promotion(
    settings: EffectiveEnvironment,
    history: History,
    repository: Repository | None,
    commit: str | None,
    state: Path,
) -> None:
    """Refuse (:class:`PolicyError`, exit 4) to apply ``commit`` to ``settings``'s
    environment before every environment it comes after has applied it."""
    if not settings.after:
        return
    if repository is None or commit is None:
        raise PolicyError(
            f"{settings.name} comes after {_names(settings.after)}: checking that needs the"
            " declared state in git, with its deployment history",
            hint="apply from a clone of the state repository",
        )
    history.fetch()
    missing = [
        _missing(prerequisite, history, repository, commit, state)
        for prerequisite in settings.after
    ]
    reasons = [reason for reason in missing if reason]
    if reasons:
        raise PolicyError(
            f"{settings.name} comes after {_names(settings.after)}, and "
            + "; ".join(reasons),
            hint="apply there first (the apply workflow does it in order), then here",
        )


def _names(prerequisites: Sequence[Prerequisite]) -> str:
    return ", ".join(
        p.environment + (" (verified)" if p.verified else "") for p in prerequisites
    )


def _missing(
    prerequisite: Prerequisite,
    history: History,
    repository: Repository,
    commit: str,
    state: Path,
) -> str:
    """Why ``prerequisite`` has not applied ``commit``; empty when it has."""
    records = history.of(prerequisite.environment)
    verified = {r.origin for r in records if r.operation == "verify" and r.status == "verified"}
    applied = [
        r for r in records
        if r.operation != "verify" and r.status in APPLIED and r.commit
        and _contains(repository, r.commit, commit, state)
    ]
    if not applied:
        return f"{prerequisite.environment} has not applied {commit[:12]}"
    if prerequisite.verified and not any(r.id in verified for r in applied):
        return f"{prerequisite.environment} applied {commit[:12]} but it was not verified"
    return ""


def _contains(repository: Repository, deployed: str, wanted: str, state: Path) -> bool:
    """Whether the deployment of commit ``deployed`` included commit ``wanted``."""
    if deployed == wanted:
        return True
    try:
        repository.run("merge-base", "--is-ancestor", wanted, deployed)
        return True
    except git.GitCommandError:  # git says "no" with exit 1
        pass
    relative = state.resolve().relative_to(repository.root.resolve()).as_posix()
    try:
        return repository.run("rev-parse", f"{deployed}:{relative}") == repository.run(
            "rev-parse", f"{wanted}:{relative}"
        )
    except git.GitCommandError:  # a commit without the directory, or unknown here
        return False


def in_step_record(opening: Deployment) -> Deployment:
    """The record of an apply that found nothing to change, for an environment others
    come after (module docstring)."""
    return dataclasses.replace(opening, finished_at=now_iso(), status="no-changes")


def verify_deployment(
    settings: EffectiveEnvironment, deployment: Deployment, config: ProjectConfig
) -> Deployment:
    """Run the environment's ``verify`` command after ``deployment``; the ``verify``
    record (``verified`` or ``verify-failed``) to add to the history.

    The command runs with the environment's variables, less every credential named in
    ``stagingpro.yaml`` (a smoke test reads the storefront, it never needs them), plus
    ``STAGINGPRO_ENVIRONMENT``, ``STAGINGPRO_DEPLOYMENT`` and ``STAGINGPRO_COMMIT``.
    """
    assert settings.verify is not None
    credentials = credential_variables(config)
    variables = {k: v for k, v in os.environ.items() if k not in credentials}
    variables.update(
        STAGINGPRO_ENVIRONMENT=settings.name,
        STAGINGPRO_DEPLOYMENT=deployment.id,
        STAGINGPRO_COMMIT=deployment.commit or "",
    )
    started = now_iso()
    try:
        done = subprocess.run(
            ["sh", "-c", settings.verify], env=variables, capture_output=True, text=True,
            timeout=VERIFY_TIMEOUT_S, check=False,
        )
        passed, output = done.returncode == 0, (done.stdout + done.stderr)
        summary = f"exit {done.returncode}"
    except subprocess.TimeoutExpired:
        passed, output, summary = False, "", f"timed out after {VERIFY_TIMEOUT_S} s"
    except OSError as error:
        passed, output, summary = False, "", f"could not run: {error}"
    return Deployment(
        id=new_id(settings.name),
        environment=settings.name,
        store=deployment.store,
        commit=deployment.commit,
        author=deployment.author,
        where=deployment.where,
        started_at=started,
        finished_at=now_iso(),
        status="verified" if passed else "verify-failed",
        operation="verify",
        origin=deployment.id,
        note=f"verify ({summary}): {output[-OUTPUT_KEPT:].strip()}",
    )
