"""A per-store log of the requests the sandbox answered (method, path with query, status).

Tests and benchmarks read it through the admin API (``GET /_sandbox/stores/{hash}/requests``)
to assert how many requests a command made. It lives in memory and is bounded: the oldest
entries are dropped beyond :data:`MAX_ENTRIES` per store. Each entry has a sequence number
that grows per store and survives :meth:`RequestLog.clear`, so a reader can ask only for
what came after the last entry it saw (``since``). Status 0 means no answer was sent (an
injected timeout or dropped connection).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

MAX_ENTRIES = 500_000


@dataclass(frozen=True)
class LoggedRequest:
    seq: int
    method: str
    path: str
    status: int

    def as_dict(self) -> dict[str, object]:
        return {"method": self.method, "path": self.path, "status": self.status}


class RequestLog:
    def __init__(self) -> None:
        self._entries: dict[str, deque[LoggedRequest]] = {}
        self._last_seq: dict[str, int] = {}

    def record(self, store_hash: str, method: str, path: str, status: int) -> None:
        entries = self._entries.get(store_hash)
        if entries is None:
            entries = self._entries[store_hash] = deque(maxlen=MAX_ENTRIES)
        seq = self._last_seq.get(store_hash, 0) + 1
        self._last_seq[store_hash] = seq
        entries.append(LoggedRequest(seq, method, path, status))

    def entries(self, store_hash: str, since: int = 0) -> list[LoggedRequest]:
        """Entries with a sequence number above ``since``, oldest first."""
        entries = self._entries.get(store_hash, ())
        if since <= 0:
            return list(entries)
        # Sequence numbers are consecutive within the deque: skip straight to the cursor.
        first = entries[0].seq if entries else 0
        skip = max(0, since - first + 1)
        return [entries[i] for i in range(skip, len(entries))]

    def cursor(self, store_hash: str) -> int:
        """The sequence number of the newest entry recorded for ``store_hash`` (0: none yet)."""
        return self._last_seq.get(store_hash, 0)

    def clear(self, store_hash: str) -> None:
        self._entries.pop(store_hash, None)
