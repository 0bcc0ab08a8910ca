"""The backoff schedule stays within its bounds, whatever the policy and seed."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.live import RetryPolicy
from reconciler.live.retry import is_idempotent

policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 12),
    base_delay=st.floats(0.0, 5.0),
    max_delay=st.floats(5.0, 60.0),
    max_total=st.floats(0.0, 300.0),
)


@given(policies, st.integers(0, 2**32))
def test_schedule_is_bounded_in_count_time_and_per_wait(policy: RetryPolicy, seed: int) -> None:
    waits = policy.schedule(random.Random(seed))
    assert len(waits) <= policy.max_attempts - 1
    assert sum(waits) <= policy.max_total + 1e-9
    for retry, wait in enumerate(waits, start=1):
        ceiling = policy.ceiling(retry)
        assert ceiling / 2 <= wait <= ceiling <= policy.max_delay


@given(policies, st.integers(0, 2**32))
def test_same_seed_same_schedule(policy: RetryPolicy, seed: int) -> None:
    assert policy.schedule(random.Random(seed)) == policy.schedule(random.Random(seed))


@given(st.integers(1, 200))
def test_ceiling_grows_then_caps(retry: int) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=20.0)
    assert policy.ceiling(retry) <= policy.ceiling(retry + 1) <= 20.0


def test_a_generous_budget_uses_every_attempt() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.1, max_delay=1.0, max_total=100.0)
    assert len(policy.schedule(random.Random(1))) == 4


def test_invalid_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=5.0, max_delay=1.0)


def test_only_safe_methods_are_idempotent() -> None:
    assert [m for m in ("GET", "put", "DELETE", "POST", "PATCH") if is_idempotent(m)] == [
        "GET",
        "put",
        "DELETE",
    ]

