"""Deploy windows that schedule: ``window_state``, ``apply --schedule`` and ``--pending``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import yaml

from reconciler.apply.schedule import window_state
from reconciler.config import DAYS, EffectiveEnvironment, effective_environment, parse_config
from reconciler.errors import EXIT_BLOCKED, EXIT_OK
from tests.apply.conftest import Project

DENVER = ZoneInfo("America/Denver")


def settings_with(*windows: dict[str, object]) -> EffectiveEnvironment:
    config = parse_config({"version": 1, "environments": {
        "production": {"backend": {"sandbox": "p"}, "deploy_windows": list(windows)}}})
    return effective_environment(config, "production")


TUE_THU = {"days": ["tue", "wed", "thu"], "start": "09:30", "end": "16:00",
           "timezone": "America/Denver"}


def test_a_friday_waits_for_tuesday_morning() -> None:
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=DENVER)
    state = window_state(settings_with(TUE_THU), friday)
    assert not state.inside
    assert state.changes_at == datetime(2026, 12, 8, 9, 30, tzinfo=DENVER)
    assert "next one opens Tue 2026-12-08 09:30 MST" in state.describe("production")


def test_inside_a_window_until_it_closes_and_across_midnight() -> None:
    wednesday = datetime(2026, 12, 9, 10, 0, tzinfo=DENVER)
    state = window_state(settings_with(TUE_THU), wednesday)
    assert state.inside and state.changes_at == datetime(2026, 12, 9, 16, 0, tzinfo=DENVER)
    night = {"days": ["fri"], "start": "22:00", "end": "02:00", "timezone": "UTC"}
    saturday_1am = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    state = window_state(settings_with(night), saturday_1am)
    assert state.inside and state.changes_at == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    assert window_state(settings_with(night), datetime(2026, 12, 5, 2, 0, tzinfo=UTC)) \
        .changes_at == datetime(2026, 12, 11, 22, 0, tzinfo=UTC)


def test_no_windows_means_any_time() -> None:
    state = window_state(settings_with(), datetime.now(UTC))
    assert state.inside and state.changes_at is None
    assert "may be changed at any time" in state.describe("production")


def closed_now() -> dict[str, object]:
    """A window on the day three days from now: never open at the moment of the test."""
    day = DAYS[(datetime.now(UTC) + timedelta(days=3)).weekday()]
    return {"days": [day], "start": "10:00", "end": "11:00", "timezone": "UTC"}


ALWAYS_OPEN = [
    {"days": list(DAYS), "start": "00:00", "end": "12:00", "timezone": "UTC"},
    {"days": list(DAYS), "start": "12:00", "end": "00:00", "timezone": "UTC"},
]


def set_windows(project: Project, windows: list[dict[str, object]]) -> str:
    path = project.state / "stagingpro.yaml"
    config = yaml.safe_load(path.read_text())
    config["environments"]["staging"]["deploy_windows"] = windows
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return project.commit("staging's deploy windows")


def test_a_merge_outside_the_window_is_pending_until_the_window_opens(
    project: Project,
) -> None:
    merged = set_windows(project, [closed_now()])
    project.ensure_store()
    code, out, _ = project.apply("staging")
    assert code == EXIT_BLOCKED  # without --schedule: refused, as before
    cursor = project.cursor()
    code, out, _ = project.apply("staging", "--schedule")
    assert code == EXIT_OK and out.startswith("Pending: staging is outside its deploy windows")
    assert project.requests_since(cursor) == []  # the store was not touched
    code, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    [pending] = json.loads(out)
    assert pending["status"] == "pending" and pending["commit"] == merged
    code, out, _ = project.apply("staging", "--pending")
    assert code == EXIT_OK and "1 deployment(s) of staging pending" in out
    assert project.pending() != 0  # still nothing applied
    # The window opens (here: the team widens it); the scheduled run applies.
    set_windows(project, ALWAYS_OPEN)
    code, out, err = project.apply("staging", "--pending")
    assert code == EXIT_OK, err
    assert project.pending() == 0
    code, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    newest = json.loads(out)[0]
    assert newest["status"] == "succeeded" and newest["origin"] == pending["id"]
    code, out, _ = project.apply("staging", "--pending")
    assert code == EXIT_OK and "no deployment of staging is pending" in out


def test_the_window_command(project: Project) -> None:
    set_windows(project, [closed_now()])
    code, out, _ = project.cli("window", "staging", sandbox=False)
    assert code == EXIT_BLOCKED and "the next one opens" in out
    set_windows(project, ALWAYS_OPEN)
    code, out, _ = project.cli("window", "staging", sandbox=False)
    assert code == EXIT_OK and "is inside a deploy window until" in out
