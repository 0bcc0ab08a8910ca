"""Canonical JSON of declared and live items: one set of rules for both sides, for
*comparing* only.

The canonical form is never sent to a store: a plan's ``desired`` values and the ``after``
of its field changes are the values as declared (:func:`declared_values`), and apply
writes those byte for byte. A declared item (``model.model_dump(mode="json",
exclude_unset=True)``) and a live item's model-shaped ``data`` (from an adapter, values
as the API returned them) go through the same :func:`canonicalize`, so a value means the
same on both sides exactly when its canonical JSON is equal — apart from the
*equivalences* the differ (:mod:`reconciler.plan.differ`) applies on top.

What canonicalisation does (rules are data, per kind, in :data:`RULES`; decimal fields are
found from the kind's pydantic model):

* **decimals** — every ``Decimal`` field of the model (money, measures, adjusters): ints,
  floats, ``Decimal`` and numeric strings become the normalised decimal text, so ``19.9``,
  ``"19.90"`` and ``19.900`` are all ``"19.9"`` (and ``100`` is ``"100"``, never ``1E+2``);
* **HTML whitespace** — in HTML fields (category and product ``description``, page
  ``body``) runs of whitespace collapse to one space and the ends
  are stripped, as a browser renders them — except inside ``<pre>``, ``<textarea>``,
  ``<script>`` and ``<style>`` elements, where whitespace is content (a newline ends a
  ``//`` comment in a script) and is compared exactly;
* **unordered lists** — sorted (product ``categories``, ``meta_keywords``, a page's
  ``contact_fields`` …);
* **keyed lists** — entries sorted by their key (``variants`` by SKU, ``options`` and
  ``modifiers`` by display name, option values by label, custom fields by name, price
  list ``records`` by SKU + currency, …); they are matched by key, case-insensitively
  where the key is (:func:`entry_key`). Other lists of objects (``images``) are ordered:
  matched by position;
* **header names** — lower-cased (HTTP header names are case-insensitive);
* **repository files** — a declared image ``file:`` (relative to its YAML file) becomes
  the path relative to the state root, and its content's sha256 is added beside it
  (``images[].sha256``, ``variants[].image_sha256``). Adapters read back the hash the
  image was uploaded from (see the product adapter) and return it under the same name;
  when the declared side has the hash, the differ compares the hash, not the path.

What the differ treats as equal without rewriting values (so ``desired`` keeps the
user's spelling): values in case-insensitive fields that differ only in case (SKUs,
brand names, price list record currencies — BigCommerce saves ``USD`` as ``usd``, as
its examples show), "no value" in any spelling (``None``, ``""``, ``[]``, ``{}``, or a field
the store did not return), and ``0`` against no value in fields where BigCommerce uses 0
for "not set" (``sale_price``, ``retail_price``, ``cost_price``, ``map_price`` and a
product's ``width``/``height``/``depth``), and ``false`` against no value in flags the
store records only when set (a product's ``protect``, kept as a metafield by the product
adapter).

Fields that are StagingPro's own and never live (a theme's ``directory``) are *local*:
kept in the declared JSON, never compared.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from reconciler import repo_files
from reconciler.errors import UnsafeFileError
from reconciler.kinds.base import Kind
from reconciler.kinds.fields import is_url

WILDCARD = "*"
"""A pattern step matching any list entry or any key of a free-form mapping."""

Pattern = tuple[str, ...]


@dataclass(frozen=True)
class ListKey:
    """How the entries of a keyed list are matched: by the values of ``fields``
    (joined with a space when several), case-insensitively when ``casefold``."""

    fields: tuple[str, ...]
    casefold: bool = False


@dataclass(frozen=True)
class KindRules:
    """The canonicalisation and comparison rules of one kind (patterns of field names,
    :data:`WILDCARD` for list entries and free mapping keys)."""

    keyed: Mapping[Pattern, ListKey] = field(default_factory=dict)
    unordered: frozenset[Pattern] = frozenset()
    html: frozenset[Pattern] = frozenset()
    case_insensitive: frozenset[Pattern] = frozenset()
    zero_is_unset: frozenset[Pattern] = frozenset()
    lower_keys: frozenset[Pattern] = frozenset()
    """Mappings whose keys are lower-cased (HTTP header names)."""
    files: Mapping[Pattern, str] = field(default_factory=dict)
    """Repository file fields → the sibling field that holds the file's sha256."""
    local: frozenset[Pattern] = frozenset()
    """StagingPro's own fields: never compared with the store."""
    false_is_unset: frozenset[Pattern] = frozenset()
    """Flags the store holds only when true: ``false`` equals no value."""


def _p(*dotted: str) -> frozenset[Pattern]:
    return frozenset(tuple(d.split(".")) for d in dotted)


_MONEY_UNSET = ("sale_price", "retail_price", "cost_price", "map_price")

RULES: Mapping[str, KindRules] = {
    "brand": KindRules(unordered=_p("meta_keywords")),
    "category": KindRules(unordered=_p("meta_keywords"), html=_p("description")),
    "product": KindRules(
        keyed={
            ("variants",): ListKey(("sku",), casefold=True),
            ("options",): ListKey(("display_name",), casefold=True),
            ("options", "*", "values"): ListKey(("label",), casefold=True),
            ("modifiers",): ListKey(("display_name",), casefold=True),
            ("modifiers", "*", "values"): ListKey(("label",), casefold=True),
            ("custom_fields",): ListKey(("name",)),
            ("bulk_pricing_rules",): ListKey(("quantity_min",)),
        },
        unordered=_p("categories", "meta_keywords"),
        html=_p("description"),
        case_insensitive=_p(
            "sku", "brand", "variants.*.sku", "options.*.values.*.value_data.product"
        ),
        zero_is_unset=_p(
            *_MONEY_UNSET, "width", "height", "depth",
            *(f"variants.*.{name}" for name in _MONEY_UNSET),
        ),
        files={("images", "*", "file"): "sha256", ("variants", "*", "image"): "image_sha256"},
        false_is_unset=_p("protect"),
    ),
    "price_list": KindRules(
        keyed={("records",): ListKey(("sku", "currency"), casefold=True)},
        case_insensitive=_p("records.*.sku", "records.*.currency"),
        zero_is_unset=_p(*(f"records.*.{name}" for name in _MONEY_UNSET)),
    ),
    "customer_group": KindRules(
        keyed={("discount_rules",): ListKey(
            ("type", "category", "product", "price_list"), casefold=True
        )},
        unordered=_p("category_access.categories"),
        case_insensitive=_p("discount_rules.*.product"),
    ),
    "page": KindRules(html=_p("body"), unordered=_p("contact_fields")),
    "redirect": KindRules(),
    "script": KindRules(unordered=_p("integrity_hashes")),
    "webhook": KindRules(lower_keys=_p("headers")),
    "theme": KindRules(local=_p("directory")),
}


# --- the compiled rule tree ------------------------------------------------------------


@dataclass
class Node:
    """The rules at one place of an item; children by field name (or :data:`WILDCARD`)."""

    children: dict[str, Node] = field(default_factory=dict)
    decimal: bool = False
    keyed: ListKey | None = None
    unordered: bool = False
    html: bool = False
    case_insensitive: bool = False
    zero_is_unset: bool = False
    lower_keys: bool = False
    local: bool = False
    false_is_unset: bool = False
    hash_field: str | None = None
    """For a repository file field: the sibling holding the file's sha256."""
    trivial: bool = True
    """No rule that rewrites values here or below: canonicalising passes values through
    unchanged (set by :func:`rule_tree`)."""
    files_below: bool = False
    """A repository file field is here or below (set by :func:`rule_tree`)."""

    def child(self, name: str | int) -> Node:
        """The node for field ``name`` (list entries and free keys share the wildcard)."""
        found = self.children.get(name) if isinstance(name, str) else None
        if found is not None:
            return found
        return self.children.get(WILDCARD, _LEAF)

    def at(self, pattern: Pattern) -> Node:
        node = self
        for step in pattern:
            node = node.children.setdefault(step, Node())
        return node


_LEAF = Node()


def _decimal_patterns(model: type[BaseModel], prefix: Pattern = ()) -> Iterable[Pattern]:
    """Patterns of every ``Decimal`` field of ``model`` and its nested parts."""
    for name, info in model.model_fields.items():
        yield from _annotation_patterns(info.annotation, (*prefix, name))


def _annotation_patterns(annotation: Any, path: Pattern) -> Iterable[Pattern]:
    origin = get_origin(annotation)
    if annotation is Decimal:
        yield path
    elif origin is Annotated:
        yield from _annotation_patterns(get_args(annotation)[0], path)
    elif origin in (Union, UnionType):
        for arg in get_args(annotation):
            if arg is not NoneType:
                yield from _annotation_patterns(arg, path)
    elif origin is list:
        yield from _annotation_patterns(get_args(annotation)[0], (*path, WILDCARD))
    elif origin is dict:
        yield from _annotation_patterns(get_args(annotation)[1], (*path, WILDCARD))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _decimal_patterns(annotation, path)


_FLAGS = (
    "unordered", "html", "case_insensitive", "zero_is_unset", "lower_keys", "local",
    "false_is_unset",
)
"""The :class:`KindRules` pattern sets that set the :class:`Node` flag of the same name."""


@cache
def rule_tree(kind_name: str, model: type[BaseModel]) -> Node:
    """The compiled rules of a kind (cached)."""
    rules = RULES.get(kind_name, KindRules())
    root = Node()
    for pattern in _decimal_patterns(model):
        root.at(pattern).decimal = True
    for pattern, key in rules.keyed.items():
        root.at(pattern).keyed = key
    for flag in _FLAGS:  # each rule set marks the nodes of its patterns with its flag
        for pattern in getattr(rules, flag):
            setattr(root.at(pattern), flag, True)
    for pattern, hash_field in rules.files.items():
        root.at(pattern).hash_field = hash_field
    _mark_trivial(root)
    return root


def _mark_trivial(node: Node) -> bool:
    below = [_mark_trivial(child) for child in node.children.values()]
    node.files_below = node.hash_field is not None or any(
        child.files_below for child in node.children.values()
    )
    # Only rules that rewrite values count: case-insensitivity, 0-as-unset, local and
    # file fields are the differ's business and leave the canonical form as it is.
    node.trivial = all(below) and not (
        node.decimal or node.keyed or node.unordered or node.html or node.lower_keys
    )
    return node.trivial


def rules_of(kind: Kind[Any]) -> Node:
    """The compiled rule tree of ``kind``."""
    return rule_tree(kind.name, kind.model)


# --- values ---------------------------------------------------------------------------

@lru_cache(maxsize=65536, typed=True)
def decimal_text(value: Any) -> Any:
    """The normalised text of a decimal value (``19.90`` → ``"19.9"``, ``100`` →
    ``"100"``); anything that is not a finite number is returned unchanged."""
    if isinstance(value, bool):
        return value
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            return value
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


_VERBATIM = re.compile(
    r"(<(?:pre|textarea|script|style)\b[^>]*>.*?(?:</(?:pre|textarea|script|style)\s*>|\Z))",
    re.IGNORECASE | re.DOTALL,
)
"""An HTML element whose whitespace is content, up to its end tag (or the end of text)."""
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
"""HTML's ASCII whitespace; a no-break space (U+00A0) and the like are content."""
_VERBATIM_START = re.compile(r"<(?:pre|textarea|script|style)\b", re.IGNORECASE)
_ODD_ASCII_SPACE = ("\x0b", "\x1c", "\x1d", "\x1e", "\x1f")
_ODD_SPACE = re.compile(
    "[\x0b\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
"""What ``str.split()`` counts as whitespace and HTML does not."""


def _plain(text: str) -> bool:
    """Whether ``" ".join(text.split())`` collapses ``text`` as HTML does (no verbatim
    element, no whitespace that is HTML content); checked at C speed where it can be."""
    if "<" in text and _VERBATIM_START.search(text):
        return False
    if text.isascii():
        return not any(char in text for char in _ODD_ASCII_SPACE)
    return _ODD_SPACE.search(text) is None


def collapse_whitespace(text: str) -> str:
    """HTML whitespace as a browser renders it: runs of ASCII whitespace collapse to one
    space, ends stripped; inside ``<pre>``, ``<textarea>``, ``<script>`` and ``<style>``
    elements whitespace is kept as written."""
    if _plain(text):  # the common case
        return " ".join(text.split())
    parts = _VERBATIM.split(text)
    # split() with one group: text, element, text, element, …, text
    for index in range(0, len(parts), 2):
        parts[index] = _HTML_SPACE.sub(" ", parts[index])
    parts[0] = parts[0].lstrip(" ")
    parts[-1] = parts[-1].rstrip(" ")  # a text part: split() gives an odd number of parts
    return "".join(parts)


def _sort_key(value: Any) -> tuple[int, str]:
    if isinstance(value, str):
        return (0, value)
    return (1, json.dumps(value, sort_keys=True, ensure_ascii=False))


def entry_key(entry: Any, key: ListKey) -> str:
    """The key of one entry of a keyed list as written (``"TRAIL-01-9"``, ``"SKU USD"``)."""
    if not isinstance(entry, dict) and not isinstance(entry, Mapping):
        return str(entry)
    if len(key.fields) == 1:
        part = entry.get(key.fields[0])
        return "" if part is None else str(part)
    parts = [entry.get(name) for name in key.fields]
    return " ".join(str(part) for part in parts if part is not None and part != "")


@cache
def _sorter(key: ListKey) -> Callable[[Any], str]:
    """The sort key of a keyed list's entries: their match form."""
    if len(key.fields) == 1:
        name = key.fields[0]

        def single(entry: Any) -> str:
            part = entry.get(name) if isinstance(entry, dict) else entry
            text = "" if part is None else str(part)
            return text.casefold() if key.casefold else text

        return single
    return lambda entry: match_form(entry_key(entry, key), key)


def match_form(text: str, key: ListKey) -> str:
    """The form of an entry key used for matching (case-folded where the key is)."""
    return text.casefold() if key.casefold else text


_SCALARS = frozenset({str, int, float})


def canonicalize(value: Any, node: Node) -> Any:
    """The canonical form of ``value`` (JSON values: what ``model_dump(mode="json")`` or
    an API gives) under the rules ``node`` (module docstring). Parts without rules are
    shared with ``value``, not copied."""
    if node.trivial or value is None or value.__class__ is bool:
        return value
    if node.decimal and not isinstance(value, dict | list):
        return decimal_text(value)
    if isinstance(value, str):
        return collapse_whitespace(value) if node.html else value
    if isinstance(value, dict):
        if node.lower_keys:
            entry = node.child(WILDCARD)
            return {str(k).lower(): canonicalize(v, entry) for k, v in value.items()}
        children = node.children
        wildcard = children.get(WILDCARD, _LEAF)
        result = {}
        for k, v in value.items():
            child = children.get(k, wildcard)
            if child.trivial or v is None:
                result[k] = v
            elif child.decimal and v.__class__ in _SCALARS:
                result[k] = decimal_text(v)  # inlined: the most common rule by far
            else:
                result[k] = canonicalize(v, child)
        return result
    if isinstance(value, list | tuple):
        entry = node.child(WILDCARD)
        items = list(value) if entry.trivial else [canonicalize(v, entry) for v in value]
        if node.keyed is not None:
            items.sort(key=_sorter(node.keyed))
        elif node.unordered:
            items.sort(key=_sort_key)
        return items
    if isinstance(value, Mapping):
        return canonicalize(dict(value), node)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return value


# --- the two sides --------------------------------------------------------------------

FileDigest = Callable[[str], str | None]
"""Gives the sha256 of a file relative to the state root (``None`` when unreadable)."""


def file_digest(root: Path) -> FileDigest:
    """A cached sha256 reader for repository files under ``root``; a file outside it
    (or no regular file) is never read: :mod:`reconciler.repo_files`."""
    cache: dict[str, str | None] = {}

    def digest(relative: str) -> str | None:
        if relative not in cache:
            try:
                data = repo_files.read_bytes(root, relative)
            except (OSError, UnsafeFileError):  # validation says why; nothing is hashed
                cache[relative] = None
            else:
                cache[relative] = hashlib.sha256(data).hexdigest()
        return cache[relative]

    return digest


def declared_values(
    kind: Kind[Any],
    data: Mapping[str, Any],
    *,
    declared_in: Callable[[tuple[str | int, ...]], str] | None = None,
    digest: FileDigest | None = None,
) -> dict[str, Any]:
    """A declared item's dumped ``data`` as apply sends it: the values as declared, with
    repository file references resolved (what a plan's ``desired`` holds).

    ``declared_in(path)`` names the file (relative to the state root) where the value at
    ``path`` is written, so repository file references resolve relative to it;
    ``digest`` hashes those files. Without them ``data`` is returned as it is. Parts
    without file references are shared with ``data``, not copied.
    """
    if declared_in is None or digest is None:
        return dict(data)
    return dict(_resolve_files(data, rules_of(kind), (), declared_in, digest))


def canonical_declared(
    kind: Kind[Any],
    data: Mapping[str, Any],
    *,
    declared_in: Callable[[tuple[str | int, ...]], str] | None = None,
    digest: FileDigest | None = None,
) -> dict[str, Any]:
    """The canonical JSON of a declared item's dumped ``data`` (:func:`declared_values`,
    then :func:`canonicalize`)."""
    # Files are resolved before canonicalising: keyed lists get sorted, and
    # ``declared_in`` needs the list positions as written.
    values = declared_values(kind, data, declared_in=declared_in, digest=digest)
    result: dict[str, Any] = canonicalize(values, rules_of(kind))
    return result


def canonical_live(kind: Kind[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical JSON of a live item's model-shaped ``data``."""
    result: dict[str, Any] = canonicalize(dict(data), rules_of(kind))
    return result


def item_fingerprint(kind: Kind[Any], data: Mapping[str, Any]) -> str:
    """The fingerprint of a live item (``Change.fingerprint``): sha256 of its canonical
    data. Apply re-reads the item and compares this to refuse a stale plan."""
    return fingerprint(canonical_live(kind, data))


def _resolve_files(
    value: Any,
    node: Node,
    path: tuple[str | int, ...],
    declared_in: Callable[[tuple[str | int, ...]], str],
    digest: FileDigest,
) -> Any:
    """``value`` with repository file references resolved (copies only what changes)."""
    if not node.files_below:
        return value
    if isinstance(value, Mapping):
        result = dict(value)
        for name, child in node.children.items():
            if not child.files_below or name not in value:
                continue
            inner = value[name]
            if child.hash_field is not None and isinstance(inner, str) and not is_url(inner):
                base = posixpath.dirname(declared_in((*path, name)))
                relative = posixpath.normpath(posixpath.join(base, inner))
                result[name] = relative
                sha = digest(relative)
                if sha is not None:
                    result[child.hash_field] = sha
            elif isinstance(inner, Mapping | list):
                result[name] = _resolve_files(inner, child, (*path, name), declared_in, digest)
        return result
    if isinstance(value, list):
        entry = node.child(WILDCARD)
        return [
            _resolve_files(inner, entry, (*path, index), declared_in, digest)
            if isinstance(inner, Mapping | list)
            else inner
            for index, inner in enumerate(value)
        ]
    return value


def canonical_text(value: Any) -> str:
    """The one JSON text of a canonical value (sorted keys, no spaces): what is hashed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def fingerprint(value: Any) -> str:
    """sha256 of a canonical value's JSON text."""
    return hashlib.sha256(canonical_text(value).encode()).hexdigest()
