"""Files from outside the repository never reach the store: symlinks, ``..`` paths,
FIFOs and devices are refused with file:line at validate, plan and apply, and the
hashing and bundling code refuses them too when validation is skipped."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reconciler.adapters.theme_bundle import build_bundle, theme_digest
from reconciler.config import load_config
from reconciler.errors import UnsafeFileError
from reconciler.plan.canonical import file_digest
from reconciler.state import load_state, validate_state
from tests.apply.conftest import EXAMPLE, Project, example_project
from tests.hostile.limits import bounded

SECRET = b"BC_PRODUCTION_TOKEN=do-not-upload\n"
THEME = "themes/ridgeline"
PRODUCT = "catalog/products/alpenglow-down-jacket.yaml"
IMAGE = "images/alpenglow-down-jacket.png"


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    """The example store-state in a git repository, with a secret file beside it."""
    project = example_project(tmp_path, monkeypatch, capsys)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/id_rsa.png").write_bytes(SECRET)
    return project


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def assert_refused_everywhere(project: Project, where: str, says: str) -> None:
    """validate, plan and apply exit 1 naming ``where`` (file:line) and ``says``; apply
    writes nothing to the store."""
    code, out, err = project.cli("validate", sandbox=False)
    assert code == 1, out + err
    assert f"store-state/{where}:" in out and says in out, out
    code, out, err = project.cli("plan", "staging")
    assert code == 1 and f"{where}:" in out + err and says in out + err, out + err
    project.ensure_store()
    cursor = project.cursor()
    code, out, err = project.apply("staging")
    assert code == 1 and says in out + err, out + err
    assert [r for r in project.requests_since(cursor) if r["method"] != "GET"] == []


# --- themes ---------------------------------------------------------------------------


def test_a_theme_file_symlinked_outside_is_refused_at_validate_plan_and_apply(
    project: Project,
) -> None:
    (project.state / THEME / "assets/env.txt").symlink_to(project.root / "outside/id_rsa.png")
    line = line_of(project.state / THEME / "theme.yaml", "name:")
    assert_refused_everywhere(project, f"{THEME}/theme.yaml:{line}", "outside the folder")


def test_the_digest_and_bundle_never_read_a_file_outside_the_theme(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(EXAMPLE / THEME, theme)
    (tmp_path / "key.pem").write_bytes(SECRET)
    (theme / "assets/env.txt").symlink_to(tmp_path / "key.pem")
    with pytest.raises(UnsafeFileError, match=r"assets/env\.txt.*outside the theme folder"):
        theme_digest(theme)
    with pytest.raises(UnsafeFileError, match="outside the theme folder"):
        build_bundle(theme, "Ridgeline [1.3.0 sp-0000000000000000]", None)
    (theme / "assets/env.txt").unlink()
    (theme / "assets/proc").symlink_to("/proc/self")  # a folder: refused, not descended
    with pytest.raises(UnsafeFileError, match="assets/proc"):
        theme_digest(theme)


def test_a_symlink_inside_the_theme_is_bundled_as_the_file_it_names(tmp_path: Path) -> None:
    copied, linked = tmp_path / "copied", tmp_path / "linked"
    shutil.copytree(EXAMPLE / THEME, copied)
    shutil.copytree(EXAMPLE / THEME, linked)
    shutil.copy(copied / "config.json", copied / "assets/config-copy.json")
    (linked / "assets/config-copy.json").symlink_to("../config.json")
    assert theme_digest(linked) == theme_digest(copied)


def test_a_fifo_in_a_theme_is_refused_without_opening_it(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(EXAMPLE / THEME, theme)
    os.mkfifo(theme / "assets/pipe.txt")
    with bounded(seconds=5), pytest.raises(UnsafeFileError, match="not a regular file"):
        theme_digest(theme)


def test_a_theme_directory_outside_the_state_is_refused(project: Project) -> None:
    shutil.copytree(project.state / THEME, project.root / "outside/theme")
    theme_yaml = project.state / THEME / "theme.yaml"
    theme_yaml.write_text(
        theme_yaml.read_text() + "directory: ../../../outside/theme\n", encoding="utf-8"
    )
    line = line_of(theme_yaml, "directory:")
    assert_refused_everywhere(project, f"{THEME}/theme.yaml:{line}", "outside the state")


# --- product images -------------------------------------------------------------------


def point_image_at(project: Project, target: str) -> int:
    path = project.state / PRODUCT
    path.write_text(path.read_text().replace(f"file: {IMAGE}", f"file: {target}", 1))
    return line_of(path, f"file: {target}")


def test_an_image_path_leaving_the_state_is_refused_even_when_the_file_exists(
    project: Project,
) -> None:
    line = point_image_at(project, "../../../outside/id_rsa.png")
    assert_refused_everywhere(project, f"{PRODUCT}:{line}", "is outside the state directory")
    assert file_digest(project.state)("../outside/id_rsa.png") is None


def test_an_image_symlinked_outside_is_refused_and_never_hashed(project: Project) -> None:
    image = project.state / "catalog/products" / IMAGE
    image.unlink()
    image.symlink_to(project.root / "outside/id_rsa.png")
    line = line_of(project.state / PRODUCT, f"file: {IMAGE}")
    assert_refused_everywhere(project, f"{PRODUCT}:{line}", "symlink")
    assert file_digest(project.state)(f"catalog/products/{IMAGE}") is None


def test_a_fifo_image_is_refused_and_never_opened(project: Project) -> None:
    image = project.state / "catalog/products" / IMAGE
    image.unlink()
    os.mkfifo(image)
    with bounded(seconds=10):
        report = validate_state(project.state, ["staging"])
        assert file_digest(project.state)(f"catalog/products/{IMAGE}") is None
    line = line_of(project.state / PRODUCT, f"file: {IMAGE}")
    assert [(p.file, p.line) for p in report.problems] == [(PRODUCT, line)]
    assert "not a regular file" in report.problems[0].message


# --- YAML files -------------------------------------------------------------------------


def test_a_yaml_file_symlinked_outside_the_state_is_not_read(project: Project) -> None:
    (project.root / "outside/brand.yaml").write_text("name: Smuggled\n")
    (project.state / "catalog/brands/smuggled.yaml").symlink_to(
        project.root / "outside/brand.yaml"
    )
    report = validate_state(project.state)
    assert [(p.file, p.line) for p in report.problems] == [("catalog/brands/smuggled.yaml", 1)]
    assert "outside the state directory" in report.problems[0].message


def test_a_yaml_file_that_is_a_device_or_fifo_is_refused_unopened(project: Project) -> None:
    (project.state / "catalog/brands/zero.yaml").symlink_to("/dev/null")
    os.mkfifo(project.state / "catalog/brands/pipe.yaml")
    with bounded(seconds=10):
        report = validate_state(project.state)
    assert [(p.file, p.line) for p in report.problems] == [
        ("catalog/brands/pipe.yaml", 1), ("catalog/brands/zero.yaml", 1)
    ]
    assert "not a regular file" in report.problems[0].message
    assert "symlink to /dev/null, outside the state directory" in report.problems[1].message


def test_a_yaml_symlink_staying_inside_the_state_is_read(project: Project) -> None:
    shared = project.state / ".shared"
    shared.mkdir()
    (shared / "brand.yaml").write_text("name: Linked Brand\n")
    (project.state / "catalog/brands/linked.yaml").symlink_to("../../.shared/brand.yaml")
    assert load_state(project.state, "staging").get("brand", "Linked Brand") is not None


def test_a_config_or_overlay_symlinked_outside_is_refused(project: Project) -> None:
    config = project.state / "stagingpro.yaml"
    shutil.move(config, project.root / "outside/stagingpro.yaml")
    config.symlink_to(project.root / "outside/stagingpro.yaml")
    with pytest.raises(UnsafeFileError, match="outside the state directory"):
        load_config(config)
    code, out, _ = project.cli("validate", sandbox=False)
    assert code == 1 and "stagingpro.yaml:1:1:" in out and "outside the state" in out
    config.unlink()
    shutil.move(project.root / "outside/stagingpro.yaml", config)

    overlay = project.state / "environments/staging/overlay.yaml"
    shutil.move(overlay, project.root / "outside/overlay.yaml")
    overlay.symlink_to(project.root / "outside/overlay.yaml")
    report = validate_state(project.state, ["staging"])
    assert [p.file for p in report.problems] == ["environments/staging/overlay.yaml"]
    assert "outside the state directory" in report.problems[0].message
