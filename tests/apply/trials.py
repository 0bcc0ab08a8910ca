"""Crash and lock trials on real processes: shared by the sampled tests in the suite
(test_faults.py, test_lock.py) and the full runs in ``scripts/`` (kill_trial.py,
lock_trial.py), which print the figures.

* :func:`kill_trial`: ``stagingpro apply`` children SIGKILLed at random moments of their
  writes, at 20-100 ms store latency, on an environment with the default safety
  thresholds and prune mode ``owned``; after each chain of kills a re-run must finish
  (exit 0, no ``--force``), converge, leave no duplicates and every created item marked.
* :func:`lock_trial`: apply A loses its remote (the bare origin is moved away) mid-apply;
  once it is back, apply B takes the lock over after A's lease expired. Every write
  request of both is logged with its start and end time: no write of A may overlap one
  of B.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.apply.conftest import CHILD, EXAMPLE, SECRETS, STORES, Project, git

TRIAL_ENV = "uat"
TRIAL_CONFIG = """
  uat:
    backend: {sandbox: ridgeline-uat}
    prune: {products: owned, categories: owned, brands: owned}
"""
"""uat with the default safety thresholds (30%) and prune mode ``owned`` everywhere."""


def use_trial_config(project: Project) -> None:
    """Give ``project``'s uat the trial settings (:data:`TRIAL_CONFIG`), committed."""
    config = project.state / "stagingpro.yaml"
    text = config.read_text(encoding="utf-8")
    start = text.index("\n  uat:\n")
    end = text.index("\nteams:")
    config.write_text(text[:start] + TRIAL_CONFIG + text[end:], encoding="utf-8")
    project.commit("uat for trials")


def trial_project(root: Path) -> Project:
    """The example project in ``root`` (a new git repository), uat set up for trials:
    what the ``project`` fixture gives the tests, for the scripts."""
    shutil.copytree(EXAMPLE, root / "store-state")
    git(root, "init", "-q", "-b", "main")
    for name, value in SECRETS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("STAGINGPRO_ACTOR", "trial")
    project = Project(root, capsys=None)  # type: ignore[arg-type]  # no in-process CLI
    project.commit("the example store")
    use_trial_config(project)
    return project


def with_origin(project: Project) -> tuple[Path, Path]:
    """A bare ``origin`` for ``project`` and a second clone of it (another runner):
    ``(origin, clone)``."""
    origin = project.root.parent / "origin.git"
    git(project.root.parent, "clone", "-q", "--bare", str(project.root), str(origin))
    git(project.root, "remote", "add", "origin", str(origin))
    clone = project.root.parent / "runner-b"
    git(project.root.parent, "clone", "-q", str(origin), str(clone))
    return origin, clone


def _records(root: Path) -> int:
    """How many deployment records the note of ``root``'s HEAD holds."""
    shown = subprocess.run(["git", "notes", "--ref", "stagingpro", "show", "HEAD"], cwd=root,
                           capture_output=True, text=True, check=False)
    return len(shown.stdout.splitlines()) if shown.returncode == 0 else 0


def wait_for_first_write(child: subprocess.Popen[Any], root: Path, deadline: float = 120
                         ) -> None:
    """Until the apply ``child`` (run in ``root``) is about to write to the store: it
    has recorded its start, which it does just before its first write (or it ended)."""
    before = _records(root)
    started = time.monotonic()
    while child.poll() is None and _records(root) == before:
        if time.monotonic() - started > deadline:
            raise AssertionError("the apply never started writing")
        time.sleep(0.01)


def apply_command(project: Project, env: str = TRIAL_ENV, *extra: str) -> list[str]:
    return [sys.executable, "-c", CHILD, "apply", env, "--auto-approve", "--state",
            str(project.state), "--sandbox-db", str(project.db), *extra]


def kill_while_writing(project: Project, command: list[str], extra: float) -> int | None:
    """Start an apply, wait until it writes to the store, SIGKILL it ``extra`` seconds
    later; ``None`` when it was killed, else its exit status."""
    child = subprocess.Popen(command, cwd=project.root, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    wait_for_first_write(child, project.root)
    time.sleep(extra)
    killed = child.poll() is None
    if killed:
        child.send_signal(signal.SIGKILL)
    code = child.wait(timeout=300)
    return None if killed else code


def declared_images(project: Project) -> dict[str, int]:
    """How many images each declared product has, by SKU."""
    import yaml

    counts: dict[str, int] = {}
    for path in (project.state / "catalog/products").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        counts[data["sku"]] = len(data.get("images") or [])
    return counts


def duplicates(project: Project, env: str = TRIAL_ENV) -> dict[str, Any]:
    """Everything that exists twice in the store where it should exist once (products,
    variants, categories, brands), and products whose image count is not the declared."""
    products = project.all_pages("/v3/catalog/products", env, include="variants,images")
    skus = Counter(p["sku"].casefold() for p in products)
    variants = Counter(v["sku"].casefold() for p in products for v in p.get("variants") or [])
    categories = project.all_pages("/v3/catalog/trees/categories", env)
    names = Counter((c["parent_id"], c["name"].casefold()) for c in categories)
    brands = Counter(b["name"].casefold() for b in project.all_pages("/v3/catalog/brands", env))
    declared = declared_images(project)
    return {
        "products": {k for k, n in skus.items() if n > 1},
        "variants": {k for k, n in variants.items() if n > 1},
        "categories": {k for k, n in names.items() if n > 1},
        "brands": {k for k, n in brands.items() if n > 1},
        "images": {p["sku"]: len(p.get("images") or []) for p in products
                   if len(p.get("images") or []) != declared.get(p["sku"], 0)},
    }


def _ids(project: Project, env: str) -> dict[str, set[int]]:
    return {
        "products": {int(p["id"]) for p in project.all_pages("/v3/catalog/products", env)},
        "brands": {int(b["id"]) for b in project.all_pages("/v3/catalog/brands", env)},
        "categories": {int(c["category_id"])
                       for c in project.all_pages("/v3/catalog/trees/categories", env)},
    }


def unmarked(project: Project, before: dict[str, set[int]], env: str = TRIAL_ENV
             ) -> dict[str, set[int]]:
    """Items created since ``before`` (ids per resource) that lack StagingPro's marker."""
    found: dict[str, set[int]] = {}
    for resource, ids in _ids(project, env).items():
        marked = {
            int(m["resource_id"])
            for m in project.all_pages(f"/v3/catalog/{resource}/metafields", env,
                                       namespace="stagingpro", key="managed")
        }
        found[resource] = (ids - before[resource]) - marked
    return found


@dataclass
class KillTrialReport:
    kills: int = 0
    rounds: int = 0
    finished_children: list[int] = field(default_factory=list)
    """Exit statuses of children that ended before their kill moment."""
    reruns: list[tuple[int, float]] = field(default_factory=list)
    """(exit status, seconds) of each round's final re-run."""
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        seconds = sorted(s for _, s in self.reruns)
        median = seconds[len(seconds) // 2] if seconds else 0.0
        codes = Counter(code for code, _ in self.reruns)
        return (
            f"{self.kills} SIGKILLs in {self.rounds} rounds; final re-runs: exit statuses"
            f" {dict(codes)}, median {median:.1f}s; children that finished before their kill"
            f" moment: {len(self.finished_children)} (exit statuses"
            f" {dict(Counter(self.finished_children))}); problems: {len(self.problems)}"
        )


def kill_trial(project: Project, kills: int, seed: int, per_round: int = 6) -> KillTrialReport:
    """SIGKILL ``kills`` applies (module docstring); the report lists every problem."""
    rng = random.Random(seed)
    report = KillTrialReport()
    command = apply_command(project)
    store = STORES[TRIAL_ENV]
    while report.kills < kills:
        report.rounds += 1
        project.admin("DELETE", f"/stores/{store}")  # a fresh store each round
        latency = rng.uniform(20, 100)
        project.configure({"faults": {"latency_ms": latency}}, TRIAL_ENV)
        before = _ids(project, TRIAL_ENV)
        for attempt in range(per_round):
            if report.kills >= kills:
                break
            # The first child has the whole store to write (~200 requests); later ones
            # only what their killed predecessors left.
            extra = rng.uniform(0, 4.0) if attempt == 0 else rng.uniform(0, 1.0)
            code = kill_while_writing(project, command, extra)
            if code is None:
                report.kills += 1
            else:
                report.finished_children.append(code)
                if code != 0:
                    report.problems.append(f"round {report.rounds}: a child exited {code}")
        started = time.monotonic()
        rerun = subprocess.run(command, cwd=project.root, capture_output=True, text=True,
                               timeout=600, check=False)
        report.reruns.append((rerun.returncode, time.monotonic() - started))
        label = f"round {report.rounds} ({latency:.0f} ms)"
        if rerun.returncode != 0:
            report.problems.append(f"{label}: the re-run exited {rerun.returncode}:"
                                   f" {rerun.stdout[-2000:]}{rerun.stderr[-2000:]}")
            continue
        plan = subprocess.run(
            [sys.executable, "-c", CHILD, "plan", TRIAL_ENV, "--detailed-exitcode",
             "--state", str(project.state), "--sandbox-db", str(project.db)],
            cwd=project.root, capture_output=True, text=True, timeout=600, check=False,
        )
        if plan.returncode != 0:
            report.problems.append(f"{label}: not converged: {plan.stdout[-2000:]}")
        twice = {k: v for k, v in duplicates(project).items() if v}
        if twice:
            report.problems.append(f"{label}: duplicates {twice}")
        missing = {k: v for k, v in unmarked(project, before).items() if v}
        if missing:
            report.problems.append(f"{label}: created but not marked {missing}")
    return report


# -- the lock trial --------------------------------------------------------------------------
APPLIER = """
import json, sys, time
from datetime import timedelta
from pathlib import Path
from reconciler.apply.run import ApplyRequest, apply_environment
from reconciler.errors import LockError, StagingProError

state, db, log = sys.argv[1:4]
ttl, waiting = float(sys.argv[4]), float(sys.argv[5])
with open(log, "a", buffering=1) as out:
    def on_request(event):
        if event.method != "GET":
            end = time.time()
            out.write(json.dumps([end - event.seconds, end, event.method, event.path]) + "\\n")
    request = ApplyRequest(state=Path(state), environment="uat", sandbox_db=Path(db),
                           remote="origin", lock_ttl=timedelta(seconds=ttl),
                           on_request=on_request)
    deadline = time.monotonic() + waiting
    while True:
        try:
            outcome = apply_environment(request)
            break
        except LockError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        except StagingProError as error:
            if "could not read the lock" in error.message and time.monotonic() < deadline:
                time.sleep(0.2)  # the remote is away
                continue
            raise
    print(json.dumps({"halted": outcome.halted, "not_applied": len(outcome.failed)}))
"""


@dataclass
class LockTrialReport:
    rounds: int = 0
    overlaps: list[str] = field(default_factory=list)
    a_halted: list[str] = field(default_factory=list)
    a_writes: list[int] = field(default_factory=list)
    b_writes: list[int] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    """Seconds between A's last write ending and B's first write starting."""
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        gaps = sorted(self.gaps)
        least = f"{gaps[0]:.2f}s" if gaps else "n/a"
        return (
            f"{self.rounds} rounds; overlapping writes: {len(self.overlaps)}; A stopped"
            f" early in {sum(1 for h in self.a_halted if h)} rounds"
            f" ({dict(Counter(h.split(' (')[0] for h in self.a_halted))}); writes A/B per"
            f" round: {list(zip(self.a_writes, self.b_writes, strict=True))}; smallest gap"
            f" between A's last and B's first write: {least}; problems: {len(self.problems)}"
        )


def _writes(log: Path) -> list[tuple[float, float]]:
    """``(start, end)`` of every write request logged so far (a line being written is
    left out)."""
    if not log.exists():
        return []
    found: list[tuple[float, float]] = []
    for line in log.read_text().splitlines():
        try:
            start, end, _, _ = json.loads(line)
        except ValueError:
            continue
        found.append((float(start), float(end)))
    return found


def lock_trial(project: Project, origin: Path, clone: Path, rounds: int, seed: int,
               ttl: float = 4.0) -> LockTrialReport:
    """The lock trial (module docstring): ``project`` (runner A) and ``clone`` (runner B)
    share ``origin``; both write to the same sandbox store."""
    rng = random.Random(seed)
    report = LockTrialReport()
    store = STORES[TRIAL_ENV]
    away = origin.with_name(origin.name + ".away")
    for number in range(1, rounds + 1):
        report.rounds = number
        project.admin("DELETE", f"/stores/{store}")
        project.configure({"faults": {"latency_ms": rng.uniform(250, 400)}}, TRIAL_ENV)
        logs = [project.root.parent / f"writes-{number}-{who}.jsonl" for who in "ab"]

        def start(root: Path, log: Path) -> subprocess.Popen[str]:
            return subprocess.Popen(
                [sys.executable, "-c", APPLIER, str(root / "store-state"), str(project.db),
                 str(log), str(ttl), "120"],
                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )

        a = start(project.root, logs[0])
        deadline = time.monotonic() + 120
        while a.poll() is None and not _writes(logs[0]) and time.monotonic() < deadline:
            time.sleep(0.01)  # until A's first write has been answered
        time.sleep(rng.uniform(0, 1.5))
        origin.rename(away)  # the partition: A can no longer renew its lease
        time.sleep(rng.uniform(ttl / 2, ttl * 1.5))
        away.rename(origin)
        b = start(clone, logs[1])
        out_a, err_a = a.communicate(timeout=600)
        _, err_b = b.communicate(timeout=600)
        if b.returncode != 0:
            report.problems.append(f"round {number}: B exited {b.returncode}: {err_b[-2000:]}")
        try:
            report.a_halted.append(json.loads(out_a.splitlines()[-1])["halted"])
        except (IndexError, ValueError, KeyError):
            report.a_halted.append("")
            report.problems.append(f"round {number}: A ended with {a.returncode}: {err_a[-2000:]}")
        writes_a, writes_b = _writes(logs[0]), _writes(logs[1])
        report.a_writes.append(len(writes_a))
        report.b_writes.append(len(writes_b))
        for start_a, end_a in writes_a:
            for start_b, end_b in writes_b:
                if start_a < end_b and start_b < end_a:
                    report.overlaps.append(f"round {number}: A {start_a:.3f}-{end_a:.3f}"
                                           f" overlaps B {start_b:.3f}-{end_b:.3f}")
        if writes_a and writes_b:
            report.gaps.append(min(s for s, _ in writes_b) - max(e for _, e in writes_a))
    return report
