"""Line and column of any value in the declared state, resolved only when asked.

Loading 10,000 files must not pay for positions it will never print, so the loader
keeps plain data and remembers, for every item, its file and its path inside the
document. When a message needs a place, :class:`Positions` composes that file's node
tree once (cached) and walks the path to the node.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import yaml

from reconciler import repo_files
from reconciler.errors import UnsafeFileError
from reconciler.state import yamlio


class Place(NamedTuple):
    """A position in a file: ``file`` relative to the state root; 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Positions:
    """Resolves ``(file, path inside the document)`` to a :class:`Place`; thread-safe."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._trees: dict[str, yaml.Node | None] = {}
        self._lock = threading.Lock()

    def locate(self, file: str, path: Sequence[str | int], *, key: bool = False) -> Place:
        """The place of the value at ``path`` in ``file``.

        With ``key=True`` the place of the mapping key naming the last element (for an
        unknown field). A path that goes further than the document (a missing field)
        resolves to the deepest node that exists: the mapping the field is missing from.
        """
        node = self._tree(file)
        if node is None:
            return Place(file, 1, 1)
        last = len(path) - 1
        for index, step in enumerate(path):
            found = _child(node, step, key=key and index == last)
            if found is None:
                break
            node = found
        return Place(file, node.start_mark.line + 1, node.start_mark.column + 1)

    def _tree(self, file: str) -> yaml.Node | None:
        with self._lock:
            if file in self._trees:
                return self._trees[file]
        try:
            text = repo_files.read_bytes(self._root, file).decode("utf-8-sig")
            tree = yamlio.compose(text)
        except (OSError, UnsafeFileError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
            tree = None
        with self._lock:
            self._trees[file] = tree
        return tree


def _child(node: yaml.Node, step: str | int, *, key: bool) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(step):
                return key_node if key else value_node
        return None
    inside = isinstance(step, int) and 0 <= step < len(node.value)
    if isinstance(node, yaml.SequenceNode) and inside:
        return node.value[step]  # type: ignore[no-any-return]
    return None

