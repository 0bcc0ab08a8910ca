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
from reconciler.errors import LockError
from tests.apply.conftest import Project, git


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
