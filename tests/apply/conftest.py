"""A project for apply tests: the example store-state in a fresh git repository, its own
sandbox database, and the CLI run in-process against it.

The CLI's in-process sandbox app for a database file is the one
:func:`reconciler.live.connect.shared_sandbox` gives, so tests read the same app's admin
API (request log, scripted failures, fault injection) that the commands talk to.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.cli.app import main
from reconciler.live.connect import shared_sandbox
from reconciler.sandbox.stores import DEFAULT_TOKEN
from reconciler.sandbox.transport import SANDBOX_BASE_URL, sandbox_transport

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "store-state"
SECRETS = {
    "RIDGELINE_HOOK_SECRET": "test-hook-secret",
    "RIDGELINE_STAGING_HOOK_SECRET": "test-staging-secret",
    "ERP_HOOK_TOKEN": "test-erp-token",
}
STORES = {"staging": "ridgeline-staging", "uat": "ridgeline-uat", "production": "ridgeline-prod"}
CHILD = "import sys\nfrom reconciler.cli.app import main\nsys.exit(main(sys.argv[1:]))\n"
"""``python -c CHILD ARGS``: the CLI in a child process."""


def no_disk_space() -> None:
    """A ``preexec_fn``: the child process cannot write a byte to any file, as on a full
    disk (RLIMIT_FSIZE 0: writes fail with EFBIG, "File too large", instead of raising
    SIGXFSZ, which is ignored). Pipes are not files: its output still arrives."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Tester", "-c", "user.email=tester@example.com", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return done.stdout


class Project:
    """The example project in ``root`` (a git repository) with its sandbox database."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.state = root / "store-state"
        self.db = root / "sandbox.db"
        self.capsys = capsys

    # -- the CLI ----------------------------------------------------------------------------
    def cli(self, *args: str, sandbox: bool = True) -> tuple[int, str, str]:
        """Run ``stagingpro ARGS --state ... [--sandbox-db ...]``: ``(exit, out, err)``."""
        self.capsys.readouterr()
        extra = ["--state", str(self.state)]
        if sandbox:
            extra += ["--sandbox-db", str(self.db)]
        code = main([*args, *extra])
        out, err = self.capsys.readouterr()
        return code, out, err

    def apply(self, env: str = "staging", *args: str) -> tuple[int, str, str]:
        return self.cli("apply", env, "--auto-approve", *args)

    def pending(self, env: str = "staging") -> int:
        """Exit code of ``plan --detailed-exitcode``: 0 when the store matches."""
        return self.cli("plan", env, "--detailed-exitcode")[0]

    # -- git --------------------------------------------------------------------------------
    def commit(self, message: str) -> str:
        git(self.root, "add", "-A", "store-state")
        git(self.root, "commit", "-q", "-m", message)
        return git(self.root, "rev-parse", "HEAD").strip()

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.state / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    # -- the store --------------------------------------------------------------------------
    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = sandbox_transport(shared_sandbox(self.db))
            async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_BASE_URL) as http:
                return await http.request(method, f"/_sandbox{path}", **kwargs)

        return asyncio.run(call())

    def api(self, method: str, path: str, env: str = "staging", **kwargs: Any) -> Any:
        """A BigCommerce API call on ``env``'s sandbox store; the JSON body."""

        async def call() -> httpx.Response:
            transport = sandbox_transport(shared_sandbox(self.db))
            async with httpx.AsyncClient(
                transport=transport, base_url=f"{SANDBOX_BASE_URL}/stores/{STORES[env]}",
                headers={"X-Auth-Token": DEFAULT_TOKEN},
            ) as http:
                return await http.request(method, path, **kwargs)

        response = asyncio.run(call())
        response.raise_for_status()
        return response.json() if response.content else None

    def all_pages(self, path: str, env: str = "staging", **params: Any) -> list[Any]:
        found: list[Any] = []
        page = 1
        while True:
            body = self.api("GET", path, env, params={**params, "limit": 250, "page": page})
            found.extend(body["data"])
            pagination = body.get("meta", {}).get("pagination", {})
            if page >= int(pagination.get("total_pages", 1)):
                return found
            page += 1

    def ensure_store(self, env: str = "staging") -> None:
        self.admin("POST", "/stores", json={"store_hash": STORES[env]}).raise_for_status()

    def script_failure(self, spec: dict[str, Any], env: str = "staging") -> None:
        """Answer matching requests with a status (the sandbox admin API's failures)."""
        self.ensure_store(env)
        self.admin("POST", f"/stores/{STORES[env]}/failures", json=spec).raise_for_status()

    def clear_failures(self, env: str = "staging") -> None:
        self.admin("DELETE", f"/stores/{STORES[env]}/failures").raise_for_status()

    def configure(self, settings: dict[str, Any], env: str = "staging") -> None:
        """Merge sandbox settings (rate_limit, faults, seed) into ``env``'s store."""
        self.ensure_store(env)
        self.admin("PUT", f"/stores/{STORES[env]}/settings", json=settings).raise_for_status()

    def cursor(self, env: str = "staging") -> int:
        response = self.admin("GET", f"/stores/{STORES[env]}/requests")
        return int(response.json()["meta"]["cursor"])

    def requests_since(self, cursor: int, env: str = "staging") -> list[dict[str, Any]]:
        response = self.admin("GET", f"/stores/{STORES[env]}/requests", params={"since": cursor})
        entries: list[dict[str, Any]] = response.json()["data"]
        return entries


def example_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    """The example store-state, committed in a fresh repository under ``tmp_path`` (the
    example's secrets set, the working directory there)."""
    shutil.copytree(EXAMPLE, tmp_path / "store-state")
    git(tmp_path, "init", "-q", "-b", "main")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("STAGINGPRO_ACTOR", "tester")
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path, capsys)
    project.commit("the example store")
    return project


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    """The example store-state, committed in a fresh repository under ``tmp_path``."""
    return example_project(tmp_path, monkeypatch, capsys)


@pytest.fixture
def small_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    """An empty state (one environment, ``staging``) in a fresh repository: tests write
    their own YAML under ``project.state`` and commit it."""
    state = tmp_path / "store-state"
    state.mkdir()
    (state / "stagingpro.yaml").write_text(
        "version: 1\nenvironments:\n  staging:\n    backend: {sandbox: ridgeline-staging}\n",
        encoding="utf-8",
    )
    git(tmp_path, "init", "-q", "-b", "main")
    monkeypatch.setenv("STAGINGPRO_ACTOR", "tester")
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path, capsys)
    project.commit("an empty store")
    return project
