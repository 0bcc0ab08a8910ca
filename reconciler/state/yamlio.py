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


def parse(text: str) -> Any | YamlFailure:
    """Parse one YAML document into plain Python data, or describe why it is not YAML."""
    try:
        loader = StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                return _Builder().build(node)
            except _Unusual:
                # Tags or structures the fast builder leaves to PyYAML (sets, ordered
                # maps, binary, custom tags, recursive aliases): compose again, slowly.
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
