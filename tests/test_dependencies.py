"""Dependencies: floors above known advisories, and hashed pins for every install the
workflows make (``make lock`` writes ``requirements/``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# The first release fixing the latest published advisory we know of, per package.
FIXED = {
    "python-multipart": "0.0.31",  # GHSA-v9pg-7xvm-68hf; also CVE-2024-53981 (0.0.18)
    "starlette": "1.3.1",  # CVE-2026-48710 (1.0.1), CVE-2025-62727 (0.49.1), CVE-2024-47874
    "jinja2": "3.1.6",  # CVE-2025-27516; CVE-2024-56201 and CVE-2024-56326 (3.1.5)
    "gitpython": "3.1.59",  # the 2026 option-injection series; CVE-2024-22190 (3.1.41)
}


def requirements(extra: str | None = None) -> dict[str, Requirement]:
    listed = PYPROJECT["optional-dependencies"][extra] if extra else PYPROJECT["dependencies"]
    parsed = (Requirement(text) for text in listed)
    return {canonicalize_name(r.name): r for r in parsed}


def pins(lock: str) -> dict[str, tuple[Version, int]]:
    """``{name: (version, number of hashes)}`` of a pip-compile ``--generate-hashes`` file."""
    text = (REPO / "requirements" / lock).read_text(encoding="utf-8")
    found: dict[str, tuple[Version, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if match:
            name = canonicalize_name(match[1])
            found[name] = (Version(match[2]), block.count("--hash=sha256:"))
    return found


@pytest.mark.parametrize(("name", "fixed"), FIXED.items())
def test_floors_exclude_releases_with_known_advisories(name: str, fixed: str) -> None:
    requirement = requirements()[name]
    below = [s for s in requirement.specifier if s.operator == ">="]
    assert below, f"{name} has no floor"
    assert all(Version(s.version) >= Version(fixed) for s in below), requirement


@pytest.mark.parametrize(("lock", "extra"), [("lock.txt", None), ("dev-lock.txt", "dev")])
def test_the_lock_pins_every_dependency_within_its_range_with_hashes(
    lock: str, extra: str | None
) -> None:
    pinned = pins(lock)
    wanted = requirements() | (requirements(extra) if extra else {})
    for name, requirement in wanted.items():
        assert name in pinned, f"{name} is not in requirements/{lock}: run make lock"
        version, _ = pinned[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{lock} pins {name}=={version} outside {requirement}: run make lock"
        )
    assert all(hashes > 0 for _, hashes in pinned.values())


def test_workflows_install_the_hashed_pins() -> None:
    for workflow in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
        commands = [
            step.get("run", "")
            for job in data["jobs"].values()
            for step in job.get("steps", [])  # a job calling a reusable workflow has none
        ]
        # The jobs that run StagingPro install it through one script (below).
        commands = [c for c in commands if "scripts/ci-install.sh" not in c]
        installs = [c for c in commands if "pip install" in c or "make test" in c]
        for command in installs:
            if "make test" in command:
                assert "LOCK=requirements/dev-lock.txt" in command, workflow.name
                continue
            for line in command.splitlines():
                if "pip install" in line:
                    assert "--require-hashes -r requirements/lock.txt" in line or (
                        "--no-deps" in line
                    ), f"{workflow.name}: {line}"


def test_the_workflows_install_script_installs_the_hashed_pins() -> None:
    script = (REPO / "scripts" / "ci-install.sh").read_text(encoding="utf-8")
    installs = [line for line in script.splitlines() if "pip install" in line]
    assert installs and all(
        "--require-hashes" in line or "--no-deps" in line for line in installs
    )
    assert "requirements/lock.txt" in script
