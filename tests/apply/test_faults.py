"""Apply under injected faults: 5xx answers and timeouts (writes applied, answers lost),
and SIGKILLs at random moments of an apply."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.apply.conftest import CHILD, Project


def duplicates(project: Project, env: str = "staging") -> dict[str, Any]:
    """Everything that exists twice in the store where it should exist once."""
    products = project.all_pages("/v3/catalog/products", env, include="variants,images")
    found: dict[str, Any] = {}
    skus = Counter(p["sku"].casefold() for p in products)
    found["products"] = {sku for sku, n in skus.items() if n > 1}
    variant_skus = Counter(
        v["sku"].casefold() for p in products for v in p.get("variants") or []
    )
    found["variants"] = {sku for sku, n in variant_skus.items() if n > 1}
    images = {
        p["sku"]: len(p.get("images") or []) for p in products
    }
    found["images"] = images
    categories = project.all_pages("/v3/catalog/trees/categories", env)
    names = Counter((c["parent_id"], c["name"].casefold()) for c in categories)
    found["categories"] = {name for name, n in names.items() if n > 1}
    brands = Counter(b["name"].casefold() for b in project.all_pages("/v3/catalog/brands", env))
    found["brands"] = {name for name, n in brands.items() if n > 1}
    return found


def declared_images(project: Project) -> dict[str, int]:
    import yaml

    counts: dict[str, int] = {}
    for path in (project.state / "catalog/products").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        counts[data["sku"]] = len(data.get("images") or [])
    return counts


def assert_converged_without_duplicates(project: Project, env: str = "staging") -> None:
    code, out, err = project.cli("plan", env, "--detailed-exitcode")
    assert code == 0, out + err
    found = duplicates(project, env)
    assert found["products"] == set() and found["variants"] == set(), found
    assert found["categories"] == set() and found["brands"] == set(), found
    assert found["images"] == declared_images(project)


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


def _db_signature(db: Path) -> tuple[int, ...]:
    """What changes when anyone writes to the sandbox database (WAL mode)."""
    found: list[int] = []
    for name in (str(db), f"{db}-wal"):
        try:
            stat = Path(name).stat()
        except FileNotFoundError:
            found += [0, 0]
            continue
        found += [stat.st_size, stat.st_mtime_ns]
    return tuple(found)


def kill_while_writing(
    command: list[str], cwd: Path, db: Path, extra: float, deadline: float = 60
) -> bool:
    """Start an apply, wait until it writes to the store, then SIGKILL it ``extra``
    seconds later; whether it was still running when killed."""
    before = _db_signature(db)
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    started = time.monotonic()
    while child.poll() is None and _db_signature(db) == before:
        if time.monotonic() - started > deadline:
            break
        time.sleep(0.005)
    time.sleep(extra)
    killed = child.poll() is None
    if killed:
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    return killed


@pytest.mark.slow
def test_sigkill_at_random_moments_then_rerun_converges_without_duplicates(
    project: Project,
) -> None:
    """At least 20 SIGKILLs of `stagingpro apply` subprocesses writing to a shared sandbox
    database, each followed by a re-run; every round ends converged with no duplicate
    products, variants, images, categories or brands.

    Each child is killed at a random moment after its first write to the store (the
    moment a store's content starts to change), so the kills land in the write waves
    whatever the machine's speed; killed children are re-run in a chain, then a last
    re-run must finish and converge."""
    rng = random.Random(20261126)
    command = [
        # uat: its safety thresholds let a re-run finish what a killed run left half done.
        sys.executable, "-c", CHILD, "apply", "uat", "--auto-approve",
        "--state", str(project.state), "--sandbox-db", str(project.db),
    ]
    kills = 0
    rounds = 0
    while kills < 20:
        rounds += 1
        # A fresh store each round (deleted and created again, with its default channel
        # and category tree), so every round starts with a full apply.
        project.admin("DELETE", "/stores/ridgeline-uat")
        # 10 ms a request stretches the write waves (~190 requests, 4 at a time) to
        # about half a second, so random kill moments land inside them.
        project.configure({"faults": {"latency_ms": 10}}, "uat")
        for attempt in range(6):
            # The first child has the whole store to write; later ones only what their
            # killed predecessors left.
            extra = rng.uniform(0, 0.5) if attempt == 0 else rng.uniform(0, 0.15)
            kills += kill_while_writing(command, project.root, project.db, extra)
        rerun = subprocess.run(command, cwd=project.root, capture_output=True, text=True,
                               timeout=300, check=False)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert_converged_without_duplicates(project, "uat")
    assert rounds <= 8, f"only {kills} kills landed in {rounds} rounds"


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


def wait_for_first_write(child: subprocess.Popen[str], db: Path, deadline: float = 60) -> None:
    """Until the store's content starts to change (or the child ends)."""
    before = _db_signature(db)
    started = time.monotonic()
    while child.poll() is None and _db_signature(db) == before:
        assert time.monotonic() - started < deadline, "the apply never wrote"
        time.sleep(0.005)


def test_a_store_that_stops_answering_ends_the_apply_early_with_its_results_recorded(
    project: Project,
) -> None:
    """A partition mid-apply (every connection to the store drops): the circuit breaker
    stops the apply within seconds; every change ends applied, failed or "not applied:
    store unreachable", the deployment is recorded with them (not left unfinished), the
    exit is 3 with what to do, and applying again once the store answers finishes."""
    project.configure({"faults": {"latency_ms": 20}})
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "apply", "staging", "--auto-approve",
         "--state", str(project.state), "--sandbox-db", str(project.db)],
        cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    wait_for_first_write(child, project.db)
    project.configure({"faults": {"latency_ms": 20, "drop_rate": 1.0}})
    cut = time.monotonic()
    out, err = child.communicate(timeout=120)
    assert time.monotonic() - cut < 30
    assert child.returncode == 3, out + err
    assert "Traceback" not in err
    assert "not applied: store unreachable" in err
    assert "the apply stopped early (store unreachable)" in err and "apply again" in err
    code, listed, _ = project.cli("history", "staging", "--json", sandbox=False)
    (deployment,) = json.loads(listed)
    assert deployment["status"] in ("partial", "failed")
    assert sum(deployment["counts"].values()) > 0
    project.configure({"faults": {"latency_ms": 0, "drop_rate": 0}})
    code, out, err = project.apply()
    assert code == 0, out + err
    assert_converged_without_duplicates(project)
