"""What a plan left alone by the ``lifecycle`` rules of ``stagingpro.yaml``, in words.

One summary line per kind whose declared items set a field the rules leave alone, then
one line per value that differs live (a sale lowered the stock)::

    product: create-only inventory_level (declared by 26; 1 differs live)
      TRAIL-01 inventory_level: create-only, live 80, declared 85

A store where nothing differs shows only the summary lines; kinds whose items declare no
such field show nothing.
"""

from __future__ import annotations

from reconciler.plan.model import LeftAlone, Plan
from reconciler.render.values import format_path, format_value

HEADING = "Left alone (lifecycle in stagingpro.yaml):"
WORDS = {"create_only": "create-only", "ignore": "ignored"}
MAX_DETAILS = 20
"""Differing values listed per kind; the rest are counted (the JSON plan has them all)."""


def lifecycle_summaries(plan: Plan) -> list[tuple[str, list[str]]]:
    """Per kind with something to say: its summary line and the lines of its differing
    values (at most :data:`MAX_DETAILS`, then one line counting the rest)."""
    out: list[tuple[str, list[str]]] = []
    for rules in plan.lifecycle:
        left = [entry for entry in plan.left_alone if entry.kind == rules.kind]
        if not rules.declared_by and not left:
            continue
        parts = [
            f"{WORDS[rule]} {', '.join(paths)}"
            for rule, paths in (("create_only", rules.create_only), ("ignore", rules.ignore))
            if paths
        ]
        counts = f"declared by {rules.declared_by}"
        if left:
            counts += f"; {len(left)} differ{'s' if len(left) == 1 else ''} live"
        details = [describe_left_alone(entry, plan) for entry in left[:MAX_DETAILS]]
        if len(left) > MAX_DETAILS:
            details.append(f"… and {len(left) - MAX_DETAILS} more (the JSON plan lists all)")
        out.append((f"{rules.kind}: {'; '.join(parts)} ({counts})", details))
    return out


def describe_left_alone(entry: LeftAlone, plan: Plan) -> str:
    """``TRAIL-01 inventory_level: create-only, live 80, declared 85``."""
    name = next((step for step in reversed(entry.path) if isinstance(step, str)), None)
    return (
        f"{entry.key} {format_path(entry.path)}: {WORDS[entry.rule]},"
        f" live {format_value(entry.live, name, plan)},"
        f" declared {format_value(entry.declared, name, plan)}"
    )

