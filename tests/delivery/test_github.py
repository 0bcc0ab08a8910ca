"""The plan comment, commit statuses and the reviewed checksum against a GitHub stand-in
served on loopback (tests/github_stand_in.py), through the CLI as workflows call it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.cli.app import main
from reconciler.delivery.github import (
    COMMENT_LIMIT,
    Comment,
    checksum_line,
    plan_artifact_name,
    plan_marker,
    reviewed_checksum,
)
from reconciler.errors import EXIT_BLOCKED, EXIT_ERROR
from tests.github_stand_in import BOT, GitHubState, served_github

SUM_A = "a" * 64
SUM_B = "b" * 64
MERGE_SHA = "4" * 40
OUTSIDER = {"login": "mallory", "type": "User"}


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubState]:
    state = GitHubState()
    with served_github(state) as url:
        monkeypatch.setenv("GITHUB_API_URL", url)
        monkeypatch.setenv("GITHUB_REPOSITORY", "ridgeline/store")
        monkeypatch.setenv("GITHUB_TOKEN", state.token)
        yield state


def plan_file(tmp_path: Path, text: str = "### staging\n1 product changes price\n") -> Path:
    path = tmp_path / "plan.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_plan_comment_is_posted_once_then_edited_in_place(
    github: GitHubState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["comment", "staging", "--pr", "7", "--body", str(plan_file(tmp_path))]
    assert main([*args, "--checksum", SUM_A]) == 0
    assert main([*args, "--checksum", SUM_B]) == 0
    assert "created the staging plan comment" in capsys.readouterr().out
    [only] = github.comments[7]
    assert only["body"].splitlines()[0] == plan_marker("staging")
    assert only["body"].splitlines()[-1] == checksum_line("staging", SUM_B)
    post, patch = [r for r in github.requests if r.method != "GET"]
    assert (post.method, post.path) == ("POST", "/repos/ridgeline/store/issues/7/comments")
    assert (patch.method, patch.path) == (
        "PATCH", f"/repos/ridgeline/store/issues/comments/{only['id']}"
    )
    for request in github.requests:
        assert request.headers["authorization"] == f"Bearer {github.token}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"


def test_somebody_elses_comment_with_the_marker_is_never_edited_and_pages_are_followed(
    github: GitHubState, tmp_path: Path
) -> None:
    github.add_comment(7, plan_marker("staging") + "\nforged", OUTSIDER)
    for number in range(150):  # our comment lands on the second page
        github.add_comment(7, f"chatter {number}", OUTSIDER)
    assert main(["comment", "staging", "--pr", "7", "--body", str(plan_file(tmp_path))]) == 0
    assert main(["comment", "staging", "--pr", "7", "--body", str(plan_file(tmp_path))]) == 0
    ours = [c for c in github.comments[7] if c["user"] == BOT]
    assert len(ours) == 1
    assert github.comments[7][0]["body"].endswith("forged")
    assert any("page=2" in r.query for r in github.requests)


def test_a_long_plan_is_cut_to_githubs_limit_keeping_both_markers(
    github: GitHubState, tmp_path: Path
) -> None:
    body = plan_file(tmp_path, "| row |\n" * 20_000)
    assert main(["comment", "uat", "--pr", "3", "--body", str(body), "--checksum", SUM_A]) == 0
    [posted] = github.comments[3]
    assert len(posted["body"]) <= COMMENT_LIMIT
    lines = posted["body"].splitlines()
    assert lines[0] == plan_marker("uat") and lines[-1] == checksum_line("uat", SUM_A)
    assert "cut to fit GitHub's comment limit" in posted["body"]


def test_the_reviewed_checksum_comes_only_from_the_bots_own_plan_comment(
    github: GitHubState, capsys: pytest.CaptureFixture[str]
) -> None:
    github.merged[MERGE_SHA] = 12
    production, forged = checksum_line("production", SUM_A), checksum_line("production", SUM_B)
    github.add_comment(12, f"{plan_marker('production')}\nplan\n{production}", BOT)
    # An outsider posts a checksum of a plan nobody reviewed, after the bot's comment.
    github.add_comment(12, f"{plan_marker('production')}\nx\n{forged}", OUTSIDER)
    # A product name in staging's comment carrying production's marker text.
    github.add_comment(12, f"{plan_marker('staging')}\nname {forged}\n{forged}", BOT)
    assert main(["reviewed", "production", "--commit", MERGE_SHA]) == 0
    assert capsys.readouterr().out.strip() == SUM_A


def test_no_pull_request_or_no_plan_comment_blocks_with_what_to_do(
    github: GitHubState, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reviewed", "staging", "--commit", MERGE_SHA]) == EXIT_BLOCKED
    assert "was not merged from a pull request" in capsys.readouterr().err
    github.merged[MERGE_SHA] = 5
    outsiders = f"{plan_marker('staging')}\n{checksum_line('staging', SUM_A)}"
    github.add_comment(5, outsiders, OUTSIDER)
    assert main(["reviewed", "staging", "--commit", MERGE_SHA]) == EXIT_BLOCKED
    assert "#5 has no staging plan comment by github-actions[bot]" in capsys.readouterr().err


def test_a_commit_status_per_environment(github: GitHubState) -> None:
    sha = "c" * 40
    assert main(["status", "production", "--sha", sha, "--state", "failure",
                 "--description", "blocked: " + "x" * 300,
                 "--target-url", "https://github.com/ridgeline/store/actions/runs/1"]) == 0
    [sent] = github.statuses[sha]
    assert sent["context"] == "stagingpro/plan: production"
    assert sent["state"] == "failure" and len(sent["description"]) == 140
    assert sent["target_url"].endswith("/runs/1")
    assert main(["status", "production", "--sha", "HEAD", "--state", "success"]) == EXIT_ERROR


def test_a_refused_token_is_reported_without_the_token(
    github: GitHubState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_wrong_token_5555")
    code = main(["comment", "staging", "--pr", "7", "--body", str(plan_file(tmp_path))])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert "answered 401: Bad credentials" in err and "ghs_wrong_token_5555" not in err


def test_reviewed_checksum_reads_only_exact_marker_lines() -> None:
    body = f"{plan_marker('staging')}\n{checksum_line('staging', SUM_A)} trailing"
    assert reviewed_checksum([Comment(1, "github-actions[bot]", "Bot", body)], "staging") is None
    impostor = Comment(2, "github-actions[bot]", "User", f"{plan_marker('staging')}\n"
                       f"{checksum_line('staging', SUM_A)}")
    assert reviewed_checksum([impostor], "staging") is None


@pytest.fixture(scope="module")
def saved_plan(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real staging plan of the example store, as `plan --out` writes it."""
    folder = tmp_path_factory.mktemp("plan")
    state = Path(__file__).resolve().parents[2] / "store-state"
    out = folder / "plan.json"
    assert main(["plan", "staging", "--state", str(state), "--sandbox-db",
                 str(folder / "store.db"), "--out", str(out)]) == 0
    return out.read_bytes()


def test_the_reviewed_plan_is_fetched_from_its_artifact_and_verified(
    github: GitHubState, tmp_path: Path, saved_plan: bytes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    checksum = json.loads(saved_plan)["checksum"]
    github.merged[MERGE_SHA] = 9
    github.add_comment(9, f"{plan_marker('staging')}\nplan\n{checksum_line('staging', checksum)}",
                       BOT)
    github.add_artifact(plan_artifact_name("staging", checksum), {"plan.json": saved_plan})
    out = tmp_path / "reviewed.json"
    capsys.readouterr()
    assert main(["reviewed", "staging", "--commit", MERGE_SHA, "--plan-out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == checksum
    assert out.read_bytes() == saved_plan
    storage = [r for r in github.requests if r.path.startswith("/_storage/")]
    assert storage and all("authorization" not in r.headers for r in storage)


def test_an_artifact_that_is_not_the_reviewed_plan_is_refused(
    github: GitHubState, tmp_path: Path, saved_plan: bytes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = json.loads(saved_plan)
    checksum = plan["checksum"]
    github.merged[MERGE_SHA] = 9
    github.add_comment(9, f"{plan_marker('staging')}\nplan\n{checksum_line('staging', checksum)}",
                       BOT)
    out = tmp_path / "reviewed.json"
    args = ["reviewed", "staging", "--commit", MERGE_SHA, "--plan-out", str(out)]
    assert main(args) == EXIT_BLOCKED  # no artifact at all
    assert "no artifact stagingpro-plan-staging-" in capsys.readouterr().err
    # Somebody uploads an artifact of that name holding an edited plan.
    plan["changes"][0]["desired"]["name"] = "Forged"
    github.add_artifact(plan_artifact_name("staging", checksum),
                        {"plan.json": json.dumps(plan).encode()})
    assert main(args) == EXIT_BLOCKED
    assert "is not the reviewed plan" in capsys.readouterr().err
    assert not out.exists()


def test_a_commit_pushed_straight_to_main_may_apply_its_own_plan(
    github: GitHubState, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reviewed", "staging", "--commit", MERGE_SHA, "--direct-ok"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "pushed to main without a pull request" in captured.err
