"""The README's main job: `make demo` runs scripts/demo.sh — validate, plan, apply and a
second plan on the embedded store — and this test runs the same script."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_make_demo_runs_the_demo_script() -> None:
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/demo.sh" in recipe


def test_readme_starts_with_exactly_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    start = readme.split("## Start here", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", start, flags=re.S)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_the_demo_validates_plans_applies_and_converges(tmp_path: Path) -> None:
    shutil.copytree(REPO / "store-state", tmp_path / "store-state")
    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "example"]):
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                       cwd=tmp_path, check=True)
    done = subprocess.run(
        ["sh", "scripts/demo.sh"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
             "STAGINGPRO": str(Path(sys.executable).parent / "stagingpro")},
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    steps = re.findall(r"^==> stagingpro (\w+)", out, flags=re.M)
    assert steps == ["validate", "plan", "apply", "plan"]
    assert "staging: 6 brands, 26 categories, 40 products" in out
    assert "Plan: 93 to create, 0 to update, 0 to delete, 0 blocked." in out
    assert "93 applied, 0 failed, 0 skipped" in out
    assert "No changes: 93 items are up to date." in out
    assert "recorded in the git notes refs/notes/stagingpro" in out
