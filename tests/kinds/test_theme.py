from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.kinds.base import FileRef
from reconciler.kinds.theme import Theme, ThemeKind, config_mismatches
from tests.kinds.helpers import assert_rejected

KIND = ThemeKind()


def test_a_theme_validates_with_any_json_settings() -> None:
    theme = Theme.model_validate(
        {
            "name": "Ridgeline",
            "version": "1.2.0",
            "variation": "Light",
            "channel_id": 1,
            "settings": {
                "color-primary": "#2f5d50",
                "show_powered_by": False,
                "homepage_featured_products_count": 8,
                "fonts": ["Karla", {"weight": 400}],
            },
        }
    )
    assert theme.settings is not None and theme.settings["homepage_featured_products_count"] == 8
    assert KIND.key(theme) == "Ridgeline"


@pytest.mark.parametrize("version", ["1.2", "v1.2.0", "01.2.0", "1.2.0-", "latest"])
def test_version_must_be_semver(version: str) -> None:
    assert_rejected(Theme, {"name": "R", "version": version}, ("version",), "pattern")


@pytest.mark.parametrize("version", ["0.0.1", "1.2.0-beta.1", "10.20.30+build.5"])
def test_semver_versions_validate(version: str) -> None:
    assert Theme.model_validate({"name": "R", "version": version}).version == version


def test_settings_must_be_json() -> None:
    assert_rejected(Theme, {"name": "R", "settings": {"a": {1, 2}}}, ("settings", "a"), "")
    assert_rejected(Theme, {"name": "R", "directory": "/abs"}, ("directory",), "relative")


def test_files_is_the_theme_folder() -> None:
    assert list(KIND.files(Theme(name="R"))) == [FileRef(".", ("directory",), directory=True)]
    assert list(KIND.files(Theme(name="R", directory="../src"))) == [
        FileRef("../src", ("directory",), directory=True)
    ]
    assert KIND.directory == "themes" and KIND.file_glob == "*/theme.yaml"


def test_config_mismatches_compares_with_config_json(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(
        json.dumps({"version": "1.2.0", "variations": [{"name": "Light"}, {"name": "Dark"}]})
    )
    assert config_mismatches(Theme(name="R", version="1.2.0", variation="Dark"), tmp_path) == []
    problems = config_mismatches(Theme(name="R", version="1.3.0", variation="Dusk"), tmp_path)
    assert problems == [
        "version 1.3.0 does not match config.json's '1.2.0'",
        "variation 'Dusk' is not in config.json (it has Light, Dark)",
    ]
    assert "cannot read" in config_mismatches(Theme(name="R"), tmp_path / "missing")[0]


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_settings_with_a_non_finite_number_are_refused(number: float) -> None:
    with pytest.raises(ValueError, match="JSON cannot carry"):
        Theme.model_validate({"name": "Ridgeline", "settings": {"fonts": [{"size": number}]}})
