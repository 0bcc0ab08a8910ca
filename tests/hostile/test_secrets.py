"""Hostile input around secrets: references to variables that are not allowed, store
tokens sent to a webhook, secrets that reach the pushed deployment history."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import git
import pytest

from reconciler.apply.deployment import Deployment, ItemRecord
from reconciler.apply.gitrepo import Repository
from reconciler.apply.history import NOTES_REF, GitNotesHistory
from reconciler.cli.app import main
from reconciler.kinds.secret_refs import HIDDEN
from reconciler.plan.model import Change, FieldChange, Plan
from reconciler.render import plain_text, render_json, render_markdown
from reconciler.secrets import remember_secret
from tests.render.helpers import sample_plan
from tests.state.base import write_base


def _repository(root: Path) -> Repository:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "README").write_text("x\n")
    for args in (["add", "README"], ["-c", "user.name=t", "-c", "user.email=t@t.invalid",
                                      "commit", "-qm", "first"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return Repository(git.Repo(root))


def test_a_secret_read_after_the_record_was_built_is_masked_in_the_note(
    tmp_path: Path,
) -> None:
    """The record is redacted when it is written, with every secret known by then, in
    raw, JSON-escaped and URL-escaped forms."""
    secret = 'late "secret"/ä+ x'
    item = ItemRecord(
        kind="script", key="Chat", action="update", outcome="failed",
        message=f"422 for https://hooks.example/?t={quote(secret, safe='')}"
                f" and ?u={quote_plus(secret)}",
        errors={"html": f"<script>k='{secret}'</script>"},
        before=((["html"], f"<script>k='{secret}'</script>"),),
    )
    deployment = Deployment(
        id="staging-1", environment="staging", store="sandbox:s", commit=None, author="t",
        where="here", started_at="2026-01-01", finished_at="2026-01-01", status="failed",
        items=(item,), note=json.dumps({"body": secret}),
    )
    remember_secret(secret)  # read later in the run than the item's values
    repository = _repository(tmp_path)
    GitNotesHistory(repository).record(deployment)
    note = repository.run("notes", "--ref", NOTES_REF, "show", "HEAD")
    forms = (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
             quote(secret, safe=""), quote_plus(secret))
    assert not [form for form in forms if form in note]
    assert json.loads(note)["items"][0]["key"] == "Chat"


# --- the allow-list -----------------------------------------------------------------------

CONFIG = """\
version: 1
secrets: [ORDERS_HOOK_SECRET]
environments:
  production:
    backend: {store_hash: abc123, token_env: BC_PRODUCTION_TOKEN}
  staging:
    backend: {sandbox: staging}
    secrets: [STAGING_ONLY_SECRET]
"""
HOOK = """\
scope: store/cart/*
destination: https://collector.example/cart
headers:
  Authorization: {{env: {variable}}}
"""


def _state(tmp_path: Path, variable: str, config: str = CONFIG) -> Path:
    state = write_base(tmp_path / "store-state")
    (state / "stagingpro.yaml").write_text(config, encoding="utf-8")
    (state / "webhooks").mkdir()
    (state / "webhooks/cart.yaml").write_text(HOOK.format(variable=variable), encoding="utf-8")
    return state


def _validate(state: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", "--state", str(state)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def test_a_header_naming_the_production_token_is_refused_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _validate(_state(tmp_path, "BC_PRODUCTION_TOKEN"), capsys)
    assert code == 1
    assert "webhooks/cart.yaml:4:" in out
    assert "BC_PRODUCTION_TOKEN holds the store token of environment production" in out


def test_the_production_token_is_refused_even_when_allow_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = CONFIG.replace("[ORDERS_HOOK_SECRET]", "[ORDERS_HOOK_SECRET, BC_PRODUCTION_TOKEN]")
    code, out = _validate(_state(tmp_path, "BC_PRODUCTION_TOKEN", config), capsys)
    assert code == 1
    assert "stagingpro.yaml:2:" in out and "remove it from secrets" in out
    assert "webhooks/cart.yaml:4:" in out


def test_a_variable_outside_the_allow_list_is_refused_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _validate(_state(tmp_path, "HOME_DIRECTORY_KEY"), capsys)
    assert code == 1
    assert "webhooks/cart.yaml:4:" in out and "HOME_DIRECTORY_KEY is not in the secrets" in out


def test_an_environment_allow_list_covers_only_that_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _validate(_state(tmp_path, "STAGING_ONLY_SECRET"), capsys)
    assert code == 1
    assert "STAGING_ONLY_SECRET is not in the secrets" in out and "production" in out
    assert main(["validate", "--state", str(tmp_path / "store-state"), "--env", "staging"]) == 0


def test_an_allow_listed_variable_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _validate(_state(tmp_path, "ORDERS_HOOK_SECRET"), capsys)[0] == 0


# --- what a reviewer sees -------------------------------------------------------------------

def _hook_update() -> Change:
    """A webhook changing ``is_active`` and its URL's secret (shown as differing), sending
    a token in a header and one in its URL."""
    destination = "https://collector.example/cart?key={env: CART_HOOK_KEY}"
    return Change(
        "webhook", f"store/cart/* {destination}", "update", "",
        (FieldChange(("is_active",), False, True), FieldChange(("destination",), HIDDEN,
                                                               destination)),
        desired={"scope": "store/cart/*", "destination": destination, "is_active": True,
                 "headers": {"authorization": {"env": "ORDERS_HOOK_SECRET"}}},
        live_ids={"id": 1}, fingerprint="0" * 64,
    )


@pytest.mark.parametrize("render", [plain_text, render_markdown, render_json])
def test_every_plan_format_names_the_headers_and_variables_a_hook_sends(
    render: Callable[[Plan], str],
) -> None:
    shown = render(sample_plan(changes=(_hook_update(),)))
    assert "ORDERS_HOOK_SECRET" in shown and "authorization" in shown
    assert "CART_HOOK_KEY" in shown
    if render is not render_json:
        assert "sends {env: ORDERS_HOOK_SECRET} in headers.authorization" in shown
        assert "sends {env: CART_HOOK_KEY} in destination" in shown
    else:
        (change,) = json.loads(shown)["changes"]
        assert change["secrets"] == [
            {"path": ["headers", "authorization"], "env": "ORDERS_HOOK_SECRET"},
            {"path": ["destination"], "env": "CART_HOOK_KEY"},
        ]
