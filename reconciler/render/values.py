"""Shared wording for the renderers: paths, values, prices, counts and summary phrases.

Everything here reads a :class:`~reconciler.plan.model.Plan` and returns plain strings;
the renderers add layout (terminal colours, Markdown tables).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from reconciler.kinds.registry import kind_named
from reconciler.plan.model import ABSENT, Change, FieldChange, PathPart, Plan
from reconciler.plan.secret_refs import secret_references

MONEY_FIELDS = frozenset({"price", "sale_price", "retail_price", "cost_price", "map_price"})
"""Fields shown as prices in the store's currency."""
PRICE_FIELDS = MONEY_FIELDS
STOCK_FIELDS = frozenset({"inventory_level", "inventory_warning_level"})
KEY_LABELS = {"product": "SKU", "category": "Path", "brand": "Name", "page": "URL",
              "redirect": "From", "price_list": "Name", "customer_group": "Name",
              "script": "Name", "webhook": "Scope and destination", "theme": "Name"}
ACTIONS = ("create", "update", "delete", "blocked")


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ZERO_WIDTH_JOINER = "\u200d"


def visible(text: str) -> str:
    """``text`` with every character that does not print as itself made visible as an
    escape: control characters (``\\n``, ``\\t``, ``\\x1b``), format characters
    (bidirectional overrides ``\\u202e``, zero-width spaces, byte-order marks), line and
    paragraph separators and spaces other than U+0020 (``\\xa0``). A value can then
    neither break the layout nor forge a line, and invisible differences show. A
    zero-width joiner between two non-ASCII characters (emoji sequences: 👩‍💻) is kept."""
    if text.isprintable():
        return text
    out = []
    last = len(text) - 1
    for index, char in enumerate(text):
        if char.isprintable():
            out.append(char)
        elif char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif (char == _ZERO_WIDTH_JOINER and 0 < index < last
              and not text[index - 1].isascii() and not text[index + 1].isascii()):
            out.append(char)
        elif unicodedata.category(char) in ("Co", "Cn"):
            out.append(char)  # private use, or newer than this Python's Unicode tables
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def plural(kind: str, count: int) -> str:
    """``1 product``, ``3 price lists``."""
    try:
        found = kind_named(kind)
        noun = (found.name if count == 1 else found.plural).replace("_", " ")
    except Exception:  # an unknown kind in a plan file from a newer version
        noun = kind if count == 1 else f"{kind}s"
    return f"{count} {noun}"


def kind_title(kind: str) -> str:
    """``Products``, ``Price lists``."""
    try:
        return kind_named(kind).plural.replace("_", " ").capitalize()
    except Exception:
        return kind.capitalize()


def format_path(path: Sequence[PathPart]) -> str:
    """``price``, ``variants[TRAIL-01-9].price``, ``images[1]`` (steps :func:`visible`)."""
    text = ""
    entries_next = False  # the previous step named a list: this one is an entry's key
    for step in path:
        if isinstance(step, int) or entries_next:
            text += f"[{visible(str(step))}]"
            entries_next = False
        else:
            text += f".{visible(step)}" if text else visible(step)
            entries_next = step in _LIST_FIELDS
    return text


_LIST_FIELDS = frozenset({
    "variants", "options", "values", "modifiers", "custom_fields", "bulk_pricing_rules",
    "records", "discount_rules", "images",
})


def money(value: Any, plan: Plan) -> str:
    """A price in the store's currency: ``$79.00`` (``79.00 USD`` without a symbol)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    exponent = number.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    text = f"{number:,.{places}f}"
    if plan.currency_symbol:
        return f"{plan.currency_symbol}{text}"
    return f"{text} {plan.currency}" if plan.currency else text


def format_value(value: Any, field: PathPart | None, plan: Plan, limit: int = 80) -> str:
    """A value for display: prices in the currency, strings quoted (JSON escapes, and
    :func:`visible` for what JSON leaves invisible), long values cut."""
    if value is ABSENT:
        return "(none)"
    if value is None:
        return "null"
    if field in MONEY_FIELDS and isinstance(value, str | int | float):
        return visible(money(value, plan))
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool | int | float):
        text = json.dumps(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    text = visible(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_entry(path: Sequence[PathPart]) -> bool:
    """Whether ``path`` ends at an entry of a list (``variants[X]``, ``images[1]``)."""
    if not path:
        return False
    return isinstance(path[-1], int) or (len(path) >= 2 and path[-2] in _LIST_FIELDS)


def leaf(change: FieldChange) -> PathPart | None:
    """The last field name of a change's path (``price`` of ``variants[X].price``)."""
    for step in reversed(change.path):
        if isinstance(step, str):
            return step
    return None


def describe_field(change: FieldChange, plan: Plan) -> str:
    """``price: $89.00 → $79.00``; ``+ variants[X]`` (added); ``- images[1]`` (removed)."""
    where = format_path(change.path)
    name = leaf(change)
    if is_entry(change.path) and change.before is ABSENT:
        return f"+ {where}"
    if is_entry(change.path) and change.after is ABSENT:
        return f"- {where}"
    before = format_value(change.before, name, plan)
    after = format_value(change.after, name, plan)
    return f"{where}: {before} → {after}"


def secret_lines(change: Change) -> list[str]:
    """``sends {env: ERP_HOOK_TOKEN} in headers.authorization``: every secret a change
    sends, by variable name and where (never a value)."""
    return [
        f"sends {{env: {variable}}} in {format_path(path)}"
        for path, variable in secret_references(change)
    ]


def theme_sentence(change: Change) -> str | None:
    """What a theme change does, in words, or ``None`` for other kinds."""
    if change.kind != "theme" or change.action == "delete":
        return None
    desired = change.desired or {}
    name = desired.get("name", change.key)
    version = desired.get("version")
    variation = desired.get("variation")
    touched = {str(f.path[0]) for f in change.fields if f.path}
    only_variation = change.action == "update" and touched <= {"variation", "channel_id"}
    what = (
        f"activate variation {variation} of theme {name}"
        if only_variation and variation
        else f"upload theme {name}" + (f" version {version}" if version else "")
        + (f" and activate variation {variation}" if variation else " and activate it")
    )
    return what[0].upper() + what[1:]


def summary_phrases(plan: Plan) -> list[str]:
    """Merchant-friendly phrases: ``3 products change price``, ``2 new brands`` …"""
    phrases: list[str] = []
    by_kind: dict[str, list[Change]] = {}
    for change in plan.changes:
        by_kind.setdefault(change.kind, []).append(change)
    for kind, changes in by_kind.items():
        creates = sum(1 for c in changes if c.action == "create")
        deletes = sum(1 for c in changes if c.action == "delete" and not c.blocked)
        blocked = sum(1 for c in changes if c.blocked)
        updates = [c for c in changes if c.action == "update"]
        if creates:
            phrases.append(f"{creates} new {plural(kind, creates).split(' ', 1)[1]}")
        price = sum(1 for c in updates if any(leaf(f) in PRICE_FIELDS for f in c.fields))
        stock = sum(1 for c in updates if any(leaf(f) in STOCK_FIELDS for f in c.fields))
        if price:
            phrases.append(f"{plural(kind, price)} change{'s' if price == 1 else ''} price")
        if stock:
            phrases.append(f"{plural(kind, stock)} change{'s' if stock == 1 else ''} stock")
        other = sum(
            1 for c in updates
            if any(leaf(f) not in PRICE_FIELDS | STOCK_FIELDS for f in c.fields)
        )
        if other:
            verb = "changes" if other == 1 else "change"
            phrases.append(f"{plural(kind, other)} {verb} other details")
        if deletes:
            phrases.append(f"{plural(kind, deletes)} removed")
        if blocked:
            phrases.append(f"{plural(kind, blocked)} kept (protected)")
    return phrases


def count_rows(plan: Plan) -> list[tuple[str, dict[str, int], int]]:
    """``(kind, {action: n}, unchanged)`` for every kind the plan covers that has items."""
    counts = plan.counts()
    kinds = list(plan.kinds) + [k for k in counts if k not in plan.kinds]
    rows = []
    for kind in kinds:
        per = counts.get(kind, dict.fromkeys(ACTIONS, 0))
        unchanged = int(plan.unchanged.get(kind, 0))
        if unchanged or any(per.values()):  # a kind with nothing declared or live: no row
            rows.append((kind, per, unchanged))
    return rows


def totals(plan: Plan) -> dict[str, int]:
    """Changes per action over the whole plan."""
    result = dict.fromkeys(ACTIONS, 0)
    for per in plan.counts().values():
        for action, count in per.items():
            result[action] += count
    return result
