"""Fast, strict YAML reading for the declared state.

Bulk loading parses every file with PyYAML's libyaml-backed ``CSafeLoader`` (about twice
as fast as ruamel.yaml's safe loader, and over ten times faster than its round-trip
loader); the pure-Python loader is the fallback when libyaml is missing. The loader
refuses duplicate mapping keys, which YAML parsers otherwise resolve silently (last one
wins), because a duplicated ``price:`` in a product file is almost always a mistake.

Every failure becomes a :class:`YamlFailure` with a 1-based line and column, never an
exception: the loader reports every problem of every file at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml is part of the PyYAML wheels we use
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


@dataclass(frozen=True)
class YamlFailure:
    """Why a file could not be read as YAML, and where (1-based line and column)."""

    line: int
    column: int
    message: str


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping declares the same key twice (raised while constructing, caught here)."""


_RESOLVED: dict[str, str] = {}
"""Tag of each plain scalar seen so far: state files repeat the same keys and values
(``sku``, ``name``, ``true``) thousands of times, and resolving means trying regexes."""


class StrictLoader(_BaseLoader):
    """``CSafeLoader`` whose mappings reject duplicate keys (reported at the second key)."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        # Called by the C composer for every node without an explicit tag. We install
        # no path resolvers, so PyYAML's resolve reduces to: plain scalars by pattern,
        # quoted scalars are strings, collections are maps and sequences.
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return "tag:yaml.org,2002:str"
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_RESOLVED) < 200_000:
                    _RESOLVED[value] = tag
            return tag
        if kind is yaml.MappingNode:
            return "tag:yaml.org,2002:map"
        return "tag:yaml.org,2002:seq"

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # unhashable key: let PyYAML raise its own error
                continue
            if first is not None:
                raise DuplicateKeyError(
                    problem=(
                        f"duplicate key {key!r} (first at line {first.start_mark.line + 1}); "
                        "a mapping may declare each key once"
                    ),
                    problem_mark=key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: StrictLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith(("0x", "0o")):
        return sign * int(digits[2:], 16 if digits[1] == "x" else 8)
    return sign * int(digits, 10)


# YAML 1.2 core schema, as ruamel.yaml writes it: only true/false are booleans (YAML
# 1.1 also reads yes/no/on/off, so a country code NO or a prune mode "off" turned into
# a boolean), integers are decimal (1.1 reads 010 as octal and 1:30 as 90), and
# timestamps stay text exactly as written ("2024-05-01", not a ``datetime.date``).
StrictLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
):
    StrictLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first)
    )
StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    StrictLoader.construct_yaml_str,  # type: ignore[type-var]
)


class _Unusual(Exception):
    """The document needs PyYAML's full constructor."""


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Builder:
    """Node tree → plain data, for the tags of the YAML 1.2 core schema.

    Same results as :class:`StrictLoader`'s constructor, about three times faster: it
    recurses directly instead of going through PyYAML's generator-based two-step
    construction (which exists for recursive structures that state files never use).
    """

    def __init__(self) -> None:
        self._active: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self._active:
            raise _Unusual  # a recursive alias
        if len(self._active) >= MAX_DEPTH:
            raise _TooDeep(node)
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
                return self._mapping(node)
            if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
                return [self.build(child) for child in node.value]
        finally:
            self._active.discard(id(node))
        raise _Unusual

    @staticmethod
    def _scalar(node: yaml.ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag in (_STR, _TIMESTAMP):
            return value
        if tag == _INT:
            return _construct_int(None, node)  # type: ignore[arg-type]
        if tag == _FLOAT:
            lowered = value.lower()
            if lowered.endswith((".inf", ".nan")):
                sign = -1.0 if lowered.startswith("-") else 1.0
                return sign * float("inf") if lowered.endswith("inf") else float("nan")
            return float(value)
        if tag == _BOOL:
            return value.lower() == "true"
        if tag == _NULL:
            return None
        raise _Unusual

    def _mapping(self, node: yaml.MappingNode) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: list[yaml.MappingNode] = []
        first_at: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(_merge_sources(value_node))
                continue
            key = self.build(key_node)
            try:
                first = first_at.get(key)
            except TypeError:
                raise _Unusual from None  # unhashable key: PyYAML reports it
            if first is not None:
                raise DuplicateKeyError(
                    problem=(
                        f"duplicate key {key!r} (first at line {first.start_mark.line + 1});"
                        " a mapping may declare each key once"
                    ),
                    problem_mark=key_node.start_mark,
                )
            first_at[key] = key_node
            result[key] = self.build(value_node)
        if merged:
            # "<<" keys fill in what the mapping does not say; earlier sources win.
            base: dict[Any, Any] = {}
            for source in reversed(merged):
                base.update(self._mapping(source))
            base.update(result)
            return base
        return result


def _merge_sources(node: yaml.Node) -> list[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        return [node]
    if isinstance(node, yaml.SequenceNode) and all(
        isinstance(child, yaml.MappingNode) for child in node.value
    ):
        return list(node.value)
    raise _Unusual  # PyYAML reports the bad merge


def decode(raw: bytes) -> str | YamlFailure:
    """Decode a file's bytes as UTF-8 (a BOM is allowed), or say where it is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        return YamlFailure(
            line,
            column,
            f"byte 0x{raw[error.start]:02x} is not valid UTF-8; save the file as UTF-8",
        )


ALIAS_BUDGET = 50_000
"""How many values aliases may copy into one document, in all. Anchors and aliases
(``<<: *defaults``) save repeating a few fields; nested aliases multiply instead (an
"alias bomb" of 700 bytes expands to a billion values), so beyond this the file is
refused before anything is built."""
MAX_DEPTH = 100
"""How deeply collections may nest in one document (state files need fewer than ten)."""


_TOO_DEEP = f"collections nest deeper than {MAX_DEPTH} levels; flatten the document"


class _TooDeep(Exception):
    """The builder reached :data:`MAX_DEPTH` at ``node``."""

    def __init__(self, node: yaml.Node) -> None:
        super().__init__()
        self.node = node


class _Measure:
    """The size of a node tree with its aliases expanded, without expanding them."""

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.copied = 0

    def check(self, root: yaml.Node) -> YamlFailure | None:
        """A failure when ``root`` nests too deep, refers to itself, or its aliases copy
        more than :data:`ALIAS_BUDGET` values; None when it may be built."""
        # Iterative depth-first walk: a recursive one would itself run out of stack.
        stack: list[tuple[yaml.Node, yaml.Node, int]] = [(root, root, 0)]
        active: set[int] = set()
        while stack:
            node, where, state = stack.pop()
            key = id(node)
            if state == 1:  # every child is measured
                active.discard(key)
                self.sizes[key] = 1 + sum(self.sizes[id(child)] for child in _children(node))
                continue
            if key in active:
                return _at(where, "an alias refers to a collection that contains it"
                           " (a recursive alias); StagingPro reads trees only")
            size = self.sizes.get(key)
            if size is not None:  # an alias: its value is copied once more
                self.copied += size
                if self.copied > ALIAS_BUDGET:
                    return _at(where, f"aliases here expand the document beyond {ALIAS_BUDGET:,}"
                               " values (nested aliases multiply); write the values out or"
                               " alias fewer levels")
                continue
            if isinstance(node, yaml.ScalarNode):
                self.sizes[key] = 1
                continue
            if len(active) >= MAX_DEPTH:
                return _at(node, _TOO_DEEP)
            active.add(key)
            stack.append((node, where, 1))
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in reversed(node.value):
                    stack.append((value_node, key_node, 0))
                    stack.append((key_node, key_node, 0))
            else:
                stack.extend((child, node, 0) for child in reversed(node.value))
        return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def _at(node: yaml.Node, message: str) -> YamlFailure:
    mark = node.start_mark
    return YamlFailure(mark.line + 1, mark.column + 1, message)


def parse(text: str) -> Any | YamlFailure:
    """Parse one YAML document into plain Python data, or describe why it is not YAML
    (also when it nests too deep or its aliases expand too far: :data:`ALIAS_BUDGET`)."""
    try:
        loader = StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            # Only an alias ("*name") can expand a document; without one the builder
            # checks the depth as it goes, and the walk's cost is saved.
            measured = "*" in text
            refused = _Measure().check(node) if measured else None
            if refused is not None:
                return refused
            try:
                return _Builder().build(node)
            except _TooDeep as deep:
                return _at(deep.node, _TOO_DEEP)
            except _Unusual:
                # Tags or structures the fast builder leaves to PyYAML (sets, ordered
                # maps, binary, custom tags): compose again, slowly.
                refused = None if measured else _Measure().check(node)
                if refused is not None:
                    return refused
                loader.dispose()
                loader = StrictLoader(text)
                return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        return _failure(error, text)
    except yaml.YAMLError as error:  # unmarked: the reader's "special characters" check
        return YamlFailure(1, 1, f"not valid YAML: {error}")
    except RecursionError:
        return YamlFailure(1, 1, "not valid YAML: nesting is too deep")


def _failure(error: yaml.MarkedYAMLError, text: str) -> YamlFailure:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = error.problem or "not valid YAML"
    if isinstance(error, DuplicateKeyError):
        return YamlFailure(line, column, problem)
    if "maximum nesting depth" in problem:  # libyaml's own limit (1000 levels)
        return YamlFailure(line, column, _TOO_DEEP)
    if "'\\t'" in problem or _tab_at(text, mark):
        return YamlFailure(
            line, column, "tab character in indentation; YAML indents with spaces only"
        )
    context = f" ({error.context})" if error.context else ""
    return YamlFailure(line, column, f"not valid YAML: {problem}{context}")


def _tab_at(text: str, mark: yaml.Mark | None) -> bool:
    """Whether the line the parser stopped at is indented with a tab."""
    if mark is None:
        return False
    lines = text.splitlines()
    if not 0 <= mark.line < len(lines):
        return False
    line = lines[mark.line]
    return line[: len(line) - len(line.lstrip())].count("\t") > 0


def compose(text: str) -> yaml.Node | None:
    """The node tree of a document (with marks), for resolving positions lazily."""
    loader = StrictLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()
