"""The per-environment lock: a git ref lease, shared through a remote by atomic pushes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from reconciler.apply.gitrepo import Repository, open_repository
from reconciler.apply.lock import EnvironmentLock, Holder
from reconciler.apply.machine import process_start
from reconciler.apply.run import ApplyRequest, apply_environment
from reconciler.cli.apply import finish
from reconciler.errors import LockError, PartialFailureError
from reconciler.live.stats import RequestEvent
from tests.apply.conftest import CHILD, Project, git, no_disk_space
from tests.apply.trials import lock_trial, use_trial_config, with_origin


def clone(origin: Path, where: Path) -> Repository:
    git(where.parent, "clone", "-q", str(origin), where.name)
    repository = open_repository(where, "origin")
    assert repository is not None
    return repository


@pytest.fixture
def origin(project: Project, tmp_path: Path) -> Path:
    """A bare repository standing for GitHub, holding the project."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(project.root), str(bare))
    git(project.root, "remote", "add", "origin", str(bare))
    return bare


def test_a_second_applier_is_refused_and_told_who_holds_the_lock(project: Project) -> None:
    repository = open_repository(project.state)
    lock = EnvironmentLock("staging", repository, project.state)
    with lock.held("abc123def4567890", "apply"):
        code, _, err = project.apply()
        assert code == 4
        assert "staging is locked by tester at" in err
        assert "applying abc123def456" in err and "unlock staging --force" in err
    assert project.apply()[0] == 0  # released when the first one finished


def test_concurrent_runners_sharing_only_the_remote_take_the_lock_once(
    origin: Path, tmp_path: Path
) -> None:
    runners = [clone(origin, tmp_path / f"runner-{i}") for i in range(6)]
    barrier = threading.Barrier(len(runners))
    won: list[int] = []
    refused: list[str] = []

    def race(index: int) -> None:
        lock = EnvironmentLock("production", runners[index], tmp_path, ttl=timedelta(minutes=5))
        barrier.wait()
        try:
            lock.acquire(f"commit-{index}")
            won.append(index)
        except LockError as error:
            refused.append(error.message)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(runners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(refused) == len(runners) - 1
    holder = EnvironmentLock("production", runners[0], tmp_path).holder()
    assert holder is not None and holder.commit == f"commit-{won[0]}"
    assert all("production is locked by" in message for message in refused)


def test_two_appliers_in_separate_processes(project: Project, origin: Path) -> None:
    """Two CLI processes apply to the same environment through the same remote, started
    together on a slowed-down store: one applies, the other is refused with exit 4."""
    script = (
        "import sys\nfrom reconciler.cli.app import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    # Slow the store down so the two runs overlap.
    project.configure({"faults": {"latency_ms": 40}})
    command = [
        sys.executable, "-c", script, "apply", "staging", "--auto-approve", "--remote", "origin",
        "--state", str(project.state), "--sandbox-db", str(project.db),
    ]
    runs = [
        subprocess.Popen(command, cwd=project.root, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    finished = [run.communicate(timeout=300) for run in runs]
    outcomes = sorted(run.returncode for run in runs)
    errors = "".join(err for _, err in finished)
    assert outcomes == [0, 4], errors
    assert "staging is locked by" in errors
    project.configure({"faults": {"latency_ms": 0}})
    assert project.pending() == 0


def test_an_expired_or_abandoned_lease_is_taken_over(project: Project) -> None:
    repository = open_repository(project.state)
    assert repository is not None
    lock = EnvironmentLock("uat", repository, project.state, ttl=timedelta(seconds=5))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = Holder.new("uat", None, timedelta(minutes=10), "apply")
    stale = Holder(**{**stale.__dict__, "pid": dead.pid})
    repository.run("update-ref", "refs/stagingpro/locks/uat",
                   repository.new_object(stale.to_text()))
    lease = lock.acquire("c1")  # the holder's process is gone: taken over
    assert lease.previous is not None and lease.previous.pid == dead.pid
    lease.release()
    expired = Holder.new("uat", None, timedelta(seconds=-1), "apply")
    expired = Holder(**{**expired.__dict__, "host": "another-runner"})
    repository.run("update-ref", "refs/stagingpro/locks/uat",
                   repository.new_object(expired.to_text()))
    lease = lock.acquire("c2")
    assert lease.previous is not None and lease.previous.host == "another-runner"
    lease.release()
    assert lock.holder() is None


def test_the_lease_is_renewed_while_held(project: Project) -> None:
    repository = open_repository(project.state)
    lock = EnvironmentLock("uat", repository, project.state, ttl=timedelta(seconds=3))
    lease = lock.acquire("c1")
    first = lease.holder.expires_at
    threading.Event().wait(1.1)
    lease.renew()
    holder = lock.holder()
    assert holder is not None and holder.expires_at > first
    lease.release()


def test_unlock_force_breaks_the_lock_and_records_who_did(project: Project) -> None:
    repository = open_repository(project.state)
    lock = EnvironmentLock("staging", repository, project.state)
    lease = lock.acquire("deadbeef" * 5)
    code, _, err = project.cli("unlock", "staging", sandbox=False)
    assert code == 1 and "locked by tester" in err
    code, out, _ = project.cli("unlock", "staging", "--force", sandbox=False)
    assert code == 0 and "Broke the lock of staging held by tester" in out
    assert lock.holder() is None
    lease.renew()
    assert lease.lost  # the broken holder notices instead of overwriting
    _, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    (record,) = json.loads(out)
    assert record["status"] == "lock-broken" and record["author"] == "tester"
    assert "held by tester" in record["note"]
    code, out, _ = project.cli("unlock", "staging", sandbox=False)
    assert code == 0 and "not locked" in out


def test_outside_git_the_lock_is_a_file(tmp_path: Path) -> None:
    state = tmp_path / "store-state"
    state.mkdir()
    lock = EnvironmentLock("staging", None, state)
    lease = lock.acquire(None)
    assert (tmp_path / ".stagingpro/locks/staging.json").exists()
    with pytest.raises(LockError):
        EnvironmentLock("staging", None, state).acquire(None)
    lease.release()
    assert lock.holder() is None


def _holding(repository: Repository, holder: Holder, env: str = "uat") -> None:
    repository.run("update-ref", f"refs/stagingpro/locks/{env}",
                   repository.new_object(holder.to_text()))


def _dead_pid() -> int:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    return dead.pid


def test_a_holder_that_is_not_provably_on_this_machine_keeps_its_lock(project: Project) -> None:
    """Same host name, a pid that does not exist here: in another pid namespace (another
    container on the same host) that pid may be a live apply, so only expiry frees it."""
    repository = open_repository(project.state)
    assert repository is not None
    lock = EnvironmentLock("uat", repository, project.state, ttl=timedelta(seconds=5))
    live = Holder.new("uat", None, timedelta(minutes=10), "apply")
    for machine in ("another-boot-id/pid:[4026531836]", ""):
        _holding(repository, Holder(**{**live.__dict__, "pid": _dead_pid(),
                                        "machine": machine}))
        with pytest.raises(LockError, match="uat is locked by"):
            lock.acquire("c1")


def test_a_holder_provably_dead_on_this_machine_is_taken_over(project: Project) -> None:
    """On this machine (same boot id and pid namespace): a vanished pid, or a pid now
    used by a process started at another moment, is a dead holder."""
    repository = open_repository(project.state)
    assert repository is not None
    lock = EnvironmentLock("uat", repository, project.state, ttl=timedelta(seconds=5))
    here = Holder.new("uat", None, timedelta(minutes=10), "apply")
    reused = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        for pid, started in ((_dead_pid(), here.pid_start), (reused.pid, 1)):
            _holding(repository, Holder(**{**here.__dict__, "pid": pid, "pid_start": started}))
            lease = lock.acquire("c1")
            assert lease.previous is not None and lease.previous.pid == pid
            lease.release()
        # ... while a live process with its own start time keeps it.
        alive = Holder.new("uat", None, timedelta(minutes=10), "apply")
        _holding(repository, Holder(**{**alive.__dict__, "pid": reused.pid,
                                       "pid_start": process_start(reused.pid) or 0}))
        with pytest.raises(LockError):
            lock.acquire("c2")
    finally:
        reused.kill()
        reused.wait()


def test_an_apply_whose_lock_is_broken_stops_writing(project: Project) -> None:
    """The lock is broken (unlock --force) right after the apply's first write: the
    apply sends no write in any later wave, reports every change it left out as "not
    applied: lock lost", records them, and exits 3."""
    repository = open_repository(project.state)
    lock = EnvironmentLock("staging", repository, project.state)
    writes: list[str] = []
    after_break: list[str] = []

    def on_request(event: RequestEvent) -> None:
        if event.method == "GET":
            return
        (after_break if writes else writes).append(f"{event.method} {event.path}")
        if len(writes) == 1 and not after_break:
            lock.force_release()

    request = ApplyRequest(state=project.state, environment="staging",
                           sandbox_db=project.db, on_request=on_request)
    outcome = apply_environment(request)
    assert outcome.halted.startswith("lock lost: the lock was taken over or broken")
    # The first wave was under way when the lock was broken; every later one is left out.
    first = outcome.results[0]
    later = [r for r in outcome.results if (r.kind, r.action) != (first.kind, first.action)]
    assert later and all(r.message.startswith("not applied: lock lost") for r in later)
    assert all(f"/{first.kind}" in write for write in after_break), after_break
    assert outcome.deployment is not None and outcome.deployment.status in ("partial", "failed")
    with pytest.raises(PartialFailureError, match="lock lost") as raised:
        finish(outcome)
    assert raised.value.exit_code == 3
    _, out, _ = project.cli("history", "show", outcome.deployment.id, sandbox=False)
    assert "not applied: lock lost" in out


def test_taking_the_lock_on_a_full_disk_is_a_clear_error(project: Project) -> None:
    """A process that cannot write a byte (RLIMIT_FSIZE 0: git meets EFBIG writing the
    lock's object, as on a full disk): exit 1, a message naming the lock, no traceback,
    and nothing written to the store."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "apply", "staging", "--auto-approve", "--state",
         str(project.state), "--sandbox-db", str(project.db)],
        cwd=project.root, capture_output=True, text=True, timeout=120,
        preexec_fn=no_disk_space, check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "could not write the lock refs/stagingpro/locks/staging" in done.stderr
    assert "free space" in done.stderr
    assert "Traceback" not in done.stderr
    assert not project.db.exists()  # the store was never even opened


def test_a_partitioned_apply_never_writes_alongside_the_one_that_takes_over(
    project: Project,
) -> None:
    """The lock trial, sampled (scripts/lock_trial.py runs it in full): apply A loses
    its remote mid-apply and stops writing; apply B takes the lock over once A's lease
    expired and finishes. No write of A overlaps a write of B."""
    use_trial_config(project)
    origin, clone = with_origin(project)
    report = lock_trial(project, origin, clone, rounds=1, seed=7)
    assert report.problems == [] and report.overlaps == [], report.summary()
    assert report.a_halted[0].startswith("lock lost"), report.summary()
    assert report.b_writes[0] > 0, report.summary()
