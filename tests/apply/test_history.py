"""Deployment history in git notes (refs/notes/stagingpro), shared through a remote; the
local file outside git."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reconciler.cli.app import main
from tests.apply.conftest import EXAMPLE, Project, git


def test_each_apply_is_a_note_on_the_applied_commit(project: Project) -> None:
    head = git(project.root, "rev-parse", "HEAD").strip()
    assert project.apply()[0] == 0
    note = git(project.root, "notes", "--ref", "stagingpro", "show", head)
    # Two lines: the record made before the first write, then the final one.
    opening, record = [json.loads(line) for line in note.splitlines() if line.strip()]
    assert opening["status"] == "unfinished" and opening["items"] == []
    assert opening["id"] == record["id"] and opening["finished_at"] == ""
    assert opening["plan_checksum"] == record["plan_checksum"]
    assert record["type"] == "deployment" and record["environment"] == "staging"
    assert record["commit"] == head and record["author"] == "tester"
    assert record["store"] == "sandbox:ridgeline-staging"
    assert record["status"] == "succeeded" and record["dirty"] is False
    assert len(record["plan_checksum"]) == 64
    assert {"read", "write", "total", "create product"} <= set(record["timings"])
    assert len(record["items"]) == 93
    assert all(item["outcome"] == "applied" for item in record["items"])
    theme = next(item for item in record["items"] if item["kind"] == "theme")
    assert "previous" in theme["ids"]  # what a rollback re-activates
    # A second environment on the same commit adds its lines to the same note.
    assert project.apply("uat")[0] == 0
    note = git(project.root, "notes", "--ref", "stagingpro", "show", head)
    assert len([line for line in note.splitlines() if line.strip()]) == 4


def test_history_lists_and_shows(project: Project) -> None:
    assert project.apply()[0] == 0
    project.edit("catalog/products/trail-gaiters.yaml", "price: 29.00", "price: 31.00")
    project.commit("gaiters up")
    assert project.apply()[0] == 0
    code, out, _ = project.cli("history", "staging", sandbox=False)
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith(" staging-")]
    assert len(lines) == 2
    assert "succeeded" in lines[0] and "tester" in lines[0]
    newest = lines[0].split()[0]
    code, out, _ = project.cli("history", "show", newest[:-2], sandbox=False)
    assert code == 0
    assert f"deployment {newest}: succeeded (apply)" in out
    assert "applied  update product ACC-02" in out
    assert 'before price = "29"' in out
    code, _, err = project.cli("history", "show", "staging-1999", sandbox=False)
    assert code == 1 and "no deployment 'staging-1999'" in err


def test_history_is_shared_through_the_remote(project: Project, tmp_path: Path) -> None:
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(project.root), str(bare))
    git(project.root, "remote", "add", "origin", str(bare))
    # Two runners with nothing in common but the remote, each applying one environment.
    other = tmp_path / "runner"
    git(tmp_path, "clone", "-q", str(bare), "runner")
    assert project.apply("staging", "--remote", "origin")[0] == 0
    code, _, err = project.cli(
        "apply", "uat", "--auto-approve", "--remote", "origin", sandbox=True
    )
    assert code == 0, err
    code = main(["history", "uat", "--state", str(other / "store-state"), "--remote", "origin",
                 "--json"])
    out = project.capsys.readouterr().out
    assert code == 0 and len(json.loads(out)) == 1
    code = main(["history", "staging", "--state", str(other / "store-state"), "--json"])
    out = project.capsys.readouterr().out
    assert len(json.loads(out)) == 1


def test_outside_git_history_is_a_local_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "store-state")
    monkeypatch.chdir(tmp_path)
    for name in ("RIDGELINE_HOOK_SECRET", "RIDGELINE_STAGING_HOOK_SECRET", "ERP_HOOK_TOKEN"):
        monkeypatch.setenv(name, "x-secret-value")
    args = ["--state", "store-state", "--sandbox-db", "sandbox.db"]
    assert main(["apply", "uat", "--auto-approve", *args]) == 0
    out = capsys.readouterr().out
    assert "not in a git repository" in out
    records = [json.loads(line) for line in
               (tmp_path / ".stagingpro/deployments.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["unfinished", "succeeded"]
    assert records[0]["id"] == records[1]["id"] and records[1]["commit"] is None
    assert main(["history", "uat", "--state", "store-state", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["status"] == "succeeded"
    assert listed["counts"]["applied"] == len(records[1]["items"]) > 0


def test_an_apply_killed_during_its_writes_shows_as_unfinished(project: Project) -> None:
    """A real process, killed with SIGKILL once it has recorded its start: history keeps
    the deployment as unfinished, retry explains why it cannot help, and applying again
    takes over the dead process's lock and finishes the work."""
    project.configure({"faults": {"latency_ms": 150}})  # slow enough to be caught mid-way
    stagingpro = str(Path(sys.executable).with_name("stagingpro"))
    running = subprocess.Popen(
        [stagingpro, "apply", "staging", "--auto-approve", "--state", str(project.state),
         "--sandbox-db", str(project.db)],
        cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        note = ""
        while time.monotonic() < deadline and running.poll() is None:
            listed = subprocess.run(
                ["git", "notes", "--ref", "stagingpro", "list"], cwd=project.root,
                capture_output=True, text=True, check=False,
            ).stdout
            if listed.strip():
                note = git(project.root, "notes", "--ref", "stagingpro", "show", "HEAD")
                break
            time.sleep(0.05)
        assert running.poll() is None, "the apply ended before it could be interrupted"
        assert note, "no record appeared before the first write"
        os.kill(running.pid, signal.SIGKILL)
    finally:
        running.kill()
        running.wait(timeout=30)
    (opening,) = [json.loads(line) for line in note.splitlines() if line.strip()]
    assert opening["status"] == "unfinished"

    project.configure({"faults": {"latency_ms": 0}})
    code, out, _ = project.cli("history", "staging", sandbox=False)
    assert code == 0 and opening["id"] in out and "unfinished" in out
    code, out, _ = project.cli("history", "show", opening["id"], sandbox=False)
    assert code == 0 and "no result recorded" in out
    code, _, err = project.cli("retry", "staging", "--auto-approve")
    assert code == 1 and "recorded no results" in err and "stagingpro apply staging" in err

    code, _, err = project.apply()
    assert code == 0, err
    assert project.pending() == 0
    code, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    statuses = {d["id"]: d["status"] for d in json.loads(out)}
    assert statuses.pop(opening["id"]) == "unfinished"
    assert list(statuses.values()) == ["succeeded"]


def test_a_team_members_clone_fetches_the_history_by_default(
    project: Project, tmp_path: Path
) -> None:
    """A bare origin and two clones: one applies and pushes its notes, the other has a
    deployment of its own not pushed yet; history, retry and rollback in the second see
    both without --remote, keep its own, and warn (not fail) when origin is unreachable."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(project.root), str(bare))
    git(project.root, "remote", "add", "origin", str(bare))
    git(tmp_path, "clone", "-q", str(bare), "member")
    member = tmp_path / "member" / "store-state"

    def run(*args: str) -> tuple[int, str, str]:
        project.capsys.readouterr()
        code = main([*args, "--state", str(member), "--sandbox-db", str(project.db)]
                    if args[0] != "history" else [*args, "--state", str(member)])
        out, err = project.capsys.readouterr()
        return code, out, err

    assert run("apply", "uat", "--auto-approve")[0] == 0  # recorded in this clone only
    assert project.apply("staging", "--remote", "origin")[0] == 0  # pushed to origin
    code, out, _ = run("history", "staging", "--json", "--no-fetch")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run("history", "staging", "--json")
    assert code == 0
    (pushed,) = json.loads(out)
    assert pushed["status"] == "succeeded"
    code, out, _ = run("history", "uat", "--json")
    assert code == 0 and len(json.loads(out)) == 1  # the clone's own, kept by the merge
    # retry and rollback read the same fetched history.
    code, out, err = run("retry", "staging", "--auto-approve")
    assert code == 0, err
    assert f"Every change of deployment {pushed['id']} applied" in out
    code, out, err = run("rollback", "staging", "--to", pushed["id"])
    assert code == 0, err
    assert "already has the content" in out
    # Origin unreachable: a warning, and the clone's history as it is.
    git(member.parent, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    code, out, err = run("history", "staging", "--json")
    assert code == 0
    assert "warning: could not fetch the deployment history from origin" in err
    assert "--no-fetch" in err
    assert [d["id"] for d in json.loads(out)] == [pushed["id"]]
    code, _, err = run("history", "staging", "--remote", "")
    assert code == 0 and "warning" not in err


def test_records_git_cannot_store_are_kept_pending_then_moved_into_the_notes(
    project: Project,
) -> None:
    """git refuses to update the notes (a stale ref lock, as left by a crashed git): the
    apply keeps its records in the local file, history lists them, and once git can
    store them again `history` moves them into the notes."""
    stale = project.root / ".git/refs/notes/stagingpro.lock"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("")
    code, out, err = project.apply()
    assert code == 0, out + err
    assert "could not record the deployment" in out and "moves it into the notes" in out
    pending = project.root / ".stagingpro/deployments.jsonl"
    assert pending.exists()
    code, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    (listed,) = json.loads(out)
    assert code == 0 and listed["status"] == "succeeded"
    stale.unlink()
    project.cli("history", "staging", sandbox=False)
    assert not pending.exists()
    notes = git(project.root, "notes", "--ref", "stagingpro", "show", "HEAD")
    statuses = [json.loads(line)["status"] for line in notes.splitlines() if line.strip()]
    assert statuses == ["unfinished", "succeeded"]


FILLS_UP = """
import resource, signal, sys
from pathlib import Path
from reconciler.apply.run import ApplyRequest, apply_environment
from reconciler.cli.apply import finish
from reconciler.errors import StagingProError

class DiskFillsUp:
    '''After the last write wave, no byte can be written to any file any more.'''
    total = done = 0
    def wave_started(self, kind, action, count): pass
    def items_done(self, results):
        self.done += len(results)
        if self.done >= self.total:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))

def approve(plan):
    progress.total = len(plan.changes)
    return True

progress = DiskFillsUp()
request = ApplyRequest(state=Path(sys.argv[1]), environment="staging",
                       sandbox_db=Path(sys.argv[2]))
try:
    sys.exit(finish(apply_environment(request, approve=approve, progress=progress)))
except StagingProError as error:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(error.exit_code)
"""


def test_a_final_record_on_a_full_disk_is_a_clear_error(project: Project) -> None:
    """The disk fills up during the writes: git cannot store the final record and the
    local file cannot take it either. The summary is shown, then a clear error (exit 1,
    no traceback) saying the record could be kept nowhere and what to do; applying again
    once there is space finishes."""
    done = subprocess.run(
        [sys.executable, "-c", FILLS_UP, str(project.state), str(project.db)],
        cwd=project.root, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "applied, 0 failed" in done.stdout
    assert "its record could be kept nowhere" in done.stderr
    assert "free disk space, then apply again" in done.stderr
    code, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    assert [d["status"] for d in json.loads(out)] == ["unfinished"]
    code, out, err = project.apply()
    assert code == 0 and project.pending() == 0, out + err
