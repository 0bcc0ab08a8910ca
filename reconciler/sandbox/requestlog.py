"""A per-store log of the requests the sandbox answered (method, path with query, status).

Tests and benchmarks read it through the admin API (``GET /_sandbox/stores/{hash}/requests``)
to assert how many requests a command made. It lives in memory and is bounded: the oldest
entries are dropped beyond :data:`MAX_ENTRIES` per store.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

MAX_ENTRIES = 500_000


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int

    def as_dict(self) -> dict[str, object]:
        return {"method": self.method, "path": self.path, "status": self.status}


class RequestLog:
    def __init__(self) -> None:
        self._entries: dict[str, deque[LoggedRequest]] = {}

    def record(self, store_hash: str, method: str, path: str, status: int) -> None:
        entries = self._entries.get(store_hash)
        if entries is None:
            entries = self._entries[store_hash] = deque(maxlen=MAX_ENTRIES)
        entries.append(LoggedRequest(method, path, status))

    def entries(self, store_hash: str) -> list[LoggedRequest]:
        return list(self._entries.get(store_hash, ()))

    def clear(self, store_hash: str) -> None:
        self._entries.pop(store_hash, None)
