"""``stagingpro plan`` end to end against the embedded sandbox (in process).

The example store (``store-state/``) is planned against empty sandbox stores (every item
a create), against stores written with the adapters from the same state (no change in
any environment), with a read-only token (only GETs reach the store), past the safety
thresholds (exit 4, then ``--force``), and with bad input (exit 1).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from itertools import groupby
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from reconciler.adapters.base import LiveContext
from reconciler.adapters.registry import adapter_for
from reconciler.cli.app import main
from reconciler.config import effective_environment
from reconciler.errors import EXIT_BLOCKED, EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from reconciler.kinds.registry import KINDS
from reconciler.live.connect import connect, shared_sandbox
from reconciler.plan import compute_plan, read_live
from reconciler.plan.schema import plan_schema
from reconciler.sandbox.transport import SANDBOX_BASE_URL, sandbox_transport
from reconciler.state import load_state
from tests.plan.helpers import product, write_state

STATE = Path(__file__).resolve().parents[2] / "store-state"
ENVIRONMENTS = ("production", "staging", "uat")
READ_SCOPES = (
    "store_v2_products", "store_v2_content", "store_v2_customers", "store_v2_information",
    "store_themes_manage", "store_channel_settings", "store_sites", "store_v2_default",
)


def run(*args: str) -> int:
    return main([*args])


def write_store(root: Path, environment: str, db: Path) -> None:
    """Make the environment's store hold the declared state, through the adapters."""
    declared = load_state(root, environment)
    settings = effective_environment(declared.config, environment)

    declared_keys = {kind: frozenset(items) for kind, items in declared.items.items()}

    async def apply() -> None:
        async with connect(environment, settings, sandbox_db=db) as client:
            kinds = [kind for kind in KINDS if declared.items.get(kind.name)]
            live = await read_live(client, settings, kinds, declared_keys)
            plan = compute_plan(declared, live.items, settings, kinds=KINDS,
                                force_reason="writing a test store")
            context = LiveContext(client, live.ids, settings, state_root=root)
            for (kind, _), group in groupby(plan.changes, key=lambda c: (c.kind, c.action)):
                changes = [change for change in group if change.blocked is None]
                results = await adapter_for(kind).write(context, changes)
                failed = [r for r in results if r.outcome != "applied"]
                assert not failed, failed

    asyncio.run(apply())


def admin(db: Path, method: str, path: str, body: Any = None) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = sandbox_transport(shared_sandbox(db))
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_BASE_URL) as http:
            return await http.request(method, f"/_sandbox{path}", json=body)

    return asyncio.run(call())


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh sandbox database; the example webhooks' header secrets are set."""
    for variable in ("RIDGELINE_STAGING_HOOK_SECRET", "ERP_HOOK_TOKEN",
                     "RIDGELINE_HOOK_SECRET"):
        monkeypatch.setenv(variable, f"test-secret-{variable.lower()}")
    return tmp_path / "sandbox.db"


def test_an_empty_store_plans_every_item_as_a_create(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plans" / "plan.json"
    code = run("plan", "--state", str(STATE), "--sandbox-db", str(db), "--format", "json",
               "--out", str(out), "--detailed-exitcode")
    assert code == EXIT_CHANGES
    documents = json.loads(capsys.readouterr().out)
    assert [d["environment"] for d in documents] == list(ENVIRONMENTS)
    declared = load_state(STATE, "staging")
    for document in documents:
        jsonschema.validate(document, plan_schema())
        assert {c["action"] for c in document["changes"]} == {"create"}
    staging = documents[1]
    assert len(staging["changes"]) == len(declared)
    assert {k: v["create"] for k, v in staging["counts"].items()} == declared.counts()
    for environment in ENVIRONMENTS:
        saved = json.loads((out.parent / f"plan.{environment}.json").read_text())
        assert saved["checksum"] == documents[ENVIRONMENTS.index(environment)]["checksum"]
    assert run("plan", "staging", "--state", str(STATE), "--sandbox-db", str(db)) == EXIT_OK


def test_a_store_written_from_the_state_plans_no_change_in_every_environment(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for environment in ENVIRONMENTS:
        write_store(STATE, environment, db)
    capsys.readouterr()
    code = run("plan", "--state", str(STATE), "--sandbox-db", str(db), "--detailed-exitcode")
    text = capsys.readouterr().out
    assert code == EXIT_OK, text
    assert text.count("No changes:") == len(ENVIRONMENTS)
    code = run("plan", "uat", "--state", str(STATE), "--sandbox-db", str(db),
               "--format", "markdown")
    assert code == EXIT_OK
    assert "no changes" in capsys.readouterr().out


def test_a_read_only_token_is_enough_and_plan_only_reads(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "store-state"
    shutil.copytree(STATE, root)
    config = yaml.safe_load((root / "stagingpro.yaml").read_text())
    config["environments"]["staging"]["backend"]["token_env"] = "PLAN_TEST_READ_TOKEN"
    (root / "stagingpro.yaml").write_text(yaml.safe_dump(config))
    token = "read-only-token-8c2f"
    monkeypatch.setenv("PLAN_TEST_READ_TOKEN", token)
    store = "ridgeline-staging"
    admin(db, "POST", "/stores", {"store_hash": store})
    scopes = dict.fromkeys(READ_SCOPES, "read")
    assert admin(db, "POST", f"/stores/{store}/tokens",
                 {"token": token, "scopes": scopes}).status_code == 201
    cursor = admin(db, "GET", f"/stores/{store}/requests").json()["meta"]["cursor"]
    code = run("plan", "staging", "--state", str(root), "--sandbox-db", str(db),
               "--detailed-exitcode")
    captured = capsys.readouterr()
    assert code == EXIT_CHANGES, captured.err
    assert "+ create product HIKE-01  Cascade Waterproof Hiking Boot" in captured.out
    log = admin(db, "GET", f"/stores/{store}/requests?since={cursor}").json()["data"]
    assert log and {entry["method"] for entry in log} == {"GET"}
    assert [e for e in log if not 200 <= e["status"] < 300] == []


def test_plan_takes_the_read_token_and_never_needs_the_write_token(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # How the plan workflow runs: only the read-only token is in the job's environment.
    root = tmp_path / "store-state"
    shutil.copytree(STATE, root)
    config = yaml.safe_load((root / "stagingpro.yaml").read_text())
    backend = config["environments"]["staging"]["backend"]
    backend.update(token_env="PLAN_TEST_WRITE_TOKEN", read_token_env="PLAN_TEST_READ_TOKEN")
    (root / "stagingpro.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.delenv("PLAN_TEST_WRITE_TOKEN", raising=False)
    monkeypatch.setenv("PLAN_TEST_READ_TOKEN", "read-only-token-51d0")
    store = "ridgeline-staging"
    admin(db, "POST", "/stores", {"store_hash": store})
    admin(db, "POST", f"/stores/{store}/tokens",
          {"token": "read-only-token-51d0", "scopes": dict.fromkeys(READ_SCOPES, "read")})
    code = run("plan", "staging", "--state", str(root), "--sandbox-db", str(db),
               "--detailed-exitcode")
    captured = capsys.readouterr()
    assert code == EXIT_CHANGES, captured.err
    assert "read-only-token-51d0" not in captured.out + captured.err


def test_safety_thresholds_block_with_exit_4_until_forced(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "state"
    products = {f"catalog/products/p{i}.yaml": product(f"P-{i}") for i in range(10)}
    write_state(root, products)
    write_store(root, "test", db)
    for i in range(4):
        write_state(root, {f"catalog/products/p{i}.yaml": product(f"P-{i}", price="12.50")})
    args = ("plan", "--state", str(root), "--sandbox-db", str(db), "--detailed-exitcode")
    capsys.readouterr()
    assert run(*args) == EXIT_BLOCKED
    text = capsys.readouterr().out
    assert "would update 4 of 10 products (40%), more than the 30% allowed" in text
    assert "price: $10.00 → $12.50" in text
    assert run(*args, "--force", "spring repricing", "--format", "json") == EXIT_CHANGES
    document = json.loads(capsys.readouterr().out)
    assert document["safety"]["forced_reason"] == "spring repricing"
    assert run(*args, "--only", "product:P-9") == EXIT_OK


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nowhere",), "unknown environment 'nowhere'; declared: production, staging, uat"),
        (("--only", "prodcts"), "unknown kind 'prodcts'"),
        (("--force", " "), "--force needs a reason"),
    ],
)
def test_bad_input_exits_1_with_a_clear_message(
    db: Path, args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("plan", "--state", str(STATE), "--sandbox-db", str(db), *args) == EXIT_ERROR
    assert message in capsys.readouterr().err
