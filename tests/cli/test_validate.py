"""``stagingpro validate``: output formats, exit codes, paths, environments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reconciler.cli.app import main
from tests.state.base import write_base

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory holding a valid ``store-state/``."""
    write_base(tmp_path / "store-state")
    return tmp_path


def break_brand(project: Path) -> None:
    (project / "store-state/catalog/brands/summit.yaml").write_text(
        "name: Summit\npage_tilte: Summit\n", encoding="utf-8"
    )


def test_valid_state_prints_a_summary_per_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["validate"]) == 0  # --state defaults to ./store-state
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "production: 1 brand, 2 categories, 1 product, 2 pages, 1 redirect",
        "staging: 1 brand, 2 categories, 1 product, 1 page, 1 redirect",
    ]
    assert err == ""


def test_env_selects_environments(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["validate", "--env", "staging"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "staging: 1 brand, 2 categories, 1 product, 1 page, 1 redirect"
    ]


def test_unknown_env_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["validate", "--env", "prod"]) == 1
    err = capsys.readouterr().err
    assert "unknown environment 'prod' — did you mean 'production'?" in err


def test_problems_use_paths_relative_to_the_current_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    break_brand(project)
    monkeypatch.chdir(project)
    assert main(["validate", "--state", "store-state"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "store-state/catalog/brands/summit.yaml:2:1: brand Summit: unknown field"
        " 'page_tilte' — did you mean 'page_title'?"
    ]
    assert err.strip() == "1 problem found"


def test_paths_outside_the_current_directory_are_absolute(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    break_brand(project)
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert main(["validate", "--state", str(project / "store-state")]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{(project / 'store-state').resolve()}/catalog/brands/summit.yaml:2:1:")


def test_json_output_has_a_versioned_shape(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["validate", "--format", "json"]) == 0
    valid = json.loads(capsys.readouterr().out)
    assert valid == {
        "version": 1,
        "valid": True,
        "problem_count": 0,
        "problems": [],
        "environments": {
            "production": {
                "counts": {"brand": 1, "category": 2, "product": 1, "page": 2, "redirect": 1},
                "total": 7,
            },
            "staging": {
                "counts": {"brand": 1, "category": 2, "product": 1, "page": 1, "redirect": 1},
                "total": 6,
            },
        },
    }
    break_brand(project)
    assert main(["validate", "--format", "json", "--env", "production"]) == 1
    invalid = json.loads(capsys.readouterr().out)
    assert invalid["valid"] is False
    assert invalid["problems"] == [
        {
            "file": "store-state/catalog/brands/summit.yaml",
            "line": 2,
            "column": 1,
            "kind": "brand",
            "key": "Summit",
            "message": "unknown field 'page_tilte' — did you mean 'page_title'?",
        }
    ]


def test_missing_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert "state directory store-state not found" in err
    assert "--state DIR" in err


def test_the_example_store_is_valid_in_every_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    code = main(["validate", "--state", "store-state"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    declared = yaml.safe_load((REPO / "store-state/stagingpro.yaml").read_text())
    environments = [line.split(":", 1)[0] for line in out.splitlines()]
    assert environments == list(declared["environments"])
