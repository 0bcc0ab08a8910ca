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

A lock whose lease has expired, or whose holder ran on this host and whose process is
gone (killed), may be taken over — again by compare-and-swap, so two runners cannot both
take it over. While an apply runs, a background thread renews the lease every third of
its length. ``stagingpro unlock E --force`` deletes the ref whoever holds it (and the CLI
records who did in the history).
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
from reconciler.apply.gitrepo import ZERO, Repository
from reconciler.errors import LockError

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

    @classmethod
    def new(cls, environment: str, commit: str | None, ttl: timedelta, operation: str) -> Holder:
        return cls(
            environment=environment,
            who=actor(),
            where=where(),
            host=socket.gethostname(),
            pid=os.getpid(),
            since=now_iso(),
            expires_at=(datetime.now(UTC) + ttl).isoformat(timespec="seconds"),
            commit=commit,
            operation=operation,
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
            return cls(**data) if isinstance(data, dict) else None
        except (json.JSONDecodeError, TypeError):
            return None

    def expired(self) -> bool:
        try:
            return datetime.fromisoformat(self.expires_at) <= datetime.now(UTC)
        except ValueError:
            return True

    def abandoned(self) -> bool:
        """The holder ran on this host and its process is gone (it was killed)."""
        if self.host != socket.gethostname() or self.pid == os.getpid():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def describe(self) -> str:
        commit = f", applying {self.commit[:12]}" if self.commit else ""
        return (
            f"{self.who} at {self.where} since {self.since}{commit}"
            f" (lease until {self.expires_at})"
        )


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
            listed = self.repository.run("ls-remote", remote, self.ref).split()
            if not listed:
                return None, None
            sha = listed[0]
            if self.repository.ref(sha) is None:
                self.repository.run("fetch", "--no-tags", remote, self.ref)
        else:
            found = self.repository.ref(self.ref)
            if found is None:
                return None, None
            sha = found
        return sha, Holder.from_text(self.repository.message(sha))

    def swap(self, expected: str | None, holder: Holder | None) -> str | None:
        new = self.repository.new_object(holder.to_text()) if holder is not None else None
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
            raise _Lost(str(error)) from None
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
        text = holder.to_text()
        if expected is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                raise _Lost("the lock file exists") from None
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
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

    def acquire(self, commit: str | None, operation: str = "apply") -> _Lease:
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
            return _Lease(self, new, holder, previous=current)
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
    def held(self, commit: str | None, operation: str = "apply") -> Iterator[_Lease]:
        """Hold the lock for the ``with`` block, renewing it in the background."""
        lease = self.acquire(commit, operation)
        lease.start_renewing()
        try:
            yield lease
        finally:
            lease.release()


class _Lease:
    """A lock this process holds."""

    def __init__(
        self, lock: EnvironmentLock, token: str | None, holder: Holder, previous: Holder | None
    ) -> None:
        self.lock = lock
        self.token = token
        self.holder = holder
        self.previous = previous
        """The holder it was taken over from (expired or killed), if any."""
        self.lost = False
        self._stop = threading.Event()
        self._mutex = threading.Lock()
        self._thread: threading.Thread | None = None

    def renew(self) -> None:
        with self._mutex:
            if self.lost or self._stop.is_set():
                return
            holder = self.holder.renewed(self.lock.ttl)
            try:
                self.token = self.lock.backend.swap(self.token, holder)
                self.holder = holder
            except (_Lost, git.GitCommandError, OSError):
                self.lost = True  # broken by `unlock --force`, or the remote is gone

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
                with contextlib.suppress(_Lost, git.GitCommandError, OSError):
                    self.lock.backend.swap(self.token, None)
        if self._thread is not None:
            self._thread.join(timeout=5)
