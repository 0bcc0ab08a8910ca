"""Deployment history in git notes (refs/notes/stagingpro), shared through a remote; the
local file outside git."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reconciler.cli.app import main
from tests.apply.conftest import EXAMPLE, Project, git


def test_each_apply_is_a_note_on_the_applied_commit(project: Project) -> None:
    head = git(project.root, "rev-parse", "HEAD").strip()
    assert project.apply()[0] == 0
    note = git(project.root, "notes", "--ref", "stagingpro", "show", head)
    (record,) = [json.loads(line) for line in note.splitlines() if line.strip()]
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
    # A second environment on the same commit adds a line to the same note.
    assert project.apply("uat")[0] == 0
    note = git(project.root, "notes", "--ref", "stagingpro", "show", head)
    assert len([line for line in note.splitlines() if line.strip()]) == 2


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
        monkeypatch.setenv(name, "x")
    args = ["--state", "store-state", "--sandbox-db", "sandbox.db"]
    assert main(["apply", "uat", "--auto-approve", *args]) == 0
    out = capsys.readouterr().out
    assert "not in a git repository" in out
    records = (tmp_path / ".stagingpro/deployments.jsonl").read_text().splitlines()
    assert json.loads(records[0])["commit"] is None
    assert main(["history", "uat", "--state", "store-state", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
