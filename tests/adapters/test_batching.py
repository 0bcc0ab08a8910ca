"""send_batches: refused batches are bisected until the bad items stand alone."""

from __future__ import annotations

import asyncio
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.adapters.batching import chunked, send_batches
from reconciler.errors import ApiDetail, ApiError, AuthError


def _refuse(status: int) -> ApiError:
    return ApiError("refused", detail=ApiDetail("PUT", "/x", status, "Invalid"))


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=120),
    size=st.integers(min_value=1, max_value=50),
    data=st.data(),
)
def test_every_good_item_is_sent_and_every_bad_one_fails_alone(
    count: int, size: int, data: st.DataObject
) -> None:
    bad = data.draw(st.sets(st.integers(min_value=0, max_value=max(count - 1, 0)), max_size=4))
    bad &= set(range(count))
    calls: list[list[int]] = []

    async def send(batch: list[int]) -> list[int]:
        calls.append(batch)
        if bad & set(batch):
            raise _refuse(422)
        return batch

    outcome = asyncio.run(send_batches(list(range(count)), size, send))
    sent = sorted(i for chunk, _ in outcome.succeeded for i in chunk)
    assert sent == [i for i in range(count) if i not in bad]
    assert sorted(i for i, _ in outcome.failed) == sorted(bad)
    assert all(len(batch) <= size for batch in calls)
    # no bad item: one request per batch; each bad item costs at most 2*log2(size)+1 more
    base = math.ceil(count / size)
    assert len(calls) <= base + len(bad) * (2 * math.ceil(math.log2(size)) + 1)
    if not bad:
        assert len(calls) == base


def test_errors_that_do_not_blame_the_content_fail_the_batch_without_splitting() -> None:
    calls: list[list[int]] = []

    async def send(batch: list[int]) -> None:
        calls.append(batch)
        raise AuthError("no scope", detail=ApiDetail("PUT", "/x", 403))

    outcome = asyncio.run(send_batches(list(range(25)), 10, send))
    assert len(calls) == 3
    assert len(outcome.failed) == 25 and not outcome.succeeded


def test_chunked() -> None:
    assert list(chunked([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunked([], 3)) == []
