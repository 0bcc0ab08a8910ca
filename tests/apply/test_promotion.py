"""Promotion order (``after:``) and verification (``verify:``), through the CLI on the
example project: uat comes after staging."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from reconciler.config import parse_config
from reconciler.errors import EXIT_BLOCKED, EXIT_OK, ConfigError
from tests.apply.conftest import Project


def configure(project: Project, **environments: dict[str, object]) -> str:
    """Merge settings into environments of stagingpro.yaml; commit; the new commit."""
    path = project.state / "stagingpro.yaml"
    config = yaml.safe_load(path.read_text())
    for name, settings in environments.items():
        config["environments"][name].update(settings)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return project.commit("promotion order")


def history(project: Project, environment: str) -> list[dict[str, object]]:
    code, out, _ = project.cli("history", environment, "--json", sandbox=False)
    assert code == EXIT_OK
    records: list[dict[str, object]] = json.loads(out)
    return records


def test_an_environment_applies_a_commit_only_after_the_one_it_comes_after(
    project: Project,
) -> None:
    commit = configure(project, uat={"after": ["staging"]})
    code, _, err = project.apply("uat")
    assert code == EXIT_BLOCKED
    assert f"uat comes after staging, and staging has not applied {commit[:12]}" in err
    assert project.apply("staging")[0] == EXIT_OK
    assert project.apply("uat")[0] == EXIT_OK
    # A change that staging's plan does not touch: staging is in step with it all the same.
    project.edit("stagingpro.yaml", "max_update_share: 1.0", "max_update_share: 0.9")
    later = project.commit("uat safety only")
    assert project.apply("uat")[0] == EXIT_BLOCKED
    assert project.apply("staging")[0] == EXIT_OK
    newest = history(project, "staging")[0]
    assert newest["status"] == "no-changes" and newest["commit"] == later
    assert project.apply("uat")[0] == EXIT_OK


def test_verified_means_the_verify_command_passed_after_the_apply(
    project: Project, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UAT_READ_TOKEN", "uat-read-token-0042")
    configure(
        project,
        staging={"verify": 'echo smoke; test -n "$STAGINGPRO_DEPLOYMENT"; exit 3'},
        uat={"after": [{"environment": "staging", "verified": True}],
             "backend": {"sandbox": "ridgeline-uat", "read_token_env": "UAT_READ_TOKEN"}},
    )
    code, out, err = project.apply("staging")
    assert code == EXIT_OK  # the apply itself succeeded; its verification did not
    assert "verify (exit 3): smoke" in out + err
    assert history(project, "staging")[0]["status"] == "verify-failed"
    code, _, err = project.apply("uat")
    assert code == EXIT_BLOCKED and "it was not verified" in err
    # The smoke test never sees a store token named in stagingpro.yaml.
    configure(project, staging={"verify": 'test -z "${UAT_READ_TOKEN:-}" && echo fine'})
    assert project.apply("staging")[0] == EXIT_OK
    records = history(project, "staging")
    assert [r["status"] for r in records[:2]] == ["verified", "no-changes"]
    assert records[0]["origin"] == records[1]["id"]
    assert project.apply("uat")[0] == EXIT_OK


@pytest.mark.parametrize(
    ("environments", "message"),
    [
        ({"uat": {"after": ["stagin"]}}, "comes after 'stagin', which is not defined; did you"
                                          " mean 'staging'?"),
        ({"uat": {"after": ["uat"]}}, "'uat' cannot come after itself"),
        ({"uat": {"after": ["staging"]}, "staging": {"after": ["uat"]}},
         "the promotion order has a cycle: staging → uat → staging"),
        ({"uat": {"after": [{"environment": "staging", "verified": True}]}},
         "needs 'staging' verified, but 'staging' has no verify command"),
    ],
)
def test_a_promotion_order_that_cannot_work_is_refused(
    environments: dict[str, dict[str, object]], message: str
) -> None:
    config: dict[str, object] = {
        "version": 1,
        "environments": {
            name: {"backend": {"sandbox": name}, **environments.get(name, {})}
            for name in ("staging", "uat")
        },
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert message in str(caught.value)


def test_git_is_needed_to_check_the_order(project: Project) -> None:
    configure(project, uat={"after": ["staging"]})
    outside = project.root.parent / f"{project.root.name}-copy"
    shutil.copytree(project.state, outside / "store-state")
    project.state = outside / "store-state"  # a copy outside any git repository
    code, _, err = project.apply("uat")
    assert code == EXIT_BLOCKED and "needs the declared state in git" in err
