"""Deployment history, kept in git itself: notes under ``refs/notes/stagingpro``.

Each deployment is one line of JSON appended to the git note of the commit it applied
(``git notes --ref stagingpro append``), so the history travels with the repository, needs
no server and survives ephemeral CI runners: the apply workflow pushes the notes ref
(:meth:`GitNotesHistory.push`, which first merges notes other runners pushed, with git's
``cat_sort_uniq`` strategy, since each line is a whole record). A commit applied to
several environments, or applied again, simply carries several lines.

When the declared state is not in a git repository there are no commits to annotate:
history then falls back to a local JSON-lines file, ``.stagingpro/deployments.jsonl``
beside ``store-state/`` (:class:`FileHistory`), and the CLI says so — that file is not
shared with anyone, so CI should always run from a clone. In a repository the same file
holds the records git could not store (a full disk, a read-only repository): they are
*pending*, listed with the notes, and moved into the notes (and pushed) by the next
apply that records, or by ``stagingpro history``.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

import git

from reconciler.apply.deployment import Deployment
from reconciler.apply.gitrepo import Repository, git_failure, open_repository
from reconciler.errors import ConfigError, LiveError, StorageError
from reconciler.secrets import redact_json

NOTES_REF = "refs/notes/stagingpro"
LOCAL_FILE = Path(".stagingpro") / "deployments.jsonl"


def _line(deployment: Deployment) -> str:
    """One deployment record as stored: a line of JSON, redacted now, with every secret
    known at this moment (one read later in the run than the record's items is covered)."""
    record = redact_json(deployment.to_json())
    return json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"


def _settled(records: list[Deployment]) -> list[Deployment]:
    """One deployment per id, oldest first: an apply's final record replaces the
    ``unfinished`` one it wrote before its first write."""
    by_id: dict[str, Deployment] = {}
    for record in records:
        kept = by_id.get(record.id)
        if kept is None or kept.unfinished:
            by_id[record.id] = record
    return sorted(by_id.values(), key=lambda d: (d.started_at, d.id))


def _parse(text: str) -> list[Deployment]:
    found: list[Deployment] = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue  # a note written by hand: not ours to judge
        if isinstance(data, dict) and data.get("type") == "deployment":
            found.append(Deployment.from_json(data))
    return found


class History(ABC):
    """Where deployments are recorded and read back."""

    description: str

    @abstractmethod
    def record(self, deployment: Deployment) -> None: ...

    @abstractmethod
    def all(self) -> list[Deployment]:
        """Every deployment, oldest first."""

    def of(self, environment: str) -> list[Deployment]:
        """The deployments to ``environment``, oldest first."""
        return [d for d in self.all() if d.environment == environment]

    def get(self, deployment_id: str) -> Deployment:
        """The deployment ``deployment_id`` (a unique prefix will do)."""
        every = self.all()
        exact = [d for d in every if d.id == deployment_id]
        matches = exact or [d for d in every if d.id.startswith(deployment_id)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ConfigError(
                f"no deployment {deployment_id!r} in {self.description}",
                hint="list them with: stagingpro history ENV",
            )
        raise ConfigError(
            f"{deployment_id!r} names {len(matches)} deployments; give more of the id",
            hint=", ".join(d.id for d in matches[:5]),
        )

    def latest(self, environment: str, *, operations: tuple[str, ...] = ()) -> Deployment:
        """The newest deployment to ``environment`` (of these operations, when given)."""
        found = [
            d for d in self.of(environment)
            if d.status != "lock-broken" and (not operations or d.operation in operations)
        ]
        if not found:
            raise ConfigError(
                f"no deployment to {environment} is recorded in {self.description}",
                hint=f"apply first: stagingpro apply {environment}",
            )
        return found[-1]

    def push(self) -> None:  # noqa: B027 - only git notes have anywhere to be pushed
        """Share the history (nothing to do where there is nowhere to share it)."""

    def fetch(self, remote: str | None = None) -> None:  # noqa: B027 - only notes can
        """Bring in what others recorded through ``remote`` (nothing to do for a local
        file); :class:`LiveError` when it cannot be reached."""

    def settle_pending(self) -> int:
        """Move records kept aside (pending) where they belong; how many moved."""
        return 0


class GitNotesHistory(History):
    """History in ``refs/notes/stagingpro`` of a repository (module docstring)."""

    def __init__(self, repository: Repository, pending: Path | None = None) -> None:
        self.repository = repository
        self.pending = pending
        """Records git could not store, kept in a local file until it can (module
        docstring)."""
        self.description = f"the git notes {NOTES_REF} of {repository.root}"

    def record(self, deployment: Deployment) -> None:
        """Append ``deployment`` to its commit's note (pending records first);
        :class:`StorageError` when git cannot store it."""
        self.settle_pending()
        action = f"record deployment {deployment.id} in {NOTES_REF}"
        try:
            self._append(deployment)
        except git.GitCommandError as error:
            raise git_failure(action, error) from None
        except OSError as error:  # the note's temporary file
            raise StorageError(
                f"could not {action}: {error.strerror or error}",
                hint="free disk space, or make the temporary directory writable",
            ) from None

    def settle_pending(self) -> int:
        if self.pending is None or not self.pending.exists():
            return 0
        kept = _parse(self.pending.read_text(encoding="utf-8"))
        try:
            for deployment in kept:
                self._append(deployment)
        except (git.GitCommandError, OSError):
            return 0  # still cannot: they stay pending (a repeat is harmless, see _settled)
        self.pending.unlink()
        return len(kept)

    def _append(self, deployment: Deployment) -> None:
        target = deployment.commit
        if target is None or self.repository.ref(target) is None:
            # A plan made in another clone may name a commit this one lacks.
            target = self.repository.head()
        if target is None:
            raise ConfigError(
                f"the repository at {self.repository.root} has no commit to record the"
                " deployment on",
                hint="commit the declared state first",
            )
        with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as handle:
            handle.write(_line(deployment))
            handle.flush()
            self.repository.run(
                "notes", "--ref", NOTES_REF, "append", "--allow-empty", "-F", handle.name,
                target, identity=True,
            )

    def all(self) -> list[Deployment]:
        found: list[Deployment] = []
        if self.pending is not None and self.pending.exists():
            found.extend(_parse(self.pending.read_text(encoding="utf-8")))
        try:
            listing = self.repository.run("notes", "--ref", NOTES_REF, "list")
        except git.GitCommandError:
            return _settled(found)
        for line in listing.splitlines():
            parts = line.split()
            if len(parts) == 2:
                found.extend(_parse(self.repository.run("cat-file", "blob", parts[0])))
        return _settled(found)

    def fetch(self, remote: str | None = None) -> None:
        """Merge the notes of ``remote`` (default: the repository's) into the local ones:
        other runners' deployments join the ones recorded here and not pushed yet (each
        line is a whole record, so ``cat_sort_uniq`` merges without conflicts).

        Raises :class:`LiveError` when the remote cannot be reached; a remote with no
        history yet is not an error."""
        remote = remote or self.repository.remote
        if remote is None:
            return
        tracking = "refs/notes/stagingpro-remote"
        try:
            self.repository.run("fetch", "--no-tags", remote, f"+{NOTES_REF}:{tracking}")
        except git.GitCommandError as error:
            if self._remote_lacks_notes(remote):
                return  # the remote has no history yet
            raise LiveError(
                f"could not fetch the deployment history from {remote}:"
                f" {_git_said(error)}",
                hint=f"check the remote (git fetch {remote}), or leave it out with --no-fetch",
            ) from None
        if self.repository.ref(NOTES_REF) is None:
            self.repository.run("update-ref", NOTES_REF, tracking)
            return
        self.repository.run(
            "notes", "--ref", NOTES_REF, "merge", "-s", "cat_sort_uniq", tracking,
            identity=True,
        )

    def _remote_lacks_notes(self, remote: str) -> bool:
        """Whether ``remote`` answers and has no notes ref (``ls-remote`` exits 2)."""
        try:
            self.repository.run("ls-remote", "--exit-code", remote, NOTES_REF)
        except git.GitCommandError as error:
            return error.status == 2
        return False

    def push(self, attempts: int = 5) -> None:
        """Push the notes to the remote, merging what others pushed meanwhile."""
        remote = self.repository.remote
        if remote is None:
            return
        error: Exception | None = None
        for _ in range(attempts):
            self.fetch()
            try:
                self.repository.run("push", remote, f"{NOTES_REF}:{NOTES_REF}")
                return
            except git.GitCommandError as failed:  # someone pushed in between: merge again
                error = failed
        raise LiveError(
            f"could not push the deployment history to {remote}: {error}",
            hint=f"push it by hand: git push {remote} {NOTES_REF}",
        )


class FileHistory(History):
    """The fallback for a declared state outside git: a local JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"{path} (the declared state is not in a git repository)"

    def record(self, deployment: Deployment) -> None:
        """Append ``deployment``; :class:`StorageError` when the file cannot be written
        (a half-written line is cut off again, so the file stays readable)."""
        data = _line(deployment).encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                start = os.fstat(fd).st_size
                try:
                    if os.write(fd, data) != len(data):
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                except OSError:
                    os.ftruncate(fd, start)
                    raise
            finally:
                os.close(fd)
        except OSError as error:
            raise StorageError(
                f"could not record deployment {deployment.id} in {self.path}:"
                f" {error.strerror or error}",
                hint="free disk space or make the directory writable",
            ) from None

    def all(self) -> list[Deployment]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return _settled(_parse(text))


def _git_said(error: git.GitCommandError) -> str:
    """The first line of what git said (GitPython wraps it as ``stderr: '…'``)."""
    text = str(error.stderr).strip().removeprefix("stderr:").strip().strip("'")
    return text.splitlines()[0] if text else f"git exited with status {error.status}"


def fetched_history(state: Path, remote: str | None) -> tuple[History, str | None]:
    """The history of the declared state at ``state`` with the deployments pushed to
    ``remote`` merged in first (none: the local history alone). The second value is a
    warning when ``remote`` could not be reached: the local history, possibly out of
    date, is then what there is — reading it must not fail because a network did.
    :class:`ConfigError` when the repository has no remote of that name."""
    repository = open_repository(state, remote)
    history = history_for(state, repository)
    if remote is None or repository is None:
        return history, None
    try:
        history.fetch(remote)
    except LiveError as error:
        return history, (
            f"warning: {error.message}\n  showing the deployments recorded in this clone,"
            f" which may be out of date; {error.hint}"
        )
    return history, None


def history_for(state: Path, repository: Repository | None) -> History:
    """The history of the declared state at ``state`` (module docstring)."""
    local = state.resolve().parent / LOCAL_FILE
    if repository is not None:
        return GitNotesHistory(repository, pending=local)
    return FileHistory(local)
