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
import marshal
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
    """Pause the cyclic garbage collector (reference counting still frees memory).

    On the way out the objects allocated meanwhile are frozen (:func:`gc.freeze`): they
    are the loaded state, which lives on, and without freezing, the first collection
    after re-enabling would walk all of them (two seconds at 50,000 products). Frozen
    objects are still freed by reference counting when the state is dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def workers_for(count: int) -> int:
    """How many processes to parse ``count`` files with (1 means inline)."""
    if count < PARALLEL_MIN_FILES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def read_all(
    root: Path, paths: Sequence[str], workers: int | None = None
) -> list[Any | yamlio.YamlFailure]:
    """Parse every file of ``paths`` (results in the same order) with ``workers``
    processes (default: :func:`workers_for`)."""
    return list(iter_read(root, paths, workers))


def iter_read(
    root: Path, paths: Sequence[str], workers: int | None = None
) -> Iterator[Any | yamlio.YamlFailure]:
    """Like :func:`read_all`, yielding each result as soon as its chunk is parsed, so the
    caller can validate while worker processes go on parsing."""
    workers = workers_for(len(paths)) if workers is None else workers
    if workers == 1:
        for path in paths:
            yield documents.read(root, path)
        return
    chunks = [paths[i : i + CHUNK_FILES] for i in range(0, len(paths), CHUNK_FILES)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=gc.disable) as pool:
        for packed in pool.imap(_read_chunk, [(root, chunk) for chunk in chunks]):
            yield from _unpack(packed)


def _read_chunk(job: tuple[Path, Sequence[str]]) -> bytes | list[Any]:
    root, paths = job
    results = documents.read_many(root, paths)
    # marshal (de)serialises plain data several times faster than pickle, and the
    # parent unpacks every chunk alone: that was the pool's bottleneck.
    plain = [
        (1, r.line, r.column, r.message) if isinstance(r, yamlio.YamlFailure) else (0, r)
        for r in results
    ]
    try:
        return marshal.dumps(plain)
    except (ValueError, TypeError):  # a recursive alias or an exotic tag: let pickle do it
        return results


def _unpack(packed: bytes | list[Any]) -> list[Any | yamlio.YamlFailure]:
    if isinstance(packed, list):
        return packed
    return [
        yamlio.YamlFailure(entry[1], entry[2], entry[3]) if entry[0] else entry[1]
        for entry in marshal.loads(packed)
    ]
