"""Reading many YAML files quickly: a forked process pool for big trees, no cyclic GC.

Parsing dominates loading a large state tree, and it is CPU-bound Python (the libyaml
parser is C, PyYAML's constructor is not), so big trees are parsed by worker processes
forked from this one, in chunks; small trees are parsed inline, where a pool's start-up
would cost more than it saves. The cyclic garbage collector is paused meanwhile: loading
allocates hundreds of thousands of container objects and none of them is garbage, so
every collection it triggers is wasted work (it made bulk loading about three times
slower).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reconciler.state import documents, yamlio

PARALLEL_MIN_FILES = 1500
"""Below this many files a process pool does not pay for its start-up."""
CHUNK_FILES = 250


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def workers_for(count: int) -> int:
    """How many processes to parse ``count`` files with (1 means inline)."""
    if count < PARALLEL_MIN_FILES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def read_all(root: Path, paths: Sequence[str]) -> list[Any | yamlio.YamlFailure]:
    """Parse every file of ``paths`` (results in the same order)."""
    workers = workers_for(len(paths))
    with paused_gc():
        if workers == 1:
            return documents.read_many(root, paths)
        chunks = [paths[i : i + CHUNK_FILES] for i in range(0, len(paths), CHUNK_FILES)]
        context = multiprocessing.get_context("fork")
        results: list[Any | yamlio.YamlFailure] = []
        with context.Pool(workers, initializer=gc.disable) as pool:
            for chunk in pool.imap(_read_chunk, [(root, chunk) for chunk in chunks]):
                results.extend(chunk)
        return results


def _read_chunk(job: tuple[Path, Sequence[str]]) -> list[Any | yamlio.YamlFailure]:
    root, paths = job
    return documents.read_many(root, paths)
