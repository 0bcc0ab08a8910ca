"""Apply under injected faults: 5xx answers and timeouts (writes applied, answers lost),
a store that stops answering mid-apply, and SIGKILLs at random moments of an apply."""

from __future__ import annotations

import json
import time

import pytest

from reconciler.apply.run import ApplyRequest, apply_environment
from reconciler.cli.apply import finish
from reconciler.errors import PartialFailureError
from reconciler.live.connect import shared_sandbox
from reconciler.live.stats import RequestEvent
from reconciler.sandbox.settings import update_settings
from tests.apply.conftest import STORES, Project
from tests.apply.trials import (
    duplicates,
    kill_trial,
    use_trial_config,
)


def assert_converged_without_duplicates(project: Project, env: str = "staging") -> None:
    code, out, err = project.cli("plan", env, "--detailed-exitcode")
    assert code == 0, out + err
    found = duplicates(project, env)
    assert not any(found.values()), found


@pytest.mark.parametrize("seed", [3])
def test_apply_converges_under_5xx_and_timeouts(project: Project, seed: int) -> None:
    project.configure(
        {"seed": seed, "faults": {"error_rate": 0.05, "timeout_rate": 0.05}}
    )
    code, out, err = project.apply()
    print(out, err)
    code, out, err = project.apply()
    print(out, err)
    code, out, err = project.cli("plan", "staging")
    print(out, err)
    assert code == 0, out + err
    project.configure({"faults": {"error_rate": 0, "timeout_rate": 0}})
    assert_converged_without_duplicates(project)


def test_plan_under_a_small_quota_and_5xx_is_correct_and_shows_no_429(project: Project) -> None:
    """The plan issue's fault criterion: a rate-limited store answering 5% 5xx still plans
    exactly (no phantom changes after an apply) and no 429 reaches the user."""
    code, out, err = project.apply()
    assert code == 0, out + err
    project.configure({
        "seed": 7,
        "rate_limit": {"quota": 6, "window_ms": 1000},
        "faults": {"error_rate": 0.05},
    })
    cursor = project.cursor()
    code, out, err = project.cli("plan", "staging", "--detailed-exitcode")
    assert code == 0, out + err
    assert "No changes" in out
    assert "429" not in out + err
    log = project.requests_since(cursor)
    assert all(entry["method"] == "GET" for entry in log)
    # The limiter paced the reads: the sandbox never had to refuse one for the quota.
    assert not [entry for entry in log if entry["status"] == 429], log
    # ... and the injected 5xx answers were retried (seeded: the same draws every run).
    assert any(entry["status"] >= 500 for entry in log), log
    project.configure({"rate_limit": {"quota": 1_000_000, "window_ms": 30_000},
                       "faults": {"error_rate": 0}})


def test_a_store_that_stops_answering_ends_the_apply_early_with_its_results_recorded(
    project: Project,
) -> None:
    """A partition right after the apply's first write (every connection to the store
    drops from then on): the circuit breaker stops the apply within seconds; every change
    ends applied, failed or "not applied: store unreachable", the deployment is recorded
    with them (not left unfinished), the exit is 3 with what to do, and applying again
    once the store answers finishes."""
    project.ensure_store()
    sandbox = shared_sandbox(project.db)  # the app the apply talks to, in this process

    def partition(event: RequestEvent) -> None:
        if event.method != "GET":
            update_settings(sandbox.db, STORES["staging"], {"faults": {"drop_rate": 1.0}})

    request = ApplyRequest(state=project.state, environment="staging",
                           sandbox_db=project.db, on_request=partition)
    started = time.monotonic()
    outcome = apply_environment(request)
    assert time.monotonic() - started < 30
    assert outcome.halted == "store unreachable"
    left_out = [r for r in outcome.results
                if r.message.startswith("not applied: store unreachable")]
    assert left_out and outcome.results[0].outcome != "skipped"
    assert outcome.deployment is not None
    assert outcome.deployment.status in ("partial", "failed")
    assert len(outcome.deployment.items) == len(outcome.plan.changes)
    with pytest.raises(PartialFailureError) as raised:
        finish(outcome)
    assert raised.value.exit_code == 3
    assert "stopped early (store unreachable)" in raised.value.hint
    assert "apply again" in raised.value.hint
    code, listed, _ = project.cli("history", "staging", "--json", sandbox=False)
    assert [d["status"] for d in json.loads(listed)] == [outcome.deployment.status]
    project.configure({"faults": {"drop_rate": 0}})
    code, out, err = project.apply()
    assert code == 0, out + err
    assert_converged_without_duplicates(project)


def test_sigkilled_applies_resume_without_force_and_mark_what_they_created(
    project: Project,
) -> None:
    """The SIGKILL trial, sampled (scripts/kill_trial.py runs it in full): 3 applies
    killed at random moments at 20-100 ms store latency, on an environment with the
    default safety thresholds and prune mode 'owned'; the re-run finishes without
    --force, converged, with no duplicates and every created item marked."""
    use_trial_config(project)
    report = kill_trial(project, kills=3, seed=20261204, per_round=3)
    assert report.problems == [], report.summary()
    assert report.rounds <= 2, report.summary()
