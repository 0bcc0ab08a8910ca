"""Hostile input around secrets: references to variables that are not allowed, store
tokens sent to a webhook, secrets that reach the pushed deployment history."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus

import git

from reconciler.apply.deployment import Deployment, ItemRecord
from reconciler.apply.gitrepo import Repository
from reconciler.apply.history import NOTES_REF, GitNotesHistory
from reconciler.secrets import remember_secret


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
