"""From files to raw items: which file belongs to which kind, and what it holds.

Every ``*.yaml``/``*.yml`` file under the state root is one of

* ``stagingpro.yaml`` — the project configuration;
* a *kind file* — under a kind's ``directory`` and matching its ``file_glob``;
* ``environments/<env>/overlay.yaml`` — an environment's patches and removals;
* ``environments/<env>/<kind directory>/…`` — items that exist only in that environment.

Anything else is a problem. A kind file holds one item (a mapping) or the kind's plural
key with a list of items (``products: [...]``). Files are read with
:mod:`reconciler.state.yamlio`; each item remembers its file and its path inside the
document so that positions can be resolved later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reconciler import repo_files
from reconciler.errors import Problem, UnsafeFileError
from reconciler.kinds.base import FieldPath, Kind
from reconciler.state import yamlio
from reconciler.state.positions import Positions

CONFIG_FILE = "stagingpro.yaml"
ENVIRONMENTS_DIR = "environments"
OVERLAY_FILE = "overlay.yaml"
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class KindFile:
    """A file holding items of ``kind``; ``environment`` is set for environment-only items."""

    path: str
    kind: Kind[Any]
    environment: str = ""


@dataclass(frozen=True)
class OverlayFile:
    """``environments/<environment>/overlay.yaml``."""

    path: str
    environment: str


@dataclass(frozen=True)
class Layout:
    """Every YAML file of a state tree, classified (paths relative to the root, sorted)."""

    config: str | None
    kind_files: tuple[KindFile, ...]
    overlays: tuple[OverlayFile, ...]
    environment_dirs: Mapping[str, str]
    """Each ``environments/<env>`` directory holding YAML, mapped to its first file."""
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class RawItem:
    """One item as written: plain data, its file and its path inside the document."""

    kind: Kind[Any]
    file: str
    document_path: FieldPath
    data: Any
    environment: str = ""

    @property
    def shown_key(self) -> str:
        """The natural key as written, as far as the raw data has it (for messages)."""
        return raw_key(self.kind, self.data)


def raw_key(kind: Kind[Any], data: Any) -> str:
    """The natural key of raw item data, leaving out key fields that are missing."""
    if not isinstance(data, Mapping):
        return ""
    parts = [data.get(field) for field in kind.key_fields]
    return " ".join(
        str(part) for part in parts if isinstance(part, str | int | float) and part != ""
    )


def yaml_files(root: Path) -> list[str]:
    """Every YAML file under ``root`` (POSIX paths relative to it, sorted); skips dot dirs."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relative = os.path.relpath(folder, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.extend(prefix + name for name in files if name.endswith(YAML_SUFFIXES))
    found.sort()
    return found


@cache
def _glob_regex(glob: str) -> re.Pattern[str]:
    """A ``Path.glob``-style pattern as a regex (``**/`` any folders, ``*`` one segment);
    a pattern ending in ``.yaml`` also accepts ``.yml``."""
    pattern = ""
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            pattern += "(?:.*/)?"
            index += 3
        elif glob[index] == "*":
            pattern += "[^/]*"
            index += 1
        else:
            pattern += re.escape(glob[index])
            index += 1
    if pattern.endswith(re.escape(".yaml")):
        pattern = pattern[: -len(re.escape(".yaml"))] + r"\.ya?ml"
    return re.compile(pattern + r"\Z")


def kind_of(relative: str, kinds: Sequence[Kind[Any]]) -> Kind[Any] | bool | None:
    """The kind a path (relative to a state or environment root) holds items of.

    Returns ``True`` for a file inside a kind's directory that is not a kind file (a
    theme's own source files), ``None`` when no kind claims the path.
    """
    inside = False
    for kind in kinds:
        prefix = kind.directory.rstrip("/") + "/"
        if relative.startswith(prefix):
            if _glob_regex(kind.file_glob).match(relative[len(prefix) :]):
                return kind
            inside = True
    return True if inside else None


def classify(root: Path, kinds: Sequence[Kind[Any]]) -> Layout:
    """Sort every YAML file under ``root`` into config, kind files and overlays."""
    config: str | None = None
    kind_files: list[KindFile] = []
    overlays: list[OverlayFile] = []
    environment_dirs: dict[str, str] = {}
    problems: list[Problem] = []
    for path in yaml_files(root):
        if path in {CONFIG_FILE, "stagingpro.yml"}:
            config = path
            continue
        environment = ""
        relative = path
        if path.startswith(ENVIRONMENTS_DIR + "/"):
            parts = path.split("/", 2)
            if len(parts) < 3:
                problems.append(_stray(path, kinds))
                continue
            environment, relative = parts[1], parts[2]
            environment_dirs.setdefault(environment, path)
            if relative in {OVERLAY_FILE, "overlay.yml"}:
                overlays.append(OverlayFile(path, environment))
                continue
        kind = kind_of(relative, kinds)
        if kind is None:
            problems.append(_stray(path, kinds, environment))
        elif isinstance(kind, Kind):
            kind_files.append(KindFile(path, kind, environment))
    return Layout(config, tuple(kind_files), tuple(overlays), environment_dirs, tuple(problems))


def _stray(path: str, kinds: Sequence[Kind[Any]], environment: str = "") -> Problem:
    if environment:
        where = ", ".join(f"{k.directory}/" for k in kinds)
        message = (
            f"not part of any kind; under environments/{environment}/ expected "
            f"{OVERLAY_FILE} or one of {where}"
        )
    else:
        where = ", ".join(
            [*(f"{k.directory}/" for k in kinds), CONFIG_FILE, f"{ENVIRONMENTS_DIR}/<env>/"]
        )
        message = f"not part of any kind; expected one of {where}"
    return Problem(path, 1, 1, message)


def read(root: Path, path: str) -> Any | yamlio.YamlFailure:
    """Read and parse one file: plain data, or where and why it could not be read
    (also when it is not a regular file or leads outside ``root``: :mod:`reconciler.repo_files`)."""
    try:
        raw = repo_files.read_bytes(root, path)
    except UnsafeFileError as error:
        return yamlio.YamlFailure(1, 1, error.reason)
    except OSError as error:
        return yamlio.YamlFailure(1, 1, f"cannot read the file: {error.strerror}")
    text = yamlio.decode(raw)
    if isinstance(text, yamlio.YamlFailure):
        return text
    return yamlio.parse(text)


def read_many(root: Path, paths: Iterable[str]) -> list[Any | yamlio.YamlFailure]:
    """:func:`read` for several files (the unit of work of a parsing process)."""
    return [read(root, path) for path in paths]


def split_items(
    kind_file: KindFile, data: Any, kinds: Sequence[Kind[Any]], positions: Positions
) -> tuple[list[RawItem], list[Problem]]:
    """The items a parsed kind file holds, or the problems with its shape."""
    kind, path = kind_file.kind, kind_file.path
    expected = f"expected one {kind.name} (a mapping) or '{kind.plural}:' with a list"
    if data is None:
        return [], [Problem(path, 1, 1, f"empty file; {expected}")]
    if not isinstance(data, Mapping):
        got = "a list" if isinstance(data, list) else f"{type(data).__name__} value"
        return [], [Problem(path, 1, 1, f"the file holds {got}; {expected}")]
    list_key = _list_key(kind, data)
    if list_key is None:
        return [RawItem(kind, path, (), data, kind_file.environment)], []
    if list_key != kind.plural:
        other = next((k for k in kinds if list_key in {k.plural, k.name}), None)
        hint = f" ({list_key} belong in {other.directory}/)" if other and other is not kind else ""
        place = positions.locate(path, (list_key,), key=True)
        return [], [
            Problem(
                path,
                place.line,
                place.column,
                f"a list file in {kind.directory}/ puts its items under '{kind.plural}:', "
                f"not '{list_key}:'{hint}",
            )
        ]
    entries = data[list_key]
    if not entries:
        return [], [Problem(path, 1, 1, f"'{kind.plural}:' holds no items; {expected}")]
    return [
        RawItem(kind, path, (list_key, index), entry, kind_file.environment)
        for index, entry in enumerate(entries)
    ], []


def _list_key(kind: Kind[Any], data: Mapping[Any, Any]) -> str | None:
    """The key of a list file (``products``), or None when the mapping is one item."""
    if len(data) != 1:
        return None
    (key,) = data
    if not isinstance(key, str) or key in kind.model.model_fields:
        return None
    value = data[key]
    return key if isinstance(value, list) or value is None else None
