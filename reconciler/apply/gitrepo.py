"""The git repository holding the declared state, as apply uses it (through GitPython).

Locks (:mod:`reconciler.apply.lock`) and deployment history
(:mod:`reconciler.apply.history`) live in the repository itself — refs and notes — so
they need no server and survive ephemeral CI runners: with a ``remote`` they are shared
through it by pushes (an atomic compare-and-swap for locks), without one they stay in the
local repository (enough for one machine, e.g. the embedded sandbox).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import git

from reconciler.errors import ConfigError, StorageError

ZERO = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "StagingPro",
    "GIT_AUTHOR_EMAIL": "stagingpro@localhost",
    "GIT_COMMITTER_NAME": "StagingPro",
    "GIT_COMMITTER_EMAIL": "stagingpro@localhost",
}


@dataclass
class Repository:
    """A git repository and, optionally, the remote locks and history are shared through."""

    repo: git.Repo
    remote: str | None = None

    @property
    def root(self) -> Path:
        return Path(str(self.repo.working_tree_dir or self.repo.git_dir))

    def run(self, *args: str, identity: bool = False) -> str:
        """``git <args>``'s standard output; :class:`git.GitCommandError` on failure.
        ``identity`` supplies a committer for runners with no git identity configured."""
        env = dict(_IDENTITY) if identity else None
        return str(self.repo.git.execute(["git", *args], env=env, strip_newline_in_stdout=False))

    def head(self) -> str | None:
        try:
            return str(self.repo.head.commit.hexsha)
        except ValueError:  # no commit yet
            return None

    def dirty(self, path: Path) -> bool:
        """Whether ``path`` has uncommitted or untracked changes."""
        relative = os.path.relpath(path.resolve(), self.root.resolve())
        return bool(self.run("status", "--porcelain", "--", relative).strip())

    def has_remote(self, name: str) -> bool:
        return name in {r.name for r in self.repo.remotes}

    def new_object(self, message: str) -> str:
        """A commit object (empty tree, no parent) carrying ``message``: how lock holders
        are stored, so they can be pushed like any commit."""
        return self.run("commit-tree", EMPTY_TREE, "-m", message, identity=True).strip()

    def message(self, sha: str) -> str:
        return self.run("cat-file", "commit", sha).split("\n\n", 1)[-1]

    def ref(self, name: str) -> str | None:
        try:
            return self.run("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}").strip()
        except git.GitCommandError:
            return None


def git_failure(action: str, error: git.GitCommandError) -> StorageError:
    """A git command that could not store or reach what it had to, as a clear error."""
    said = str(error.stderr or "").strip().removeprefix("stderr:").strip(" '\n")
    status = error.status if isinstance(error.status, int) else None
    if said:
        why = f"git said: {said.splitlines()[-1].strip()}"
    elif status is not None and status < 0:
        why = f"git was stopped by signal {-status}"
    else:
        why = f"git ended with status {error.status}"
    return StorageError(
        f"could not {action} ({why})",
        hint="check that the disk has free space and that the repository (and its remote)"
        " can be reached and written, then run the command again",
    )


def open_repository(path: Path, remote: str | None = None) -> Repository | None:
    """The repository holding ``path``, or ``None`` when it is in none.

    A named ``remote`` must exist (:class:`ConfigError` otherwise).
    """
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    repository = Repository(repo)
    if remote is not None:
        if not repository.has_remote(remote):
            raise ConfigError(
                f"the repository at {repository.root} has no remote {remote!r}",
                hint="add it (git remote add) or leave out --remote",
            )
        repository.remote = remote
    return repository
