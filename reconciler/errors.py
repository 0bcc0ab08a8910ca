"""The one error tree of StagingPro.

Every failure a user can meet is a :class:`StagingProError`. Each class carries the
process exit code the CLI returns for it (see DESIGN.md, "Exit codes") and a message
that says what went wrong *and what to do*. Library callers catch the class they care
about; the CLI catches :class:`StagingProError` once, prints it (redacted) and exits
with :attr:`StagingProError.exit_code`.

::

    StagingProError                 exit 1
    ├── ConfigError                 stagingpro.yaml or command-line options are wrong
    ├── StateError                  the declared YAML has problems (carries every Problem)
    │   └── UnsafeFileError         a file leaves the repository, or is no regular file
    ├── LiveError                   talking to a store failed
    │   ├── AuthError               401/403: missing token, wrong token, missing scope
    │   ├── NotFoundError           404 on something that must exist
    │   ├── RateLimitError          429s outlasted the retry budget
    │   ├── TransportError          timeouts, refused or dropped connections
    │   │   ├── WriteOutcomeUnknownError  a POST got no answer; it may have been applied
    │   │   └── StoreUnreachableError     the circuit breaker is open: nothing more is sent
    │   ├── FencedError             a write refused before sending: the apply's lock is lost
    │   └── ApiError                any other unexpected status, with BigCommerce's body
    ├── PlanStaleError              a saved plan no longer matches the store or the state
    ├── StorageError                the repository or the disk refused a lock or a record
    ├── PartialFailureError         exit 3: some items failed, the rest were applied
    └── BlockedError                exit 4: refused by safety thresholds, a lock or policy
        ├── SafetyError
        ├── LockError
        └── PolicyError
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_PARTIAL = 3
EXIT_BLOCKED = 4


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the declared state, pinned to where it is written.

    ``line`` and ``column`` are 1-based, as editors show them; 0 means "the whole file".
    ``kind`` and ``key`` name the item (``product``, ``TRAIL-01``) when there is one.
    """

    file: str
    line: int
    column: int
    message: str
    kind: str = ""
    key: str = ""

    def format(self) -> str:
        """``path:line:col: <kind> <key>: <message>`` (item part left out when unknown)."""
        where = f"{self.file}:{self.line}:{self.column}"
        item = " ".join(part for part in (self.kind, self.key) if part)
        return f"{where}: {item}: {self.message}" if item else f"{where}: {self.message}"


class StagingProError(Exception):
    """Base of every error StagingPro raises on purpose."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigError(StagingProError):
    """stagingpro.yaml, an environment variable or a command-line option is wrong."""


class StateError(StagingProError):
    """The declared state cannot be used; :attr:`problems` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        count = len(self.problems)
        summary = f"{count} problem{'s' if count != 1 else ''} in the declared state"
        super().__init__(summary + "".join(f"\n{p.format()}" for p in self.problems))


class UnsafeFileError(StateError):
    """A repository file that is not read: its path or a symlink on it leads outside the
    state directory (or a theme outside its folder), it is no regular file (a FIFO, a
    device), or it is too large. :attr:`file` is the path as named, :attr:`reason` the
    message (see :mod:`reconciler.repo_files`)."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__([Problem(file, 0, 0, reason)])


@dataclass
class ApiDetail:
    """What a store said when a request failed, kept for per-item results."""

    method: str
    url: str
    status: int
    title: str = ""
    errors: dict[str, str] = field(default_factory=dict)


class LiveError(StagingProError):
    """A request to a store failed; ``environment`` names the store when known."""

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        environment: str = "",
        detail: ApiDetail | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.environment = environment
        self.detail = detail


class AuthError(LiveError):
    """The store refused the token (401) or the token lacks a scope (403)."""


class NotFoundError(LiveError):
    """The store answered 404 for something that must exist (store hash, resource)."""


class RateLimitError(LiveError):
    """The store kept answering 429 beyond the retry budget."""


class TransportError(LiveError):
    """The request never got an HTTP answer: timeout, refused or dropped connection."""


class WriteOutcomeUnknownError(TransportError):
    """A non-idempotent request (POST) was sent but no answer came (read timeout, dropped
    connection): the store may have applied it. It is not retried, since that could create
    a duplicate; re-read the item by its natural key to learn whether it exists."""


class StoreUnreachableError(TransportError):
    """The store stopped answering (several requests in a row got no answer in a short
    time): the client's circuit breaker is open and it sends nothing more."""


class FencedError(LiveError):
    """A write was not sent because the apply no longer holds its environment's lock
    (taken over, broken, or no longer confirmable): another apply may be writing."""


class ApiError(LiveError):
    """Any other unexpected status; :attr:`detail` holds BigCommerce's error body."""


class PlanStaleError(StagingProError):
    """A saved plan was computed against a state or a store that has since changed."""


class StorageError(StagingProError):
    """Git or the file system refused to store a lock or a deployment record (a full
    disk, a read-only repository)."""


class PartialFailureError(StagingProError):
    """Some items failed while the others were applied."""

    exit_code = EXIT_PARTIAL


class BlockedError(StagingProError):
    """Refused before any write: safety thresholds, a held lock or an access policy."""

    exit_code = EXIT_BLOCKED


class SafetyError(BlockedError):
    """A plan exceeds the environment's safety thresholds; ``--force`` with a reason overrides."""


class LockError(BlockedError):
    """Another apply holds the environment's lock."""


class PolicyError(BlockedError):
    """The environment's policy forbids this (protected environment, team access)."""
