"""Guards for tests of hostile input: a failure must stay a failing test, never a hung
or swapping machine, even on code that does not defend itself yet."""

from __future__ import annotations

import resource
import signal
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

MB = 1024 * 1024


class TookTooLong(Exception):
    """The guarded block ran past its deadline (a blocking read, a runaway loop)."""


@dataclass
class Cost:
    """What a guarded block used: wall seconds and peak Python allocation in bytes."""

    seconds: float = 0.0
    peak_bytes: int = 0


@contextmanager
def bounded(seconds: float = 10.0, memory_mb: int = 1024) -> Iterator[Cost]:
    """Run the block with a deadline (SIGALRM) and at most ``memory_mb`` more address
    space (RLIMIT_AS: a MemoryError instead of eating the machine); measures it."""
    def expire(signum: int, frame: FrameType | None) -> None:
        raise TookTooLong(f"still running after {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    statm = Path("/proc/self/statm").read_text(encoding="ascii")
    current = int(statm.split()[0]) * resource.getpagesize()
    ceiling = current + memory_mb * MB
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    cost = Cost()
    tracemalloc.start()
    began = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - began
        cost.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
