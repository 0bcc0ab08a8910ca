"""The theme digest, the upload marker and the Stencil bundle."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.adapters.theme_bundle import (
    build_bundle,
    marked_name,
    parse_marked_name,
    theme_digest,
    theme_files,
)
from reconciler.errors import ConfigError
from tests.adapters.conftest import STATE_ROOT

EXAMPLE = STATE_ROOT / "themes" / "ridgeline"


def copy_theme(target: Path) -> Path:
    shutil.copytree(EXAMPLE, target)
    return target


def test_digest_depends_on_content_and_settings_only(tmp_path: Path) -> None:
    first = copy_theme(tmp_path / "a")
    second = copy_theme(tmp_path / "elsewhere" / "b")
    assert theme_digest(first) == theme_digest(second) == theme_digest(EXAMPLE)
    assert len(theme_digest(first)) == 16
    (second / "theme.yaml").write_text("name: Ridgeline\nversion: 9.9.9\n")
    (second / ".DS_Store").write_bytes(b"junk")
    (second / "node_modules" / "x").mkdir(parents=True)
    (second / "node_modules" / "x" / "index.js").write_text("junk")
    assert theme_digest(first) == theme_digest(second)
    assert theme_digest(first, {"a": 1}) != theme_digest(first, {"a": 2}) != theme_digest(first)
    (second / "templates" / "pages" / "home.html").write_text("<p>changed</p>")
    assert theme_digest(first) != theme_digest(second)


file_trees = st.dictionaries(
    st.lists(st.sampled_from(["a", "b", "c.html", "d.json"]), min_size=1, max_size=3).map(
        lambda parts: "/".join(["templates", *parts[:-1], f"f-{parts[-1]}"])
    ),
    st.binary(max_size=40),
    min_size=1,
    max_size=6,
)


def write_tree(root: Path, files: dict[str, bytes], order: list[str]) -> Path:
    root.mkdir(parents=True)
    (root / "config.json").write_text('{"name": "T", "version": "1.0.0"}')
    for relative in order:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(files[relative])
    return root


@settings(max_examples=40, deadline=None)
@given(files=file_trees, data=st.data())
def test_digest_ignores_write_order_and_sees_every_byte(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes], data: st.DataObject
) -> None:
    # Paths that are both a file and a folder cannot exist on disk: keep the files only.
    files = {k: v for k, v in files.items() if not any(o.startswith(k + "/") for o in files)}
    base = tmp_path_factory.mktemp("tree")
    order = data.draw(st.permutations(sorted(files)))
    one = write_tree(base / "one", files, sorted(files))
    two = write_tree(base / "two", files, list(order))
    assert theme_digest(one) == theme_digest(two)
    victim = data.draw(st.sampled_from(sorted(files)))
    (two / victim).write_bytes(files[victim] + b"!")
    assert theme_digest(one) != theme_digest(two)


def test_marker_round_trip() -> None:
    name = marked_name("Ridgeline Outfitters", "1.3.0-beta.2", "0123456789abcdef")
    assert name == "Ridgeline Outfitters [1.3.0-beta.2 sp-0123456789abcdef]"
    assert parse_marked_name(name) == ("Ridgeline Outfitters", "1.3.0-beta.2", "0123456789abcdef")
    assert parse_marked_name("Cornerstone") is None
    assert parse_marked_name("Mine [1.0 sp-xyz]") is None


def test_bundle_is_deterministic_with_marked_name_and_overrides(tmp_path: Path) -> None:
    overrides = {"color-primary": "#000000", "homepage_featured_products_count": 8}
    one = build_bundle(EXAMPLE, "Ridgeline [1.3.0 sp-0123456789abcdef]", overrides)
    two = build_bundle(copy_theme(tmp_path / "copy"), "Ridgeline [1.3.0 sp-0123456789abcdef]",
                       overrides)
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as archive:
        names = archive.namelist()
        config = json.loads(archive.read("config.json"))
    assert names == sorted(names) and "theme.yaml" not in names
    assert names == [relative for relative, _ in theme_files(EXAMPLE)]
    assert config["name"] == "Ridgeline [1.3.0 sp-0123456789abcdef]"
    assert config["version"] == "1.3.0"
    assert config["settings"]["color-primary"] == "#000000"
    assert config["settings"]["color-accent"] == "#c4522c"  # kept from config.json
    for variation in config["variations"]:
        assert variation["settings"]["color-primary"] == "#000000"


def test_a_folder_without_config_json_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    with pytest.raises(ConfigError, match=str(tmp_path)):
        theme_digest(tmp_path)
