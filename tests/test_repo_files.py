"""Opening repository files: the one gate every path from the repository goes through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler import repo_files
from reconciler.errors import UnsafeFileError


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``outside/secret`` beside ``root/``; inside the root, files, folders and symlinks
    pointing in and out (a link cycle too)."""
    base = tmp_path_factory.mktemp("tree")
    (base / "outside").mkdir()
    (base / "outside/secret").write_text("secret")
    root = base / "root"
    (root / "a/b").mkdir(parents=True)
    (root / "a/file").write_text("a")
    (root / "a/b/file").write_text("b")
    (root / "a/up").symlink_to("..")  # inside: the root itself
    (root / "a/out").symlink_to(base / "outside")  # a folder outside
    (root / "a/leak").symlink_to(base / "outside/secret")  # a file outside
    (root / "a/b/loop").symlink_to("loop")
    return root


SEGMENTS = st.sampled_from(["a", "b", "file", "up", "out", "leak", "loop", "..", ".", "secret"])


@settings(max_examples=300, deadline=None)
@given(st.lists(SEGMENTS, min_size=1, max_size=7))
def test_a_resolved_path_never_leaves_the_root(tree: Path, segments: list[str]) -> None:
    relative = "/".join(segments)
    try:
        real = repo_files.resolve(tree, relative)
    except UnsafeFileError as refused:
        assert refused.file and refused.reason
        return
    assert real == tree.resolve() or tree.resolve() in real.parents


def test_reads_a_regular_file_and_refuses_what_leaves_the_root(tree: Path) -> None:
    assert repo_files.read_bytes(tree, "a/up/a/b/file") == b"b"
    for outside in ("a/leak", "a/out/secret", "../outside/secret", "/etc/hostname"):
        with pytest.raises(UnsafeFileError):
            repo_files.read_bytes(tree, outside)
    with pytest.raises(FileNotFoundError):
        repo_files.read_bytes(tree, "a/missing")


def test_non_regular_and_oversized_files_are_refused_from_stat(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")  # opening it for reading would wait for a writer
    with pytest.raises(UnsafeFileError, match="not a regular file"):
        repo_files.open_file(tmp_path, "pipe")
    with pytest.raises(UnsafeFileError, match="is a folder"):
        repo_files.read_bytes(tmp_path, ".")
    (tmp_path / "big").write_bytes(b"x" * 11)
    with pytest.raises(UnsafeFileError, match="larger than"):
        repo_files.read_bytes(tmp_path, "big", limit=10)
    assert repo_files.read_bytes(tmp_path, "big", limit=11) == b"x" * 11


def test_walk_lists_sorted_files_skipping_dot_and_unread_folders(tmp_path: Path) -> None:
    for name in ("b.txt", "a/z.txt", "a/c.txt", ".git/config", "node_modules/x/y.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    (tmp_path / "a/link.txt").symlink_to("../b.txt")
    (tmp_path / "node_modules/out").symlink_to("/etc")  # never looked at
    walked = repo_files.walk_files(tmp_path, inside="the folder")
    assert [relative for relative, _ in walked] == ["a/c.txt", "a/link.txt", "a/z.txt", "b.txt"]
    assert dict(walked)["a/link.txt"] == (tmp_path / "b.txt").resolve()
    (tmp_path / "a/etc").symlink_to("/etc")
    with pytest.raises(UnsafeFileError, match="'a/etc' is or passes through a symlink"):
        repo_files.walk_files(tmp_path, inside="the folder")
