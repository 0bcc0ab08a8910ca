"""Environments held at an earlier commit (``pinned:`` in ``stagingpro.yaml``).

``rollback ENV --to TARGET`` pins ENV to TARGET's commit instead of rewriting the state
every environment shares: ENV's items, overlays and repository files are then read as
they were at that commit (Argo CD's per-application ``targetRevision`` is the model), and
the next merge for other environments leaves ENV where it was. Its settings stay
today's: the ``stagingpro.yaml`` of the branch replaces the one of the pinned commit.

The pinned commit's state directory is written once under
``<repository>/.stagingpro/pins/<commit>/`` from ``git archive`` (through Python's
``data`` extraction filter), and read from there. The repository is the one holding the
state directory or, when that is a copy outside git (the plan workflow reads a pull
request's state as data), the clone named by ``$STAGINGPRO_PINS_FROM``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from reconciler.errors import ConfigError

PINS_FROM_ENV = "STAGINGPRO_PINS_FROM"
CONFIG_FILE = "stagingpro.yaml"


def pinned_state(state: Path, environment: str, commit: str | None) -> Path:
    """The directory to read ``environment``'s declared items from: ``state`` itself, or
    for a pinned environment the state directory as of ``commit`` (module docstring)."""
    if commit is None:
        return state
    repository, relative = _repository_of(state)
    target = repository / ".stagingpro" / "pins" / commit
    pinned = target / relative
    if not pinned.is_dir():
        archive = _archive(repository, commit, relative, environment)
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{commit[:12]}-", dir=target.parent))
        with tarfile.open(fileobj=io.BytesIO(archive)) as bundle:
            bundle.extractall(scratch, filter="data")
        try:
            scratch.rename(target)  # atomic: a concurrent run finds it whole or not at all
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)  # another run was first
    # Today's settings: the branch's stagingpro.yaml, not the pinned commit's.
    shutil.copyfile(state / CONFIG_FILE, pinned / CONFIG_FILE)
    return pinned


def _repository_of(state: Path) -> tuple[Path, str]:
    """The repository root holding the state's history and the state's path in it."""
    done = subprocess.run(["git", "-C", str(state), "rev-parse", "--show-toplevel"],
                          capture_output=True, text=True, check=False)
    found = done.stdout.strip() if done.returncode == 0 else ""
    if found:
        root = Path(found)
        return root, state.resolve().relative_to(root.resolve()).as_posix()
    fallback = os.environ.get(PINS_FROM_ENV, "")
    if not fallback:
        raise ConfigError(
            f"{state} is not in a git repository, so a pinned environment's earlier state"
            " cannot be read",
            hint=f"run in a clone of the state repository, or set {PINS_FROM_ENV} to one",
        )
    return Path(fallback).resolve(), state.name


def _archive(repository: Path, commit: str, relative: str, environment: str) -> bytes:
    done = subprocess.run(
        ["git", "-C", str(repository), "archive", "--format=tar", commit, "--", relative],
        capture_output=True, check=False,
    )
    if done.returncode != 0:
        raise ConfigError(
            f"environment {environment} is pinned to {commit[:12]}, whose {relative}/"
            f" this clone does not have ({done.stderr.decode(errors='replace').strip()})",
            hint="fetch the full history (git fetch --unshallow origin), or remove the pin",
        )
    return done.stdout
