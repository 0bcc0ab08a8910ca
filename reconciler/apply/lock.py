"""One apply per environment at a time: a lease kept as a git ref.

The lock of environment ``E`` is the ref ``refs/stagingpro/locks/E``. It points at a
commit object (empty tree, no parent) whose message is the holder, as JSON: who, where
(the CI run URL, or ``host:pid``), when, which commit is being applied, and when the lease
expires. Taking, renewing and releasing it are compare-and-swap operations:

* **with a remote** (CI runners sharing nothing but the repository's origin): an atomic
  ``git push --force-with-lease=REF:EXPECTED`` of the new holder object — the push is
  refused unless the remote's ref is still what this runner last saw (absent, when
  taking a free lock). No server beyond the git host is needed;
* **without one** (a developer's machine, the embedded sandbox): ``git update-ref REF NEW
  OLD`` in the local repository, atomic through git's own ref lock files;
* **outside git**: an ``O_EXCL`` lock file ``.stagingpro/locks/E.json`` holding the same
  JSON.

A lock whose lease has expired may be taken over — again by compare-and-swap, so two
runners cannot both take it over. Before expiry it is taken over only when its holder is
*provably* dead: it ran on this very machine (same kernel boot id and same pid namespace,
recorded in the holder) and its process is gone, or the pid now belongs to a process
started at another moment. A host name proves nothing: CI runners in separate containers
share host names and pids.

While an apply runs, a background thread renews the lease every third of its length,
and the apply renews it before each write wave (:meth:`Lease.confirm`). The lease
*fences* the writes (:meth:`Lease.fence`): once a renewal fails (the lock was taken over
or broken, or the remote cannot be reached to confirm it), or the last confirmed lease
comes within a fifth of its length of expiring, no further write is sent. ``stagingpro
unlock E --force`` deletes the ref whoever holds it (and the CLI records who did in the
history).

Git or the file system refusing to store the lock (a full disk, a read-only repository,
an unreachable remote) is a :class:`StorageError`, never a raw git failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import git

from reconciler.apply.deployment import actor, now_iso, where
from reconciler.apply.gitrepo import ZERO, Repository, git_failure
from reconciler.apply.machine import machine_id, process_start
from reconciler.errors import LockError, StorageError

DEFAULT_TTL = timedelta(minutes=15)
LOCKS_PREFIX = "refs/stagingpro/locks/"


@dataclass(frozen=True)
class Holder:
    """Who holds a lock (module docstring)."""

    environment: str
    who: str
    where: str
    host: str
    pid: int
    since: str
    expires_at: str
    commit: str | None = None
    operation: str = "apply"
    machine: str = ""
    """The kernel's boot id and the pid namespace of the holder (empty where unknown)."""
    pid_start: int = 0
    """When the holder's process started, in clock ticks after boot (0: unknown)."""

    @classmethod
    def new(cls, environment: str, commit: str | None, ttl: timedelta, operation: str) -> Holder:
        pid = os.getpid()
        return cls(
            environment=environment,
            who=actor(),
            where=where(),
            host=socket.gethostname(),
            pid=pid,
            since=now_iso(),
            expires_at=(datetime.now(UTC) + ttl).isoformat(timespec="seconds"),
            commit=commit,
            operation=operation,
            machine=machine_id(),
            pid_start=process_start(pid) or 0,
        )

    def renewed(self, ttl: timedelta) -> Holder:
        expires = (datetime.now(UTC) + ttl).isoformat(timespec="seconds")
        return Holder(**{**asdict(self), "expires_at": expires})

    def to_text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> Holder | None:
        try:
            data: Any = json.loads(text)
            if not isinstance(data, dict):
                return None
            # A newer version may record more: what this one does not know is left out.
            return cls(**{k: v for k, v in data.items() if k in _HOLDER_FIELDS})
        except (json.JSONDecodeError, TypeError):
            return None

    def expired(self) -> bool:
        try:
            return datetime.fromisoformat(self.expires_at) <= datetime.now(UTC)
        except ValueError:
            return True

    def abandoned(self) -> bool:
        """The holder provably ran on this machine and its process is gone (module
        docstring); ``False`` whenever that cannot be proven."""
        here = machine_id()
        if not here or self.machine != here or self.pid == os.getpid():
            return False
        started = process_start(self.pid)
        if started is None:
            return True  # no such process in this pid namespace: it was killed
        return bool(self.pid_start) and started != self.pid_start  # the pid was reused

    def describe(self) -> str:
        commit = f", applying {self.commit[:12]}" if self.commit else ""
        return (
            f"{self.who} at {self.where} since {self.since}{commit}"
            f" (lease until {self.expires_at})"
        )


_HOLDER_FIELDS = frozenset(Holder.__dataclass_fields__)


class _Backend:
    """Compare-and-swap storage of one lock: ``read`` gives ``(token, holder)``."""

    def read(self) -> tuple[str | None, Holder | None]:
        raise NotImplementedError

    def swap(self, expected: str | None, holder: Holder | None) -> str | None:
        """Replace the lock if it is still ``expected`` (``None``: absent) by ``holder``
        (``None``: delete); the new token, or :class:`_Lost` when someone else won."""
        raise NotImplementedError


class _Lost(Exception):
    pass


class _GitBackend(_Backend):
    def __init__(self, repository: Repository, environment: str) -> None:
        self.repository = repository
        self.ref = LOCKS_PREFIX + environment

    def read(self) -> tuple[str | None, Holder | None]:
        remote = self.repository.remote
        if remote is not None:
            try:
                listed = self.repository.run("ls-remote", remote, self.ref).split()
                if not listed:
                    return None, None
                sha = listed[0]
                if self.repository.ref(sha) is None:
                    self.repository.run("fetch", "--no-tags", remote, self.ref)
            except git.GitCommandError as error:
                raise git_failure(f"read the lock {self.ref} on {remote}", error) from None
        else:
            found = self.repository.ref(self.ref)
            if found is None:
                return None, None
            sha = found
        return sha, Holder.from_text(self.repository.message(sha))

    def swap(self, expected: str | None, holder: Holder | None) -> str | None:
        try:
            new = self.repository.new_object(holder.to_text()) if holder is not None else None
        except git.GitCommandError as error:
            raise git_failure(f"write the lock {self.ref}", error) from None
        remote = self.repository.remote
        try:
            if remote is not None:
                lease = f"--force-with-lease={self.ref}:{expected or ''}"
                source = f"{new}:{self.ref}" if new is not None else f":{self.ref}"
                self.repository.run("push", "--quiet", "--atomic", lease, remote, source)
            elif new is None:
                self.repository.run("update-ref", "-d", self.ref, expected or ZERO)
            else:
                self.repository.run("update-ref", self.ref, new, expected or ZERO)
        except git.GitCommandError as error:
            # Refused because someone else changed the lock, or because git could not
            # store it at all: only a fresh read tells which.
            if self.read()[0] != expected:
                raise _Lost(str(error)) from None
            raise git_failure(f"write the lock {self.ref}", error) from None
        return new


class _FileBackend(_Backend):
    def __init__(self, directory: Path, environment: str) -> None:
        self.path = directory / f"{environment}.json"

    def read(self) -> tuple[str | None, Holder | None]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, None
        return text, Holder.from_text(text)

    def swap(self, expected: str | None, holder: Holder | None) -> str | None:
        # Not a true compare-and-swap across processes for replacement; taking a free
        # lock (O_EXCL) is, which is what concurrent appliers race on.
        current, _ = self.read()
        if current != expected:
            raise _Lost("the lock file changed")
        if holder is None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return None
        try:
            return self._write(expected, holder.to_text())
        except FileExistsError:
            raise _Lost("the lock file exists") from None
        except OSError as error:
            raise StorageError(
                f"could not write the lock file {self.path}: {error.strerror or error}",
                hint="free disk space or make the directory writable, then try again",
            ) from None

    def _write(self, expected: str | None, text: str) -> str:
        if expected is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError:
                self.path.unlink(missing_ok=True)  # never leave a half-written lock
                raise
            return text
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.path)
        return text


class EnvironmentLock:
    """The lock of one environment (module docstring)."""

    def __init__(
        self,
        environment: str,
        repository: Repository | None,
        state: Path,
        *,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self.environment = environment
        self.ttl = ttl
        self.backend: _Backend
        if repository is None:
            files = _FileBackend(state.resolve().parent / ".stagingpro" / "locks", environment)
            self.backend = files
            self.description = f"lock file {files.path}"
            return
        self.backend = _GitBackend(repository, environment)
        if repository.remote is not None:
            self.description = f"{LOCKS_PREFIX}{environment} on {repository.remote}"
        else:
            self.description = f"{LOCKS_PREFIX}{environment} in {repository.root}"

    def holder(self) -> Holder | None:
        """Who holds the lock now, if anyone."""
        return self.backend.read()[1]

    def acquire(self, commit: str | None, operation: str = "apply") -> Lease:
        """Take the lock or raise :class:`LockError` naming its holder."""
        holder = Holder.new(self.environment, commit, self.ttl, operation)
        for _ in range(3):
            token, current = self.backend.read()
            if token is not None and current is not None and not (
                current.expired() or current.abandoned()
            ):
                raise LockError(
                    f"{self.environment} is locked by {current.describe()}",
                    hint="wait for that apply to finish; if it died, the lease expires at"
                    f" {current.expires_at}, or break it: stagingpro unlock"
                    f" {self.environment} --force",
                )
            try:
                new = self.backend.swap(token, holder)
            except _Lost:
                continue  # someone changed it between our read and swap: look again
            return Lease(self, new, holder, previous=current)
        raise LockError(
            f"could not take the lock of {self.environment}: other appliers keep taking it",
            hint="try again in a moment",
        )

    def force_release(self) -> Holder | None:
        """Delete the lock whoever holds it; the holder it had."""
        for _ in range(5):
            token, current = self.backend.read()
            if token is None:
                return None
            try:
                self.backend.swap(token, None)
            except _Lost:
                continue
            return current
        raise LockError(f"could not break the lock of {self.environment}; try again")

    @contextlib.contextmanager
    def held(self, commit: str | None, operation: str = "apply") -> Iterator[Lease]:
        """Hold the lock for the ``with`` block, renewing it in the background."""
        lease = self.acquire(commit, operation)
        lease.start_renewing()
        try:
            yield lease
        finally:
            lease.release()


class Lease:
    """A lock this process holds; it fences this process's writes (module docstring)."""

    def __init__(
        self, lock: EnvironmentLock, token: str | None, holder: Holder, previous: Holder | None
    ) -> None:
        self.lock = lock
        self.token = token
        self.holder = holder
        self.previous = previous
        """The holder it was taken over from (expired or killed), if any."""
        self.lost = False
        self.lost_reason = ""
        self._stop = threading.Event()
        self._mutex = threading.Lock()
        self._thread: threading.Thread | None = None

    def renew(self) -> None:
        """Extend the lease by compare-and-swap; on any failure the lease counts as lost
        for good (someone else may hold the lock now, or may take it at expiry)."""
        with self._mutex:
            if self.lost or self._stop.is_set():
                return
            holder = self.holder.renewed(self.lock.ttl)
            try:
                self.token = self.lock.backend.swap(self.token, holder)
                self.holder = holder
            except _Lost:
                self._lose("the lock was taken over or broken (stagingpro unlock --force)")
            except (StorageError, git.GitCommandError, OSError) as error:
                self._lose(f"the lock could not be renewed ({_first_line(error)})")

    def _lose(self, why: str) -> None:
        self.lost = True
        self.lost_reason = f"lock lost: {why}"

    def confirm(self) -> str | None:
        """Renew now (before a write wave): ``None`` while the lease holds, else why not."""
        self.renew()
        return self.fence()

    def fence(self) -> str | None:
        """Why this process must not write now (``None``: it may): the lease was lost, or
        it expires within a fifth of its length without having been renewed."""
        if self.lost:
            return self.lost_reason
        margin = self.lock.ttl / 5
        try:
            expires = datetime.fromisoformat(self.holder.expires_at)
        except ValueError:
            expires = datetime.now(UTC)
        if datetime.now(UTC) + margin >= expires:
            return f"lock lost: the lease expires at {self.holder.expires_at} unrenewed"
        return None

    def start_renewing(self) -> None:
        interval = max(self.lock.ttl.total_seconds() / 3, 1.0)

        def loop() -> None:
            while not self._stop.wait(interval):
                self.renew()

        self._thread = threading.Thread(target=loop, name="stagingpro-lock", daemon=True)
        self._thread.start()

    def release(self) -> None:
        with self._mutex:
            self._stop.set()
            if not self.lost:
                with contextlib.suppress(_Lost, StorageError, git.GitCommandError, OSError):
                    self.lock.backend.swap(self.token, None)
        if self._thread is not None:
            self._thread.join(timeout=5)


def _first_line(error: Exception) -> str:
    text = error.message if isinstance(error, StorageError) else str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
