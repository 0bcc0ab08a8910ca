from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.config import (
    DeployWindow,
    ProjectConfig,
    SandboxBackend,
    StoreBackend,
    effective_environment,
    load_config,
    parse_config,
)
from reconciler.errors import ConfigError

FULL = """\
version: 1
defaults:
  prune: {product: owned, brands: off}
  safety: {max_delete_share: 0.1}
  notifications:
    - on: [drift_detected]
      teams: {webhook_env: TEAMS_WEBHOOK_URL}
environments:
  production:
    backend: {store_hash: abc123xyz, token_env: BC_PRODUCTION_TOKEN}
    protected: true
    prune: {products: all}
    safety: {min_items: 50}
    deploy_windows:
      - {days: [tue, wed, thu], start: 09:30, end: 16:00, timezone: Europe/London}
      - {days: [sat], start: 22:00, end: 02:00, timezone: America/Denver}
    notifications:
      - on: [plan_blocked, apply_failed]
        slack: {webhook_env: SLACK_WEBHOOK_URL}
      - on: [apply_succeeded]
        email:
          to: [ops@ridgeline.example]
          smtp_host: smtp.example.com
          smtp_port: 587
          from: stagingpro@ridgeline.example
          password_env: SMTP_PASSWORD
  staging:
    backend: {sandbox: ridgeline-staging}
teams:
  agency:
    members: [octocat, some-dev]
    role: editor
    kinds: [themes, page]
    environments: [staging]
  ops: {members: [sre-1], role: admin}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stagingpro.yaml"
    path.write_text(text)
    return path


def test_a_full_config_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL))
    production = config.environments["production"]
    assert isinstance(production.backend, StoreBackend)
    assert production.backend.token_env == "BC_PRODUCTION_TOKEN"
    assert isinstance(config.environments["staging"].backend, SandboxBackend)
    # YAML 1.1 turns `on:` into True and `22:00` into 1320: both are read as written.
    assert production.notifications is not None and production.notifications[0].on == [
        "plan_blocked",
        "apply_failed",
    ]
    assert production.deploy_windows is not None and production.deploy_windows[1].start == "22:00"
    assert production.deploy_windows[0].start == "09:30"
    email = production.notifications[1].email
    assert email is not None and email.sender == "stagingpro@ridgeline.example"
    assert config.teams is not None and config.teams["agency"].kinds == ["theme", "page"]
    assert config.teams["ops"].kinds is None  # absent: all kinds


def test_effective_settings_merge_defaults_under_the_environment(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL))
    production = effective_environment(config, "production")
    assert production.protected is True
    assert production.prune["product"] == "all"  # the environment wins
    assert production.prune["brand"] == "off"  # `off` unquoted is YAML's False
    assert production.prune["page"] == "off"  # every kind is named
    assert (production.safety.max_delete_share, production.safety.min_items) == (0.1, 50)
    assert production.safety.max_update_share == 0.30
    assert [r.slack.webhook_env for r in production.notifications if r.slack] == [
        "SLACK_WEBHOOK_URL"
    ]
    assert production.notifications[1].channel is production.notifications[1].email
    assert not production.is_sandbox

    staging = effective_environment(config, "staging")
    assert staging.protected is False
    assert staging.prune["product"] == "owned"
    assert staging.safety.min_items == 10
    assert staging.deploy_windows == ()
    assert [r.on for r in staging.notifications] == [["drift_detected"]]  # inherited
    assert staging.is_sandbox


def test_unknown_environment_suggests_the_closest(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL))
    with pytest.raises(ConfigError, match="no environment 'prodution'") as caught:
        effective_environment(config, "prodution")
    assert "did you mean 'production'" in caught.value.hint


def minimal(**env: Any) -> dict[str, Any]:
    return {"version": 1, "environments": {"staging": {"backend": {"sandbox": "s1"}} | env}}


def problems(data: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"environments": {}}, "version: Field required"),
        (
            {"version": 2, "environments": {"a": {"backend": {"sandbox": "s"}}}},
            "version: Input should be 1",
        ),
        ({"version": 1, "environments": {}}, "at least 1 item"),
        (
            {"version": 1, "environments": {"Prod": {"backend": {"sandbox": "s"}}}},
            "environments.Prod.[key]",
        ),
        ({"version": 1, "environments": {"a": {}}}, "environments.a.backend: Field required"),
        (minimal(backend={"store_hash": "abc"}), "backend.token_env: Field required"),
        (
            minimal(backend={"store_hash": "abc", "token_env": "x-token"}),
            "not an environment variable name",
        ),
        (
            minimal(backend={"store_hash": "abc", "token_env": "T", "token": "secret"}),
            "backend.token: Extra inputs",
        ),
        (
            minimal(backend={"store_hash": "abc", "token_env": "T", "api_url": "http://x.io"}),
            "https://",
        ),
        (minimal(backend={"sandbox": "Bad Hash"}), "backend.sandbox"),
        (minimal(prune={"prodcts": "all"}), "unknown kind 'prodcts'; did you mean 'products'?"),
        (minimal(prune={"product": "some"}), "'off', 'owned' or 'all'"),
        (minimal(prune={"product": "all", "products": "off"}), "kind product is given twice"),
        (minimal(safety={"max_update_share": 1.5}), "less than or equal to 1"),
        (minimal(safety={"min_items": -1}), "greater than or equal to 0"),
        (
            minimal(
                deploy_windows=[
                    {"days": ["monday"], "start": "09:00", "end": "10:00", "timezone": "UTC"}
                ]
            ),
            "'mon'",
        ),
        (
            minimal(
                deploy_windows=[
                    {"days": ["mon", "mon"], "start": "09:00", "end": "10:00", "timezone": "UTC"}
                ]
            ),
            "more than once",
        ),
        (
            minimal(
                deploy_windows=[
                    {"days": ["mon"], "start": "9:00", "end": "10:00", "timezone": "UTC"}
                ]
            ),
            "start: String should match",
        ),
        (
            minimal(
                deploy_windows=[
                    {"days": ["mon"], "start": "24:00", "end": "10:00", "timezone": "UTC"}
                ]
            ),
            "start: String should match",
        ),
        (
            minimal(
                deploy_windows=[
                    {"days": ["mon"], "start": "10:00", "end": "10:00", "timezone": "UTC"}
                ]
            ),
            "window would be empty",
        ),
        (
            minimal(
                deploy_windows=[
                    {"days": ["mon"], "start": "09:00", "end": "10:00", "timezone": "Mars/Olympus"}
                ]
            ),
            "not an IANA time zone",
        ),
        (
            minimal(notifications=[{"on": ["apply_failed"]}]),
            "exactly one of slack, teams, email (got none)",
        ),
        (
            minimal(notifications=[{"on": ["deployed"], "slack": {"webhook_env": "S"}}]),
            "'plan_blocked'",
        ),
        (minimal(notifications=[{"on": [], "slack": {"webhook_env": "S"}}]), "at least 1 item"),
        (
            minimal(
                notifications=[
                    {"on": ["apply_failed"], "slack": {"webhook_url": "https://hooks.slack.com/x"}}
                ]
            ),
            "webhook_url: Extra inputs",
        ),
        (
            minimal(
                notifications=[
                    {
                        "on": ["apply_failed"],
                        "email": {
                            "to": ["not-mail"],
                            "smtp_host": "h",
                            "smtp_port": 25,
                            "from": "a@b.io",
                        },
                    }
                ]
            ),
            "email.to.0",
        ),
        (
            minimal(
                notifications=[
                    {
                        "on": ["apply_failed"],
                        "email": {
                            "to": ["a@b.io"],
                            "smtp_host": "h",
                            "smtp_port": 70000,
                            "from": "a@b.io",
                        },
                    }
                ]
            ),
            "smtp_port",
        ),
        (minimal(protected="yes please"), "protected: Input should be a valid boolean"),
        (
            {
                "version": 1,
                "environments": {"a": {"backend": {"sandbox": "s"}}},
                "defaults": {"backend": {"sandbox": "s"}},
            },
            "defaults.backend: Extra inputs",
        ),
        ({**minimal(), "teams": {"t": {"members": [], "role": "editor"}}}, "at least 1 item"),
        (
            {**minimal(), "teams": {"t": {"members": ["a"], "role": "owner"}}},
            "'viewer', 'editor', 'deployer' or 'admin'",
        ),
        ({**minimal(), "teams": {"t": {"members": ["-bad-"], "role": "viewer"}}}, "members.0"),
        (
            {
                **minimal(),
                "teams": {"t": {"members": ["a"], "role": "viewer", "kinds": ["themez"]}},
            },
            "did you mean 'theme'?",
        ),
        (
            {
                **minimal(),
                "teams": {"t": {"members": ["a"], "role": "viewer", "environments": ["stagin"]}},
            },
            "environment 'stagin', which is not defined; did you mean 'staging'?",
        ),
    ],
)
def test_every_rule_is_reported(data: Any, fragment: str) -> None:
    assert fragment in problems(data)


def test_all_problems_are_reported_at_once_with_lines(tmp_path: Path) -> None:
    text = FULL.replace("token_env: BC_PRODUCTION_TOKEN", "token_env: bc-token").replace(
        "timezone: Europe/London", "timezone: Europe/Londn"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith("2 problems in ")
    assert (
        "stagingpro.yaml:10:" in message and "environments.production.backend.token_env" in message
    )
    assert "stagingpro.yaml:15:" in message and "did you mean 'Europe/London'?" in message
    assert "bc-token" not in message  # a pasted token would not be echoed back in full


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match=r"stagingpro.yaml:\d+:\d+: not valid YAML"):
        load_config(write(tmp_path, "version: 1\nenvironments: [\n"))


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (datetime(2026, 11, 24, 9, 30, tzinfo=UTC), True),  # Tuesday 09:30 London (GMT)
        (datetime(2026, 11, 24, 16, 0, tzinfo=UTC), False),  # end is exclusive
        (datetime(2026, 11, 23, 10, 0, tzinfo=UTC), False),  # Monday
        (datetime(2026, 7, 7, 8, 45, tzinfo=UTC), True),  # Tuesday 09:45 BST
    ],
)
def test_deploy_window_contains(moment: datetime, inside: bool) -> None:
    window = DeployWindow(
        days=["tue", "wed", "thu"], start="09:30", end="16:00", timezone="Europe/London"
    )
    assert window.contains(moment) is inside


def test_deploy_window_spanning_midnight_belongs_to_its_start_day() -> None:
    window = DeployWindow(days=["sat"], start="22:00", end="02:00", timezone="UTC")
    assert window.contains(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # Saturday night
    assert window.contains(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))  # early Sunday
    assert not window.contains(datetime(2026, 11, 29, 23, 0, tzinfo=UTC))  # Sunday night
    assert not window.contains(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))  # early Saturday


def test_example_store_config_is_valid() -> None:
    path = Path(__file__).resolve().parents[1] / "store-state" / "stagingpro.yaml"
    config = load_config(path)
    assert set(config.environments) == {"production", "staging", "uat"}
    assert effective_environment(config, "production").protected


def test_the_model_is_the_json_schema_source() -> None:
    schema = ProjectConfig.model_json_schema(by_alias=True)
    assert "environments" in schema["properties"]
    assert yaml.safe_dump(schema)  # plain data, serialisable


def test_owned_pruning_is_refused_for_kinds_without_an_ownership_marker() -> None:
    from reconciler.config import parse_config
    from reconciler.errors import StateError

    text = (
        "version: 1\n"
        "environments:\n"
        "  staging:\n"
        "    backend: {sandbox: s}\n"
        "    prune: {pages: owned, products: owned, brands: owned, categories: owned}\n"
    )
    with pytest.raises((StateError, ConfigError)) as caught:
        parse_config(yaml.safe_load(text), "stagingpro.yaml", text)
    message = str(caught.value)
    assert "pages: owned: StagingPro cannot mark the page items" in message
    assert "products" not in message.split("pages: owned")[0]
    assert "brands" not in message and "categories" not in message


SECRETS = """\
version: 1
secrets: [HOOK_SECRET]
defaults:
  notifications:
    - on: [apply_failed]
      slack: {webhook_env: SLACK_URL}
environments:
  production:
    backend: {store_hash: abc123, token_env: BC_PRODUCTION_TOKEN}
  staging:
    backend: {sandbox: staging}
    secrets: [STAGING_SECRET]
"""


def test_the_secrets_allow_list_is_top_level_plus_the_environments_own() -> None:
    config = parse_config(yaml.safe_load(SECRETS), "stagingpro.yaml", SECRETS)
    assert effective_environment(config, "production").secrets == {"HOOK_SECRET"}
    assert effective_environment(config, "staging").secrets == {"HOOK_SECRET", "STAGING_SECRET"}


@pytest.mark.parametrize(
    ("listed", "line", "what"),
    [("BC_PRODUCTION_TOKEN", 12, "the store token of environment production"),
     ("SLACK_URL", 12, "a notification credential")],
)
def test_a_credential_in_an_allow_list_is_refused_at_its_line(
    listed: str, line: int, what: str
) -> None:
    text = SECRETS.replace("[STAGING_SECRET]", f"[STAGING_SECRET, {listed}]")
    with pytest.raises(ConfigError) as raised:
        parse_config(yaml.safe_load(text), "stagingpro.yaml", text)
    assert f"stagingpro.yaml:{line}:" in str(raised.value)
    assert f"{listed} holds {what}" in str(raised.value)
# Store hashes as BigCommerce shows them (the API path /stores/{store_hash}/v3 and the
# control panel's store-{store_hash}.mybigcommerce.com): short lowercase alphanumerics.
@pytest.mark.parametrize("store_hash", ["abc123", "17hoqh4ddx", "29i23fcz6", "123456"])
def test_real_store_hashes_are_accepted(store_hash: str) -> None:
    assert StoreBackend(store_hash=store_hash, token_env="T").store_hash == store_hash


@pytest.mark.parametrize(
    "store_hash", ["", "ABC123", "store-abc123", "abc 123", "abc123/v3", "a" * 65]
)
def test_what_is_not_a_store_hash_is_refused(store_hash: str) -> None:
    with pytest.raises(ValueError, match=r"\[a-z0-9\]"):
        StoreBackend(store_hash=store_hash, token_env="T")
